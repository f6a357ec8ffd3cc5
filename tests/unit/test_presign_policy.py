"""The pre-signed POST and GET we build (moto does not enforce POST policies: prove them here)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from lambdas.adapters.storage import Storage, make_s3_client

BUCKET = "tricloud-uploads-abc"
KEY = "uploads/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return decoded


def test_policy_pins_bucket_key_type_and_length(aws_env: None) -> None:
    post = Storage(make_s3_client(), BUCKET).presign_upload(KEY, "image/png", 5000, 300)
    conditions = policy_of(post.fields)["conditions"]
    assert {"bucket": BUCKET} in conditions
    assert {"key": KEY} in conditions
    assert {"Content-Type": "image/png"} in conditions  # exact match, not starts-with
    assert ["content-length-range", 1, 5000] in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    assert post.fields["key"] == KEY
    assert post.fields["Content-Type"] == "image/png"
    assert post.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "/eu-west-1/s3/aws4_request" in post.fields["x-amz-credential"]


def test_policy_expires_after_the_ttl(aws_env: None) -> None:
    before = datetime.now(UTC)
    post = Storage(make_s3_client(), BUCKET).presign_upload(KEY, "image/jpeg", 10, 120)
    expiration = datetime.strptime(
        policy_of(post.fields)["expiration"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=UTC)
    assert before + timedelta(seconds=118) <= expiration <= before + timedelta(seconds=122)


def test_upload_url_is_regional_virtual_host(aws_env: None) -> None:
    post = Storage(make_s3_client(), BUCKET).presign_upload(KEY, "image/jpeg", 10, 60)
    assert post.url == f"https://{BUCKET}.s3.eu-west-1.amazonaws.com/"


def test_local_ip_endpoint_uses_path_style(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    storage = Storage(make_s3_client(), BUCKET)
    assert (
        storage.presign_upload(KEY, "image/jpeg", 10, 60).url == f"http://127.0.0.1:5999/{BUCKET}"
    )
    url = storage.presign_download(KEY, 60, "image/jpeg")
    assert url.startswith(f"http://127.0.0.1:5999/{BUCKET}/{KEY}?")


def test_download_url_is_signed_and_short_lived(aws_env: None) -> None:
    url = Storage(make_s3_client(), BUCKET).presign_download(KEY, 90, "image/png")
    parts = urlsplit(url)
    assert parts.netloc == f"{BUCKET}.s3.eu-west-1.amazonaws.com"
    assert parts.path == f"/{KEY}"
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["90"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "X-Amz-Signature" in query
    assert query["response-content-type"] == ["image/png"]


def test_unverified_objects_download_as_attachments(aws_env: None) -> None:
    url = Storage(make_s3_client(), BUCKET).presign_download(KEY, 90, None)
    query = parse_qs(urlsplit(url).query)
    assert query["response-content-type"] == ["application/octet-stream"]
    assert query["response-content-disposition"] == ["attachment"]
