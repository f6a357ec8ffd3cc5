"""Give the Lambda handlers, run in the test process, the offline stack's environment."""

from __future__ import annotations

import pytest

from offline.lambda_env import lambda_environment
from offline.provision import OfflineStack
from offline.servers import CosmosServer, VisionServer


def set_handler_env(
    monkeypatch: pytest.MonkeyPatch,
    *,
    moto_server: str,
    stack: OfflineStack,
    vision_server: VisionServer,
    cosmos_server: CosmosServer,
) -> dict[str, str]:
    """Set the environment the handlers read for these servers and this stack; return it."""
    env = lambda_environment(
        stack.spec.functions.values(),
        aws_endpoint=moto_server,
        vision_endpoint=vision_server.endpoint,
        cosmos_ca_bundle=cosmos_server.ca_bundle,
    )
    # Only the chosen providers' variables, as on Lambda (a test before may have set others).
    for name in (
        "GCP_SECRET_ID",
        "COSMOS_SECRET_ID",
        "VISION_API_ENDPOINT",
        "AWS_ENDPOINT_URL_REKOGNITION",
        "IMAGES_TABLE",
        "CURSOR_SECRET_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
