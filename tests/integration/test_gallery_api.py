"""The gallery and detail API on each store: paging, cursors, and bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lambdas.ports import GalleryQuery
from lambdas.services.documents import ImageFacts, done_document, merge_result, pending_document

from .conftest import Stack, each_provider

pytestmark = pytest.mark.integration


def insert_documents(
    stack: Stack, bucket: str, label: str, count: int, owner: str = "public"
) -> list[str]:
    """Store ``count`` analysed images labelled ``label`` as presign and analyze do; their ids.

    They were uploaded a millisecond apart, in the order of the ids returned.
    """
    ids = []
    start = datetime.now(UTC) - timedelta(seconds=10)
    for n in range(count):
        image_id = str(uuid.uuid4())
        key = f"uploads/{owner}/{image_id}.jpg"
        pending = pending_document(
            owner=owner,
            image_id=image_id,
            key=key,
            bucket=bucket,
            content_type="image/jpeg",
            size=100 + n,
            now=start + timedelta(milliseconds=n),
            upload_url_ttl_seconds=300,
        )
        facts = ImageFacts(image_id, key, bucket, 100 + n, "image/jpeg", 4, 3)
        annotation = {"label_annotations": [{"description": label, "score": 0.5 + n / 1000}]}
        done = done_document(facts, annotation, datetime.now(UTC))
        stack.put(merge_result(pending, done))
        ids.append(image_id)
    return ids


def gallery_size(stack: Stack, owner: str = "public") -> int:
    """How many documents the store lists for ``owner``, read page by page from the store."""
    store, total, continuation = stack.image_store(), 0, None
    while True:
        page = store.list_page(GalleryQuery(owner, (), 100, continuation))
        total += len(page.items)
        continuation = page.continuation
        if continuation is None:
            return total


def walk(stack: Stack, query: dict[str, str], max_pages: int = 200) -> list[dict[str, Any]]:
    """Every item, following next_cursor page by page."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(max_pages):
        status, page = stack.api(
            "GET", "/api/images", query={**query, **({"cursor": cursor} if cursor else {})}
        )
        assert status == 200, page
        assert len(page["items"]) <= int(query.get("limit", "20"))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


def test_paging_45_items_without_duplicates_or_gaps(stack: Stack) -> None:
    label = f"paging-{uuid.uuid4().hex[:8]}"
    ids = insert_documents(stack, stack.resources.bucket, label, 45)
    items = walk(stack, {"limit": "10", "label": label.upper()})
    listed = [item["id"] for item in items]
    assert len(listed) == len(set(listed)) == 45
    assert listed == ids[::-1]  # newest upload first
    stamps = [item["uploaded_at"] for item in items]
    assert stamps == sorted(stamps, reverse=True)


@each_provider
def test_paging_the_whole_gallery(stack: Stack) -> None:
    insert_documents(stack, stack.resources.bucket, "whole-gallery", 12)
    total = gallery_size(stack)
    listed = [item["id"] for item in walk(stack, {"limit": "7"})]
    assert len(listed) == len(set(listed)) == total


@each_provider
def test_cursor_works_only_for_its_own_query(stack: Stack) -> None:
    label = f"cursor-{uuid.uuid4().hex[:8]}"
    insert_documents(stack, stack.resources.bucket, label, 3)
    status, page = stack.api("GET", "/api/images", query={"limit": "1", "label": label})
    assert status == 200
    cursor = page["next_cursor"]
    assert cursor
    status, body = stack.api(
        "GET", "/api/images", query={"limit": "1", "label": "other", "cursor": cursor}
    )
    assert (status, body["error"]["code"]) == (400, "invalid_cursor")
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    status, body = stack.api(
        "GET", "/api/images", query={"limit": "1", "label": label, "cursor": tampered}
    )
    assert (status, body["error"]["code"]) == (400, "invalid_cursor")


@each_provider
def test_sql_looking_label_is_only_ever_a_value(stack: Stack) -> None:
    insert_documents(stack, stack.resources.bucket, "harmless", 1)
    status, _ = stack.api("GET", "/api/images", query={"label": "x') OR LENGTH(c.id) > (0"})
    assert status == 400  # '>' is not a label character
    # Only label characters, yet SQL-shaped: matched as one literal value, so nothing is found.
    status, page = stack.api("GET", "/api/images", query={"label": "harmless' OR 'a' + 'a"})
    assert (status, page) == (200, {"items": [], "next_cursor": None})


BAD_REQUESTS: list[tuple[str, str, dict[str, str] | None, Any, int]] = [
    ("POST", "/api/uploads", None, "{oops", 400),
    ("POST", "/api/uploads", None, {}, 400),
    ("POST", "/api/uploads", None, {"content_type": "image/jpeg"}, 400),
    ("POST", "/api/uploads", None, {"content_type": 7, "size": 10}, 400),
    ("POST", "/api/uploads", None, {"content_type": "image/jpeg", "size": "big"}, 400),
    ("POST", "/api/uploads", None, {"content_type": "text/html", "size": 10}, 400),
    ("POST", "/api/uploads", None, {"content_type": "image/png", "size": 0}, 400),
    ("POST", "/api/uploads", None, {"content_type": "image/png", "size": -1}, 400),
    ("POST", "/api/uploads", None, {"content_type": "image/png", "size": 10 * 1024**3}, 400),
    ("GET", "/api/images/not-a-uuid", None, None, 400),
    ("GET", "/api/images/1%27%20OR%201%3D1", None, None, 400),
    ("GET", "/api/images", {"limit": "0"}, None, 400),
    ("GET", "/api/images", {"limit": "101"}, None, 400),
    ("GET", "/api/images", {"limit": "abc"}, None, 400),
    ("GET", "/api/images", {"cursor": "tampered"}, None, 400),
    ("GET", "/api/images", {"label": "'; DROP TABLE images; --"}, None, 400),
    ("GET", "/api/nope", None, None, 404),
]


@each_provider
@pytest.mark.parametrize(("method", "path", "query", "body", "status"), BAD_REQUESTS)
def test_bad_input_is_a_json_4xx(
    stack: Stack, method: str, path: str, query: dict[str, str] | None, body: Any, status: int
) -> None:
    answer_status, answer = stack.api(method, path, query=query, body=body)
    assert answer_status == status
    assert set(answer) == {"error"}
    assert set(answer["error"]) == {"code", "message"}
