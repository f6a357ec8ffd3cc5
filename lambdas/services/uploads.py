"""Upload requests: what the browser may upload, and where it goes (the server picks the key)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from lambdas.errors import BadRequestError

__all__ = [
    "EXTENSIONS",
    "UPLOAD_PREFIX",
    "UploadRequest",
    "image_id_from_key",
    "new_upload_key",
    "parse_upload_request",
]

UPLOAD_PREFIX = "uploads/"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_KEY = re.compile(
    r"^uploads/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"
    r"\.(?:jpg|png|webp)$"
)


@dataclass(frozen=True)
class UploadRequest:
    """A valid ``POST /api/uploads`` body."""

    content_type: str
    size: int


def parse_upload_request(body: Any, max_bytes: int) -> UploadRequest:
    """Check the decoded JSON body; raise BadRequestError with a readable reason."""
    if not isinstance(body, dict):
        raise BadRequestError("The body must be a JSON object.")
    content_type = body.get("content_type")
    size = body.get("size")
    if not isinstance(content_type, str):
        raise BadRequestError("'content_type' is required and must be a string.")
    if content_type not in EXTENSIONS:
        allowed = ", ".join(EXTENSIONS)
        raise BadRequestError(f"'content_type' must be one of {allowed}.")
    # bool is an int subclass in Python; JSON true is not a size.
    if not isinstance(size, int) or isinstance(size, bool):
        raise BadRequestError("'size' is required and must be an integer number of bytes.")
    if size <= 0:
        raise BadRequestError("'size' must be greater than 0.")
    if size > max_bytes:
        raise BadRequestError(f"'size' must be at most {max_bytes} bytes.")
    return UploadRequest(content_type=content_type, size=size)


def new_upload_key(content_type: str) -> tuple[str, str]:
    """A fresh image id (UUID4) and its object key ``uploads/<id>.<ext>``."""
    image_id = str(uuid.uuid4())
    return image_id, f"{UPLOAD_PREFIX}{image_id}.{EXTENSIONS[content_type]}"


def image_id_from_key(key: str) -> str | None:
    """The image id of a key made by :func:`new_upload_key`, or None for any other key."""
    match = _KEY.match(key)
    return match.group("id") if match else None
