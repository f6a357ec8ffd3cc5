"""Upload requests and the keys the server makes for them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lambdas.errors import BadRequestError
from lambdas.services.uploads import (
    UploadRequest,
    image_id_from_key,
    new_upload_key,
    parse_upload_request,
)

MAX = 10 * 1024 * 1024


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp"])
def test_accepts_the_three_types(content_type: str) -> None:
    body = {"content_type": content_type, "size": MAX}
    assert parse_upload_request(body, MAX) == UploadRequest(content_type, MAX)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "JSON object"),
        ([], "JSON object"),
        ("image/jpeg", "JSON object"),
        ({}, "'content_type' is required"),
        ({"size": 10}, "'content_type' is required"),
        ({"content_type": 5, "size": 10}, "'content_type' is required"),
        ({"content_type": "text/html", "size": 10}, "must be one of"),
        ({"content_type": "image/gif", "size": 10}, "must be one of"),
        ({"content_type": "IMAGE/JPEG", "size": 10}, "must be one of"),
        ({"content_type": "image/jpeg"}, "'size' is required"),
        ({"content_type": "image/jpeg", "size": "10"}, "'size' is required"),
        ({"content_type": "image/jpeg", "size": 1.5}, "'size' is required"),
        ({"content_type": "image/jpeg", "size": True}, "'size' is required"),
        ({"content_type": "image/jpeg", "size": 0}, "greater than 0"),
        ({"content_type": "image/jpeg", "size": -1}, "greater than 0"),
        ({"content_type": "image/jpeg", "size": 10 * 1024**3}, "at most 10485760 bytes"),
        ({"content_type": "image/jpeg", "size": MAX + 1}, "at most"),
    ],
)
def test_rejects_bad_bodies(body: Any, message: str) -> None:
    with pytest.raises(BadRequestError, match=message):
        parse_upload_request(body, MAX)


@pytest.mark.parametrize(
    ("content_type", "ext"), [("image/jpeg", "jpg"), ("image/png", "png"), ("image/webp", "webp")]
)
def test_new_keys(content_type: str, ext: str) -> None:
    image_id, key = new_upload_key(content_type)
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", image_id
    )
    assert key == f"uploads/{image_id}.{ext}"
    assert image_id_from_key(key) == image_id
    assert new_upload_key(content_type)[0] != image_id


@pytest.mark.parametrize(
    "key",
    [
        "uploads/not-a-uuid.jpg",
        "other/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
        "uploads/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.gif",
        "uploads/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg.exe",
        "uploads/sub/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
    ],
)
def test_other_keys_have_no_image_id(key: str) -> None:
    assert image_id_from_key(key) is None
