"""The API functions driven with API Gateway REST proxy events: routes, answers, error shapes.

Everything here is answered before any network call (validation, routing, pre-signing), so
no server is needed (presign's pending document goes to an in-memory store); the integration
tests cover the paths that reach S3 and Cosmos DB.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambdas.errors import BadRequestError
from lambdas.handlers import detail, list_images, presign
from lambdas.services.quota import DailyCap

from .counters import MemoryCounters
from .events import TEST_OWNER, FakeLambdaContext, api_event


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "UPLOAD_BUCKET": "tricloud-uploads",
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example-secret",
        "COSMOS_SECRET_ID": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cosmos",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # The cap's counters live in DynamoDB (tests/integration/test_daily_cap.py); here in memory.
    monkeypatch.setattr(presign, "_cap", lambda: DailyCap(MemoryCounters(), 1000, 100))
    for getter in (presign._config, presign._storage):
        getter.cache_clear()
    yield
    for getter in (presign._config, presign._storage):
        getter.cache_clear()


class MemoryStore:
    """Keeps the documents presign creates."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []

    def create_pending(self, document: dict[str, Any]) -> None:
        self.created.append(document)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> MemoryStore:
    memory = MemoryStore()
    monkeypatch.setattr(presign, "_store", lambda: memory)
    return memory


def call(
    module: Any, method: str, path: str, **kwargs: Any
) -> tuple[int, Any, dict[str, list[str]]]:
    """Status, decoded JSON body and (multi-value) headers of the proxy response."""
    response = module.handler(api_event(method, path, **kwargs), FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def assert_error(body: Any, code: str | None = None) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code


def test_health() -> None:
    assert call(presign, "GET", "/api/health")[:2] == (200, {"status": "ok"})


def test_upload_answers_201_with_a_presigned_post(store: MemoryStore) -> None:
    status, body, headers = call(
        presign, "POST", "/api/uploads", body=json.dumps({"content_type": "image/webp", "size": 5})
    )
    assert status == 201
    assert headers["Content-Type"] == ["application/json"]
    assert headers["Cache-Control"] == ["no-store"]
    assert set(body) == {"id", "status", "upload", "expires_in"}
    assert body["status"] == "pending"
    assert body["expires_in"] == 300
    assert body["upload"]["url"] == "https://tricloud-uploads.s3.eu-west-1.amazonaws.com/"
    fields = body["upload"]["fields"]
    assert fields["key"] == f"uploads/{TEST_OWNER}/{body['id']}.webp"
    (document,) = store.created
    assert (document["id"], document["owner"], document["status"]) == (
        body["id"],
        TEST_OWNER,
        "pending",
    )
    assert (document["image_fname"], document["content_type"], document["size"]) == (
        fields["key"],
        "image/webp",
        5,
    )
    assert fields["Content-Type"] == "image/webp"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]


def test_upload_accepts_a_base64_encoded_body(store: MemoryStore) -> None:
    body = json.dumps({"content_type": "image/jpeg", "size": 100})
    status, _, _ = call(presign, "POST", "/api/uploads", body=body, base64_body=True)
    assert status == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, "invalid_json"),
        ("", "invalid_json"),
        ("{not json", "invalid_json"),
        ('{"content_type": "image/jpeg", "size": 1', "invalid_json"),
        ("[]", "bad_request"),
        ("{}", "bad_request"),
        ('{"content_type": "image/jpeg"}', "bad_request"),
        ('{"size": 10}', "bad_request"),
        ('{"content_type": "text/html", "size": 10}', "bad_request"),
        ('{"content_type": ["image/jpeg"], "size": 10}', "bad_request"),
        ('{"content_type": "image/jpeg", "size": "10"}', "bad_request"),
        ('{"content_type": "image/jpeg", "size": 0}', "bad_request"),
        ('{"content_type": "image/jpeg", "size": -5}', "bad_request"),
        ('{"content_type": "image/jpeg", "size": 10737418240}', "bad_request"),
    ],
)
def test_bad_upload_requests_are_400(body: str | None, code: str) -> None:
    status, answer, _ = call(presign, "POST", "/api/uploads", body=body)
    assert status == 400
    assert_error(answer, code)


def test_invalid_base64_body_is_400() -> None:
    event = api_event("POST", "/api/uploads", body="%%%not-base64%%%")
    event["isBase64Encoded"] = True
    response = presign.handler(event, FakeLambdaContext())
    assert response["statusCode"] == 400
    assert_error(json.loads(response["body"]), "invalid_json")


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_json_nested_deeper_than_the_parser_allows_is_400(depth: int) -> None:
    status, answer, _ = call(presign, "POST", "/api/uploads", body="[" * depth + "]" * depth)
    assert status == 400
    assert_error(answer, "invalid_json")


def test_detail_rejects_an_id_with_a_trailing_newline() -> None:
    with pytest.raises(BadRequestError):
        detail._image_id("8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10\n")
    assert detail._image_id("8A0E6C8E-3A53-4B52-9C1E-0D2C1F6B1A10") == (
        "8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10"
    )


@pytest.mark.parametrize(
    ("module", "method", "path"),
    [
        (presign, "GET", "/api/nothing-here"),
        (presign, "GET", "/api/uploads"),
        (presign, "DELETE", "/api/health"),
        (list_images, "POST", "/api/images"),
        (detail, "GET", "/api/images/a/b"),
    ],
)
def test_unknown_routes_are_json_404(module: Any, method: str, path: str) -> None:
    status, body, _ = call(module, method, path)
    assert status == 404
    assert_error(body, "not_found")


@pytest.mark.parametrize(
    "image_id",
    [
        "abc",
        "123",
        "8a0e6c8e3a534b529c1e0d2c1f6b1a10",
        "{8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10}",
        "8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10x",
        "' OR 1=1 --",
    ],
)
def test_detail_rejects_ids_that_are_not_uuids(image_id: str) -> None:
    status, body, _ = call(detail, "GET", f"/api/images/{image_id}")
    assert status == 400
    assert_error(body, "invalid_id")


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", ""])
def test_list_rejects_bad_limits(limit: str) -> None:
    status, body, _ = call(list_images, "GET", "/api/images", query={"limit": limit})
    assert status == 400
    assert_error(body, "bad_request")


@pytest.mark.parametrize("owner", [None, "", "../other-user", "a" * 65])
def test_private_mode_refuses_a_request_without_a_verified_user(owner: str | None) -> None:
    status, body, _ = call(
        presign,
        "POST",
        "/api/uploads",
        body=json.dumps({"content_type": "image/jpeg", "size": 5}),
        owner=owner,
    )
    assert status == 401
    assert_error(body, "unauthorized")


def test_public_mode_needs_no_user(monkeypatch: pytest.MonkeyPatch, store: MemoryStore) -> None:
    monkeypatch.setenv("ACCESS_MODE", "public")
    body = json.dumps({"content_type": "image/jpeg", "size": 5})
    assert call(presign, "POST", "/api/uploads", body=body, owner=None)[0] == 201


def test_over_the_cap_is_429_with_retry_after(
    monkeypatch: pytest.MonkeyPatch, store: MemoryStore
) -> None:
    counters = MemoryCounters()
    monkeypatch.setattr(presign, "_cap", lambda: DailyCap(counters, 1, 1))
    body = json.dumps({"content_type": "image/jpeg", "size": 5})
    assert call(presign, "POST", "/api/uploads", body=body)[0] == 201
    status, answer, headers = call(presign, "POST", "/api/uploads", body=body)
    assert status == 429
    assert_error(answer, "daily_limit_reached")
    assert 1 <= int(headers["Retry-After"][0]) <= 86400
