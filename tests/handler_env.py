"""Give the Lambda handlers, run in the test process, the offline stack's environment."""

from __future__ import annotations

import pytest

from offline.lambda_env import lambda_environment
from offline.provision import AwsResources
from offline.servers import CosmosServer, VisionServer
from offline.tables import DynamoResources


def set_handler_env(
    monkeypatch: pytest.MonkeyPatch,
    *,
    moto_server: str,
    resources: AwsResources,
    vision_server: VisionServer,
    cosmos_server: CosmosServer,
    labels: str = "google-vision",
    store: str = "cosmos",
    dynamo: DynamoResources | None = None,
) -> dict[str, str]:
    """Set the environment the handlers read for these servers, resources and providers."""
    env = lambda_environment(
        aws_endpoint=moto_server,
        resources=resources,
        vision_endpoint=vision_server.endpoint,
        cosmos_ca_bundle=cosmos_server.ca_bundle,
        labels=labels,
        store=store,
        dynamo=dynamo,
    )
    for name in ("GCP_SECRET_ID", "VISION_API_ENDPOINT", "COSMOS_SECRET_ID", "COSMOS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)  # only the chosen providers' variables
    for name in ("AWS_ENDPOINT_URL_REKOGNITION", "IMAGES_TABLE", "CURSOR_SECRET_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
