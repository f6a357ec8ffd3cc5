"""The daily spending cap: how many uploads a deployment and each user may start per UTC day.

presign calls :meth:`DailyCap.take` before it creates the pending document and signs the
upload; over a limit it raises :class:`DailyLimitError` (429 with ``Retry-After`` = seconds
to the next UTC midnight). analyze enforces the same cap by skipping any object without a
pending document, which only presign makes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from lambdas.errors import ApiError

__all__ = ["Counters", "DailyCap", "DailyLimitError", "seconds_to_midnight"]

#: Counters outlive their day by this long (DynamoDB's TTL deletes them afterwards).
KEEP_COUNTERS = timedelta(days=2)


class Counters(Protocol):
    """Atomic bounded counters (lambdas/adapters/usage.py)."""

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        """Add one unless the counter has reached ``limit``; False when it has."""

    def give_back(self, key: str) -> None:
        """Undo one successful take."""


class DailyLimitError(ApiError):
    """Today's cap is reached (429); ``retry_after`` is seconds until it resets."""

    status = 429
    code = "daily_limit_reached"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def seconds_to_midnight(now: datetime) -> int:
    """Whole seconds from ``now`` to the next UTC midnight (at least 1)."""
    midnight = (now.astimezone(UTC) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return max(1, int((midnight - now).total_seconds() + 0.999))


class DailyCap:
    """Per-deployment and per-user daily upload limits on a set of counters.

    ``user_limit`` None skips the per-user counter (public mode: everyone is one anonymous
    owner, so only the deployment's limit applies).
    """

    def __init__(self, counters: Counters, total_limit: int, user_limit: int | None) -> None:
        self._counters = counters
        self._total_limit = total_limit
        self._user_limit = user_limit

    def take(self, owner: str, now: datetime) -> None:
        """Count one upload for ``owner`` today, or raise DailyLimitError and count nothing."""
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        expires_at = int((now + KEEP_COUNTERS).timestamp())
        retry_after = seconds_to_midnight(now)
        user_limit = self._user_limit
        user_key = None if user_limit is None else f"user#{owner}#{day}"
        if (
            user_key is not None
            and user_limit is not None
            and not self._counters.take(user_key, user_limit, expires_at)
        ):
            raise DailyLimitError(
                f"You have reached today's limit of {user_limit} photos. "
                "It resets at midnight UTC.",
                retry_after,
            )
        if not self._counters.take(f"total#{day}", self._total_limit, expires_at):
            if user_key is not None:
                self._counters.give_back(user_key)
            raise DailyLimitError(
                f"This site has reached today's limit of {self._total_limit} photos. "
                "It resets at midnight UTC.",
                retry_after,
            )
