"""Amazon Rekognition's ``DetectLabels`` and ``DetectModerationLabels`` on the local label server.

AWS JSON 1.1 protocol, as the boto3 ``rekognition`` client speaks it: ``POST /`` with
``X-Amz-Target: RekognitionService.<Operation>``, the request and answer as JSON, image bytes
base64 in ``Image.Bytes``. The same honesty as the Vision stand-in:

- labels from the same labeller (confidence = its score in percent, filtered by
  ``MinConfidence``, default 55 as Rekognition's), with no ``Instances``: there is no object
  detector, so no bounding boxes are invented;
- ``ImageProperties.DominantColors`` from the pixels (no quality, foreground or background);
- ``DetectModerationLabels`` answers no labels and names no ``ModerationModelVersion``:
  there is no moderation model, and the adapter reads that as "not assessed" (``UNKNOWN``).

Errors are AWS JSON errors (``__type`` and ``Message``): a file that does not decode is
``InvalidImageFormatException``, more than 5 MB ``ImageTooLargeException``; injected
failures (``/_control``) become ``ThrottlingException`` (429) or ``InternalServerError``.
"""

from __future__ import annotations

import base64
import binascii
from http import HTTPStatus
from typing import Any

from offline.vision import Labeller
from offline.vision.annotate import ImageError, dominant_colours, open_image
from offline.vision.features import INVALID_ARGUMENT

__all__ = ["TARGET_PREFIX", "RekognitionError", "answer", "image_bytes", "throttled_or_failed"]

TARGET_PREFIX = "RekognitionService."
MAX_IMAGE_BYTES = 5 * 1024 * 1024
DEFAULT_MIN_CONFIDENCE = 55.0
DEFAULT_MAX_LABELS = 1000
LABEL_MODEL_VERSION = "local-efficientnet-lite0"  # the offline classifier, not Amazon's model
_RESOURCE_EXHAUSTED = 8


class RekognitionError(Exception):
    """An AWS JSON error answer: HTTP status, ``__type`` and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def payload(self) -> dict[str, str]:
        """The error body AWS JSON 1.1 clients read."""
        return {"__type": self.error_type, "Message": self.message}


def throttled_or_failed(status: int) -> RekognitionError:
    """The Rekognition error for an injected whole-request failure of HTTP ``status``."""
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return RekognitionError(400, "ThrottlingException", "Injected throttling.")
    return RekognitionError(status, "InternalServerError", "Injected failure.")


def image_bytes(body: Any) -> bytes:
    """The decoded ``Image.Bytes`` of a request; RekognitionError when missing or bad."""
    image = body.get("Image") if isinstance(body, dict) else None
    if not isinstance(image, dict):
        raise RekognitionError(400, "InvalidParameterException", "Image is required.")
    if "S3Object" in image:
        raise RekognitionError(
            400, "InvalidParameterException", "The local server accepts image bytes only."
        )
    raw = image.get("Bytes")
    if not isinstance(raw, str) or not raw:
        raise RekognitionError(400, "InvalidParameterException", "Image.Bytes is required.")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise RekognitionError(400, "InvalidImageFormatException", "Bad image bytes.") from error
    if len(data) > MAX_IMAGE_BYTES:
        raise RekognitionError(400, "ImageTooLargeException", "Image size is too large.")
    return data


def injected(error: dict[str, Any]) -> RekognitionError:
    """A per-image error injected as a google.rpc code, as Rekognition would say it."""
    message = str(error.get("message", "Injected per-image error."))
    if error.get("code") == INVALID_ARGUMENT:
        return RekognitionError(400, "InvalidImageFormatException", message)
    if error.get("code") == _RESOURCE_EXHAUSTED:
        return RekognitionError(400, "ThrottlingException", message)
    return RekognitionError(500, "InternalServerError", message)


def answer(operation: str, body: Any, data: bytes, labeller: Labeller | None) -> dict[str, Any]:
    """The answer of ``DetectLabels`` or ``DetectModerationLabels`` for the image ``data``."""
    try:
        image = open_image(data)
    except ImageError as error:
        if "too large" in error.message:
            raise RekognitionError(400, "ImageTooLargeException", error.message) from error
        raise RekognitionError(
            400, "InvalidImageFormatException", "Request has invalid image format"
        ) from error
    if operation == "DetectModerationLabels":
        return {"ModerationLabels": []}  # no moderation model: nothing assessed
    if operation != "DetectLabels":
        raise RekognitionError(400, "UnknownOperationException", f"Unknown operation {operation}.")
    features = body.get("Features") or ["GENERAL_LABELS"]
    result: dict[str, Any] = {"Labels": [], "LabelModelVersion": LABEL_MODEL_VERSION}
    if "GENERAL_LABELS" in features and labeller is not None:
        max_labels = int(body.get("MaxLabels") or DEFAULT_MAX_LABELS)
        min_confidence = float(body.get("MinConfidence") or DEFAULT_MIN_CONFIDENCE)
        try:
            pairs = labeller(image, max_labels)
        except Exception as error:  # the labeller failed: a server-side error
            raise RekognitionError(500, "InternalServerError", str(error)) from error
        result["Labels"] = [
            {
                "Name": name,
                "Confidence": round(score * 100, 4),
                "Instances": [],  # no object detector offline: no boxes
                "Parents": [],
                "Aliases": [],
                "Categories": [],
            }
            for name, score in pairs[:max_labels]
            if score * 100 >= min_confidence
        ]
    if "IMAGE_PROPERTIES" in features:
        settings = (body.get("Settings") or {}).get("ImageProperties") or {}
        count = int(settings.get("MaxDominantColors") or 10)
        result["ImageProperties"] = {
            "DominantColors": [_colour(c) for c in dominant_colours(image, count)]
        }
    return result


def _colour(entry: dict[str, Any]) -> dict[str, Any]:
    rgb = entry["color"]
    red, green, blue = int(rgb["red"]), int(rgb["green"]), int(rgb["blue"])
    return {
        "Red": red,
        "Green": green,
        "Blue": blue,
        "HexCode": f"#{red:02x}{green:02x}{blue:02x}",
        "PixelPercent": round(float(entry["pixelFraction"]) * 100, 4),
    }
