"""What the services need from the outside world, as protocols (no SDK imports here).

Each store (Cosmos DB today; DynamoDB is another adapter) and each labeller implements these,
and ``lambdas/providers.py`` picks one by configuration; handlers and services never name a
provider. Every store raises :class:`StoreUnavailableError` when it cannot answer (the API
maps it to 503 in one place, ``handlers/_api.py``) and :class:`InvalidCursorError` when it
rejects a continuation token (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "GalleryQuery",
    "ImageStore",
    "InvalidCursorError",
    "Page",
    "StoreUnavailableError",
]


class StoreUnavailableError(Exception):
    """The image store could not be reached or failed; the operation may be retried later."""


class InvalidCursorError(ValueError):
    """The cursor (or the store's continuation token inside it) was not made for this query."""


@dataclass(frozen=True)
class Page:
    """One page of gallery documents and the store's own token for the next (None at the end)."""

    items: list[dict[str, Any]]
    continuation: str | None  # the API cursor signs and wraps it


@dataclass(frozen=True)
class GalleryQuery:
    """One owner's gallery page: newest upload first, optionally filtered by label prefixes."""

    owner: str
    label_prefixes: tuple[str, ...]  # lower-case word prefixes; every one must match; () = all
    limit: int
    continuation: str | None


class ImageStore(Protocol):
    """The image documents, keyed by ``(owner, id)``."""

    def create_pending(self, document: dict[str, Any]) -> None:
        """Store the ``pending`` document of a new upload (presign)."""

    def put(self, document: dict[str, Any]) -> None:
        """Create or replace the document with the same ``(owner, id)``."""

    def get(self, owner: str, image_id: str) -> dict[str, Any] | None:
        """The document, or None when there is none."""

    def delete(self, owner: str, image_id: str) -> None:
        """Remove the document; nothing happens when there is none."""

    def list_page(self, query: GalleryQuery) -> Page:
        """At most ``query.limit`` of the owner's documents, newest upload first.

        Ordered by ``uploaded_at`` then ``id`` (both descending). Documents that still have
        ``upload_expires_at`` (uploads whose photo has not arrived, or never will) are left out.
        Every prefix in ``query.label_prefixes`` must be in the document's ``label_prefixes``.
        """
