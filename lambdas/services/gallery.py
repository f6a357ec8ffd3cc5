"""The gallery: parse ``GET /api/images`` parameters, ask the store for a page, sign cursors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lambdas.errors import BadRequestError
from lambdas.ports import GalleryQuery, ImageStore, InvalidCursorError
from lambdas.services.cursor import CursorCodec
from lambdas.services.documents import label_words, list_item
from lambdas.services.lifecycle import with_lifecycle

__all__ = ["ListRequest", "list_images", "parse_list_request"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_LABEL_LENGTH = 100
MAX_LABEL_WORDS = 5
_DIGITS = re.compile(r"^[0-9]{1,4}$")
# What label names are made of (Vision's are words like "Small to medium-sized cats").
# Anything else cannot match a label; rejecting it early gives the caller a clear answer.
_LABEL = re.compile(r"[\w \-'&.,()/+]+")


@dataclass(frozen=True)
class ListRequest:
    """Valid gallery parameters: ``label`` lower-case (None: no filter), ``prefixes`` its words."""

    limit: int
    cursor: str | None
    label: str | None
    prefixes: tuple[str, ...] = ()


def parse_list_request(params: Mapping[str, str] | None) -> ListRequest:
    """Check ``limit`` (1..100), ``cursor`` and ``label``; raise BadRequestError otherwise.

    The label filter matches by word prefix, case-insensitively: "tab" finds "Tabby cat", and
    "coffee mu" finds "Coffee mug" (every word of the filter must start a word of a label).
    """
    params = params or {}
    raw_limit = params.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not _DIGITS.match(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise BadRequestError(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
        limit = int(raw_limit)
    label = (params.get("label") or "").strip().lower() or None
    prefixes: tuple[str, ...] = ()
    if label is not None:
        if len(label) > MAX_LABEL_LENGTH:
            raise BadRequestError(f"'label' must be at most {MAX_LABEL_LENGTH} characters.")
        if not _LABEL.fullmatch(label):
            raise BadRequestError(
                "'label' may contain only letters, digits, spaces and - ' & . , ( ) / +"
            )
        prefixes = tuple(label_words(label))
        if len(prefixes) > MAX_LABEL_WORDS:
            raise BadRequestError(f"'label' may have at most {MAX_LABEL_WORDS} words.")
        if not prefixes:
            raise BadRequestError("'label' must contain a letter or a digit.")
    cursor = params.get("cursor") or None
    return ListRequest(limit=limit, cursor=cursor, label=label, prefixes=prefixes)


def list_images(
    store: ImageStore,
    codec: CursorCodec,
    request: ListRequest,
    *,
    owner: str,
    now: datetime,
    thumb_url: Callable[[dict[str, Any]], str | None],
) -> dict[str, Any]:
    """One gallery page: ``{"items": [...], "next_cursor": str | None}``.

    ``thumb_url`` signs the thumbnail of a document (None when it has none), so a gallery page
    needs no request per card.
    """
    # The cursor is bound to the owner and the filter: it cannot page another query.
    fingerprint = f"owner={owner}&label={' '.join(request.prefixes)}"
    try:
        continuation = None
        if request.cursor is not None:
            continuation = codec.decode(request.cursor, fingerprint)
        page = store.list_page(
            GalleryQuery(
                owner=owner,
                label_prefixes=request.prefixes,
                limit=request.limit,
                continuation=continuation,
            )
        )
    except InvalidCursorError:
        raise BadRequestError(
            "'cursor' is not valid; start again without it.", code="invalid_cursor"
        ) from None
    next_cursor = codec.encode(page.continuation, fingerprint) if page.continuation else None
    documents = [with_lifecycle(d, now) for d in page.items]
    return {
        "items": [list_item(d, thumb_url(d)) for d in documents],
        "next_cursor": next_cursor,
    }
