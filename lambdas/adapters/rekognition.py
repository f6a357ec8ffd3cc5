"""Amazon Rekognition as the labeller: DetectLabels and DetectModerationLabels per image.

Rekognition has no batch call, so the images of a batch are sent concurrently, each with its
bytes in the request (JPEG or PNG of at most 5 MB: anything else is re-encoded as JPEG first).
The answers are turned into the annotation dict the analysis service already reads from
Vision:

- labels: ``Name`` and ``Confidence`` / 100 as the score (Rekognition has no separate
  topicality, so the score stands in for it);
- objects: every ``Instance`` of a label with its ``BoundingBox`` (already 0..1 of the image)
  as four normalised corners;
- colours: ``ImageProperties.DominantColors`` with ``PixelPercent`` / 100 as both the pixel
  fraction and the score (Rekognition gives no other score);
- SafeSearch from DetectModerationLabels (asked for every label of at least
  ``MODERATION_MIN_CONFIDENCE`` %): ``adult``, ``racy`` and ``violence`` take the highest
  confidence of the moderation categories mapped to them (:data:`SAFE_SEARCH_CATEGORIES`),
  turned into a likelihood by :func:`likelihood`; a category Rekognition did not report is
  below that threshold, hence ``VERY_UNLIKELY``. ``medical`` and ``spoof`` have no Rekognition
  counterpart and stay ``UNKNOWN``, and so does everything when the answer names no moderation
  model (nothing was assessed).

Throttling and server errors are retried by botocore (standard mode, exponential backoff);
what still fails is a transient error for that image only. A file Rekognition refuses
(InvalidImageFormat, ImageTooLarge, InvalidParameter) is a permanent error for that image.
``AWS_ENDPOINT_URL_REKOGNITION`` (offline stack) is honoured by botocore itself.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdas.config import LabelsConfig
from lambdas.ports import ImageResult

__all__ = [
    "MAX_BATCH",
    "MAX_IMAGE_BYTES",
    "MODERATION_MIN_CONFIDENCE",
    "SAFE_SEARCH_CATEGORIES",
    "RekognitionLabeller",
    "annotation_from",
    "likelihood",
    "make_rekognition_client",
]

MAX_BATCH = 16  # images per annotate() call, as for Vision
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # Rekognition's limit for image bytes in the request
MAX_DOMINANT_COLORS = 10
MODERATION_MIN_CONFIDENCE = 20.0
_JPEG_SIDES = (4096, 2048, 1600, 1024)
# Rekognition says the file itself is the problem: trying again cannot help.
PERMANENT_ERRORS = frozenset(
    {"InvalidImageFormatException", "ImageTooLargeException", "InvalidParameterException"}
)
# Moderation categories of Rekognition's taxonomy (versions 6 and 7: top level and second
# level) behind each SafeSearch field; a label counts when its name or its parent's is listed.
# medical and spoof have no counterpart.
SAFE_SEARCH_CATEGORIES: dict[str, tuple[str, ...]] = {
    "adult": ("Explicit", "Explicit Nudity", "Explicit Sexual Activity", "Sexual Activity"),
    "racy": (
        "Suggestive",
        "Non-Explicit Nudity of Intimate parts and Kissing",
        "Non-Explicit Nudity",
        "Swimwear or Underwear",
    ),
    "violence": ("Violence", "Graphic Violence", "Visually Disturbing"),
}
_SAFE_SEARCH_KEYS = ("adult", "spoof", "medical", "violence", "racy")
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def max_attempts(timeout_seconds: int) -> int:
    """Attempts whose backoff fits in ``timeout_seconds``: botocore's standard mode waits up to
    1, 2, 4, 8... s before each retry (20 s: 5 attempts; 2 s: 2 attempts)."""
    return 1 + max(1, int(math.log2(timeout_seconds + 1)))


def make_rekognition_client(timeout_seconds: int) -> Any:
    """A Rekognition client in the function's region; throttling, 5xx and connection errors
    are retried with exponential backoff about as long as ``timeout_seconds`` allows."""
    config = Config(
        connect_timeout=5,
        read_timeout=timeout_seconds,
        retries={"mode": "standard", "max_attempts": max_attempts(timeout_seconds)},
    )
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return boto3.client("rekognition", region_name=region, config=config)


class RekognitionLabeller:
    """Labels images with DetectLabels (+ DetectModerationLabels for SafeSearch)."""

    name = "Rekognition"

    def __init__(self, config: LabelsConfig, client: Any | None = None) -> None:
        self._config = config
        self._client = client
        features = set(config.features)
        self._features = features
        self._labels = bool(features & {"LABEL_DETECTION", "OBJECT_LOCALIZATION"})
        self._colors = "IMAGE_PROPERTIES" in features
        self._moderation = "SAFE_SEARCH_DETECTION" in features

    def _rekognition(self) -> Any:
        if self._client is None:
            self._client = make_rekognition_client(self._config.timeout_seconds)
        return self._client

    def annotate(self, images: Sequence[bytes]) -> list[ImageResult]:
        """One result per image, in order; a failure affects only its own image."""
        if not images:
            return []
        if len(images) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} images per batch")
        client = self._rekognition()  # built once, before the threads share it
        with ThreadPoolExecutor(max_workers=min(len(images), 8)) as pool:
            return list(pool.map(lambda data: self._annotate_one(client, data), images))

    def _annotate_one(self, client: Any, data: bytes) -> ImageResult:
        try:
            image = {"Bytes": fit_for_rekognition(data)}
        except OSError as exc:
            return ImageResult(error=f"The image could not be prepared for Rekognition: {exc}")
        try:
            labels = self._detect_labels(client, image)
            moderation = self._detect_moderation(client, image)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            message = str(exc.response.get("Error", {}).get("Message", "")) or code
            return ImageResult(
                error=f"{code}: {message}"[:300], transient=code not in PERMANENT_ERRORS
            )
        except BotoCoreError as exc:  # unreachable, timed out: try again later
            return ImageResult(error=f"{type(exc).__name__}: {str(exc)[:200]}", transient=True)
        annotation = annotation_from(labels, moderation, self._config.max_results)
        # Only what was asked for, as Vision answers only the requested features.
        for feature, key in (
            ("LABEL_DETECTION", "label_annotations"),
            ("OBJECT_LOCALIZATION", "localized_object_annotations"),
            ("IMAGE_PROPERTIES", "image_properties_annotation"),
        ):
            if feature not in self._features:
                annotation.pop(key, None)
        return ImageResult(annotation=annotation)

    def _detect_labels(self, client: Any, image: dict[str, bytes]) -> dict[str, Any]:
        features = (["GENERAL_LABELS"] if self._labels else []) + (
            ["IMAGE_PROPERTIES"] if self._colors else []
        )
        if not features:
            return {}
        request: dict[str, Any] = {
            "Image": image,
            "MaxLabels": self._config.max_results,
            "Features": features,
        }
        if self._colors:
            request["Settings"] = {"ImageProperties": {"MaxDominantColors": MAX_DOMINANT_COLORS}}
        response: dict[str, Any] = client.detect_labels(**request)
        return response

    def _detect_moderation(self, client: Any, image: dict[str, bytes]) -> dict[str, Any] | None:
        if not self._moderation:
            return None
        response: dict[str, Any] = client.detect_moderation_labels(
            Image=image, MinConfidence=MODERATION_MIN_CONFIDENCE
        )
        return response


def fit_for_rekognition(data: bytes) -> bytes:
    """JPEG or PNG bytes of at most 5 MB: as given when they are, else re-encoded as JPEG.

    Raises OSError (Pillow's error) when the bytes cannot be decoded.
    """
    if len(data) <= MAX_IMAGE_BYTES and data.startswith((_JPEG_MAGIC, _PNG_MAGIC)):
        return data
    # Imported here: only the rare WebP or oversized image needs it.
    from PIL import Image  # noqa: PLC0415

    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    encoded = b""
    for side in _JPEG_SIDES:
        copy = image.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, format="JPEG", quality=85)
        encoded = buffer.getvalue()
        if len(encoded) <= MAX_IMAGE_BYTES:
            break
    return encoded


def annotation_from(
    labels: dict[str, Any], moderation: dict[str, Any] | None, max_results: int
) -> dict[str, Any]:
    """The Vision-shaped annotation dict for one image's Rekognition answers."""
    label_entries = labels.get("Labels") or []
    annotation: dict[str, Any] = {
        "label_annotations": [_label(entry) for entry in label_entries[:max_results]],
        "localized_object_annotations": [
            _object(entry, instance)
            for entry in label_entries
            for instance in entry.get("Instances") or []
            if instance.get("BoundingBox")
        ][:max_results],
        "image_properties_annotation": {
            "dominant_colors": {
                "colors": [
                    _color(c)
                    for c in (labels.get("ImageProperties") or {}).get("DominantColors") or []
                ]
            }
        },
    }
    if moderation is not None:
        annotation["safe_search_annotation"] = safe_search(moderation)
    return annotation


def _percent(value: Any) -> float:
    return min(1.0, max(0.0, float(value or 0.0) / 100.0))


def _label(entry: dict[str, Any]) -> dict[str, Any]:
    score = _percent(entry.get("Confidence"))
    return {"description": str(entry.get("Name", "")), "score": score, "topicality": score}


def _object(entry: dict[str, Any], instance: dict[str, Any]) -> dict[str, Any]:
    box = instance["BoundingBox"]
    left, top = float(box.get("Left", 0.0)), float(box.get("Top", 0.0))
    right, bottom = left + float(box.get("Width", 0.0)), top + float(box.get("Height", 0.0))
    return {
        "name": str(entry.get("Name", "")),
        "score": _percent(instance.get("Confidence")),
        "bounding_poly": {
            "normalized_vertices": [
                {"x": left, "y": top},
                {"x": right, "y": top},
                {"x": right, "y": bottom},
                {"x": left, "y": bottom},
            ]
        },
    }


def _color(entry: dict[str, Any]) -> dict[str, Any]:
    fraction = _percent(entry.get("PixelPercent"))
    return {
        "color": {
            "red": int(entry.get("Red", 0)),
            "green": int(entry.get("Green", 0)),
            "blue": int(entry.get("Blue", 0)),
        },
        "score": fraction,
        "pixel_fraction": fraction,
    }


def likelihood(confidence: float | None) -> str:
    """A Vision likelihood name for a Rekognition moderation confidence (percent).

    None (not reported, so below MODERATION_MIN_CONFIDENCE) is VERY_UNLIKELY; then
    < 50 UNLIKELY, < 75 POSSIBLE, < 90 LIKELY, else VERY_LIKELY.
    """
    if confidence is None or confidence < MODERATION_MIN_CONFIDENCE:
        return "VERY_UNLIKELY"
    if confidence < 50:
        return "UNLIKELY"
    if confidence < 75:
        return "POSSIBLE"
    if confidence < 90:
        return "LIKELY"
    return "VERY_LIKELY"


def safe_search(moderation: dict[str, Any]) -> dict[str, str]:
    """The SafeSearch fields from a DetectModerationLabels answer (see the module docstring)."""
    if not moderation.get("ModerationModelVersion"):
        return dict.fromkeys(_SAFE_SEARCH_KEYS, "UNKNOWN")
    result = dict.fromkeys(_SAFE_SEARCH_KEYS, "UNKNOWN")
    for key, categories in SAFE_SEARCH_CATEGORIES.items():
        found = [
            float(entry.get("Confidence") or 0.0)
            for entry in moderation.get("ModerationLabels") or []
            if {entry.get("Name"), entry.get("ParentName")} & set(categories)
        ]
        result[key] = likelihood(max(found) if found else None)
    return result
