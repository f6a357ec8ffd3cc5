"""``tricloud cosmos init`` against cosmosdb-server, with the secret on moto."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.cosmos import PartitionKey

from offline.provision import cosmos_secret_json
from offline.servers import CosmosServer, free_port
from offline.servers.tls import make_tls_files
from tooling.cosmos_setup import INDEXING_POLICY, policy_matches

pytestmark = pytest.mark.integration


@pytest.fixture
def cosmos_secret(
    new_secret: Callable[[str], str], cosmos_server: CosmosServer, database_name: str
) -> str:
    """A Cosmos secret for the local server and a fresh database; returns its ARN."""
    return new_secret(cosmos_secret_json(cosmos_server.endpoint, cosmos_server.key, database_name))


def test_init_twice_creates_then_changes_nothing(
    tricloud: Callable[..., Any],
    cosmos_secret: str,
    cosmos_server: CosmosServer,
    database_name: str,
) -> None:
    first = tricloud("cosmos", "init", "--secret-id", cosmos_secret)
    second = tricloud("cosmos", "init", "--secret-id", cosmos_secret)

    assert first.code == 0, first.err
    assert f"Created container {database_name}/images" in first.out
    assert second.code == 0, second.err
    assert "already exists and is up to date" in second.out
    properties = (
        cosmos_server.client()
        .get_database_client(database_name)
        .get_container_client("images")
        .read()
    )
    assert properties["partitionKey"]["paths"] == ["/owner"]
    assert properties["defaultTtl"] == -1  # per-item TTL on (pending uploads only)
    assert policy_matches(properties["indexingPolicy"])
    included = {entry["path"] for entry in properties["indexingPolicy"]["includedPaths"]}
    assert {"/uploaded_at/?", "/label_prefixes/[]/?", "/upload_expires_at/?"} <= included
    assert properties["indexingPolicy"]["compositeIndexes"] == [
        [
            {"path": "/uploaded_at", "order": "descending"},
            {"path": "/id", "order": "descending"},
        ]
    ]
    assert {"path": "/*"} in properties["indexingPolicy"]["excludedPaths"]


def test_init_reads_the_secret_id_from_cosmos_secret_id_as_doctor_does(
    tricloud: Callable[..., Any],
    cosmos_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COSMOS_SECRET_ID", cosmos_secret)

    result = tricloud("cosmos", "init")  # no --secret-id, and no stack to read it from

    assert result.code == 0, result.err
    assert "Created container" in result.out


def test_init_finds_the_secret_through_the_stack_outputs(
    tricloud: Callable[..., Any],
    cosmos_secret: str,
    make_stack: Callable[[dict[str, str]], str],
) -> None:
    stack = make_stack({"CosmosSecretName": cosmos_secret})

    result = tricloud("cosmos", "init", "--stack", stack)

    assert result.code == 0, result.err
    assert "Created container" in result.out


def test_init_brings_an_existing_containers_indexing_policy_in_line(
    tricloud: Callable[..., Any],
    cosmos_secret: str,
    cosmos_server: CosmosServer,
    database_name: str,
) -> None:
    database = cosmos_server.client().create_database(database_name)
    database.create_container("images", PartitionKey(path="/owner"))  # default: index everything

    result = tricloud("cosmos", "init", "--secret-id", cosmos_secret)

    assert result.code == 0, result.err
    assert "updated its indexing policy" in result.out
    policy = database.get_container_client("images").read()["indexingPolicy"]
    assert policy_matches(policy)
    assert policy["includedPaths"] == INDEXING_POLICY["includedPaths"]


def test_init_refuses_a_container_with_another_partition_key(
    tricloud: Callable[..., Any],
    cosmos_secret: str,
    cosmos_server: CosmosServer,
    database_name: str,
) -> None:
    database = cosmos_server.client().create_database(database_name)
    database.create_container("images", PartitionKey(path="/image_fname"))

    result = tricloud("cosmos", "init", "--secret-id", cosmos_secret)

    assert result.code == 1
    assert "partition key cannot be changed" in result.err


def test_init_with_throughput_creates_the_container(
    tricloud: Callable[..., Any], cosmos_secret: str
) -> None:
    result = tricloud("cosmos", "init", "--secret-id", cosmos_secret, "--throughput", "400")

    assert result.code == 0, result.err
    assert "Created container" in result.out


def test_init_with_a_malformed_secret_says_how_to_fix_it(
    tricloud: Callable[..., Any], new_secret: Callable[[str], str]
) -> None:
    arn = new_secret('{"endpoint": "https://x.documents.azure.com/", "key": "k3y-value"}')

    result = tricloud("cosmos", "init", "--secret-id", arn)

    assert result.code == 1
    assert "missing or empty field(s): database, container" in result.err
    assert "tricloud secrets set-cosmos" in result.err
    assert "k3y-value" not in result.out + result.err


def test_init_names_an_unreachable_endpoint(
    tricloud: Callable[..., Any], new_secret: Callable[[str], str], database_name: str
) -> None:
    endpoint = f"https://127.0.0.1:{free_port()}/"
    arn = new_secret(cosmos_secret_json(endpoint, "a2V5", database_name, "c"))

    result = tricloud("cosmos", "init", "--secret-id", arn)

    assert result.code == 1
    assert f"cannot reach Cosmos DB at {endpoint}" in result.err


def test_init_verifies_tls_with_the_ca_bundle(
    tricloud: Callable[..., Any],
    cosmos_secret: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # A CA other than the one that signed the local server's certificate must be refused.
    other_ca = make_tls_files(tmp_path / "other-ca").ca_cert
    monkeypatch.setenv("COSMOS_CA_BUNDLE", str(other_ca))

    result = tricloud("cosmos", "init", "--secret-id", cosmos_secret)

    assert result.code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.err


def test_init_rejects_a_zero_throughput(tricloud: Callable[..., Any], cosmos_secret: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        tricloud("cosmos", "init", "--secret-id", cosmos_secret, "--throughput", "0")

    assert exit_info.value.code == 2
