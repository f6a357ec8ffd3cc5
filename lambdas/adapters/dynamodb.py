"""Amazon DynamoDB as the image store: one table, designed for the gallery's access patterns.

- Table key: partition ``owner``, sort ``id``: put, get and delete are single-item calls.
- Index ``by_upload``: partition ``owner``, sort ``upload_key`` = ``<uploaded_at>#<id>``
  (ISO 8601 UTC sorts as text; the id breaks ties), so the gallery is a Query of one owner's
  items in descending order: newest upload first, never a Scan. The index is sparse: an
  upload whose photo has not arrived (its document still has ``upload_expires_at``) has no
  ``upload_key`` yet, so the gallery never reads it; the put that records the arrival adds it.
- Label filter: ``contains(label_prefixes, :p)`` for every prefix, applied by DynamoDB inside
  the owner's key range. Reads are bounded per request (:data:`MAX_READS_PER_PAGE` Query
  calls of :data:`FILTERED_READ_SIZE` items); a sparse filter may answer a short page with a
  continuation.
- Continuation token: the last returned item's ``id`` and ``upload_key`` as JSON (the owner
  always comes from the query, so a token cannot reach another owner's items); the API wraps
  it in its signed cursor.
- A document's ``ttl`` (seconds to keep it, as Cosmos DB's per-item TTL: a pending upload's)
  becomes ``pending_expires_at`` (epoch seconds, the table's TTL attribute), so DynamoDB
  deletes an upload that never arrived; a later ``put`` without ``ttl`` (the analysed document)
  drops it.

Numbers travel as Decimal inside DynamoDB and come back as int or float.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdas.config import DynamoConfig
from lambdas.ports import GalleryQuery, InvalidCursorError, Page, StoreUnavailableError

__all__ = ["INDEX_NAME", "DynamoImageStore", "make_dynamodb_client"]

INDEX_NAME = "by_upload"
UPLOAD_KEY = "upload_key"
TTL_ATTRIBUTE = "pending_expires_at"
MAX_READS_PER_PAGE = 8  # Query calls per gallery page
FILTERED_READ_SIZE = 100  # items a filtered Query call examines (the filter drops most)
# Attributes of the store itself, never part of a document; ``ttl`` is the document's own
# (relative) retention, turned into TTL_ATTRIBUTE.
_INTERNAL = frozenset({UPLOAD_KEY, TTL_ATTRIBUTE, "ttl"})
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def make_dynamodb_client() -> Any:
    """A DynamoDB client with short timeouts and a few retries (API latency matters)."""
    config = Config(
        connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
    )
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return boto3.client("dynamodb", region_name=region, config=config)


class DynamoImageStore:
    """The image documents table (see the module docstring for its design)."""

    def __init__(
        self,
        table: str,
        client: Any | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._table = table
        self._client = client
        self._clock = clock or time.time

    @classmethod
    def from_config(cls, config: DynamoConfig) -> DynamoImageStore:
        """A store for the table named in ``config``."""
        return cls(config.table)

    def _dynamodb(self) -> Any:
        if self._client is None:
            self._client = make_dynamodb_client()
        return self._client

    def create_pending(self, document: dict[str, Any]) -> None:
        """Store a new ``pending`` document unless one with this (owner, id) exists already."""
        try:
            self._call(
                "put_item",
                TableName=self._table,
                Item=_to_item(self._stored(document)),
                ConditionExpression="attribute_not_exists(id)",
            )
        except StoreUnavailableError as exc:
            if _error_code(exc.__cause__) != "ConditionalCheckFailedException":
                raise
            # Already there (a retried presign): keep what is stored.

    def put(self, document: dict[str, Any]) -> None:
        """Create or replace the document with the same (owner, id)."""
        self._call("put_item", TableName=self._table, Item=_to_item(self._stored(document)))

    def _stored(self, document: dict[str, Any]) -> dict[str, Any]:
        """The item to write: the document, its ``ttl`` as an absolute expiry time."""
        item = {k: v for k, v in document.items() if k not in _INTERNAL}
        ttl = document.get("ttl")
        if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
            item[TTL_ATTRIBUTE] = int(self._clock()) + ttl
        return item

    def get(self, owner: str, image_id: str) -> dict[str, Any] | None:
        """The document, or None when there is none (strongly consistent read)."""
        response = self._call(
            "get_item",
            TableName=self._table,
            Key=_key(owner, image_id),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _from_item(item) if item else None

    def delete(self, owner: str, image_id: str) -> None:
        """Remove the document; nothing happens when there is none."""
        self._call("delete_item", TableName=self._table, Key=_key(owner, image_id))

    def list_page(self, query: GalleryQuery) -> Page:
        """At most ``query.limit`` documents of one owner, newest upload first."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": INDEX_NAME,
            "KeyConditionExpression": "#owner = :owner",
            "ScanIndexForward": False,
            # A filter drops items after they are read: read more per call than the page needs.
            "Limit": max(query.limit, FILTERED_READ_SIZE) if query.label_prefixes else query.limit,
        }
        names = {"#owner": "owner"}
        values: dict[str, Any] = {":owner": {"S": query.owner}}
        if query.label_prefixes:
            names["#prefixes"] = "label_prefixes"
            conditions = []
            for n, prefix in enumerate(query.label_prefixes):
                conditions.append(f"contains(#prefixes, :p{n})")
                values[f":p{n}"] = {"S": prefix}
            request["FilterExpression"] = " AND ".join(conditions)
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = values
        start = _start_key(query.owner, query.continuation) if query.continuation else None
        items: list[dict[str, Any]] = []
        for _ in range(MAX_READS_PER_PAGE):
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = self._query(request, from_cursor=query.continuation is not None)
            items.extend(response.get("Items") or [])
            start = response.get("LastEvaluatedKey")
            if start is None or len(items) >= query.limit:
                break
        if len(items) > query.limit:
            items = items[: query.limit]
            start = items[-1]  # continue right after the last item returned
        documents = [_from_item(item) for item in items]
        token = _token(start) if start is not None else None
        return Page(items=documents, continuation=token)

    def _query(self, request: dict[str, Any], *, from_cursor: bool) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self._call("query", **request)
        except StoreUnavailableError as exc:
            if from_cursor and _error_code(exc.__cause__) == "ValidationException":
                raise InvalidCursorError("continuation token rejected") from None
            raise
        return response

    def _call(self, operation: str, **request: Any) -> Any:
        try:
            return getattr(self._dynamodb(), operation)(**request)
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailableError(_describe(exc)) from exc


def _key(owner: str, image_id: str) -> dict[str, Any]:
    return {"owner": {"S": owner}, "id": {"S": image_id}}


def _to_item(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a DynamoDB item (floats as Decimal), with its index key."""
    plain = json.loads(json.dumps(document), parse_float=Decimal)
    arrived = "upload_expires_at" not in plain  # the photo is there: the gallery shows it
    if arrived and plain.get("uploaded_at") and plain.get("id"):
        plain[UPLOAD_KEY] = f"{plain['uploaded_at']}#{plain['id']}"
    return {name: _SERIALIZER.serialize(value) for name, value in plain.items()}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    """The document from a DynamoDB item, without the store's own attributes."""
    document = {
        name: _plain(_DESERIALIZER.deserialize(value))
        for name, value in item.items()
        if name not in _INTERNAL
    }
    return document


def _plain(value: Any) -> Any:
    """Decimal → int or float, sets → sorted lists, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def _token(key: dict[str, Any]) -> str:
    """The continuation token for an index key (or a full item): its id and upload key."""
    return json.dumps(
        {"id": key["id"]["S"], "k": key[UPLOAD_KEY]["S"]}, separators=(",", ":"), sort_keys=True
    )


def _start_key(owner: str, token: str) -> dict[str, Any]:
    """The ExclusiveStartKey for a token; InvalidCursorError when it is not one of ours."""
    try:
        data = json.loads(token)
    except ValueError:
        raise InvalidCursorError("malformed continuation token") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("id", "k")):
        raise InvalidCursorError("malformed continuation token")
    if not data["k"].endswith(f"#{data['id']}"):
        raise InvalidCursorError("malformed continuation token")
    return {"owner": {"S": owner}, "id": {"S": data["id"]}, UPLOAD_KEY: {"S": data["k"]}}


def _error_code(exc: BaseException | None) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def _describe(exc: BaseException) -> str:
    """Type, error code and the first line of the message: enough for logs, no payloads."""
    code = _error_code(exc)
    first_line = (str(exc).splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}{f' {code}' if code else ''}: {first_line}"
