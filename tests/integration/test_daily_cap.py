"""The daily cap against DynamoDB (moto): concurrent uploads at the limit, 429 + Retry-After."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from lambdas.adapters.usage import UsageCounters
from lambdas.services.quota import DailyCap, DailyLimitError
from offline.provision import moto_client

from .conftest import Stack, fresh_usage_table

pytestmark = pytest.mark.integration


@pytest.fixture
def provider_choice() -> tuple[str, str]:
    """The cap counts in its own table, whatever the providers: the default ones."""
    return ("google-vision", "cosmos")


OTHER_OWNER = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _fresh_table(moto_server: str) -> str:
    return fresh_usage_table(moto_server)


def _counter(moto_server: str, table: str, key: str) -> int:
    item = moto_client("dynamodb", moto_server).get_item(
        TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True
    )
    return int(item["Item"]["uploads"]["N"]) if "Item" in item else 0


@pytest.mark.parametrize(("total", "per_user", "users"), [(10, 10, 1), (12, 5, 4)])
def test_concurrent_requests_at_the_limit_never_overshoot(
    moto_server: str, total: int, per_user: int, users: int
) -> None:
    """40 requests at once from `users` users (as many Lambda containers would send them)."""
    table = _fresh_table(moto_server)
    counters = UsageCounters(moto_client("dynamodb", moto_server), table)
    cap = DailyCap(counters, total, per_user)
    now = datetime.now(UTC)
    owners = [f"user-{n}" for n in range(users)]

    def attempt(n: int) -> str | None:
        owner = owners[n % users]
        try:
            cap.take(owner, now)
        except DailyLimitError:
            return None
        return owner

    with ThreadPoolExecutor(max_workers=16) as pool:
        accepted = [owner for owner in pool.map(attempt, range(40)) if owner is not None]

    assert len(accepted) == min(total, per_user * users)
    day = now.strftime("%Y-%m-%d")
    assert _counter(moto_server, table, f"total#{day}") == len(accepted)
    for owner in owners:
        assert accepted.count(owner) <= per_user
        assert _counter(moto_server, table, f"user#{owner}#{day}") == accepted.count(owner)


def test_presign_answers_429_with_retry_after_and_issues_nothing(
    private_stack: Stack, moto_server: str
) -> None:
    stack = private_stack
    stack.set_env(
        USAGE_TABLE=_fresh_table(moto_server),
        DAILY_IMAGE_LIMIT="3",
        DAILY_IMAGE_LIMIT_PER_USER="2",
    )
    request = {"content_type": "image/jpeg", "size": 100}
    assert [stack.api("POST", "/api/uploads", body=request)[0] for _ in range(2)] == [201, 201]
    status, body = stack.api("POST", "/api/uploads", body=request)
    assert status == 429
    assert body["error"]["code"] == "daily_limit_reached"
    assert "today's limit of 2 photos" in body["error"]["message"]
    # Another user still gets the deployment's last upload, then the site is full.
    assert stack.api("POST", "/api/uploads", body=request, owner=OTHER_OWNER)[0] == 201
    status, body = stack.api("POST", "/api/uploads", body=request, owner=OTHER_OWNER)
    assert (status, body["error"]["code"]) == (429, "daily_limit_reached")
    assert "This site has reached today's limit of 3" in body["error"]["message"]


def test_retry_after_header_counts_down_to_utc_midnight(
    private_stack: Stack, moto_server: str
) -> None:
    stack = private_stack
    stack.set_env(USAGE_TABLE=_fresh_table(moto_server), DAILY_IMAGE_LIMIT_PER_USER="1")
    request = {"content_type": "image/png", "size": 10}
    assert stack.api("POST", "/api/uploads", body=request)[0] == 201
    response = stack.raw_api("POST", "/api/uploads", body=request)
    assert response["statusCode"] == 429
    retry_after = int(response["multiValueHeaders"]["Retry-After"][0])
    now = datetime.now(UTC)
    to_midnight = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    assert abs(retry_after - to_midnight) <= 5


def test_public_mode_counts_only_the_deployment(stack: Stack, moto_server: str) -> None:
    stack.set_env(
        USAGE_TABLE=_fresh_table(moto_server), DAILY_IMAGE_LIMIT="3", DAILY_IMAGE_LIMIT_PER_USER="1"
    )
    request = {"content_type": "image/jpeg", "size": 100}
    statuses = [stack.api("POST", "/api/uploads", body=request)[0] for _ in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_an_unreachable_counter_table_is_a_503(stack: Stack) -> None:
    stack.set_env(USAGE_TABLE="tricloud-test-no-such-table")
    status, body = stack.api("POST", "/api/uploads", body={"content_type": "image/png", "size": 1})
    assert (status, body["error"]["code"]) == (503, "service_unavailable")
