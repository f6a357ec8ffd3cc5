"""What ``tricloud secrets`` and ``cosmos init`` write is what the Lambda functions read.

The analyze handler runs on a real S3 → SQS event from moto with only the secrets the
command stored: the image document lands in the container ``cosmos init`` created.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image
from skimage import data as sample_images

from lambdas.adapters.secrets import SecretsReader
from lambdas.adapters.vision import credentials_from_info
from lambdas.credentials import parse_gcp_credentials
from lambdas.handlers import analyze
from offline.lambda_runtime import LambdaContext
from offline.provision import AwsResources, OfflineStack, moto_client, provision_aws
from offline.servers import REGION, CosmosServer, VisionServer
from offline.synth import synthesized_template
from offline.worker import sqs_event
from tests.handler_env import set_handler_env
from tests.pending import pending

pytestmark = pytest.mark.integration


#: A stack of its own (its own bucket, queue and empty secrets) beside the session's.
STACK_NAME = "TricloudCliTest"


@pytest.fixture(scope="module")
def stack(moto_server: str) -> OfflineStack:
    """The template's resources as after ``cdk deploy``: the secrets are still empty."""
    template = synthesized_template({"stack_name": STACK_NAME})
    return provision_aws(
        moto_server, template, site_origins=["http://127.0.0.1:8000"], stack_name=STACK_NAME
    )


@pytest.fixture
def resources(stack: OfflineStack) -> AwsResources:
    """Its bucket, queue and secrets."""
    return stack.resources


@pytest.fixture
def fresh_analyzer() -> Iterator[None]:
    """The analyze handler builds its clients again from this test's environment."""
    analyze._analyzer.cache_clear()
    yield
    analyze._analyzer.cache_clear()


def test_set_gcp_writes_what_the_analyze_function_loads(
    tricloud: Callable[..., Any],
    resources: AwsResources,
    gcp_key_file: Path,
    secretsmanager: Any,
) -> None:
    result = tricloud(
        "secrets", "set-gcp", "--key-file", str(gcp_key_file),
        "--secret-id", resources.gcp_secret_arn,
    )  # fmt: skip
    assert result.code == 0, result.err

    # The analyze function's own loader: SecretsReader → parse → google-auth credentials.
    info = parse_gcp_credentials(SecretsReader(secretsmanager).get(resources.gcp_secret_arn))
    credentials = credentials_from_info(info)

    assert credentials.service_account_email == info["client_email"]  # type: ignore[attr-defined]


def test_analyze_writes_into_the_container_the_commands_set_up(
    tricloud: Callable[..., Any],
    resources: AwsResources,
    cosmos_server: CosmosServer,
    vision_server: VisionServer,
    database_name: str,
    moto_server: str,
    stack: OfflineStack,
    monkeypatch: pytest.MonkeyPatch,
    fresh_analyzer: None,
) -> None:
    monkeypatch.setenv("TEST_COSMOS_KEY", cosmos_server.key)
    set_cosmos = tricloud(
        "secrets", "set-cosmos", "--endpoint", cosmos_server.endpoint,
        "--key-env", "TEST_COSMOS_KEY", "--database", database_name, "--container", "photos",
        "--secret-id", resources.cosmos_secret_arn,
    )  # fmt: skip
    init = tricloud("cosmos", "init", "--secret-id", resources.cosmos_secret_arn)
    assert (set_cosmos.code, init.code) == (0, 0), set_cosmos.err + init.err

    set_handler_env(
        monkeypatch,
        moto_server=moto_server,
        stack=stack,
        vision_server=vision_server,
        cosmos_server=cosmos_server,
    )
    image_id = str(uuid.uuid4())
    key = f"uploads/public/{image_id}.jpg"
    photos = (
        cosmos_server.client().get_database_client(database_name).get_container_client("photos")
    )
    photos.create_item(pending(resources.bucket, image_id, key))  # as presign does
    moto_client("s3", moto_server).put_object(
        Bucket=resources.bucket, Key=key, Body=_cat_jpeg(), ContentType="image/jpeg"
    )

    answer = analyze.handler(
        _event_for(moto_server, resources, key), LambdaContext("analyze", 60, 1024)
    )

    assert answer == {"batchItemFailures": []}
    document = photos.read_item(image_id, partition_key="public")
    assert (document["image_fname"], document["status"]) == (key, "done")


def _cat_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(sample_images.chelsea()).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _event_for(moto_server: str, resources: AwsResources, key: str) -> dict[str, Any]:
    """The SQS event Lambda would send for moto's S3 notification about ``key``.

    Other messages (S3's test event when the notification was configured) are dropped.
    """
    sqs = moto_client("sqs", moto_server)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=resources.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
        )
        for message in answer.get("Messages", []):
            if quote(key, safe="") in message["Body"]:  # S3 events URL-encode the key
                return sqs_event([message], resources.queue_arn, REGION)
            sqs.delete_message(QueueUrl=resources.queue_url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError(f"moto sent no S3 notification for {key}")
