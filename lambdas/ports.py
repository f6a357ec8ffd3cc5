"""What the services need from the outside world, as protocols (no SDK imports here).

Each store (Cosmos DB, DynamoDB) and each labeller (Vision, Rekognition) implements these,
and ``lambdas/providers.py`` picks one by configuration; handlers and services never name a
provider. Every store raises :class:`StoreUnavailableError` when it cannot answer (the API
maps it to 503 in one place, ``handlers/_api.py``) and :class:`InvalidCursorError` when it
rejects a continuation token (400).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "GalleryQuery",
    "ImageResult",
    "ImageStore",
    "InvalidCursorError",
    "Labeller",
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


@dataclass(frozen=True)
class ImageResult:
    """The labeller's answer for one image: an annotation, or an error (transient or not).

    The annotation has the shape of a Vision ``AnnotateImageResponse`` as a dict (snake_case
    fields, enum names): ``label_annotations``, ``localized_object_annotations``,
    ``safe_search_annotation``, ``image_properties_annotation``.
    """

    annotation: dict[str, Any] | None = None
    error: str | None = None
    transient: bool = False


class Labeller(Protocol):
    """Labels batches of image bytes (Cloud Vision, Amazon Rekognition): at most 16 per call."""

    name: str  # how reasons people read name it: "Vision", "Rekognition"

    def annotate(self, images: Sequence[bytes]) -> Sequence[ImageResult]:
        """One result per image, in order; raises when the whole batch should be retried."""
