"""The DynamoDB images table on moto, defined as the CDK stack defines it (stacks/store.py).

Partition key ``owner``, sort key ``id``; global secondary index ``by_upload`` on ``owner`` +
``upload_key`` (all attributes projected); on-demand billing; TTL on ``pending_expires_at``.
"""

from __future__ import annotations

from typing import Any

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
