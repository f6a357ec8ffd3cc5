"""The worker feeds SQS batches to a handler as Lambda does, and settles them by its answer.

The queues are real (moto server); the handler is Powertools' BatchProcessor with a record
handler that fails chosen bodies, so partial failures take the same path as analyze's.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from PIL import Image
from skimage import data

from offline.lambda_runtime import FunctionHost
from offline.provision import (
    COSMOS_CONTAINER,
    COSMOS_DATABASE,
    AwsResources,
    OfflineStack,
    moto_client,
)
from offline.servers import CosmosServer
from offline.worker import Worker, settle
from tests.pending import pending

MAX_RECEIVES = 2


class PartialHandler:
    """Fails every record whose body is in ``failing``; records the events it got."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)

        def record_handler(record: SQSRecord) -> None:
            if record.body in self.failing:
                raise ValueError(f"cannot process {record.body}")

        processor = BatchProcessor(event_type=EventType.SQS)
        return process_partial_response(event, record_handler, processor, context)


@pytest.fixture
def queues(moto_server: str) -> Iterator[tuple[Any, str, str]]:
    """A queue (visibility 1 s) that redrives to a DLQ after two receives."""
    sqs = moto_client("sqs", moto_server)
    name = f"worker-{uuid.uuid4().hex[:8]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    yield sqs, queue_url, dlq_url
    sqs.delete_queue(QueueUrl=queue_url)
    sqs.delete_queue(QueueUrl=dlq_url)


def _worker(sqs: Any, queue_url: str, handler: Any) -> Worker:
    host = FunctionHost("analyze", handler)
    return Worker(sqs, queue_url, host, batching_window_seconds=0.3, wait_seconds=1)


def _send(sqs: Any, queue_url: str, *bodies: str) -> None:
    for body in bodies:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)


def _dead_letters(sqs: Any, dlq_url: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return sorted(m["Body"] for m in messages.get("Messages", []))


@pytest.mark.integration
def test_the_event_is_what_lambda_sends_for_sqs(queues: tuple[Any, str, str]) -> None:
    sqs, queue_url, _ = queues
    _send(sqs, queue_url, "one", "two")
    handler = PartialHandler(failing=set())
    worker = _worker(sqs, queue_url, handler)
    settled = [worker.run_once() for _ in range(3)]
    events = [SQSEvent(event) for event in handler.events]
    records = [record for event in events for record in event.records]
    assert sorted(record.body for record in records) == ["one", "two"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    for record in records:
        assert record.event_source == "aws:sqs"
        assert record.event_source_arn == queue_arn["Attributes"]["QueueArn"]
        assert record.aws_region == "us-east-1"
        assert record.attributes.approximate_receive_count == "1"
        assert record.receipt_handle
    assert sum(len(s.delete) for s in settled if s) == 2
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)


@pytest.mark.integration
def test_reported_failures_come_back_then_go_to_the_dlq(queues: tuple[Any, str, str]) -> None:
    sqs, queue_url, dlq_url = queues
    _send(sqs, queue_url, "good-1", "bad", "good-2")
    handler = PartialHandler(failing={"bad"})
    worker = _worker(sqs, queue_url, handler)
    dead: list[str] = []
    for _ in range(12):  # bounded: each round waits at most ~1.5 s
        worker.run_once()
        dead = _dead_letters(sqs, dlq_url)
        if dead:
            break
    assert dead == ["bad"]
    bodies_by_receive: dict[str, list[str]] = {}
    for event in handler.events:
        for record in SQSEvent(event).records:
            count = record.attributes.approximate_receive_count
            bodies_by_receive.setdefault(record.body, []).append(count)
    assert bodies_by_receive == {"good-1": ["1"], "good-2": ["1"], "bad": ["1", "2"]}


@pytest.mark.integration
def test_a_handler_exception_fails_the_whole_batch(queues: tuple[Any, str, str]) -> None:
    sqs, queue_url, _ = queues
    _send(sqs, queue_url, "a", "b")
    calls: list[int] = []

    def crashing(event: dict[str, Any], context: Any) -> None:
        calls.append(len(event["Records"]))
        raise RuntimeError("boom")

    worker = _worker(sqs, queue_url, crashing)
    settlement = None
    for _ in range(5):  # bounded: the messages are there, a round or two suffices
        settlement = worker.run_once()
        if settlement is not None:
            break
    assert settlement is not None
    assert settlement.delete == []
    assert sorted(m["Body"] for m in settlement.retry) == ["a", "b"]


def _messages(*ids: str) -> list[dict[str, Any]]:
    return [{"MessageId": i, "ReceiptHandle": f"rh-{i}", "Body": ""} for i in ids]


@pytest.mark.parametrize(
    ("result", "deleted"),
    [
        (None, ["m1", "m2"]),
        ({}, ["m1", "m2"]),
        ({"batchItemFailures": []}, ["m1", "m2"]),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, ["m1"]),
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, []),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, []),
        ({"batchItemFailures": "m2"}, []),
        ("not a dict", []),
    ],
)
def test_settle_follows_report_batch_item_failures(result: Any, deleted: list[str]) -> None:
    messages = _messages("m1", "m2")
    settlement = settle(messages, result)
    assert [m["MessageId"] for m in settlement.delete] == deleted
    assert len(settlement.delete) + len(settlement.retry) == 2


@pytest.mark.integration
def test_an_upload_reaches_the_real_analyze_handler_and_cosmos(
    lambda_env: dict[str, str],
    offline_resources: AwsResources,
    offline_stack: OfflineStack,
    cosmos_server: CosmosServer,
) -> None:
    buffer = io.BytesIO()
    photo = Image.fromarray(data.chelsea())  # type: ignore[no-untyped-call]
    photo.save(buffer, "JPEG", quality=85)
    image_id = str(uuid.uuid4())
    key = f"uploads/public/{image_id}.jpg"
    container = (
        cosmos_server.client()
        .get_database_client(COSMOS_DATABASE)
        .get_container_client(COSMOS_CONTAINER)
    )
    container.create_item(pending(offline_resources.bucket, image_id, key))  # as presign does
    s3 = moto_client("s3", lambda_env["AWS_ENDPOINT_URL"])
    s3.put_object(
        Bucket=offline_resources.bucket,
        Key=key,
        Body=buffer.getvalue(),
        ContentType="image/jpeg",
    )
    (trigger,) = offline_stack.spec.triggers
    host = FunctionHost.from_spec(offline_stack.spec.functions[trigger.function])
    sqs = moto_client("sqs", lambda_env["AWS_ENDPOINT_URL"])
    worker = Worker(sqs, trigger.queue_url, host, batch_size=trigger.batch_size, wait_seconds=1)
    document: dict[str, Any] = {}
    for _ in range(10):  # bounded: the S3 event is already queued
        worker.run_once()
        document = container.read_item(image_id, partition_key="public")
        if document["status"] != "pending":
            break
    assert document["status"] == "done"
    assert document["image_fname"] == key
    assert any("cat" in name for name in document["label_names"])


def test_a_batch_never_holds_more_than_the_batch_size(
    queues: tuple[Any, str, str], offline_stack: OfflineStack
) -> None:
    sqs, queue_url, _ = queues
    batch_size = offline_stack.spec.triggers[0].batch_size  # from the template
    _send(sqs, queue_url, *(str(n) for n in range(batch_size + 9)))
    handler = PartialHandler(set())
    worker = Worker(
        sqs,
        queue_url,
        FunctionHost("analyze", handler),
        batch_size=batch_size,
        batching_window_seconds=2,
        wait_seconds=1,
    )
    first = worker.run_once()
    assert first is not None
    assert len(first.delete) == batch_size


def test_without_partial_batch_responses_any_answer_settles_the_whole_batch() -> None:
    messages = [{"MessageId": "a"}, {"MessageId": "b"}]
    answer = {"batchItemFailures": [{"itemIdentifier": "a"}]}
    assert settle(messages, answer, partial=True).retry == [{"MessageId": "a"}]
    assert settle(messages, answer, partial=False).delete == messages


def test_a_restarted_worker_releases_what_the_killed_one_held(
    queues: tuple[Any, str, str], tmp_path: Path
) -> None:
    sqs, queue_url, _ = queues
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "600"})
    _send(sqs, queue_url, "held")
    journal = tmp_path / "held.json"
    killed = Worker(
        sqs,
        queue_url,
        FunctionHost("analyze", PartialHandler(set())),
        wait_seconds=1,
        journal=journal,
    )
    assert killed._receive(1)  # received, then "killed" before the handler ran
    assert sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages") is None

    handler = PartialHandler(set())
    restarted = Worker(
        sqs, queue_url, FunctionHost("analyze", handler), wait_seconds=1, journal=journal
    )
    assert restarted.release_held() == 1
    settlement = restarted.run_once()
    assert settlement is not None
    assert [m["Body"] for m in settlement.delete] == ["held"]


class _KilledAfterReceiveError(Exception):
    """Stands for a SIGKILL that lands once SQS answered ReceiveMessage."""


class _DiesAfterReceive:
    """The worker's SQS client (real, on moto) for a worker killed between SQS answering
    ReceiveMessage and the worker noting the receipt handles: moto has made the messages
    invisible, and the worker noted nothing."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.meta = sqs.meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def receive_message(self, **kwargs: Any) -> Any:
        self._sqs.receive_message(**kwargs)
        raise _KilledAfterReceiveError


def test_a_message_received_by_a_worker_killed_before_noting_it_comes_back(
    queues: tuple[Any, str, str], tmp_path: Path
) -> None:
    sqs, queue_url, _ = queues
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "600"})
    _send(sqs, queue_url, "received, never noted")
    journal = tmp_path / "held.json"
    host = FunctionHost("analyze", PartialHandler(set()))
    killed = Worker(
        _DiesAfterReceive(sqs), queue_url, host, wait_seconds=1, journal=journal, lease_seconds=1
    )
    with pytest.raises(_KilledAfterReceiveError):
        killed.run_once()
    assert sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0).get("Messages") is None

    handler = PartialHandler(set())
    restarted = Worker(
        sqs, queue_url, FunctionHost("analyze", handler), wait_seconds=1, journal=journal
    )
    assert restarted.release_held() == 0  # the killed worker noted nothing
    settlement = None
    for _ in range(5):  # bounded: ~1 s each; the lease is 1 s, the queue's timeout 600 s
        settlement = restarted.run_once()
        if settlement is not None:
            break
    assert settlement is not None, "the message stayed invisible for the queue's timeout"
    assert [m["Body"] for m in settlement.delete] == ["received, never noted"]
