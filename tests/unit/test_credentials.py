"""Parsing of the GCP and Cosmos secrets: accepted shapes, clear errors, no leaked secrets."""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest

from lambdas.credentials import CosmosSettings, CredentialsError, parse_gcp_credentials

SECRET_MARKER = "TOP-SECRET-VALUE-123"

SERVICE_ACCOUNT: dict[str, Any] = {
    "type": "service_account",
    "project_id": "demo-project",
    "private_key_id": "abc",
    "private_key": f"-----BEGIN PRIVATE KEY-----\n{SECRET_MARKER}\n-----END PRIVATE KEY-----\n",
    "client_email": "vision@demo-project.iam.gserviceaccount.com",
    "client_id": "1",
    "token_uri": "https://oauth2.googleapis.com/token",
}

EXTERNAL_ACCOUNT: dict[str, Any] = {
    "type": "external_account",
    "audience": "//iam.googleapis.com/projects/1/locations/global/"
    "workloadIdentityPools/p/providers/aws",
    "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
    "token_url": "https://sts.googleapis.com/v1/token",
    "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/"
    "serviceAccounts/vision@demo-project.iam.gserviceaccount.com:generateAccessToken",
    "credential_source": {
        "environment_id": "aws1",
        "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone",
        "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
        "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
    },
}

COSMOS: dict[str, str] = {
    "endpoint": "https://tricloud.documents.azure.com:443/",
    "key": SECRET_MARKER,
    "database": "tricloud",
    "container": "images",
}


def without(info: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in info.items() if k != name}


@pytest.mark.parametrize("info", [SERVICE_ACCOUNT, EXTERNAL_ACCOUNT], ids=["sa", "wif"])
def test_gcp_accepts_both_credential_types(info: dict[str, Any]) -> None:
    assert parse_gcp_credentials(json.dumps(info)) == info


@pytest.mark.parametrize(
    ("info", "field"),
    [
        (SERVICE_ACCOUNT, "private_key"),
        (SERVICE_ACCOUNT, "client_email"),
        (SERVICE_ACCOUNT, "token_uri"),
        (EXTERNAL_ACCOUNT, "audience"),
        (EXTERNAL_ACCOUNT, "subject_token_type"),
        (EXTERNAL_ACCOUNT, "token_url"),
        (EXTERNAL_ACCOUNT, "credential_source"),
    ],
)
def test_gcp_missing_field_is_named(info: dict[str, Any], field: str) -> None:
    with pytest.raises(CredentialsError, match=field):
        parse_gcp_credentials(json.dumps(without(info, field)))


def test_gcp_empty_field_counts_as_missing() -> None:
    with pytest.raises(CredentialsError, match="client_email"):
        parse_gcp_credentials(json.dumps({**SERVICE_ACCOUNT, "client_email": "  "}))


def test_gcp_credential_source_must_be_an_object() -> None:
    with pytest.raises(CredentialsError, match="credential_source"):
        parse_gcp_credentials(json.dumps({**EXTERNAL_ACCOUNT, "credential_source": "file"}))


@pytest.mark.parametrize(
    "info",
    [
        {**SERVICE_ACCOUNT, "type": "authorized_user"},
        {**SERVICE_ACCOUNT, "type": 7},
        without(SERVICE_ACCOUNT, "type"),
    ],
)
def test_gcp_rejects_other_types(info: dict[str, Any]) -> None:
    with pytest.raises(CredentialsError, match="'type' must be"):
        parse_gcp_credentials(json.dumps(info))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (f'{{"private_key": "{SECRET_MARKER}"', "not valid JSON"),
        (f'["{SECRET_MARKER}"]', "JSON object"),
        (f'"{SECRET_MARKER}"', "JSON object"),
    ],
)
def test_gcp_malformed_text(text: str, message: str) -> None:
    with pytest.raises(CredentialsError, match=message) as caught:
        parse_gcp_credentials(text)
    # Not in the message, nor anywhere in the printed traceback (no chained JSON error).
    assert SECRET_MARKER not in "".join(traceback.format_exception(caught.value))


def test_gcp_errors_never_quote_secret_values() -> None:
    info = {**SERVICE_ACCOUNT, "type": SECRET_MARKER}
    with pytest.raises(CredentialsError) as caught:
        parse_gcp_credentials(json.dumps(info))
    assert SECRET_MARKER not in str(caught.value)


def test_cosmos_settings_from_secret() -> None:
    settings = CosmosSettings.from_secret(json.dumps(COSMOS))
    assert settings == CosmosSettings(
        endpoint=COSMOS["endpoint"], key=SECRET_MARKER, database="tricloud", container="images"
    )


def test_cosmos_settings_repr_hides_the_key() -> None:
    settings = CosmosSettings.from_secret(json.dumps(COSMOS))
    assert SECRET_MARKER not in repr(settings)
    assert SECRET_MARKER not in str(settings)


def test_cosmos_settings_are_frozen() -> None:
    settings = CosmosSettings.from_secret(json.dumps(COSMOS))
    with pytest.raises(AttributeError):
        settings.key = "other"  # type: ignore[misc]


@pytest.mark.parametrize("field", ["endpoint", "key", "database", "container"])
def test_cosmos_missing_field_is_named(field: str) -> None:
    with pytest.raises(CredentialsError, match=field):
        CosmosSettings.from_secret(json.dumps(without(COSMOS, field)))


@pytest.mark.parametrize(
    "endpoint",
    ["http://tricloud.documents.azure.com/", "tricloud.documents.azure.com", "https://["],
)
def test_cosmos_endpoint_must_be_https(endpoint: str) -> None:
    with pytest.raises(CredentialsError, match="https"):
        CosmosSettings.from_secret(json.dumps({**COSMOS, "endpoint": endpoint}))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json " + SECRET_MARKER,
        json.dumps([SECRET_MARKER]),
        json.dumps({**COSMOS, "key": 5}),
    ],
)
def test_cosmos_malformed_secret_never_leaks(text: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        CosmosSettings.from_secret(text)
    assert SECRET_MARKER not in str(caught.value)
