"""Turn one ``AnnotateImageRequest`` (JSON) into an ``AnnotateImageResponse`` (JSON).

Only what can be computed honestly is answered: dominant colours from the pixels,
SafeSearch as UNKNOWN, no localized objects, and labels from the plugged-in labeller
(none without one). Other feature types get an empty answer, as Vision gives for an
image where it finds nothing.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from typing import Any

from PIL import Image, ImageOps

from offline.vision import Labeller
from offline.vision.features import INTERNAL, INVALID_ARGUMENT, LIKELIHOOD_UNKNOWN, feature_name

#: Vision refuses a batch of more images than this.
MAX_IMAGES_PER_REQUEST = 16
#: Vision's default when a feature has no ``maxResults``.
DEFAULT_MAX_RESULTS = 10
#: How many dominant colours to report, and the edge the image is shrunk to first.
DOMINANT_COLOURS = 10
_COLOUR_SAMPLE_EDGE = 128
_SAFE_SEARCH_FIELDS = ("adult", "spoof", "medical", "violence", "racy")


class RequestError(ValueError):
    """The batch as a whole is invalid: HTTP 400 INVALID_ARGUMENT."""


class ImageError(Exception):
    """One image cannot be annotated: its response carries this ``error`` status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_status(self) -> dict[str, Any]:
        """The ``google.rpc.Status`` JSON for the response's ``error`` field."""
        return {"code": self.code, "message": self.message}


def batch_requests(body: Any) -> list[dict[str, Any]]:
    """The ``requests`` list of a ``BatchAnnotateImagesRequest``; RequestError if malformed."""
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise RequestError("No requests specified.")
    if len(requests) > MAX_IMAGES_PER_REQUEST:
        raise RequestError(
            f"Too many images per request. Max is {MAX_IMAGES_PER_REQUEST}, got {len(requests)}."
        )
    if not all(isinstance(item, dict) for item in requests):
        raise RequestError("Each request must be a JSON object.")
    return requests


def image_content(item: dict[str, Any]) -> bytes:
    """The decoded ``image.content`` bytes of one request."""
    image = item.get("image")
    if not isinstance(image, dict):
        raise ImageError(INVALID_ARGUMENT, "No image specified.")
    if "content" not in image:
        if "source" in image:
            raise ImageError(
                INVALID_ARGUMENT, "The local Vision server accepts image content only, no URIs."
            )
        raise ImageError(INVALID_ARGUMENT, "No image content specified.")
    content = image["content"]
    if not isinstance(content, str):
        raise ImageError(INVALID_ARGUMENT, "Bad image data.")
    try:
        return base64.b64decode(content + "=" * (-len(content) % 4), altchars=b"-_")
    except (binascii.Error, ValueError) as error:
        raise ImageError(INVALID_ARGUMENT, "Bad image data.") from error


def requested_features(item: dict[str, Any]) -> list[tuple[str, int]]:
    """``(feature name, max results)`` pairs of one request."""
    features = item.get("features")
    if not isinstance(features, list) or not features:
        raise ImageError(INVALID_ARGUMENT, "No feature specified.")
    result: list[tuple[str, int]] = []
    for feature in features:
        if not isinstance(feature, dict):
            raise ImageError(INVALID_ARGUMENT, "Each feature must be a JSON object.")
        name = feature_name(feature.get("type", 0))
        if name is None or name == "TYPE_UNSPECIFIED":
            raise ImageError(INVALID_ARGUMENT, f"Unknown feature type {feature.get('type')!r}.")
        raw = str(feature.get("maxResults", feature.get("max_results", "")))
        max_results = int(raw) if raw.isdigit() else 0
        result.append((name, max_results or DEFAULT_MAX_RESULTS))
    return result


def open_image(content: bytes) -> Image.Image:
    """Decode the bytes into an upright RGB image; ImageError 'Bad image data.' otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as error:
        raise ImageError(INVALID_ARGUMENT, "Bad image data.") from error
    except Image.DecompressionBombError as error:
        raise ImageError(INVALID_ARGUMENT, "Image is too large.") from error
    return upright.convert("RGB")


def dominant_colours(image: Image.Image, count: int = DOMINANT_COLOURS) -> list[dict[str, Any]]:
    """The image's main colours by pixel share (median cut on a small copy), largest first."""
    sample = image.copy()
    sample.thumbnail((_COLOUR_SAMPLE_EDGE, _COLOUR_SAMPLE_EDGE))
    quantized = sample.quantize(colors=count, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    counts = quantized.getcolors() or []
    total = sum(pixels for pixels, _ in counts) or 1
    colours = []
    for pixels, index in sorted(counts, key=lambda pair: pair[0], reverse=True):
        start = 3 * int(index)  # type: ignore[call-overload]  # an int for a "P" image
        red, green, blue = palette[start : start + 3]
        fraction = pixels / total
        colours.append(
            {
                "color": {"red": red, "green": green, "blue": blue},
                "score": round(fraction, 6),
                "pixelFraction": round(fraction, 6),
            }
        )
    return colours


def annotate_image(
    content: bytes,
    features: list[tuple[str, int]],
    labeller: Labeller | None,
    enums_as_int: bool,
) -> dict[str, Any]:
    """The ``AnnotateImageResponse`` JSON for one image; raises ImageError."""
    image = open_image(content)
    response: dict[str, Any] = {}
    for name, max_results in features:
        if name == "LABEL_DETECTION" and labeller is not None:
            response["labelAnnotations"] = _labels(labeller, image, max_results)
        elif name == "IMAGE_PROPERTIES":
            response["imagePropertiesAnnotation"] = {
                "dominantColors": {"colors": dominant_colours(image)}
            }
        elif name == "SAFE_SEARCH_DETECTION":
            unknown = LIKELIHOOD_UNKNOWN[0] if enums_as_int else LIKELIHOOD_UNKNOWN[1]
            response["safeSearchAnnotation"] = dict.fromkeys(_SAFE_SEARCH_FIELDS, unknown)
    return response


def _labels(labeller: Labeller, image: Image.Image, max_results: int) -> list[dict[str, Any]]:
    try:
        pairs = labeller(image, max_results)
    except Exception as error:
        raise ImageError(INTERNAL, f"The local labeller failed: {error}") from error
    return [
        {"description": description, "score": score, "topicality": score}
        for description, score in pairs[:max_results]
    ]
