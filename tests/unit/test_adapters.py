"""Adapters without a server: secrets cache, Vision credentials and results, auth refresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from azure.cosmos.exceptions import CosmosHttpResponseError
from botocore.stub import Stubber
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.api_core import exceptions as gexc
from google.auth import aws, identity_pool
from google.cloud import vision
from google.oauth2 import service_account

from lambdas.adapters.cosmos import CosmosImageStore
from lambdas.adapters.secrets import SecretsReader
from lambdas.adapters.vision import VisionAnnotator, VisionUnavailableError, credentials_from_info
from lambdas.config import VisionConfig
from lambdas.credentials import CosmosSettings, parse_gcp_credentials
from lambdas.ports import StoreUnavailableError

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gcp-AbCdEf"


def secrets_client() -> Any:
    return boto3.client(
        "secretsmanager",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="example-secret",
    )


def test_secret_is_fetched_once_then_refreshed_on_request() -> None:
    client = secrets_client()
    with Stubber(client) as stub:
        for value in ("first", "rotated"):
            stub.add_response(
                "get_secret_value",
                {"ARN": SECRET_ARN, "Name": "gcp", "SecretString": value},
                {"SecretId": SECRET_ARN},
            )
        reader = SecretsReader(client)
        assert reader.get(SECRET_ARN) == "first"
        assert reader.get(SECRET_ARN) == "first"  # cached: no second call
        assert reader.get(SECRET_ARN, refresh=True) == "rotated"
        assert reader.get(SECRET_ARN) == "rotated"
        stub.assert_no_pending_responses()


def test_binary_secrets_are_refused() -> None:
    client = secrets_client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_secret_value", {"ARN": SECRET_ARN, "SecretBinary": b"\x00"}, {"SecretId": "x"}
        )
        with pytest.raises(ValueError, match="SecretString"):
            SecretsReader(client).get("x")


def service_account_info() -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "vision@p.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def test_service_account_credentials() -> None:
    info = parse_gcp_credentials(json.dumps(service_account_info()))
    creds = credentials_from_info(info)
    assert isinstance(creds, service_account.Credentials)
    assert creds.service_account_email == "vision@p.iam.gserviceaccount.com"
    assert "https://www.googleapis.com/auth/cloud-vision" in (creds.scopes or [])


def test_external_account_credentials(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("subject-token")
    info = parse_gcp_credentials(
        json.dumps(
            {
                "type": "external_account",
                "audience": "//iam.googleapis.com/projects/1/locations/global/"
                "workloadIdentityPools/pool/providers/provider",
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "token_url": "https://sts.googleapis.com/v1/token",
                "credential_source": {"file": str(token_file)},
            }
        )
    )
    creds = credentials_from_info(info)  # builds without contacting Google
    assert isinstance(creds, identity_pool.Credentials)


class FlakyContainer:
    """A container whose first calls fail with ``status`` (401 = rotated key)."""

    def __init__(self, failures: int, status: int) -> None:
        self.failures = failures
        self.status = status
        self.items: list[dict[str, Any]] = []

    def upsert_item(self, body: dict[str, Any], **_: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise CosmosHttpResponseError(  # type: ignore[no-untyped-call]
                status_code=self.status, message="rejected"
            )
        self.items.append(body)


class StoreWithFakeContainer(CosmosImageStore):
    def __init__(self, container: FlakyContainer) -> None:
        self.loads: list[bool] = []

        def load(refresh: bool) -> CosmosSettings:
            self.loads.append(refresh)
            return CosmosSettings("https://x.documents.azure.com/", "k", "d", "c")

        super().__init__(load)
        self.fake = container

    def _get_container(self, refresh: bool) -> Any:
        if self._container is None or refresh:
            self._settings = self._load_settings(refresh)
            self._container = self.fake  # type: ignore[assignment]
        return self._container


def test_cosmos_rereads_the_secret_once_after_an_auth_failure() -> None:
    store = StoreWithFakeContainer(FlakyContainer(failures=1, status=401))
    store.put({"id": "a"})
    assert store.fake.items == [{"id": "a"}]
    assert store.loads == [False, True]


def test_cosmos_auth_failure_twice_is_unavailable() -> None:
    store = StoreWithFakeContainer(FlakyContainer(failures=2, status=403))
    with pytest.raises(StoreUnavailableError, match="403"):
        store.put({"id": "a"})
    assert store.loads == [False, True]


def test_cosmos_server_errors_are_unavailable_without_refresh() -> None:
    store = StoreWithFakeContainer(FlakyContainer(failures=1, status=503))
    with pytest.raises(StoreUnavailableError):
        store.put({"id": "a"})
    assert store.loads == [False]


def test_external_account_from_aws_credentials() -> None:
    info = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/1/locations/global/"
        "workloadIdentityPools/pool/providers/aws",
        "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {
            "environment_id": "aws1",
            "regional_cred_verification_url": "https://sts.{region}.amazonaws.com"
            "?Action=GetCallerIdentity&Version=2011-06-15",
        },
    }
    assert isinstance(credentials_from_info(info), aws.Credentials)


def test_external_account_executables_are_refused() -> None:
    info = {
        "type": "external_account",
        "audience": "a",
        "subject_token_type": "t",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"executable": {"command": "/bin/sh -c 'curl evil'"}},
    }
    with pytest.raises(ValueError, match="credential_source"):
        credentials_from_info(info)


class FakeVisionClient:
    """Answers batch_annotate_images, or raises ``error`` when given."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def batch_annotate_images(self, **kwargs: Any) -> vision.BatchAnnotateImagesResponse:
        if self.error is not None:
            raise self.error
        label = vision.EntityAnnotation(description="Cat", score=0.5)
        failed = vision.AnnotateImageResponse(error={"code": 3, "message": "Bad image data."})
        busy = vision.AnnotateImageResponse(error={"code": 14, "message": "Try again."})
        return vision.BatchAnnotateImagesResponse(
            responses=[vision.AnnotateImageResponse(label_annotations=[label]), failed, busy]
        )


class AnnotatorWithFakeClients(VisionAnnotator):
    def __init__(self, errors: list[Exception | None]) -> None:
        config = VisionConfig(("LABEL_DETECTION",), 5, 2, "arn:gcp", None)
        self.loads: list[bool] = []

        def load(refresh: bool) -> dict[str, Any]:
            self.loads.append(refresh)
            return {}

        super().__init__(config, load)
        self.errors = errors

    def _build_client(self, refresh: bool) -> Any:
        self._load_info(refresh)  # type: ignore[misc]
        return FakeVisionClient(self.errors.pop(0))


def test_vision_results_per_image() -> None:
    results = AnnotatorWithFakeClients([None]).annotate([b"a", b"b", b"c"])
    assert results[0].annotation is not None
    assert results[0].annotation["label_annotations"][0]["description"] == "Cat"
    assert (results[1].error, results[1].transient) == ("Bad image data.", False)
    assert (results[2].error, results[2].transient) == ("Try again.", True)


def google_error(kind: type[gexc.GoogleAPICallError], message: str) -> Exception:
    """An api_core exception of this kind."""
    error: Exception = kind(message)
    return error


def test_vision_rereads_the_secret_once_after_an_auth_failure() -> None:
    annotator = AnnotatorWithFakeClients([google_error(gexc.Unauthenticated, "expired"), None])
    assert len(annotator.annotate([b"a", b"b", b"c"])) == 3
    assert annotator.loads == [False, True]


def test_vision_failures_are_unavailable_errors() -> None:
    annotator = AnnotatorWithFakeClients(
        [google_error(gexc.PermissionDenied, "no"), google_error(gexc.PermissionDenied, "again")]
    )
    with pytest.raises(VisionUnavailableError, match="PermissionDenied"):
        annotator.annotate([b"a"])
    with pytest.raises(VisionUnavailableError, match="ServiceUnavailable"):
        AnnotatorWithFakeClients([google_error(gexc.ServiceUnavailable, "down")]).annotate([b"a"])


def test_vision_batches_are_limited_to_16() -> None:
    with pytest.raises(ValueError, match="16"):
        AnnotatorWithFakeClients([None]).annotate([b"x"] * 17)
