"""Vision API enum values, so answers can use integers or names as the client asked."""

from __future__ import annotations

#: google.cloud.vision_v1.Feature.Type, number → name.
FEATURE_TYPES: dict[int, str] = {
    0: "TYPE_UNSPECIFIED",
    1: "FACE_DETECTION",
    2: "LANDMARK_DETECTION",
    3: "LOGO_DETECTION",
    4: "LABEL_DETECTION",
    5: "TEXT_DETECTION",
    6: "SAFE_SEARCH_DETECTION",
    7: "IMAGE_PROPERTIES",
    9: "CROP_HINTS",
    10: "WEB_DETECTION",
    11: "DOCUMENT_TEXT_DETECTION",
    12: "PRODUCT_SEARCH",
    19: "OBJECT_LOCALIZATION",
}
_FEATURE_NUMBERS = {name: number for number, name in FEATURE_TYPES.items()}

#: google.cloud.vision_v1.Likelihood.UNKNOWN.
LIKELIHOOD_UNKNOWN = (0, "UNKNOWN")

#: google.rpc.Code values used in per-image errors.
INVALID_ARGUMENT = 3
INTERNAL = 13

#: HTTP status → google.rpc status name, for whole-request errors.
HTTP_STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def feature_name(value: object) -> str | None:
    """The feature type name for an integer or a name; None when it is not a known type."""
    if isinstance(value, int):
        return FEATURE_TYPES.get(value)
    if isinstance(value, str):
        if value in _FEATURE_NUMBERS:
            return value
        if value.isdigit():
            return FEATURE_TYPES.get(int(value))
    return None
