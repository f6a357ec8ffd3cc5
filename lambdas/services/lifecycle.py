"""The life cycle the API shows: ``pending`` → ``done`` | ``failed``, abandoned, stale.

- A ``pending`` document whose object has not arrived yet (``upload_expires_at`` still set)
  is answered by the detail endpoint but not listed in the gallery (there is no photo yet).
  Once ``upload_expires_at`` has passed it is *abandoned*: a 404, and the store deletes it
  after its TTL.
- A ``pending`` document whose object has arrived is *stale* when it is older than
  :data:`STALE_AFTER_SECONDS`, or when analyze recorded why an attempt failed (``error``; it
  says so when the message went to the dead-letter queue). The API then adds
  ``"stale": true`` and an ``error`` sentence. One still waiting for its upload (its URL has
  not expired) is not stale: the upload may be slow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["STALE_AFTER_SECONDS", "is_abandoned", "with_lifecycle"]

# A lone upload is analysed in about a second; a retry comes after the queue's visibility
# timeout (minutes). Two minutes without a result means something is wrong: say so.
STALE_AFTER_SECONDS = 120


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def is_abandoned(document: dict[str, Any], now: datetime) -> bool:
    """True for a pending upload whose object never arrived before its URL expired."""
    if document.get("status") != "pending":
        return False
    expires = _time(document.get("upload_expires_at"))
    return expires is not None and expires < now


def with_lifecycle(document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The document with ``stale`` set (and an ``error`` sentence when it is stale)."""
    if document.get("status") != "pending" or "upload_expires_at" in document:
        return {**document, "stale": False}
    uploaded = _time(document.get("uploaded_at"))
    age = (now - uploaded).total_seconds() if uploaded is not None else 0.0
    error = document.get("error")
    if not error and age <= STALE_AFTER_SECONDS:
        return {**document, "stale": False}
    if not error:
        minutes = max(1, round(age / 60))
        error = (
            f"Not analysed after {minutes} minute{'s' if minutes != 1 else ''}; "
            "the analysis is late or being retried."
        )
    return {**document, "stale": True, "error": error}
