"""The all-AWS store's resources on moto, as the CDK stack makes them with store=dynamodb.

The images table (stacks/store.py): partition key ``owner``, sort key ``id``; global secondary
index ``by_upload`` on ``owner`` + ``upload_key`` (all attributes projected); on-demand billing;
TTL on ``pending_expires_at``. And the gallery cursor key, random, in Secrets Manager.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from offline.provision import moto_client

#: What the adapter (lambdas/adapters/dynamodb.py) and the stack agree on.
INDEX_NAME = "by_upload"
TTL_ATTRIBUTE = "pending_expires_at"


def create_images_table(dynamodb: Any, name: str) -> str:
    """Create the images table (and wait until it is active); return its name."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "upload_key", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "owner", "KeyType": "HASH"},
            {"AttributeName": "id", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": INDEX_NAME,
                "KeySchema": [
                    {"AttributeName": "owner", "KeyType": "HASH"},
                    {"AttributeName": "upload_key", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
    return name


@dataclass(frozen=True)
class DynamoResources:
    """The images table and the cursor key secret of :func:`provision_dynamodb`."""

    table: str
    cursor_secret_arn: str


def provision_dynamodb(endpoint: str, prefix: str = "tricloud") -> DynamoResources:
    """Create the images table and the cursor key secret on the moto server at ``endpoint``."""
    table = create_images_table(moto_client("dynamodb", endpoint), f"{prefix}-images")
    arn: str = moto_client("secretsmanager", endpoint).create_secret(
        Name=f"{prefix}/cursor-key", SecretString=secrets.token_urlsafe(48)
    )["ARN"]
    return DynamoResources(table=table, cursor_secret_arn=arn)
