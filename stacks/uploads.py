"""The upload pipeline: private bucket -> ObjectCreated under uploads/ -> SQS (+DLQ) -> analyze."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import TricloudConfig
from stacks.functions import ANALYZE, THUMB_PREFIX, UPLOAD_PREFIX


def upload_bucket_name(stack_name: str) -> str:
    """A deterministic bucket name, known before the bucket exists.

    The site's CSP and the functions' IAM policies need the name, while the bucket's CORS rule
    needs the site's CloudFront domain: a generated name would make that a dependency cycle.
    """
    return f"{stack_name.lower()}-uploads-{Aws.ACCOUNT_ID}-{Aws.REGION}"


def upload_origin(bucket_name: str) -> str:
    """The regional virtual-host origin the browser posts to and loads images from."""
    return f"https://{bucket_name}.s3.{Aws.REGION}.amazonaws.com"


class Uploads(Construct):
    """The upload bucket, its event queue with a dead-letter queue, and the analyze trigger."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: TricloudConfig,
        bucket_name: str,
        site_origins: Sequence[str],
        analyze: lambda_.Function,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        lifecycle = [
            s3.LifecycleRule(
                id="abort-incomplete-uploads",
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ]
        if config.image_expiry_days:  # a photo and its thumbnail go together
            lifecycle.extend(
                s3.LifecycleRule(
                    id=rule_id,
                    prefix=prefix,
                    expiration=Duration.days(config.image_expiry_days),
                )
                for rule_id, prefix in (
                    ("expire-images", UPLOAD_PREFIX),
                    ("expire-thumbs", THUMB_PREFIX),
                )
            )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="uploads-bucket/",
            lifecycle_rules=lifecycle,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=list(site_origins),
                    allowed_headers=["*"],
                    exposed_headers=["ETag", "Location"],
                    max_age=3000,
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        # AWS's guidance: at least six times the function timeout, plus the batching window.
        visibility = Duration.seconds(
            ANALYZE.timeout.to_seconds() * 6 + config.analyze_batching_window_seconds
        )
        self.queue = sqs.Queue(
            self,
            "Events",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=visibility,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letters, max_receive_count=config.dlq_max_receive_count
            ),
        )
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.queue),
            s3.NotificationKeyFilter(prefix=UPLOAD_PREFIX),
        )
        analyze.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=config.analyze_batch_size,
                max_batching_window=Duration.seconds(config.analyze_batching_window_seconds),
                max_concurrency=config.analyze_max_concurrency,
                report_batch_item_failures=True,
            )
        )
