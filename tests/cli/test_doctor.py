"""``tricloud doctor`` against the local servers: green when all is well, and naming the
broken part when a server is stopped, answers errors, or a secret is malformed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from azure.cosmos import PartitionKey

from offline.provision import cosmos_secret_json, local_gcp_credentials_json
from offline.servers import CosmosServer, VisionServer, free_port, start_cosmos, start_vision
from tooling.cosmos_setup import DEFAULT_TTL, INDEXING_POLICY, ensure_container

from .conftest import CHECKS

pytestmark = pytest.mark.integration


@pytest.fixture
def vision_env(monkeypatch: pytest.MonkeyPatch, vision_server: VisionServer) -> VisionServer:
    """Send Vision calls to the local Vision server, as the offline stack does."""
    vision_server.control.reset()
    monkeypatch.setenv("VISION_API_ENDPOINT", vision_server.endpoint)
    return vision_server


@pytest.fixture
def healthy(
    new_secret: Callable[[str], str],
    cosmos_server: CosmosServer,
    database_name: str,
    site_url: str,
    vision_env: VisionServer,
) -> dict[str, str]:
    """Well-formed secrets, a set-up container, a site: everything a green report needs."""
    ensure_container(cosmos_server.client(), database_name, "images")
    return {
        "site": site_url,
        "gcp": new_secret(local_gcp_credentials_json()),
        "cosmos": new_secret(
            cosmos_secret_json(cosmos_server.endpoint, cosmos_server.key, database_name)
        ),
    }


def doctor_args(targets: dict[str, str]) -> list[str]:
    """``doctor`` pointed at explicit targets (no stack lookup), as for the offline stack."""
    return [
        "doctor",
        "--site", targets["site"],
        "--gcp-secret-id", targets["gcp"],
        "--cosmos-secret-id", targets["cosmos"],
    ]  # fmt: skip


def test_all_green_when_everything_works(
    tricloud: Callable[..., Any], healthy: dict[str, str], vision_env: VisionServer
) -> None:
    result = tricloud(*doctor_args(healthy))

    assert result.code == 0, result.out
    assert result.statuses() == ["✓"] * len(CHECKS)
    assert "All 6 checks passed." in result.out
    assert "Stack outputs" not in result.out
    (probe,) = vision_env.control.requests()  # the annotate call really reached Vision
    assert (probe["status"], probe["image_count"], probe["features"]) == (
        200,
        1,
        [["IMAGE_PROPERTIES"]],
    )


def test_names_vision_when_its_server_is_stopped(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    stopped = start_vision(tmp_path)
    stopped.stop()
    monkeypatch.setenv("VISION_API_ENDPOINT", stopped.endpoint)

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("Cloud Vision") == "✗"
    assert f"{stopped.endpoint}: cannot connect" in result.line("Cloud Vision")
    assert [result.status(name) for name in CHECKS if name != "Cloud Vision"] == ["✓"] * 5
    assert "1 of 6 checks failed." in result.out


def test_names_vision_when_it_answers_errors(
    tricloud: Callable[..., Any], healthy: dict[str, str], vision_env: VisionServer
) -> None:
    vision_env.control.fail_next(1, status=500)  # not retried, unlike 429 and 503

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("Cloud Vision") == "✗"
    assert "500" in result.line("Cloud Vision")


def test_names_cosmos_when_its_server_is_stopped(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    new_secret: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stopped = start_cosmos(tmp_path, tmp_path)
    stopped.stop()
    monkeypatch.setenv("COSMOS_CA_BUNDLE", str(stopped.ca_bundle))
    healthy["cosmos"] = new_secret(cosmos_secret_json(stopped.endpoint, stopped.key, "tricloud"))

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("Cosmos secret") == "✓"
    assert result.status("Cosmos DB") == "✗"
    assert f"cannot reach Cosmos DB at {stopped.endpoint}" in result.line("Cosmos DB")


def test_names_the_site_when_nothing_listens(
    tricloud: Callable[..., Any], healthy: dict[str, str]
) -> None:
    healthy["site"] = f"http://127.0.0.1:{free_port()}"

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("Web site") == "✗"
    assert result.status("API health") == "✗"
    assert "cannot connect" in result.line("Web site")
    assert result.status("Cosmos DB") == "✓"


def test_a_malformed_cosmos_secret_is_named_and_its_check_skipped(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    new_secret: Callable[[str], str],
) -> None:
    healthy["cosmos"] = new_secret(
        '{"endpoint": "https://a.documents.azure.com/", "key": "s3cr3t"}'
    )

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("Cosmos secret") == "✗"
    report = result.line("Cosmos secret")
    assert "missing or empty field(s): database, container" in report
    assert "tricloud secrets set-cosmos" in report
    assert result.status("Cosmos DB") == "-"
    assert "s3cr3t" not in result.out + result.err


def test_the_stacks_placeholder_gcp_secret_is_named(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    new_secret: Callable[[str], str],
) -> None:
    healthy["gcp"] = new_secret("Xy7#generated-password-placeholder")

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("GCP secret") == "✗"
    assert "tricloud secrets set-gcp" in result.line("GCP secret")
    assert "generated-password" not in result.out


def test_a_secret_that_does_not_exist_is_named(
    tricloud: Callable[..., Any], healthy: dict[str, str]
) -> None:
    healthy["gcp"] = "tricloud/no-such-secret"

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert "'tricloud/no-such-secret' does not exist" in result.line("GCP secret")


def test_without_aws_credentials_it_says_to_sign_in_not_to_set_the_secrets(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # forget credentials found earlier

    explicit = tricloud(*doctor_args(healthy))
    from_stack = tricloud("doctor")

    assert (explicit.code, from_stack.code) == (1, 1)
    for result, check in (
        (explicit, "GCP secret"),
        (explicit, "Cosmos secret"),
        (from_stack, "Stack outputs"),
    ):
        report = result.line(check)
        assert "no AWS credentials found" in report
        assert "sign in to AWS first" in report
        assert "tricloud secrets set" not in report


def test_a_secret_the_stack_created_without_a_value_is_named(
    tricloud: Callable[..., Any], healthy: dict[str, str], secretsmanager: Any
) -> None:
    name = f"tricloud-cli-test/empty-{uuid.uuid4().hex}"
    secretsmanager.create_secret(Name=name)  # what the stack deploys: no value at all
    healthy["cosmos"] = name

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    report = result.line("Cosmos secret")
    assert "has no value yet" in report
    assert "tricloud secrets set-cosmos" in report


def test_a_missing_container_says_run_cosmos_init(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    new_secret: Callable[[str], str],
    cosmos_server: CosmosServer,
) -> None:
    healthy["cosmos"] = new_secret(
        cosmos_secret_json(cosmos_server.endpoint, cosmos_server.key, "never-initialised")
    )

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert result.status("Cosmos DB") == "✗"
    assert "tricloud cosmos init" in result.line("Cosmos DB")


@pytest.mark.parametrize(
    ("path", "settings", "problem"),
    [
        ("/owner", {"default_ttl": DEFAULT_TTL}, "indexing policy"),  # indexes everything
        ("/owner", {"indexing_policy": INDEXING_POLICY}, "time to live is off"),
        ("/id", {"default_ttl": DEFAULT_TTL}, "partition key is not /owner"),  # before owners
    ],
    ids=["indexing-policy", "no-ttl", "partition-key"],
)
def test_a_container_set_up_otherwise_says_run_cosmos_init(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    new_secret: Callable[[str], str],
    cosmos_server: CosmosServer,
    database_name: str,
    path: str,
    settings: dict[str, Any],
    problem: str,
) -> None:
    other = f"{database_name}-{uuid.uuid4().hex[:6]}"
    database = cosmos_server.client().create_database(other)
    database.create_container("images", PartitionKey(path=path), **settings)
    healthy["cosmos"] = new_secret(
        cosmos_secret_json(cosmos_server.endpoint, cosmos_server.key, other)
    )

    result = tricloud(*doctor_args(healthy))

    assert result.code == 1
    assert problem in result.line("Cosmos DB")
    assert "tricloud cosmos init" in result.line("Cosmos DB")


def test_reads_everything_from_the_stack_outputs(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    make_stack: Callable[[dict[str, str]], str],
) -> None:
    stack = make_stack(
        {
            "SiteUrl": healthy["site"],
            "ApiUrl": f"{healthy['site']}/api/",
            "GcpSecretName": healthy["gcp"],
            "CosmosSecretName": healthy["cosmos"],
        }
    )

    result = tricloud("doctor", "--stack", stack)

    assert result.code == 0, result.out
    assert result.status("Stack outputs") == "✓"
    assert result.statuses() == ["✓"] * len(CHECKS)


def test_an_unknown_stack_is_named(tricloud: Callable[..., Any]) -> None:
    result = tricloud("doctor", "--stack", "NoSuchTricloud")

    assert result.code == 1
    assert result.status("Stack outputs") == "✗"
    assert "stack 'NoSuchTricloud' not found" in result.line("Stack outputs")


def test_a_workload_identity_config_is_checked_for_shape_only(
    tricloud: Callable[..., Any],
    healthy: dict[str, str],
    new_secret: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VISION_API_ENDPOINT")
    config = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/"
        "providers/aws",
        "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"environment_id": "aws1"},
    }
    healthy["gcp"] = new_secret(json.dumps(config))

    result = tricloud(*doctor_args(healthy))

    assert result.code == 0, result.out
    assert result.status("GCP secret") == "✓"
    assert result.status("Cloud Vision") == "-"
    assert "Workload Identity Federation" in result.line("Cloud Vision")
