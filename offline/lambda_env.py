"""The environment the four handlers get in the offline stack (the contract's variables)."""

from __future__ import annotations

from pathlib import Path

from offline.provision import MAX_RECEIVE_COUNT, AwsResources
from offline.servers.moto import REGION


def lambda_environment(
    *,
    aws_endpoint: str,
    resources: AwsResources,
    vision_endpoint: str,
    cosmos_ca_bundle: Path,
) -> dict[str, str]:
    """Variables as the CDK stack sets them, plus the offline-only endpoints.

    No secret is in here: the handlers read them from (moto's) Secrets Manager.
    """
    return {
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # moto's documented dummy credentials: they open nothing.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "UPLOAD_BUCKET": resources.bucket,
        "GCP_SECRET_ID": resources.gcp_secret_arn,
        "COSMOS_SECRET_ID": resources.cosmos_secret_arn,
        "DLQ_MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
        "VISION_API_ENDPOINT": vision_endpoint,
        "COSMOS_CA_BUNDLE": str(cosmos_ca_bundle),
        "POWERTOOLS_SERVICE_NAME": "tricloud",
        "POWERTOOLS_METRICS_NAMESPACE": "Tricloud",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
