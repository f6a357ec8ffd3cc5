"""The daily cap: per-user and deployment limits, nothing counted on refusal, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lambdas.services.quota import DailyCap, DailyLimitError, seconds_to_midnight

from .counters import MemoryCounters

NOON = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


def test_a_user_is_refused_past_their_limit_with_seconds_to_midnight() -> None:
    counters = MemoryCounters()
    cap = DailyCap(counters, total_limit=10, user_limit=2)
    cap.take("alice", NOON)
    cap.take("alice", NOON)
    with pytest.raises(DailyLimitError) as refused:
        cap.take("alice", NOON)
    assert refused.value.status == 429
    assert refused.value.code == "daily_limit_reached"
    assert refused.value.headers == {"Retry-After": str(12 * 3600)}
    assert "today's limit of 2 photos" in refused.value.message
    cap.take("bob", NOON)  # another user still may
    assert counters.values == {
        "user#alice#2026-11-29": 2,
        "user#bob#2026-11-29": 1,
        "total#2026-11-29": 3,
    }


def test_the_deployment_limit_refuses_everyone_and_gives_the_user_count_back() -> None:
    counters = MemoryCounters()
    cap = DailyCap(counters, total_limit=2, user_limit=2)
    cap.take("alice", NOON)
    cap.take("bob", NOON)
    with pytest.raises(DailyLimitError, match="This site has reached today's limit of 2"):
        cap.take("carol", NOON)
    assert counters.values["user#carol#2026-11-29"] == 0
    assert counters.values["total#2026-11-29"] == 2


def test_public_mode_counts_only_the_deployment() -> None:
    counters = MemoryCounters()
    cap = DailyCap(counters, total_limit=3, user_limit=None)
    for _ in range(3):
        cap.take("public", NOON)
    assert counters.values == {"total#2026-11-29": 3}


def test_counters_are_per_utc_day_and_expire_two_days_later() -> None:
    counters = MemoryCounters()
    cap = DailyCap(counters, total_limit=1, user_limit=1)
    cap.take("alice", datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC))
    cap.take("alice", datetime(2026, 11, 30, 0, 0, 1, tzinfo=UTC))
    assert set(counters.values) == {
        "user#alice#2026-11-29",
        "total#2026-11-29",
        "user#alice#2026-11-30",
        "total#2026-11-30",
    }
    expires = counters.expiries["total#2026-11-29"]
    assert expires == int(datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 11, 29, 0, 0, 0, tzinfo=UTC), 86400),
        (datetime(2026, 11, 29, 23, 59, 59, 500_000, tzinfo=UTC), 1),
        (datetime(2026, 11, 29, 23, 0, 0, tzinfo=UTC), 3600),
    ],
)
def test_seconds_to_midnight(now: datetime, seconds: int) -> None:
    assert seconds_to_midnight(now) == seconds
