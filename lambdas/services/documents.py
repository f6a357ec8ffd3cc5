"""Build the Cosmos DB image documents (the contract in DESIGN.md) and the API views of them.

Vision annotations arrive as plain dicts with snake_case field names and enum names, as the
Vision adapter produces them. Scores are rounded to 4 decimals; object boxes are normalised
to 0..1 (Vision omits zero coordinates, which become 0.0 here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ImageFacts",
    "detail_view",
    "done_document",
    "failed_document",
    "list_item",
]

SAFE_SEARCH_KEYS = ("adult", "spoof", "medical", "violence", "racy")
TOP_LABELS = 5
# Cosmos system properties that are not part of the API (``_ts`` is: it orders the gallery).
_SYSTEM_KEYS = frozenset({"_rid", "_self", "_etag", "_attachments", "_lsn"})


@dataclass(frozen=True)
class ImageFacts:
    """What is known about an uploaded object before (or without) Vision."""

    image_id: str
    key: str
    bucket: str
    size: int
    content_type: str | None = None
    width: int | None = None
    height: int | None = None


def _base(facts: ImageFacts, analyzed_at: datetime) -> dict[str, Any]:
    return {
        "id": facts.image_id,
        "image_fname": facts.key,
        "bucket": facts.bucket,
        "content_type": facts.content_type,
        "size": facts.size,
        "width": facts.width,
        "height": facts.height,
        "analyzed_at": analyzed_at.astimezone(UTC).isoformat(timespec="seconds"),
    }


def failed_document(facts: ImageFacts, error: str, analyzed_at: datetime) -> dict[str, Any]:
    """A ``failed`` document: the image could not be analysed, ``error`` says why."""
    return {
        **_base(facts, analyzed_at),
        "status": "failed",
        "error": error,
        "labels": [],
        "label_names": [],
        "objects": [],
        "safe_search": None,
        "colors": [],
    }


def done_document(
    facts: ImageFacts, annotation: dict[str, Any], analyzed_at: datetime
) -> dict[str, Any]:
    """A ``done`` document from one image's Vision annotation."""
    labels = [_label(a) for a in annotation.get("label_annotations") or []]
    return {
        **_base(facts, analyzed_at),
        "status": "done",
        "error": None,
        "labels": labels,
        "label_names": _label_names(labels),
        "objects": [_object(a) for a in annotation.get("localized_object_annotations") or []],
        "safe_search": _safe_search(annotation.get("safe_search_annotation")),
        "colors": _colors(annotation.get("image_properties_annotation")),
    }


def _score(value: Any) -> float:
    return round(float(value or 0.0), 4)


def _label(annotation: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": str(annotation.get("description", "")),
        "score": _score(annotation.get("score")),
        "topicality": _score(annotation.get("topicality")),
        "mid": str(annotation.get("mid", "")),
    }


def _label_names(labels: list[dict[str, Any]]) -> list[str]:
    """Distinct lower-case label descriptions, in label order (for ARRAY_CONTAINS filters)."""
    names = (label["description"].strip().lower() for label in labels)
    return list(dict.fromkeys(name for name in names if name))


def _clamp(value: Any) -> float:
    return round(min(1.0, max(0.0, float(value or 0.0))), 4)


def _object(annotation: dict[str, Any]) -> dict[str, Any]:
    vertices = (annotation.get("bounding_poly") or {}).get("normalized_vertices") or []
    return {
        "name": str(annotation.get("name", "")),
        "score": _score(annotation.get("score")),
        "box": [[_clamp(v.get("x")), _clamp(v.get("y"))] for v in vertices],
    }


def _safe_search(annotation: dict[str, Any] | None) -> dict[str, str] | None:
    if not annotation:
        return None
    return {key: str(annotation.get(key, "UNKNOWN")) for key in SAFE_SEARCH_KEYS}


def _colors(annotation: dict[str, Any] | None) -> list[dict[str, Any]]:
    colors = ((annotation or {}).get("dominant_colors") or {}).get("colors") or []
    result = []
    for entry in colors:
        color = entry.get("color") or {}
        rgb = [max(0, min(255, round(float(color.get(c) or 0)))) for c in ("red", "green", "blue")]
        result.append(
            {
                "hex": "#{:02x}{:02x}{:02x}".format(*rgb),
                "score": _score(entry.get("score")),
                "pixel_fraction": _score(entry.get("pixel_fraction")),
            }
        )
    return result


def list_item(document: dict[str, Any]) -> dict[str, Any]:
    """The gallery view of a document: id, file, status, ``_ts`` and the top labels."""
    labels = document.get("labels") or []
    return {
        "id": document["id"],
        "image_fname": document.get("image_fname"),
        "status": document.get("status"),
        "_ts": document.get("_ts"),
        "top_labels": [
            {"description": label.get("description"), "score": label.get("score")}
            for label in labels[:TOP_LABELS]
        ],
    }


def detail_view(document: dict[str, Any], image_url: str) -> dict[str, Any]:
    """The document without Cosmos's internal properties, plus the image URL."""
    public = {k: v for k, v in document.items() if k not in _SYSTEM_KEYS}
    return {**public, "image_url": image_url}
