"""`tricloud redrive`: uploads parked in the dead-letter queue during a Vision outage are moved
back once Vision is up again, and every one of them ends `done`.

Real S3 notifications (moto) feed a queue with a short visibility timeout and a redrive policy,
the offline worker runs the analyze handler on it as Lambda's event source would, and the
command runs as a user runs it, against moto's SQS (which has no StartMessageMoveTask, so the
messages move one by one).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from unit import images

from lambdas.handlers import analyze
from offline.lambda_runtime import FunctionHost
from offline.provision import moto_client
from offline.servers import VisionServer
from offline.worker import Worker
from tooling.cli import main as tricloud
from tooling.dead_letters import move_one_by_one

from .conftest import Stack

pytestmark = pytest.mark.integration
MAX_RECEIVES = 2


@pytest.fixture
def queues(stack: Stack) -> Iterator[tuple[Any, str, str]]:
    """A queue (visibility 1 s) whose messages go to a DLQ after two receives."""
    sqs = moto_client("sqs", stack.moto_endpoint)
    name = f"redrive-{uuid.uuid4().hex[:8]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    policy = {
        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
        "maxReceiveCount": str(MAX_RECEIVES),
    }
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(policy)},
    )["QueueUrl"]
    yield sqs, queue_url, dlq_url
    sqs.delete_queue(QueueUrl=queue_url)
    sqs.delete_queue(QueueUrl=dlq_url)


def _depth(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _status(stack: Stack, image_id: str) -> str | None:
    status, body = stack.api("GET", f"/api/images/{image_id}")
    return str(body["status"]) if status == 200 else None


def test_vision_down_then_back_then_redrive_analyzes_every_image(
    stack: Stack,
    vision_server: VisionServer,
    queues: tuple[Any, str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    sqs, queue_url, dlq_url = queues
    stack.set_env(VISION_TIMEOUT_SECONDS="1")
    ids = [stack.upload(images.chelsea_jpeg()), stack.upload(images.coffee_png(), "image/png")]
    keys = [f"uploads/public/{ids[0]}.jpg", f"uploads/public/{ids[1]}.png"]
    # The S3 notifications, as S3 sent them, into this test's own queue.
    for record in stack.receive_events(keys)["Records"]:
        sqs.send_message(QueueUrl=queue_url, MessageBody=record["body"])
    worker = Worker(
        sqs, queue_url, FunctionHost("analyze", analyze.handler), batching_window_seconds=0.2
    )

    vision_server.control.fail_next(100, status=503)  # Vision is down
    for _ in range(20):  # bounded: each round is one receive (<= ~2.5 s)
        worker.run_once()
        if _depth(sqs, dlq_url) == len(ids):
            break
    assert _depth(sqs, dlq_url) == len(ids), "the failed uploads should be in the DLQ"
    assert _depth(sqs, queue_url) == 0
    assert [_status(stack, image_id) for image_id in ids] != ["done", "done"]

    vision_server.control.reset()  # Vision is back
    assert tricloud(["redrive", "--dead-letter-queue", dlq_url]) == 0
    assert f"Moved 2 messages back to {queue_url} (one by one)." in capsys.readouterr().out
    assert _depth(sqs, dlq_url) == 0

    for _ in range(10):
        worker.run_once()
        if _depth(sqs, queue_url) == 0:
            break
    assert [_status(stack, image_id) for image_id in ids] == ["done", "done"]


def test_an_empty_dead_letter_queue_moves_nothing(queues: tuple[Any, str, str]) -> None:
    sqs, queue_url, dlq_url = queues
    assert move_one_by_one(sqs, dlq_url, queue_url) == 0


def test_a_queue_that_is_no_dead_letter_queue_is_refused(
    queues: tuple[Any, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _sqs, queue_url, _dlq_url = queues
    assert tricloud(["redrive", "--dead-letter-queue", queue_url]) == 1
    assert "should be the dead-letter queue of exactly one queue" in capsys.readouterr().err
