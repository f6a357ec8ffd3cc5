"""The all-AWS store's resources on moto, as the CDK stack makes them with store=dynamodb.

:data:`IMAGES_TABLE` is the images table in CloudFormation's ``AWS::DynamoDB::Table`` shape,
as stacks/store.py synthesizes it (tests/infra/test_providers.py keeps the two equal):
partition key ``owner``, sort key ``id``; global secondary index ``by_upload`` on ``owner`` +
``upload_key`` (all attributes projected); on-demand billing; TTL on ``pending_expires_at``.
:func:`create_table` makes any such table on moto. The gallery cursor key, random, goes to
Secrets Manager as CloudFormation would generate it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from offline.provision import moto_client

_STRING = "S"
IMAGES_TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [
        {"AttributeName": "owner", "AttributeType": _STRING},
        {"AttributeName": "id", "AttributeType": _STRING},
        {"AttributeName": "upload_key", "AttributeType": _STRING},
    ],
    "KeySchema": [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "id", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by_upload",
            "KeySchema": [
                {"AttributeName": "owner", "KeyType": "HASH"},
                {"AttributeName": "upload_key", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "TimeToLiveSpecification": {"AttributeName": "pending_expires_at", "Enabled": True},
}


def create_table(dynamodb: Any, name: str, properties: dict[str, Any]) -> str:
    """Create a table from ``AWS::DynamoDB::Table`` properties, wait for it; its name."""
    request = {
        key: properties[key]
        for key in ("BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
        if key in properties
    }
    dynamodb.create_table(TableName=name, **request)
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    return name


def create_images_table(dynamodb: Any, name: str) -> str:
    """The images table (:data:`IMAGES_TABLE`) named ``name``."""
    return create_table(dynamodb, name, IMAGES_TABLE)


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
