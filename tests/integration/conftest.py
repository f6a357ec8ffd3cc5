"""Helpers for driving the four handlers against the local servers (from tests/conftest.py).

Every test runs once per provider combination it names through ``provider_choice``: by
default all four (``labels`` x ``store``); :data:`EACH_PROVIDER` (the two diagonals: Vision +
Cosmos DB, Rekognition + DynamoDB) covers each provider once, for tests about one side only;
:func:`only` narrows to the combinations a test is about. Servers are shared by all of them.
The store-neutral helpers (``stack.stored``, ``stack.put``) go through the chosen adapter.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests
from aws_calls import AwsCallRecorder
from azure.cosmos import ContainerProxy
from unit.events import TEST_OWNER, FakeLambdaContext, api_event, sqs_event

from lambdas import providers
from lambdas.handlers import analyze, detail, list_images, presign
from lambdas.ports import GalleryQuery, ImageStore
from offline.provision import (
    COSMOS_CONTAINER,
    COSMOS_DATABASE,
    AwsResources,
    OfflineStack,
    cosmos_secret_json,
    moto_client,
)
from offline.servers import CosmosServer, VisionServer, free_port

ALL_COMBINATIONS = [
    ("google-vision", "cosmos"),
    ("google-vision", "dynamodb"),
    ("rekognition", "cosmos"),
    ("rekognition", "dynamodb"),
]
EACH_PROVIDER = [("google-vision", "cosmos"), ("rekognition", "dynamodb")]


def _ids(combination: tuple[str, str]) -> str:
    return "+".join(combination)


def only(*combinations: tuple[str, str]) -> pytest.MarkDecorator:
    """Run the test for these provider combinations only."""
    return pytest.mark.parametrize("provider_choice", combinations, indirect=True, ids=_ids)


#: For tests about each provider on its own side (one labeller or one store at a time).
each_provider = only(*EACH_PROVIDER)


@pytest.fixture(params=ALL_COMBINATIONS, ids=_ids)
def provider_choice(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(labels, store)``: every combination unless the test narrows it."""
    choice: tuple[str, str] = request.param
    return choice


GETTERS = ("_config", "_storage", "_store")
HANDLER_CACHES: tuple[Callable[..., Any], ...] = (
    *(getattr(module, name) for module in (presign, detail, list_images) for name in GETTERS),
    presign._cap,
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
    labels: str = "google-vision"
    store: str = "cosmos"
    #: When set, records the AWS calls each handler makes (tests/aws_calls.py).
    recorder: AwsCallRecorder | None = None

    def _running(self, function: str) -> AbstractContextManager[None]:
        """Attribute the AWS calls made meanwhile to `function`, when recording."""
        return self.recorder.attributed(function) if self.recorder else nullcontext()

    @property
    def labeller_name(self) -> str:
        """How failure reasons name the labeller."""
        return "Vision" if self.labels == "google-vision" else "Rekognition"

    def image_store(self) -> ImageStore:
        """The chosen store's adapter, configured as the handlers are."""
        return providers.image_store()

    def stored(self, image_id: str, owner: str = "public") -> dict[str, Any] | None:
        """The stored document (as the store returns it), or None."""
        return self.image_store().get(owner, image_id)

    def put(self, document: dict[str, Any]) -> None:
        """Write a document straight into the store."""
        self.image_store().put(document)

    def pending_retention(self, image_id: str, owner: str = "public") -> float | None:
        """Seconds the store will keep this document unless it is analysed (its TTL); None
        when it keeps it for good."""
        if self.store == "cosmos":
            document = self.stored(image_id, owner) or {}
            ttl = document.get("ttl")
            return None if ttl is None else float(ttl)
        item = moto_client("dynamodb", self.moto_endpoint).get_item(
            TableName=self.env["IMAGES_TABLE"],
            Key={"owner": {"S": owner}, "id": {"S": image_id}},
        )["Item"]
        expires = item.get("pending_expires_at")
        return None if expires is None else float(expires["N"]) - time.time()

    def copies(self, image_id: str, owner: str = "public") -> int:
        """How many documents of ``owner``'s gallery have this id (walks every page)."""
        store, found, continuation = self.image_store(), 0, None
        while True:
            page = store.list_page(GalleryQuery(owner, (), 100, continuation))
            found += sum(item["id"] == image_id for item in page.items)
            continuation = page.continuation
            if continuation is None:
                return found

    def break_labeller(self) -> None:
        """Point the labeller at a port where nothing listens."""
        dead = f"http://127.0.0.1:{free_port()}"
        if self.labels == "google-vision":
            self.set_env(VISION_API_ENDPOINT=dead)
        else:
            self.set_env(AWS_ENDPOINT_URL_REKOGNITION=dead)

    def break_store(self) -> dict[str, str]:
        """Point the store where it cannot answer; the variables that undo it."""
        if self.store == "cosmos":
            working = {"COSMOS_SECRET_ID": self.env["COSMOS_SECRET_ID"]}
            dead = cosmos_secret_json(f"https://127.0.0.1:{free_port()}/", "a2V5")
            secret = self.create_secret(f"dead-cosmos-{uuid.uuid4()}", dead)
            self.set_env(COSMOS_SECRET_ID=secret)
        else:
            working = {"AWS_ENDPOINT_URL_DYNAMODB": self.env.get("AWS_ENDPOINT_URL", "")}
            self.set_env(AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{free_port()}")
        return working

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
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        owner: str | None = TEST_OWNER,
    ) -> tuple[int, Any]:
        """Send an API Gateway proxy event (signed in as ``owner``) to the function that
        serves ``path``."""
        response = self.raw_api(method, path, query=query, body=body, owner=owner)
        text = response.get("body")
        return response["statusCode"], json.loads(text) if text else None

    def raw_api(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        owner: str | None = TEST_OWNER,
    ) -> dict[str, Any]:
        """The proxy response (status, headers, body) of :meth:`api`'s request."""
        raw = body if isinstance(body, str) or body is None else json.dumps(body)
        event = api_event(method, path, query=query, body=raw, owner=owner)
        module = _api_module(path)
        with self._running(module.__name__.rsplit(".", 1)[-1]):
            response: dict[str, Any] = module.handler(event, FakeLambdaContext())
        return response

    def upload(
        self, data: bytes, content_type: str = "image/jpeg", owner: str | None = TEST_OWNER
    ) -> str:
        """Ask for an upload URL and POST ``data`` to it, as the browser does; the image id."""
        status, body = self.api(
            "POST",
            "/api/uploads",
            body={"content_type": content_type, "size": max(1, len(data))},
            owner=owner,
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
        with self._running("analyze"):
            result = analyze.handler(event, FakeLambdaContext())
        return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def label_calls(vision_server: VisionServer) -> list[int]:
    """Images per labelling call: Vision's batch sizes, or 1 per Rekognition DetectLabels."""
    return [
        call["image_count"]
        for call in vision_server.control.requests()
        if call["path"] != "rekognition:DetectModerationLabels"
    ]


def fresh_usage_table(moto_endpoint: str) -> str:
    """A new, empty counter table shaped like the template's (key ``pk``, TTL); its name."""
    name = f"tricloud-test-usage-{uuid.uuid4().hex[:8]}"
    dynamodb = moto_client("dynamodb", moto_endpoint)
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    return name


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
    chosen_stack: OfflineStack,
    moto_server: str,
    monkeypatch: pytest.MonkeyPatch,
    provider_choice: tuple[str, str],
) -> Iterator[Stack]:
    """The handlers wired to the local servers in public mode (owner ``public``), with fresh
    per-container state. ``private_stack`` is the same in private mode."""
    clear_handler_caches()
    labels, store = provider_choice
    monkeypatch.setenv("ACCESS_MODE", "public")
    yield Stack(
        {**lambda_env, "ACCESS_MODE": "public"},
        chosen_stack.resources,
        moto_server,
        monkeypatch,
        labels,
        store,
    )
    clear_handler_caches()


@pytest.fixture
def private_stack(stack: Stack) -> Stack:
    """The stack in private mode: each request is the ``owner`` its authorizer claims name."""
    stack.set_env(ACCESS_MODE="private")
    return stack
