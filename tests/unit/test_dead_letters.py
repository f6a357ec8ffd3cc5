"""`tricloud redrive` on AWS: SQS's message move task, polled to its end (botocore Stubber; the
offline path, message by message on moto, is in tests/integration/test_redrive.py); and the
doctor's dead-letter check when it may not read the queue."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tooling.dead_letters import RedriveError, redrive
from tooling.doctor_checks import Status, check_dead_letters

QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/Tricloud-UploadsEvents"
DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/Tricloud-UploadsDeadLetters"
DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:Tricloud-UploadsDeadLetters"


def _client() -> Any:
    return boto3.client(
        "sqs",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="example-secret",
    )


def _started(stub: Stubber) -> None:
    stub.add_response("list_dead_letter_source_queues", {"queueUrls": [QUEUE]}, {"QueueUrl": DLQ})
    stub.add_response(
        "get_queue_attributes",
        {"Attributes": {"QueueArn": DLQ_ARN}},
        {"QueueUrl": DLQ, "AttributeNames": ["QueueArn"]},
    )


def _task(status: str, moved: int, **extra: Any) -> dict[str, Any]:
    return {"Results": [{"Status": status, "ApproximateNumberOfMessagesMoved": moved, **extra}]}


def test_the_move_task_is_started_and_awaited() -> None:
    client = _client()
    with Stubber(client) as stub:
        _started(stub)
        stub.add_response("start_message_move_task", {"TaskHandle": "h"}, {"SourceArn": DLQ_ARN})
        listing = {"SourceArn": DLQ_ARN, "MaxResults": 1}
        stub.add_response("list_message_move_tasks", _task("RUNNING", 1, TaskHandle="h"), listing)
        stub.add_response("list_message_move_tasks", _task("COMPLETED", 3), listing)
        result = redrive(client, DLQ, sleep=lambda _seconds: None)
        stub.assert_no_pending_responses()
    assert (result.moved, result.source_queue, result.method) == (3, QUEUE, "message move task")


def test_a_failed_move_task_is_an_error_with_its_reason() -> None:
    client = _client()
    with Stubber(client) as stub:
        _started(stub)
        stub.add_response("start_message_move_task", {"TaskHandle": "h"})
        stub.add_response(
            "list_message_move_tasks", _task("FAILED", 1, FailureReason="AccessDenied")
        )
        with pytest.raises(RedriveError, match="failed after 1 messages: AccessDenied"):
            redrive(client, DLQ, sleep=lambda _seconds: None)


def test_a_real_sqs_error_is_not_taken_for_a_missing_api() -> None:
    client = _client()
    with Stubber(client) as stub:
        _started(stub)
        stub.add_client_error(
            "start_message_move_task", service_error_code="InternalError", http_status_code=500
        )
        with pytest.raises(ClientError, match="InternalError"):
            redrive(client, DLQ)


def test_the_doctor_skips_the_queue_when_it_may_not_read_it() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "get_queue_attributes", service_error_code="AccessDenied", http_status_code=403
        )
        check = check_dead_letters(client, DLQ)
    assert check.status is Status.SKIPPED
    assert "sqs:GetQueueAttributes" in check.detail
