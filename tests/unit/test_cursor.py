"""Gallery cursors: opaque, bound to their query, and rejected when altered."""

from __future__ import annotations

import base64
import json

import pytest

from lambdas.services.cursor import (
    MAX_CURSOR_LENGTH,
    CursorCodec,
    InvalidCursorError,
    derive_cursor_key,
)

TOKEN = '[{"token":"+RID:~abc==#RT:1#TRC:20","range":{"min":"","max":"FF"}}]'
codec = CursorCodec(derive_cursor_key("cosmos-account-key"))


def test_round_trip() -> None:
    cursor = codec.encode(TOKEN, "label=cat")
    assert codec.decode(cursor, "label=cat") == TOKEN
    assert TOKEN not in cursor  # opaque: not the raw token
    assert all(c.isalnum() or c in "-_." for c in cursor)  # URL-safe


def test_key_is_derived_not_the_secret() -> None:
    assert derive_cursor_key("k") != b"k"
    assert derive_cursor_key("k") == derive_cursor_key("k") != derive_cursor_key("k2")


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize("index", [0, 5, 20, -3])
def test_any_changed_character_is_rejected(index: int) -> None:
    cursor = codec.encode(TOKEN, "label=")
    with pytest.raises(InvalidCursorError):
        codec.decode(flip(cursor, index % len(cursor)), "label=")


def test_forged_payload_is_rejected() -> None:
    payload = base64.urlsafe_b64encode(json.dumps({"t": "x", "q": "label="}).encode()).decode()
    with pytest.raises(InvalidCursorError, match="signature"):
        codec.decode(payload.rstrip("=") + ".AAAAAAAAAAAAAAAAAAAAAA", "label=")


def test_other_key_is_rejected() -> None:
    other = CursorCodec(derive_cursor_key("rotated-key"))
    with pytest.raises(InvalidCursorError):
        codec.decode(other.encode(TOKEN, "label="), "label=")


def test_cursor_of_another_query_is_rejected() -> None:
    with pytest.raises(InvalidCursorError, match="another query"):
        codec.decode(codec.encode(TOKEN, "label=cat"), "label=dog")


@pytest.mark.parametrize(
    "cursor",
    ["", "abc", "a.b.c", "!!!.???", "x" * (MAX_CURSOR_LENGTH + 1), "' OR 1=1 --", "%00.%00"],
)
def test_junk_is_rejected(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        codec.decode(cursor, "label=")
