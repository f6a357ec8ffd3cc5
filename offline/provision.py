"""Create the offline stack's cloud resources, shaped as the CDK stack makes them in AWS.

On moto: the upload bucket (CORS for the site origin, S3 → SQS notification for
``uploads/``), the analyze queue with a redrive policy to its dead-letter queue, and the
two Secrets Manager secrets (GCP credentials JSON, Cosmos settings JSON). The Cosmos
database and container come from :func:`tooling.cosmos_setup.ensure_container`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from offline.servers.cosmos import CosmosServer
from offline.servers.moto import REGION
from tooling.cosmos_setup import ensure_container

#: Key prefix whose new objects are announced to the analyze queue.
UPLOAD_PREFIX = "uploads/"
#: Receives before a message goes to the dead-letter queue.
MAX_RECEIVE_COUNT = 3
COSMOS_DATABASE = "tricloud"
COSMOS_CONTAINER = "images"


@dataclass(frozen=True)
class AwsResources:
    """Names, URLs and ARNs of what :func:`provision_aws` created."""

    bucket: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    gcp_secret_arn: str | None  # None: labels=rekognition needs no GCP secret
    cosmos_secret_arn: str | None  # None: store=dynamodb needs no Cosmos secret


def moto_client(service: str, endpoint: str) -> Any:
    """A boto3 client for ``service`` on the moto server (region :data:`REGION`)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 (moto's documented dummy credentials)
    )


def local_gcp_credentials_json() -> str:
    """A ``service_account`` key file for the offline stack, with a fresh throwaway key.

    It has the shape GCP gives; the local Vision server ignores credentials, so it is
    only parsed and validated, never used to sign anything.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    email = "tricloud-local@tricloud-local.iam.gserviceaccount.com"
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "tricloud-local",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": email,
            "client_id": str(secrets.randbelow(10**20)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
            "universe_domain": "googleapis.com",
        }
    )


def cosmos_secret_json(
    endpoint: str, key: str, database: str = COSMOS_DATABASE, container: str = COSMOS_CONTAINER
) -> str:
    """The Cosmos secret as stored in AWS: endpoint, key, database, container."""
    return json.dumps(
        {"endpoint": endpoint, "key": key, "database": database, "container": container}
    )


def provision_aws(
    endpoint: str,
    *,
    site_origins: list[str],
    cosmos_secret: str | None,
    gcp_secret: bool = True,
    prefix: str = "tricloud",
    visibility_timeout_seconds: int = 30,
) -> AwsResources:
    """Create bucket, queues and secrets on the moto server at ``endpoint``.

    As the stack does, a provider's secret exists only when it is chosen: the GCP secret
    with ``gcp_secret``, the Cosmos secret when ``cosmos_secret`` (its value) is given.
    """
    sqs = moto_client("sqs", endpoint)
    dlq_url = sqs.create_queue(QueueName=f"{prefix}-analyze-dlq")["QueueUrl"]
    dlq_arn = _queue_arn(sqs, dlq_url)
    queue_url = sqs.create_queue(
        QueueName=f"{prefix}-analyze",
        Attributes={
            "VisibilityTimeout": str(visibility_timeout_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
            ),
        },
    )["QueueUrl"]
    queue_arn = _queue_arn(sqs, queue_url)
    bucket = f"{prefix}-uploads-{secrets.token_hex(4)}"
    _create_upload_bucket(moto_client("s3", endpoint), bucket, site_origins, queue_arn)
    _allow_bucket_to_send(sqs, queue_url, queue_arn, bucket)
    manager = moto_client("secretsmanager", endpoint)
    gcp_arn = cosmos_arn = None
    if gcp_secret:
        gcp_arn = manager.create_secret(
            Name=f"{prefix}/gcp-credentials", SecretString=local_gcp_credentials_json()
        )["ARN"]
    if cosmos_secret is not None:
        cosmos_arn = manager.create_secret(Name=f"{prefix}/cosmos", SecretString=cosmos_secret)[
            "ARN"
        ]
    return AwsResources(bucket, queue_url, queue_arn, dlq_url, dlq_arn, gcp_arn, cosmos_arn)


def provision_offline(
    moto_endpoint: str,
    cosmos: CosmosServer,
    *,
    site_origins: list[str],
    prefix: str = "tricloud",
    visibility_timeout_seconds: int = 30,
    gcp_secret: bool = True,
) -> AwsResources:
    """The Cosmos container on cosmosdb-server, then :func:`provision_aws` with its secret."""
    ensure_container(cosmos.client(), COSMOS_DATABASE, COSMOS_CONTAINER)
    return provision_aws(
        moto_endpoint,
        site_origins=site_origins,
        cosmos_secret=cosmos_secret_json(cosmos.endpoint, cosmos.key),
        gcp_secret=gcp_secret,
        prefix=prefix,
        visibility_timeout_seconds=visibility_timeout_seconds,
    )


def _queue_arn(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    arn: str = attributes["Attributes"]["QueueArn"]
    return arn


def _create_upload_bucket(s3: Any, bucket: str, site_origins: list[str], queue_arn: str) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": site_origins,
                    "AllowedMethods": ["POST", "GET", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}
                    },
                }
            ]
        },
    )


def _allow_bucket_to_send(sqs: Any, queue_url: str, queue_arn: str, bucket: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
