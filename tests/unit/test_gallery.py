"""Gallery parameters, the parameterized query and cursor paging over a page source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lambdas.adapters.cosmos import build_query
from lambdas.errors import BadRequestError
from lambdas.ports import GalleryQuery, InvalidCursorError, Page
from lambdas.services.cursor import CursorCodec, derive_cursor_key
from lambdas.services.documents import iso
from lambdas.services.gallery import ListRequest, list_images, parse_list_request

codec = CursorCodec(derive_cursor_key("key"))


def test_defaults() -> None:
    assert parse_list_request(None) == ListRequest(limit=20, cursor=None, label=None, prefixes=())
    assert parse_list_request({"label": "  "}).label is None


def test_valid_parameters() -> None:
    request = parse_list_request({"limit": "100", "cursor": "abc", "label": " Tabby Cat "})
    assert request == ListRequest(
        limit=100, cursor="abc", label="tabby cat", prefixes=("tabby", "cat")
    )


@pytest.mark.parametrize(
    ("label", "prefixes"),
    [("TAB", ("tab",)), ("coffee MU", ("coffee", "mu")), ("medium-sized", ("medium", "sized"))],
)
def test_a_filter_is_its_lower_case_words(label: str, prefixes: tuple[str, ...]) -> None:
    assert parse_list_request({"label": label}).prefixes == prefixes


@pytest.mark.parametrize("label", ["a b c d e f", "- ' &"])
def test_a_filter_needs_one_to_five_words(label: str) -> None:
    with pytest.raises(BadRequestError, match="'label'"):
        parse_list_request({"label": label})


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


NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_query_never_contains_user_text() -> None:
    words = ("cat')", "--x", "1=1")
    sql, parameters = build_query(GalleryQuery("o'wner", words, 20, None))
    for word in (*words, "o'wner"):
        assert word not in sql
    assert "c.owner = @owner" in sql
    assert "ARRAY_CONTAINS(c.label_prefixes, @p0)" in sql
    assert "ARRAY_CONTAINS(c.label_prefixes, @p2)" in sql
    assert sql.endswith("ORDER BY c.uploaded_at DESC, c.id DESC")
    assert {"name": "@owner", "value": "o'wner"} in parameters
    assert {"name": "@p1", "value": "--x"} in parameters
    for forbidden in ("OFFSET", "LIMIT", "DISTINCT", "_ts"):
        assert forbidden not in sql
    assert "NOT IS_DEFINED(c.upload_expires_at)" in sql  # no photo yet: not in the gallery
    assert "ARRAY_CONTAINS" not in build_query(GalleryQuery("o", (), 20, None))[0]


class FakeStore:
    """Pages through a list in memory, using the index as the continuation token."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.calls: list[GalleryQuery] = []

    def list_page(self, query: GalleryQuery) -> Page:
        self.calls.append(query)
        continuation = query.continuation
        if continuation is not None and not continuation.isdigit():
            raise InvalidCursorError("rejected by the database")
        start = int(continuation or 0)
        end = start + query.limit
        return Page(self.items[start:end], str(end) if end < len(self.items) else None)

    def create_pending(self, document: dict[str, Any]) -> None:
        raise NotImplementedError

    def put(self, document: dict[str, Any]) -> None:
        raise NotImplementedError

    def get(self, owner: str, image_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def delete(self, owner: str, image_id: str) -> None:
        raise NotImplementedError


def doc(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"id-{n}",
        "owner": "public",
        "image_fname": f"uploads/public/{n}.jpg",
        "thumb_fname": f"thumbs/public/{n}.jpg",
        "status": "done",
        "uploaded_at": iso(NOW - timedelta(minutes=n)),
        "labels": [],
        **extra,
    }


def page_of(store: FakeStore, request: ListRequest, owner: str = "public") -> dict[str, Any]:
    return list_images(
        store,
        codec,
        request,
        owner=owner,
        now=NOW,
        thumb_url=lambda d: f"https://signed/{d['thumb_fname']}" if d.get("thumb_fname") else None,
    )


def test_pages_with_cursors_until_the_end() -> None:
    store = FakeStore([doc(n) for n in range(7)])
    request = parse_list_request({"limit": "3", "label": "Cat"})
    seen = []
    for _ in range(10):
        page = page_of(store, request)
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        request = ListRequest(3, page["next_cursor"], "cat", ("cat",))
    assert seen == [f"id-{n}" for n in range(7)]
    assert [call.continuation for call in store.calls] == [None, "3", "6"]
    assert all(call.label_prefixes == ("cat",) and call.owner == "public" for call in store.calls)


def test_items_carry_a_thumbnail_url_and_the_life_cycle() -> None:
    items = [
        doc(1),
        doc(2, status="pending", thumb_fname=None),
        doc(200, status="pending", thumb_fname=None),  # received 200 minutes ago, no result
    ]
    page = page_of(FakeStore(items), ListRequest(20, None, None))
    by_id = {item["id"]: item for item in page["items"]}
    assert by_id["id-1"]["thumb_url"] == "https://signed/thumbs/public/1.jpg"
    assert by_id["id-1"]["uploaded_at"] == iso(NOW - timedelta(minutes=1))
    assert by_id["id-2"] | {"thumb_url": None, "stale": False, "error": None} == by_id["id-2"]
    assert by_id["id-200"]["stale"] is True
    assert "Not analysed after 200 minutes" in by_id["id-200"]["error"]


def test_tampered_cursor_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError) as caught:
        page_of(FakeStore([]), ListRequest(20, "junk.cursor", None))
    assert caught.value.code == "invalid_cursor"


def test_cursor_from_another_label_or_owner_is_a_bad_request() -> None:
    cursor = codec.encode("3", "owner=public&label=cat")
    page_of(FakeStore([doc(n) for n in range(7)]), ListRequest(20, cursor, "cat", ("cat",)))
    with pytest.raises(BadRequestError):
        page_of(FakeStore([]), ListRequest(20, cursor, "dog", ("dog",)))
    with pytest.raises(BadRequestError):
        page_of(FakeStore([]), ListRequest(20, cursor, "cat", ("cat",)), owner="someone-else")


def test_token_rejected_by_the_database_is_a_bad_request() -> None:
    cursor = codec.encode("not-a-number", "owner=public&label=")
    with pytest.raises(BadRequestError, match="cursor"):
        page_of(FakeStore([doc(1)]), ListRequest(20, cursor, None))
