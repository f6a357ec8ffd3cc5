"""The spending cap's counters: a small on-demand DynamoDB table, in every provider combination.

One item per UTC day for the whole deployment and one per user and day, each incremented with
a conditional ``UpdateItem ADD`` by presign before it issues an upload URL; items expire by TTL
two days later. DynamoDB rather than the image store: an atomic conditional counter is one
request there, while Cosmos DB would need a read-modify-write with ETags and retries.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

#: Attribute names the presign function uses (lambdas/adapters/usage.py).
PARTITION_KEY = "pk"
TTL_ATTRIBUTE = "expires_at"


class Usage(Construct):
    """The usage counter table."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Counters",
            partition_key=dynamodb.Attribute(
                name=PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # A few kilobytes of counters: continuous backups cost next to nothing.
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # Counters of the last two days only; nothing to keep when the stack goes.
            removal_policy=RemovalPolicy.DESTROY,
        )
