"""The two ports the services use: where image documents live, and who labels images.

No SDK is imported here. Adapters implement these (``lambdas/adapters/``) and
``lambdas/providers.py`` picks them from configuration, so handlers and services never name a
provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from lambdas.services.cursor import InvalidCursorError

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
    """The document store could not be reached or failed; the operation may be retried later."""


@dataclass(frozen=True)
class Page:
    """One page of documents and the store's own token for the next page (None at the end)."""

    items: list[dict[str, Any]]
    continuation: str | None  # the store's own token; the API cursor signs/wraps it


@dataclass(frozen=True)
class GalleryQuery:
    """One gallery page of one owner, newest upload first."""

    owner: str
    label_prefixes: tuple[str, ...]  # lower-case word prefixes; every one must match; () = none
    limit: int
    continuation: str | None


class ImageStore(Protocol):
    """The image documents, keyed by (owner, id)."""

    def create_pending(self, document: dict[str, Any]) -> None:
        """Store the ``pending`` document presign makes for a new upload."""

    def put(self, document: dict[str, Any]) -> None:
        """Create or replace the document with the same (owner, id)."""

    def get(self, owner: str, image_id: str) -> dict[str, Any] | None:
        """The document, or None when there is none."""

    def delete(self, owner: str, image_id: str) -> None:
        """Remove the document; nothing happens when there is none."""

    def list_page(self, query: GalleryQuery) -> Page:
        """At most ``query.limit`` documents, newest upload first, from ``query.continuation``."""


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
    """Labels batches of image bytes (at most ``MAX_BATCH`` = 16 per call)."""

    def annotate(self, images: Sequence[bytes]) -> Sequence[ImageResult]:
        """One result per image, in order; raises when the whole batch should be retried."""
