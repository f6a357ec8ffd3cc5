"""Opaque, tamper-evident gallery cursors around Cosmos DB continuation tokens.

A cursor is ``base64url(payload) + "." + base64url(mac)`` where the payload holds the
continuation token and a fingerprint of the query it belongs to (the label filter), and the
MAC is a truncated HMAC-SHA256 under a key only the server knows. A cursor that was altered,
truncated, or made for another query is rejected with :class:`InvalidCursorError`, so the
API answers 400 instead of passing junk to the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from lambdas.ports import InvalidCursorError

__all__ = ["MAX_CURSOR_LENGTH", "CursorCodec", "InvalidCursorError", "derive_cursor_key"]

MAX_CURSOR_LENGTH = 8192
_MAC_BYTES = 16


def derive_cursor_key(secret: str) -> bytes:
    """A cursor-signing key derived from a server-side secret (never the secret itself)."""
    return hmac.new(secret.encode(), b"tricloud gallery cursor v1", hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encodes continuation tokens into cursors and back, checking their integrity."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, token: str, query: str) -> str:
        """A cursor for ``token`` that is only valid for the query fingerprint ``query``."""
        payload = json.dumps({"t": token, "q": query}, separators=(",", ":")).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def decode(self, cursor: str, query: str) -> str:
        """The continuation token inside ``cursor``; InvalidCursorError if it does not check out."""
        if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1:
            raise InvalidCursorError("malformed cursor")
        encoded_payload, encoded_mac = cursor.split(".")
        try:
            payload = _b64decode(encoded_payload)
            mac = _b64decode(encoded_mac)
        except (binascii.Error, ValueError):
            raise InvalidCursorError("malformed cursor") from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidCursorError("cursor signature does not match")
        try:
            data = json.loads(payload)
        except ValueError:
            raise InvalidCursorError("malformed cursor") from None
        if not isinstance(data, dict) or not isinstance(data.get("t"), str):
            raise InvalidCursorError("malformed cursor")
        if data.get("q") != query:
            raise InvalidCursorError("cursor belongs to another query")
        token: str = data["t"]
        return token
