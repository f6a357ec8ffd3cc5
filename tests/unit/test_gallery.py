"""Gallery parameters, the parameterized query and cursor paging over a page source."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.errors import BadRequestError
from lambdas.services.cursor import CursorCodec, InvalidCursorError, derive_cursor_key
from lambdas.services.gallery import (
    ListRequest,
    Page,
    build_query,
    list_images,
    parse_list_request,
)

codec = CursorCodec(derive_cursor_key("key"))


def test_defaults() -> None:
    assert parse_list_request(None) == ListRequest(limit=20, cursor=None, label=None)
    assert parse_list_request({"label": "  "}).label is None


def test_valid_parameters() -> None:
    request = parse_list_request({"limit": "100", "cursor": "abc", "label": " Tabby Cat "})
    assert request == ListRequest(limit=100, cursor="abc", label="tabby cat")


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", "", " 5", "1e2", "99999"])
def test_bad_limit(limit: str) -> None:
    with pytest.raises(BadRequestError, match="'limit'"):
        parse_list_request({"limit": limit})


@pytest.mark.parametrize(
    "label", ["cat'; DROP TABLE c; --", "x OR 1=1", "<script>", 'say "cheese"', "a%00", "ca\nt"]
)
def test_label_with_characters_no_label_has(label: str) -> None:
    with pytest.raises(BadRequestError, match="'label' may contain only"):
        parse_list_request({"label": label})


@pytest.mark.parametrize("label", ["Small to medium-sized cats", "Rock 'n' roll", "Café", "4x4"])
def test_real_label_names_are_accepted(label: str) -> None:
    assert parse_list_request({"label": label}).label == label.lower()


def test_label_too_long() -> None:
    with pytest.raises(BadRequestError, match="'label'"):
        parse_list_request({"label": "x" * 101})


def test_query_never_contains_user_text() -> None:
    label = "cat') OR 1=1 --"
    sql, parameters = build_query(label)
    assert label not in sql
    assert "ARRAY_CONTAINS(c.label_names, @label)" in sql
    assert sql.endswith("ORDER BY c._ts DESC")
    assert parameters == [{"name": "@label", "value": label}]
    for forbidden in ("OFFSET", "LIMIT", "DISTINCT"):
        assert forbidden not in sql
    assert build_query(None)[1] == []


class FakeSource:
    """Pages through a list in memory, using the index as the continuation token."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.calls: list[tuple[str, list[dict[str, Any]], int, str | None]] = []

    def query_page(
        self, query: str, parameters: list[dict[str, Any]], limit: int, continuation: str | None
    ) -> Page:
        self.calls.append((query, parameters, limit, continuation))
        if continuation is not None and not continuation.isdigit():
            raise InvalidCursorError("rejected by the database")
        start = int(continuation or 0)
        end = start + limit
        return Page(self.items[start:end], str(end) if end < len(self.items) else None)


def doc(n: int) -> dict[str, Any]:
    return {
        "id": f"id-{n}",
        "image_fname": f"uploads/{n}.jpg",
        "status": "done",
        "_ts": n,
        "labels": [],
    }


def test_pages_with_cursors_until_the_end() -> None:
    source = FakeSource([doc(n) for n in range(7)])
    request = ListRequest(limit=3, cursor=None, label="cat")
    seen = []
    for _ in range(10):
        page = list_images(source, codec, request)
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        request = ListRequest(limit=3, cursor=page["next_cursor"], label="cat")
    assert seen == [f"id-{n}" for n in range(7)]
    assert [call[3] for call in source.calls] == [None, "3", "6"]
    assert all(call[1] == [{"name": "@label", "value": "cat"}] for call in source.calls)


def test_tampered_cursor_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError) as caught:
        list_images(FakeSource([]), codec, ListRequest(20, "junk.cursor", None))
    assert caught.value.code == "invalid_cursor"


def test_cursor_from_another_label_is_a_bad_request() -> None:
    cursor = codec.encode("3", "label=cat")
    with pytest.raises(BadRequestError):
        list_images(FakeSource([]), codec, ListRequest(20, cursor, "dog"))


def test_token_rejected_by_the_database_is_a_bad_request() -> None:
    cursor = codec.encode("not-a-number", "label=")
    with pytest.raises(BadRequestError, match="cursor"):
        list_images(FakeSource([doc(1)]), codec, ListRequest(20, cursor, None))
