"""The gallery: parse ``GET /api/images`` parameters, query newest first, page with cursors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lambdas.errors import BadRequestError
from lambdas.services.cursor import CursorCodec, InvalidCursorError
from lambdas.services.documents import list_item

__all__ = ["ListRequest", "Page", "PageSource", "build_query", "list_images", "parse_list_request"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_LABEL_LENGTH = 100
_DIGITS = re.compile(r"^[0-9]{1,4}$")
# What label names are made of (Vision's are words like "Small to medium-sized cats").
# Anything else cannot match a label; rejecting it early gives the caller a clear answer.
_LABEL = re.compile(r"[\w \-'&.,()/+]+")
# The projection keeps list pages small: no objects, colors or safe_search.
_SELECT = "SELECT c.id, c.image_fname, c.status, c._ts, c.labels FROM c"


@dataclass(frozen=True)
class Page:
    """One page of query results and the token for the next page (None at the end)."""

    items: list[dict[str, Any]]
    continuation: str | None


class PageSource(Protocol):
    """What the gallery needs from the store (see ``lambdas.adapters.cosmos.ImageStore``).

    ``query_page`` raises InvalidCursorError when the database rejects the continuation token.
    """

    def query_page(
        self, query: str, parameters: list[dict[str, Any]], limit: int, continuation: str | None
    ) -> Page:
        """At most ``limit`` items, starting at ``continuation``."""


@dataclass(frozen=True)
class ListRequest:
    """Valid gallery parameters; ``label`` is lower-case, None for no filter."""

    limit: int
    cursor: str | None
    label: str | None


def parse_list_request(params: Mapping[str, str] | None) -> ListRequest:
    """Check ``limit`` (1..100), ``cursor`` and ``label``; raise BadRequestError otherwise."""
    params = params or {}
    raw_limit = params.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not _DIGITS.match(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise BadRequestError(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
        limit = int(raw_limit)
    label = (params.get("label") or "").strip().lower() or None
    if label is not None and len(label) > MAX_LABEL_LENGTH:
        raise BadRequestError(f"'label' must be at most {MAX_LABEL_LENGTH} characters.")
    if label is not None and not _LABEL.fullmatch(label):
        raise BadRequestError(
            "'label' may contain only letters, digits, spaces and - ' & . , ( ) / +"
        )
    cursor = params.get("cursor") or None
    return ListRequest(limit=limit, cursor=cursor, label=label)


def build_query(label: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The SQL and its parameters; user input only ever travels as a parameter."""
    if label is None:
        return f"{_SELECT} ORDER BY c._ts DESC", []
    return (
        f"{_SELECT} WHERE ARRAY_CONTAINS(c.label_names, @label) ORDER BY c._ts DESC",
        [{"name": "@label", "value": label}],
    )


def list_images(store: PageSource, codec: CursorCodec, request: ListRequest) -> dict[str, Any]:
    """One gallery page: ``{"items": [...], "next_cursor": str | None}``."""
    fingerprint = f"label={request.label or ''}"
    try:
        continuation = None
        if request.cursor is not None:
            continuation = codec.decode(request.cursor, fingerprint)
        query, parameters = build_query(request.label)
        page = store.query_page(query, parameters, request.limit, continuation)
    except InvalidCursorError:
        raise BadRequestError(
            "'cursor' is not valid; start again without it.", code="invalid_cursor"
        ) from None
    next_cursor = codec.encode(page.continuation, fingerprint) if page.continuation else None
    return {"items": [list_item(doc) for doc in page.items], "next_cursor": next_cursor}
