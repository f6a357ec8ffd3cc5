"""The four Lambda functions, each with its own role granting only what it uses.

arm64 on the Python runtime `lambda_python_version` names (default: the newest the CDK offers);
code bundled locally (stacks.bundling) from the locked requirements of the chosen providers only
(:func:`requirements_variant`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.bundling import LAMBDAS_DIR, function_code, lambda_runtime, wheel_target
from stacks.config import TricloudConfig
from stacks.secrets import Secrets
from stacks.store import ImagesTable

UPLOAD_PREFIX = "uploads/"
THUMB_PREFIX = "thumbs/"
# Rekognition's image-analysis actions cannot be scoped to a resource (stacks/nag.py says so).
REKOGNITION_ACTIONS = ("rekognition:DetectLabels", "rekognition:DetectModerationLabels")
# Which provider choices change what a function imports (and so its bundle).
FUNCTION_PROVIDERS: dict[str, tuple[str, ...]] = {
    "presign": ("store",),  # stores the pending document of each upload
    "analyze": ("labels", "store"),
    "list_images": ("store",),
    "detail": ("store",),
}


def requirements_variant(function: str, config: TricloudConfig) -> tuple[str, ...]:
    """The provider names in a function's requirements file name, e.g. ("rekognition", "dynamodb")
    for lambdas/requirements/analyze.rekognition.dynamodb.txt."""
    chosen = {"labels": config.labels, "store": config.store}
    return tuple(chosen[kind] for kind in FUNCTION_PROVIDERS[function])


# CloudWatch Logs retention periods by day count (the keys are config.LOG_RETENTION_DAYS).
_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
}


def log_retention(days: int) -> logs.RetentionDays:
    """The CloudWatch Logs retention for a validated day count."""
    return _RETENTION[days]


@dataclass(frozen=True)
class FunctionSpec:
    """Size and purpose of one function."""

    name: str
    description: str
    memory_mb: int
    timeout: Duration


# Memory also buys CPU on Lambda; the sizes follow what each function does.
PRESIGN = FunctionSpec(
    "presign",
    "POST /api/uploads (pending document + pre-signed POST) and GET /api/health",
    256,  # signs a policy locally: small, but cold imports of Powertools + boto3 need CPU
    Duration.seconds(10),
)
LIST_IMAGES = FunctionSpec(
    "list_images",
    "GET /api/images: one image-store query page with thumbnail URLs",
    512,  # azure-cosmos import and TLS handshake dominate the cold start
    Duration.seconds(15),
)
DETAIL = FunctionSpec(
    "detail",
    "GET and DELETE /api/images/{id}: one image-store read (pre-signed GET URL) or removal",
    512,
    Duration.seconds(15),
)
ANALYZE = FunctionSpec(
    "analyze",
    "SQS batch of uploads: validate, thumbnail, label, results to the image store",
    1536,  # up to 16 images of 10 MiB decoded by Pillow in one invocation
    Duration.seconds(120),  # Vision batch (20 s timeout, retried) plus Cosmos upserts
)


class Functions(Construct):
    """presign, analyze, list_images and detail, with least-privilege roles."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: TricloudConfig,
        upload_bucket_name: str,
        s3_endpoint: str,
        secrets: Secrets,
        table: ImagesTable | None,
        usage_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{upload_bucket_name}"
        uploads_arn = f"{bucket_arn}/{UPLOAD_PREFIX}*"
        thumbs_arn = f"{bucket_arn}/{THUMB_PREFIX}*"
        storage = {
            "UPLOAD_BUCKET": upload_bucket_name,
            # boto3 reads it itself: signed URLs name the host the site's CSP allows.
            "AWS_ENDPOINT_URL_S3": s3_endpoint,
        }
        common = {
            "POWERTOOLS_SERVICE_NAME": "tricloud",
            "POWERTOOLS_LOG_LEVEL": config.log_level,
            "POWERTOOLS_METRICS_NAMESPACE": "Tricloud",
            "ACCESS_MODE": config.access,
        }
        store: dict[str, str] = {"IMAGE_STORE": config.store}
        if secrets.cosmos is not None:
            store["COSMOS_SECRET_ID"] = secrets.cosmos.secret_arn
        if table is not None:
            store["IMAGES_TABLE"] = table.table.table_name
        labels: dict[str, str] = {"LABELS_PROVIDER": config.labels}
        if secrets.gcp is not None:
            labels["GCP_SECRET_ID"] = secrets.gcp.secret_arn

        # presign stores the image's pending document before it signs the upload.
        self.presign = self._function(
            PRESIGN,
            {
                **common,
                **store,
                **storage,
                "MAX_UPLOAD_BYTES": str(config.max_upload_bytes),
                "UPLOAD_URL_TTL_SECONDS": str(config.upload_url_ttl_seconds),
                "USAGE_TABLE": usage_table.table_name,
                "DAILY_IMAGE_LIMIT": str(config.daily_image_limit),
                "DAILY_IMAGE_LIMIT_PER_USER": str(config.daily_image_limit_per_user),
            },
        )
        self.presign.add_to_role_policy(_allow("s3:PutObject", uploads_arn))
        self.presign.add_to_role_policy(_allow("dynamodb:UpdateItem", usage_table.table_arn))

        self.analyze = self._function(
            ANALYZE,
            {
                **common,
                **store,
                **labels,
                **storage,
                "MAX_UPLOAD_BYTES": str(config.max_upload_bytes),
                "MAX_IMAGE_PIXELS": str(config.max_image_pixels),
                "VISION_FEATURES": ",".join(config.vision_features),
                "VISION_MAX_RESULTS": str(config.vision_max_results),
                "VISION_TIMEOUT_SECONDS": str(config.vision_timeout_seconds),
                "DLQ_MAX_RECEIVE_COUNT": str(config.dlq_max_receive_count),
            },
        )
        self.analyze.add_to_role_policy(_allow("s3:GetObject", uploads_arn))
        self.analyze.add_to_role_policy(_allow("s3:PutObject", thumbs_arn))
        # Listing under uploads/ only: tells a missing photo (deleted after upload) from a
        # denied read, so it is skipped instead of retried into the dead-letter queue.
        self.analyze.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{UPLOAD_PREFIX}*"]}},
            )
        )
        if secrets.gcp is not None:
            self.analyze.add_to_role_policy(_read_secret(secrets.gcp))
        else:
            self.analyze.add_to_role_policy(
                iam.PolicyStatement(actions=list(REKOGNITION_ACTIONS), resources=["*"])
            )

        cursor = {}
        if secrets.cursor_key is not None:
            cursor["CURSOR_SECRET_ID"] = secrets.cursor_key.secret_arn
        # list_images signs each card's thumbnail URL (a GET on thumbs/ only).
        self.list_images = self._function(
            LIST_IMAGES,
            {
                **common,
                **store,
                **cursor,
                **storage,
                "IMAGE_URL_TTL_SECONDS": str(config.image_url_ttl_seconds),
            },
        )
        self.list_images.add_to_role_policy(_allow("s3:GetObject", thumbs_arn))
        if secrets.cursor_key is not None:
            self.list_images.add_to_role_policy(_read_secret(secrets.cursor_key))

        self.detail = self._function(
            DETAIL,
            {
                **common,
                **store,
                **storage,
                "IMAGE_URL_TTL_SECONDS": str(config.image_url_ttl_seconds),
            },
        )
        self.detail.add_to_role_policy(_allow("s3:GetObject", uploads_arn))
        self.detail.add_to_role_policy(_allow("s3:GetObject", thumbs_arn))
        self.detail.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:DeleteObject"], resources=[uploads_arn, thumbs_arn])
        )

        # The document store: the Cosmos secret, or exactly the table calls each one makes.
        if secrets.cosmos is not None:
            for function in self.all:
                function.add_to_role_policy(_read_secret(secrets.cosmos))
        if table is not None:
            table.grant_items(self.presign, "PutItem")
            table.grant_items(self.analyze, "GetItem", "PutItem")
            table.grant_gallery_query(self.list_images)
            table.grant_items(self.detail, "GetItem", "DeleteItem")

    @property
    def all(self) -> tuple[lambda_.Function, ...]:
        """Every function, in a stable order."""
        return (self.presign, self.analyze, self.list_images, self.detail)

    def _function(self, spec: FunctionSpec, environment: dict[str, str]) -> lambda_.Function:
        """One function with its own log group and a role that may write only there."""
        construct_id = "".join(part.capitalize() for part in spec.name.split("_"))
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=log_retention(self._config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"tricloud {spec.name} function",
        )
        log_group.grant(role, "logs:CreateLogStream", "logs:PutLogEvents")
        return lambda_.Function(
            self,
            construct_id,
            description=f"tricloud: {spec.description}",
            runtime=lambda_runtime(self._config.lambda_python_version),
            architecture=lambda_.Architecture.ARM_64,
            code=function_code(
                spec.name,
                requirements_variant(spec.name, self._config),
                LAMBDAS_DIR,
                wheel_target(self._config.lambda_python_version),
            ),
            handler=f"lambdas.handlers.{spec.name}.handler",
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            environment=environment,
        )


def _read_secret(secret: secretsmanager.ISecret) -> iam.PolicyStatement:
    """GetSecretValue on one secret: the only Secrets Manager call the functions make."""
    return _allow("secretsmanager:GetSecretValue", secret.secret_arn)


def _allow(action: str, resource: str) -> iam.PolicyStatement:
    """One Allow statement for one action on one resource."""
    return iam.PolicyStatement(actions=[action], resources=[resource])
