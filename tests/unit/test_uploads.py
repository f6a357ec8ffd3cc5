"""Upload requests and the keys the server makes for them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lambdas.errors import BadRequestError
from lambdas.services.uploads import (
    UploadKey,
    UploadRequest,
    new_upload_key,
    parse_upload_key,
    parse_upload_request,
    thumb_key,
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
def test_new_keys_carry_the_owner(content_type: str, ext: str) -> None:
    image_id, key = new_upload_key("public", content_type)
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", image_id
    )
    assert key == f"uploads/public/{image_id}.{ext}"
    assert parse_upload_key(key) == UploadKey("public", image_id)
    assert new_upload_key("public", content_type)[0] != image_id
    assert thumb_key("public", image_id) == f"thumbs/public/{image_id}.jpg"


@pytest.mark.parametrize("owner", ["", "a/b", "../x", "x" * 129, "a b"])
def test_an_owner_must_be_one_safe_key_segment(owner: str) -> None:
    with pytest.raises(ValueError, match="owner"):
        new_upload_key(owner, "image/jpeg")


@pytest.mark.parametrize(
    "key",
    [
        "uploads/public/not-a-uuid.jpg",
        "other/public/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
        "uploads/public/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.gif",
        "uploads/public/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg.exe",
        "uploads/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
        "uploads/a/b/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
        "thumbs/public/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
    ],
)
def test_other_keys_have_no_image_id(key: str) -> None:
    assert parse_upload_key(key) is None
