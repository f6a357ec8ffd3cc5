"""Helpers for driving the four handlers against the local servers (from tests/conftest.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests
from azure.cosmos import ContainerProxy
from unit.events import FakeLambdaContext, api_event, sqs_event

from lambdas.handlers import analyze, detail, list_images, presign
from offline.provision import COSMOS_CONTAINER, COSMOS_DATABASE, AwsResources, moto_client
from offline.servers import CosmosServer

GETTERS = ("_config", "_storage", "_store")
HANDLER_CACHES: tuple[Callable[..., Any], ...] = (
    *(getattr(module, name) for module in (presign, detail, list_images) for name in GETTERS),
    analyze._analyzer,
)


def clear_handler_caches() -> None:
    """Forget per-container clients so the next call reads this test's environment."""
    for cached in HANDLER_CACHES:
        cached.cache_clear()  # type: ignore[attr-defined]


@dataclass
class Stack:
    """The offline stack seen from a test: call the API, upload, and run the analyzer."""

    env: dict[str, str]
    resources: AwsResources
    moto_endpoint: str
    monkeypatch: pytest.MonkeyPatch

    def set_env(self, **variables: str) -> None:
        """Change handler environment variables, as a new deployment (cold containers) would."""
        for name, value in variables.items():
            self.monkeypatch.setenv(name, value)
            self.env[name] = value
        clear_handler_caches()

    def create_secret(self, name: str, value: str) -> str:
        """A new Secrets Manager secret on moto; its ARN."""
        manager = moto_client("secretsmanager", self.moto_endpoint)
        arn: str = manager.create_secret(Name=name, SecretString=value)["ARN"]
        return arn

    def api(
        self, method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """Send an API Gateway proxy event to the function that serves ``path``."""
        raw = body if isinstance(body, str) or body is None else json.dumps(body)
        event = api_event(method, path, query=query, body=raw)
        module = _api_module(path)
        response = module.handler(event, FakeLambdaContext())
        return response["statusCode"], json.loads(response["body"])

    def upload(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """Ask for an upload URL and POST ``data`` to it, as the browser does; the image id."""
        status, body = self.api(
            "POST", "/api/uploads", body={"content_type": content_type, "size": max(1, len(data))}
        )
        assert status == 201, body
        post = body["upload"]
        answer = requests.post(
            post["url"],
            data=post["fields"],
            files={"file": ("photo", data, content_type)},
            timeout=30,
        )
        assert answer.status_code in (200, 201, 204), answer.text
        image_id: str = body["id"]
        return image_id

    def put_object(self, key: str, data: bytes, content_type: str) -> None:
        """Write an object directly (for uploads the presigned POST would never allow)."""
        s3 = moto_client("s3", self.moto_endpoint)
        s3.put_object(Bucket=self.resources.bucket, Key=key, Body=data, ContentType=content_type)

    def receive_events(self, keys: list[str], timeout: float = 20.0) -> dict[str, Any]:
        """The SQS event (real S3 notifications from moto) for exactly these keys.

        Messages for other keys (left by earlier tests) are deleted and ignored.
        """
        sqs = moto_client("sqs", self.moto_endpoint)
        wanted = set(keys)
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while wanted - found.keys() and time.monotonic() < deadline:
            answer = sqs.receive_message(
                QueueUrl=self.resources.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            for message in answer.get("Messages", []):
                sqs.delete_message(
                    QueueUrl=self.resources.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                for key in _keys_in(message["Body"]):
                    if key in wanted:
                        found[key] = message
        missing = wanted - found.keys()
        assert not missing, f"no S3 notification for {sorted(missing)}"
        messages = [found[key] for key in keys]
        return sqs_event(
            [m["Body"] for m in messages], message_ids=[m["MessageId"] for m in messages]
        )

    def analyze(self, event: dict[str, Any]) -> list[str]:
        """Run the analyze handler; the message ids it asks SQS to deliver again."""
        result = analyze.handler(event, FakeLambdaContext())
        return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def images_container(cosmos: CosmosServer) -> ContainerProxy:
    """The images container on cosmosdb-server, through a verifying client."""
    database = cosmos.client().get_database_client(COSMOS_DATABASE)
    return database.get_container_client(COSMOS_CONTAINER)


def count_documents(
    cosmos: CosmosServer, query: str, parameters: list[dict[str, Any]] | None = None
) -> int:
    """The result of a ``SELECT VALUE COUNT(1)`` query on the images container."""
    rows: list[Any] = list(
        images_container(cosmos).query_items(
            query, parameters=parameters, enable_cross_partition_query=True
        )
    )
    return int(rows[0])


def _api_module(path: str) -> Any:
    if path.startswith("/api/images/"):
        return detail
    if path.startswith("/api/images"):
        return list_images
    return presign


def _keys_in(body: str) -> list[str]:
    records = json.loads(body).get("Records") or []
    return [unquote_plus(r["s3"]["object"]["key"]) for r in records if "s3" in r]


@pytest.fixture
def stack(
    lambda_env: dict[str, str],
    offline_resources: AwsResources,
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Stack]:
    """The handlers wired to the local servers, with fresh per-container state."""
    clear_handler_caches()
    yield Stack(dict(lambda_env), offline_resources, moto_server, monkeypatch)
    clear_handler_caches()
