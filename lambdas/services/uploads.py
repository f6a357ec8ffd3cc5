"""Upload requests: what the browser may upload, and where it goes (the server picks the key).

Keys carry the owner: the photo is ``uploads/<owner>/<id>.<ext>`` and its thumbnail
``thumbs/<owner>/<id>.jpg``, so analyze learns the owner from the S3 event alone.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from lambdas.errors import BadRequestError

__all__ = [
    "EXTENSIONS",
    "THUMB_PREFIX",
    "UPLOAD_PREFIX",
    "UploadKey",
    "UploadRequest",
    "new_upload_key",
    "parse_upload_key",
    "parse_upload_request",
    "thumb_key",
]

UPLOAD_PREFIX = "uploads/"
THUMB_PREFIX = "thumbs/"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# An owner is "public" or a Cognito ``sub`` (a UUID): safe as one key segment.
_OWNER = r"[A-Za-z0-9_-]{1,128}"
_KEY = re.compile(
    rf"^uploads/(?P<owner>{_OWNER})/"
    r"(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"
    r"\.(?:jpg|png|webp)$"
)


@dataclass(frozen=True)
class UploadKey:
    """Who owns an uploaded object and which image it is."""

    owner: str
    image_id: str


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


def new_upload_key(owner: str, content_type: str) -> tuple[str, str]:
    """A fresh image id (UUID4) and its object key ``uploads/<owner>/<id>.<ext>``."""
    if not re.fullmatch(_OWNER, owner):
        raise ValueError("an owner is 1-128 letters, digits, - or _")
    image_id = str(uuid.uuid4())
    return image_id, f"{UPLOAD_PREFIX}{owner}/{image_id}.{EXTENSIONS[content_type]}"


def parse_upload_key(key: str) -> UploadKey | None:
    """Owner and image id of a key made by :func:`new_upload_key`; None for any other key."""
    match = _KEY.match(key)
    return UploadKey(match.group("owner"), match.group("id")) if match else None


def thumb_key(owner: str, image_id: str) -> str:
    """Where analyze stores the image's thumbnail: ``thumbs/<owner>/<id>.jpg``."""
    return f"{THUMB_PREFIX}{owner}/{image_id}.jpg"
