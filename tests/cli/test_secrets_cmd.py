"""``tricloud secrets set-gcp`` / ``set-cosmos`` against moto's Secrets Manager."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambdas.credentials import CosmosSettings, parse_gcp_credentials
from offline.servers import CosmosServer
from tooling import stack_outputs
from tooling.cli_support import CommandError

pytestmark = pytest.mark.integration

ACCOUNT_ENDPOINT = "https://acct.documents.azure.com:443/"
EXTERNAL_ACCOUNT = {
    "type": "external_account",
    "audience": "//iam.googleapis.com/projects/123/locations/global/"
    "workloadIdentityPools/tricloud/providers/aws",
    "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
    "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/"
    "serviceAccounts/tricloud@p.iam.gserviceaccount.com:generateAccessToken",
    "token_url": "https://sts.googleapis.com/v1/token",
    "credential_source": {
        "environment_id": "aws1",
        "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone",
        "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
        "regional_cred_verification_url": "https://sts.{region}.amazonaws.com"
        "?Action=GetCallerIdentity&Version=2011-06-15",
    },
}


def test_set_gcp_stores_the_key_file_unchanged_and_prints_no_key(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    gcp_key_file: Path,
) -> None:
    arn = new_secret()
    result = tricloud("secrets", "set-gcp", "--key-file", str(gcp_key_file), "--secret-id", arn)

    assert result.code == 0, result.err
    stored = secret_value(arn)
    assert stored == gcp_key_file.read_text().strip()
    info = parse_gcp_credentials(stored)
    assert info["client_email"] in result.out
    assert "PRIVATE KEY" not in result.text
    assert info["private_key_id"] not in result.text


def test_set_gcp_accepts_a_workload_identity_federation_config(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    tmp_path: Path,
) -> None:
    config = tmp_path / "wif.json"
    config.write_text(json.dumps(EXTERNAL_ACCOUNT))
    arn = new_secret()

    result = tricloud("secrets", "set-gcp", "--key-file", str(config), "--secret-id", arn)

    assert result.code == 0, result.err
    assert parse_gcp_credentials(secret_value(arn)) == EXTERNAL_ACCOUNT
    assert "Workload Identity Federation" in result.out


def test_set_gcp_finds_the_secret_through_the_stack_outputs(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    make_stack: Callable[[dict[str, str]], str],
    secret_value: Callable[[str], str],
    gcp_key_file: Path,
) -> None:
    arn = new_secret()
    stack = make_stack({"GcpSecretName": arn})

    result = tricloud("secrets", "set-gcp", "--key-file", str(gcp_key_file), "--stack", stack)

    assert result.code == 0, result.err
    assert parse_gcp_credentials(secret_value(arn))["type"] == "service_account"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('["a", "list"]', "must be a JSON object"),
        ('{"type": "authorized_user", "client_id": "x"}', "field 'type' must be"),
        ('{"type": "service_account", "client_email": "a@b.c"}', "private_key"),
    ],
)
def test_set_gcp_refuses_a_wrong_file_and_leaves_the_secret_alone(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    placeholder: str,
    tmp_path: Path,
    content: str,
    expected: str,
) -> None:
    key_file = tmp_path / "bad.json"
    key_file.write_text(content)
    arn = new_secret()

    result = tricloud("secrets", "set-gcp", "--key-file", str(key_file), "--secret-id", arn)

    assert result.code == 2
    assert expected in result.err
    assert secret_value(arn) == placeholder


def test_set_gcp_names_a_missing_file(
    tricloud: Callable[..., Any], new_secret: Callable[..., str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.json"
    result = tricloud("secrets", "set-gcp", "--key-file", str(missing), "--secret-id", new_secret())

    assert result.code == 2
    assert f"{missing}: no such file" in result.err


def test_set_gcp_into_a_secret_that_does_not_exist_says_deploy_first(
    tricloud: Callable[..., Any], gcp_key_file: Path
) -> None:
    result = tricloud(
        "secrets", "set-gcp", "--key-file", str(gcp_key_file), "--secret-id", "no/such/secret"
    )

    assert result.code == 1
    assert "does not exist: deploy the stack first" in result.err


def test_set_gcp_with_a_stack_without_the_output_says_so(
    tricloud: Callable[..., Any],
    make_stack: Callable[[dict[str, str]], str],
    gcp_key_file: Path,
) -> None:
    stack = make_stack({"SiteUrl": "https://example.cloudfront.net"})

    result = tricloud("secrets", "set-gcp", "--key-file", str(gcp_key_file), "--stack", stack)

    assert result.code == 1
    assert f"stack {stack!r} has no output 'GcpSecretName'" in result.err


def test_set_gcp_with_an_unknown_stack_says_so(
    tricloud: Callable[..., Any], gcp_key_file: Path
) -> None:
    result = tricloud(
        "secrets", "set-gcp", "--key-file", str(gcp_key_file), "--stack", "NoSuchStack"
    )

    assert result.code == 1
    assert "stack 'NoSuchStack' not found" in result.err


def test_set_cosmos_reads_the_key_from_the_environment(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    cosmos_server: CosmosServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_COSMOS_KEY", cosmos_server.key)
    arn = new_secret()

    result = tricloud(
        "secrets", "set-cosmos",
        "--endpoint", cosmos_server.endpoint,
        "--key-env", "TEST_COSMOS_KEY",
        "--database", "photos",
        "--container", "labels",
        "--secret-id", arn,
    )  # fmt: skip

    assert result.code == 0, result.err
    settings = CosmosSettings.from_secret(secret_value(arn))
    assert settings == CosmosSettings(cosmos_server.endpoint, cosmos_server.key, "photos", "labels")
    assert cosmos_server.key not in result.text


def test_set_cosmos_prompts_for_the_key_on_a_terminal(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "dHlwZWQta2V5")
    arn = new_secret()

    result = tricloud(
        "secrets", "set-cosmos", "--endpoint", ACCOUNT_ENDPOINT,
        "--secret-id", arn,
    )  # fmt: skip

    assert result.code == 0, result.err
    settings = CosmosSettings.from_secret(secret_value(arn))
    assert (settings.key, settings.database, settings.container) == (
        "dHlwZWQta2V5",
        "tricloud",
        "images",
    )


@pytest.mark.parametrize(
    ("endpoint", "key", "expected", "not_shown"),
    [
        pytest.param(
            ACCOUNT_ENDPOINT,
            "AccountKey=pasted the whole connection string;",
            "not an account key",
            "pasted the whole",
            id="not-an-account-key",
        ),
        pytest.param(
            ACCOUNT_ENDPOINT,
            None,
            "TEST_COSMOS_KEY is not set",
            None,
            id="key-variable-unset",
        ),
        pytest.param(
            "http://acct.documents.azure.com/",
            "c2VjcmV0LWtleS12YWx1ZQ==",
            "must be an https:// URL",
            "c2VjcmV0LWtleS12YWx1ZQ==",
            id="plain-http-endpoint",
        ),
    ],
)
def test_set_cosmos_refuses_bad_input_without_printing_the_key_and_writes_nothing(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    placeholder: str,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    key: str | None,
    expected: str,
    not_shown: str | None,
) -> None:
    if key is None:
        monkeypatch.delenv("TEST_COSMOS_KEY", raising=False)
    else:
        monkeypatch.setenv("TEST_COSMOS_KEY", key)
    arn = new_secret()

    result = tricloud(
        "secrets", "set-cosmos", "--endpoint", endpoint,
        "--key-env", "TEST_COSMOS_KEY", "--secret-id", arn,
    )  # fmt: skip

    assert result.code == 2
    assert expected in result.err
    if not_shown is not None:
        assert not_shown not in result.text
    assert secret_value(arn) == placeholder


def test_ctrl_c_at_the_key_prompt_writes_nothing(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    secret_value: Callable[[str], str],
    placeholder: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupt(prompt: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", interrupt)
    arn = new_secret()

    result = tricloud(
        "secrets", "set-cosmos", "--endpoint", ACCOUNT_ENDPOINT,
        "--secret-id", arn,
    )  # fmt: skip

    assert result.code == 130
    assert "cancelled" in result.err
    assert secret_value(arn) == placeholder


def test_set_cosmos_without_a_terminal_or_variable_refuses(
    tricloud: Callable[..., Any],
    new_secret: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    result = tricloud(
        "secrets", "set-cosmos", "--endpoint", ACCOUNT_ENDPOINT,
        "--secret-id", new_secret(),
    )  # fmt: skip

    assert result.code == 2
    assert "pass --key-env" in result.err


def test_a_provider_secret_the_stack_does_not_have_is_explained() -> None:
    outputs = {"LabelsProvider": "rekognition", "ImageStore": "dynamodb", "SiteUrl": "https://x"}
    with pytest.raises(CommandError, match="labels=rekognition, which needs no such secret"):
        stack_outputs.output_value(outputs, stack_outputs.GCP_SECRET, "Tricloud")
    with pytest.raises(CommandError, match="store=dynamodb"):
        stack_outputs.output_value(outputs, stack_outputs.COSMOS_SECRET, "Tricloud")
    with pytest.raises(CommandError, match="finished deploying"):
        stack_outputs.output_value({}, stack_outputs.GCP_SECRET, "Tricloud")
