"""The DynamoDB image store against moto's DynamoDB, through the same boto3 calls as Lambda."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lambdas.adapters import dynamodb
from lambdas.adapters.dynamodb import DynamoImageStore, make_dynamodb_client
from lambdas.ports import GalleryQuery, InvalidCursorError, StoreUnavailableError
from offline.cfn import REGION
from offline.provision import moto_client
from offline.synth import synthesized_template
from tests.conftest import STACK_NAMES

pytestmark = pytest.mark.integration


ALL_AWS = ("rekognition", "dynamodb")


@pytest.fixture(scope="module")
def table_properties() -> dict[str, Any]:
    """The images table as the all-AWS template defines it."""
    settings = {"labels": ALL_AWS[0], "store": ALL_AWS[1], "stack_name": STACK_NAMES[ALL_AWS]}
    resources = synthesized_template(settings)["Resources"]
    (table,) = [
        r
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::DynamoDB::Table" and logical_id.startswith("ImagesTable")
    ]
    properties: dict[str, Any] = table["Properties"]
    return properties


@pytest.fixture
def store(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, table_properties: dict[str, Any]
) -> DynamoImageStore:
    """A fresh table per test, made from the template's definition (moto takes milliseconds)."""
    name = f"images-{uuid.uuid4().hex[:8]}"
    dynamodb = moto_client("dynamodb", moto_server)
    keys = ("KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes")
    dynamodb.create_table(TableName=name, **{key: table_properties[key] for key in keys})
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification=table_properties["TimeToLiveSpecification"]
    )
    for variable, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(variable, value)
    return DynamoImageStore(name, make_dynamodb_client(), clock=lambda: 1_700_000_000.0)


def document(owner: str, n: int, labels: tuple[str, ...] = ()) -> dict[str, Any]:
    """A done document uploaded at second ``n`` (so a higher ``n`` is newer)."""
    words = [word for label in labels for word in label.lower().split()]
    prefixes = sorted({word[:i] for word in words for i in range(1, len(word) + 1)})
    return {
        "id": str(uuid.UUID(int=n)),
        "owner": owner,
        "status": "done",
        "uploaded_at": f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00",
        "labels": [{"description": label, "score": 0.875, "topicality": 0.5} for label in labels],
        "label_names": list(labels),
        "label_prefixes": prefixes,
        "objects": [{"name": "Cat", "score": 0.9, "box": [[0.0, 0.1], [1.0, 0.25]]}],
        "safe_search": None,
        "width": 451,
        "error": None,
    }


def test_put_get_delete_round_trip_keeps_types(store: DynamoImageStore) -> None:
    doc = document("alice", 1, ("Cat",))
    store.put(doc)
    store.put(doc)  # idempotent
    assert store.get("alice", doc["id"]) == doc
    assert store.get("bob", doc["id"]) is None  # another owner's key range
    store.delete("alice", doc["id"])
    store.delete("alice", doc["id"])  # idempotent
    assert store.get("alice", doc["id"]) is None


def test_pending_documents_expire_until_analysed(store: DynamoImageStore, moto_server: str) -> None:
    pending = {**document("alice", 2), "status": "pending", "ttl": 3600}
    store.create_pending(pending)
    store.create_pending({**pending, "status": "other"})  # a retry does not overwrite
    without_ttl = {k: v for k, v in pending.items() if k != "ttl"}
    assert store.get("alice", pending["id"]) == without_ttl  # the TTL stays the store's
    raw = moto_client("dynamodb", moto_server).get_item(
        TableName=store._table, Key={"owner": {"S": "alice"}, "id": {"S": pending["id"]}}
    )["Item"]
    assert raw["pending_expires_at"] == {"N": str(1_700_000_000 + 3600)}
    store.put({**without_ttl, "status": "done"})
    raw = moto_client("dynamodb", moto_server).get_item(
        TableName=store._table, Key={"owner": {"S": "alice"}, "id": {"S": pending["id"]}}
    )["Item"]
    assert "pending_expires_at" not in raw


def test_newest_first_pages_with_continuation(store: DynamoImageStore) -> None:
    for n in range(25):
        store.put(document("alice", n))
    store.put(document("bob", 100))
    seen: list[str] = []
    continuation = None
    while True:
        page = store.list_page(GalleryQuery("alice", (), 10, continuation))
        seen.extend(item["id"] for item in page.items)
        continuation = page.continuation
        if continuation is None:
            break
    assert seen == [str(uuid.UUID(int=n)) for n in reversed(range(25))]


def test_uploads_whose_photo_has_not_arrived_are_not_listed(store: DynamoImageStore) -> None:
    waiting = {**document("alice", 1), "status": "pending"}
    waiting["upload_expires_at"] = "2026-01-01T00:05:00.000+00:00"
    arrived = {**document("alice", 2), "status": "pending"}  # no upload_expires_at any more
    for doc in (waiting, arrived, document("alice", 3)):
        store.put(doc)
    page = store.list_page(GalleryQuery("alice", (), 10, None))
    assert [item["id"] for item in page.items] == [document("alice", 3)["id"], arrived["id"]]
    store.put({k: v for k, v in waiting.items() if k != "upload_expires_at"})  # it arrived
    page = store.list_page(GalleryQuery("alice", (), 10, None))
    assert waiting["id"] in [item["id"] for item in page.items]


def test_same_upload_second_is_ordered_by_id(store: DynamoImageStore) -> None:
    first, second = document("alice", 5), document("alice", 6)
    second["uploaded_at"] = first["uploaded_at"]
    store.put(first)
    store.put(second)
    page = store.list_page(GalleryQuery("alice", (), 10, None))
    assert [item["id"] for item in page.items] == [second["id"], first["id"]]


def test_label_filter_matches_every_prefix_inside_the_owner(store: DynamoImageStore) -> None:
    for n in range(30):
        labels = ("Tabby cat", "Pet") if n % 3 == 0 else ("Espresso",)
        store.put(document("alice", n, labels))
    store.put(document("bob", 99, ("Tabby cat",)))
    query = GalleryQuery("alice", ("tab", "ca"), 4, None)
    ids: list[str] = []
    while True:
        page = store.list_page(query)
        assert len(page.items) <= 4
        ids.extend(item["id"] for item in page.items)
        if page.continuation is None:
            break
        query = GalleryQuery("alice", ("tab", "ca"), 4, page.continuation)
    assert ids == [str(uuid.UUID(int=n)) for n in reversed(range(0, 30, 3))]
    assert store.list_page(GalleryQuery("alice", ("tab", "dog"), 4, None)).items == []


@pytest.mark.parametrize(
    "token", ["not json", "[]", '{"id": 1, "k": "x"}', '{"id": "a", "k": "2026#b"}']
)
def test_foreign_continuation_tokens_are_refused(store: DynamoImageStore, token: str) -> None:
    with pytest.raises(InvalidCursorError):
        store.list_page(GalleryQuery("alice", (), 5, token))


def test_a_missing_table_is_unavailable(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = DynamoImageStore("no-such-table", make_dynamodb_client())
    with pytest.raises(StoreUnavailableError, match="ResourceNotFoundException"):
        store.get("alice", "x")
    with pytest.raises(StoreUnavailableError):
        store.list_page(GalleryQuery("alice", (), 5, None))


def test_a_sparse_filter_answers_short_pages_with_a_cursor(
    store: DynamoImageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dynamodb, "FILTERED_READ_SIZE", 2)
    monkeypatch.setattr(dynamodb, "MAX_READS_PER_PAGE", 2)
    store.put(document("alice", 0, ("Needle",)))  # the oldest
    for n in range(1, 11):
        store.put(document("alice", n, ("Hay",)))
    first = store.list_page(GalleryQuery("alice", ("needle",), 5, None))
    assert (first.items, first.continuation is not None) == ([], True)  # 4 read, none matched
    found: list[str] = []
    continuation = first.continuation
    while continuation is not None:
        page = store.list_page(GalleryQuery("alice", ("needle",), 5, continuation))
        found.extend(item["id"] for item in page.items)
        continuation = page.continuation
    assert found == [str(uuid.UUID(int=0))]
