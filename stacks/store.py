"""The DynamoDB table of image documents (context store=dynamodb).

Partition key ``owner``, sort key ``id``; the global secondary index ``by_upload`` (``owner`` +
``upload_key`` = ``<uploaded_at>#<id>``) serves the gallery newest first. On-demand capacity,
point-in-time recovery, encryption at rest with the AWS managed key (aws/dynamodb), TTL on
``pending_expires_at`` (uploads that never arrived). The offline stack creates it from the
synthesized template, as everything else.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

INDEX_NAME = "by_upload"
TTL_ATTRIBUTE = "pending_expires_at"


class ImagesTable(Construct):
    """The table and the per-function grants on it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        string = dynamodb.AttributeType.STRING
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="owner", type=string),
            sort_key=dynamodb.Attribute(name="id", type=string),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.table.add_global_secondary_index(
            index_name=INDEX_NAME,
            partition_key=dynamodb.Attribute(name="owner", type=string),
            sort_key=dynamodb.Attribute(name="upload_key", type=string),
            projection_type=dynamodb.ProjectionType.ALL,
        )

    def grant_items(self, grantee: iam.IGrantable, *actions: str) -> None:
        """Item-level actions (GetItem, PutItem, DeleteItem) on the table itself."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=[f"dynamodb:{action}" for action in actions],
            resource_arns=[self.table.table_arn],
        )

    def grant_gallery_query(self, grantee: iam.IGrantable) -> None:
        """dynamodb:Query on the by_upload index only."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["dynamodb:Query"],
            resource_arns=[f"{self.table.table_arn}/index/{INDEX_NAME}"],
        )
