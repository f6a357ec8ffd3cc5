"""Build the image documents and the API views of them.

An image's document is created ``pending`` by presign (:func:`pending_document`) and later
merged with analyze's ``done`` or ``failed`` result (:func:`merge_result`), keeping ``owner``
and ``uploaded_at``: the gallery is ordered by upload time, which never changes.

Vision annotations arrive as plain dicts with snake_case field names and enum names, as the
Vision adapter produces them. Scores are rounded to 4 decimals; object boxes are normalised
to 0..1 (Vision omits zero coordinates, which become 0.0 here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "ImageFacts",
    "detail_view",
    "done_document",
    "failed_document",
    "iso",
    "label_prefixes",
    "label_words",
    "list_item",
    "merge_result",
    "pending_document",
    "stored_fields",
]

SAFE_SEARCH_KEYS = ("adult", "spoof", "medical", "violence", "racy")
TOP_LABELS = 5
# Store properties that are not part of the API (Cosmos system properties, the store TTL).
_SYSTEM_KEYS = frozenset({"_rid", "_self", "_etag", "_attachments", "_lsn", "_ts", "ttl"})
# What only a pending document carries: dropped once the object has arrived.
PENDING_ONLY_KEYS = ("ttl", "upload_expires_at")
# How long the store keeps a pending document that nothing ever completes (Cosmos per-item
# ``ttl``): longer than any SQS message can live (queue 4 days, dead-letter queue 14 days), so
# a slow or redriven analysis always finds its document.
PENDING_RETENTION_SECONDS = 15 * 24 * 3600
# Time after the upload URL expires for the object's S3 event to reach analyze.
UPLOAD_GRACE_SECONDS = 60
_WORD = re.compile(r"\w+")
MAX_PREFIX_LENGTH = 40


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds (sorts as text in time order)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


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


def pending_document(
    *,
    owner: str,
    image_id: str,
    key: str,
    bucket: str,
    content_type: str,
    size: int,
    now: datetime,
    upload_url_ttl_seconds: int,
) -> dict[str, Any]:
    """The document presign stores before it hands out the upload URL.

    ``upload_expires_at`` (the URL's expiry plus a grace) and the store TTL ``ttl`` mark it as
    not received yet: analyze removes both when the object arrives. Until then, an upload past
    ``upload_expires_at`` counts as abandoned (left out of the gallery; the store deletes it
    after ``ttl`` seconds).
    """
    expires = now + timedelta(seconds=upload_url_ttl_seconds + UPLOAD_GRACE_SECONDS)
    return {
        "id": image_id,
        "owner": owner,
        "image_fname": key,
        "bucket": bucket,
        "content_type": content_type,
        "size": size,
        "width": None,
        "height": None,
        "status": "pending",
        "error": None,
        "uploaded_at": iso(now),
        "analyzed_at": None,
        "labels": [],
        "label_names": [],
        "label_prefixes": [],
        "objects": [],
        "safe_search": None,
        "colors": [],
        "thumb_fname": None,
        "upload_expires_at": iso(expires),
        "ttl": PENDING_RETENTION_SECONDS,
    }


def stored_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the store's system properties and TTL (ready to write back)."""
    return {k: v for k, v in document.items() if k not in _SYSTEM_KEYS}


def merge_result(existing: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """``existing`` (the stored document) with analyze's ``result`` in it.

    ``id``, ``owner`` and ``uploaded_at`` stay as stored; the pending-only keys and the store's
    system properties go.
    """
    merged = {k: v for k, v in existing.items() if k not in _SYSTEM_KEYS}
    merged.update(result)
    for key in ("id", "owner", "uploaded_at"):
        merged[key] = existing[key]
    for key in PENDING_ONLY_KEYS:
        merged.pop(key, None)
    return merged


def _base(facts: ImageFacts, analyzed_at: datetime) -> dict[str, Any]:
    return {
        "id": facts.image_id,
        "image_fname": facts.key,
        "bucket": facts.bucket,
        "content_type": facts.content_type,
        "size": facts.size,
        "width": facts.width,
        "height": facts.height,
        "analyzed_at": iso(analyzed_at),
    }


def failed_document(facts: ImageFacts, error: str, analyzed_at: datetime) -> dict[str, Any]:
    """A ``failed`` result: the image could not be analysed, ``error`` says why."""
    return {
        **_base(facts, analyzed_at),
        "status": "failed",
        "error": error,
        "labels": [],
        "label_names": [],
        "label_prefixes": [],
        "objects": [],
        "safe_search": None,
        "colors": [],
        "thumb_fname": None,
    }


def done_document(
    facts: ImageFacts,
    annotation: dict[str, Any],
    analyzed_at: datetime,
    thumb_fname: str | None = None,
) -> dict[str, Any]:
    """A ``done`` result from one image's Vision annotation (and its thumbnail's key)."""
    labels = [_label(a) for a in annotation.get("label_annotations") or []]
    names = _label_names(labels)
    return {
        **_base(facts, analyzed_at),
        "status": "done",
        "error": None,
        "labels": labels,
        "label_names": names,
        "label_prefixes": label_prefixes(names),
        "objects": [_object(a) for a in annotation.get("localized_object_annotations") or []],
        "safe_search": _safe_search(annotation.get("safe_search_annotation")),
        "colors": _colors(annotation.get("image_properties_annotation")),
        "thumb_fname": thumb_fname,
    }


def label_words(text: str) -> list[str]:
    """The lower-case words of a label or of a search text, in order, each once."""
    return list(dict.fromkeys(_WORD.findall(text.lower())))


def label_prefixes(names: list[str]) -> list[str]:
    """Every prefix of every word of the labels: what the gallery's label filter matches.

    "Tabby cat" gives t, ta, tab, tabb, tabby, c, ca, cat; a search for "tab" or "CAT" is then
    one index-backed ``ARRAY_CONTAINS`` per word.
    """
    prefixes: set[str] = set()
    for name in names:
        for word in label_words(name):
            stem = word[:MAX_PREFIX_LENGTH]
            prefixes.update(stem[:end] for end in range(1, len(stem) + 1))
    return sorted(prefixes)


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


def list_item(document: dict[str, Any], thumb_url: str | None) -> dict[str, Any]:
    """The gallery view of a document: id, status, times, thumbnail URL and the top labels."""
    labels = document.get("labels") or []
    return {
        "id": document["id"],
        "image_fname": document.get("image_fname"),
        "status": document.get("status"),
        "stale": bool(document.get("stale")),
        "error": document.get("error"),
        "uploaded_at": document.get("uploaded_at"),
        "analyzed_at": document.get("analyzed_at"),
        "thumb_url": thumb_url,
        "top_labels": [
            {"description": label.get("description"), "score": label.get("score")}
            for label in labels[:TOP_LABELS]
        ],
    }


def detail_view(
    document: dict[str, Any], image_url: str | None, thumb_url: str | None = None
) -> dict[str, Any]:
    """The document without the store's internal properties, plus the photo's URLs."""
    public = {
        k: v
        for k, v in document.items()
        if k not in _SYSTEM_KEYS and k not in ("label_prefixes", "upload_expires_at")
    }
    return {**public, "image_url": image_url, "thumb_url": thumb_url}
