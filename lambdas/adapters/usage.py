"""The spending cap's counters on DynamoDB: one conditional ``UpdateItem ADD`` per counter.

Each counter is an item ``{pk, uploads, expires_at}``; DynamoDB applies the condition and the
increment atomically, so concurrent requests can never take a counter past its limit.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from lambdas.observability import logger

__all__ = ["UsageCounters", "UsageUnavailableError", "make_dynamodb_client"]


class UsageUnavailableError(Exception):
    """DynamoDB could not be reached or failed; the counter is unknown."""


def make_dynamodb_client() -> Any:
    """A DynamoDB client in the function's region (``AWS_ENDPOINT_URL`` honoured by boto3)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return boto3.client("dynamodb", region_name=region)


class UsageCounters:
    """Counters in one table, keyed by ``pk``."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        """Add one to counter ``key`` unless it has reached ``limit``; False when it has."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": key}},
                UpdateExpression="ADD #n :one SET #e = if_not_exists(#e, :expires)",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "uploads", "#e": "expires_at"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(expires_at)},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise UsageUnavailableError(str(error)) from error
        except BotoCoreError as error:
            raise UsageUnavailableError(str(error)) from error
        return True

    def give_back(self, key: str) -> None:
        """Undo one :meth:`take` of ``key`` (the other counter refused the upload)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": key}},
                UpdateExpression="ADD #n :minus_one",
                ConditionExpression="#n > :zero",
                ExpressionAttributeNames={"#n": "uploads"},
                ExpressionAttributeValues={":minus_one": {"N": "-1"}, ":zero": {"N": "0"}},
            )
        except (ClientError, BotoCoreError) as error:
            # The count stays one too high: the cap gets stricter, it never overshoots; the
            # request is still refused for the reason it was refused (429, not 503).
            logger.warning("Could not give a daily count back", key=key, reason=str(error))
