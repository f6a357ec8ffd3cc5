"""In-memory bounded counters with the semantics of the DynamoDB adapter (for pure tests)."""

from __future__ import annotations


class MemoryCounters:
    """``take``/``give_back`` on a dict; records every expiry it was given."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.expiries: dict[str, int] = {}

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        if self.values.get(key, 0) >= limit:
            return False
        self.values[key] = self.values.get(key, 0) + 1
        self.expiries.setdefault(key, expires_at)
        return True

    def give_back(self, key: str) -> None:
        self.values[key] -= 1
