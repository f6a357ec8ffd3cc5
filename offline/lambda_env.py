"""The environment the four handlers get in the offline stack (the contract's variables)."""

from __future__ import annotations

from pathlib import Path

from offline.provision import MAX_RECEIVE_COUNT, AwsResources
from offline.servers.moto import REGION
from offline.tables import DynamoResources


def lambda_environment(
    *,
    aws_endpoint: str,
    resources: AwsResources,
    vision_endpoint: str,
    cosmos_ca_bundle: Path,
    labels: str = "google-vision",
    store: str = "cosmos",
    dynamo: DynamoResources | None = None,
) -> dict[str, str]:
    """Variables as the CDK stack sets them, plus the offline-only endpoints.

    No secret is in here: the handlers read them from (moto's) Secrets Manager. ``labels``
    and ``store`` choose the providers as the context keys of the same names do; the local
    label server answers both Vision (``VISION_API_ENDPOINT``) and Rekognition (through
    botocore's own ``AWS_ENDPOINT_URL_REKOGNITION``). ``store="dynamodb"`` needs ``dynamo``.
    """
    env = {
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # moto's documented dummy credentials: they open nothing.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "UPLOAD_BUCKET": resources.bucket,
        "DLQ_MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
        "IMAGE_STORE": store,
        "LABELS_PROVIDER": labels,
        "POWERTOOLS_SERVICE_NAME": "tricloud",
        "POWERTOOLS_METRICS_NAMESPACE": "Tricloud",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    if labels == "google-vision":
        if resources.gcp_secret_arn is None:
            raise ValueError("labels=google-vision needs the GCP secret")
        env["GCP_SECRET_ID"] = resources.gcp_secret_arn
        env["VISION_API_ENDPOINT"] = vision_endpoint
    else:
        env["AWS_ENDPOINT_URL_REKOGNITION"] = vision_endpoint
    if store == "cosmos":
        if resources.cosmos_secret_arn is None:
            raise ValueError("store=cosmos needs the Cosmos secret")
        env["COSMOS_SECRET_ID"] = resources.cosmos_secret_arn
        env["COSMOS_CA_BUNDLE"] = str(cosmos_ca_bundle)
    else:
        if dynamo is None:
            raise ValueError("store=dynamodb needs the DynamoDB resources")
        env["IMAGES_TABLE"] = dynamo.table
        env["CURSOR_SECRET_ID"] = dynamo.cursor_secret_arn
    return env
