"""Move the dead-letter queue's messages back to the queue they came from.

On AWS one `StartMessageMoveTask` does it (SQS's own redrive, which returns each message to its
source queue); where that API is missing (the offline stack's moto server) the messages are
moved one by one: received from the dead-letter queue, sent to the source queue with their
attributes, then deleted, so a message is never lost (at worst, after a crash, sent twice,
which the analyze function tolerates).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

#: SQS's largest receive.
RECEIVE_MAX = 10
#: How long a received message stays hidden while it is moved.
MOVE_VISIBILITY_SECONDS = 60
_UNSUPPORTED_CODES = {"InvalidAction", "UnknownOperation", "UnknownOperationException"}
_DONE = {"COMPLETED", "FAILED", "CANCELLED", "CANCELLING"}


class RedriveError(RuntimeError):
    """The messages could not be moved; the message says why."""


@dataclass(frozen=True)
class RedriveResult:
    """How many messages went back to which queue, and how."""

    moved: int
    source_queue: str
    method: str  # "message move task" | "one by one"
    status: str = "COMPLETED"


def queue_arn(sqs: Any, queue_url: str) -> str:
    """The ARN of a queue."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def source_queue(sqs: Any, dead_letter_url: str) -> str:
    """The one queue whose redrive policy sends its failures to `dead_letter_url`."""
    urls = list(sqs.list_dead_letter_source_queues(QueueUrl=dead_letter_url).get("queueUrls", []))
    if len(urls) != 1:
        found = ", ".join(urls) or "none"
        raise RedriveError(
            f"{dead_letter_url} should be the dead-letter queue of exactly one queue (found "
            f"{found}); is it tricloud's DeadLetterQueueUrl?"
        )
    return str(urls[0])


def redrive(
    sqs: Any,
    dead_letter_url: str,
    *,
    wait_seconds: float = 600,
    poll_seconds: float = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> RedriveResult:
    """Move every message of the dead-letter queue back to its source queue."""
    source_url = source_queue(sqs, dead_letter_url)
    dead_letter_arn = queue_arn(sqs, dead_letter_url)
    try:
        sqs.start_message_move_task(SourceArn=dead_letter_arn)
    except ClientError as error:
        if not _unsupported(error):
            raise
        moved = move_one_by_one(sqs, dead_letter_url, source_url)
        return RedriveResult(moved, source_url, "one by one")
    return _await_task(
        sqs,
        dead_letter_arn=dead_letter_arn,
        source_url=source_url,
        wait_seconds=wait_seconds,
        poll_seconds=poll_seconds,
        sleep=sleep,
    )


def move_one_by_one(sqs: Any, dead_letter_url: str, source_url: str) -> int:
    """Receive, send to `source_url`, delete, until the dead-letter queue answers empty."""
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dead_letter_url,
            MaxNumberOfMessages=RECEIVE_MAX,
            WaitTimeSeconds=1,
            VisibilityTimeout=MOVE_VISIBILITY_SECONDS,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            attributes = message.get("MessageAttributes")
            send: dict[str, Any] = {"QueueUrl": source_url, "MessageBody": message["Body"]}
            if attributes:
                send["MessageAttributes"] = attributes
            sqs.send_message(**send)
            sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def _await_task(
    sqs: Any,
    *,
    dead_letter_arn: str,
    source_url: str,
    wait_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None],
) -> RedriveResult:
    """Poll the move task until it ends (or `wait_seconds` pass): its count and status."""
    waited = 0.0
    while True:
        # The newest task comes first (its handle is listed only while it runs).
        tasks = sqs.list_message_move_tasks(SourceArn=dead_letter_arn, MaxResults=1)["Results"]
        task = tasks[0] if tasks else {}
        status = str(task.get("Status", "UNKNOWN"))
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        if status in _DONE or waited >= wait_seconds:
            if status == "FAILED":
                raise RedriveError(
                    f"the message move task failed after {moved} messages: "
                    f"{task.get('FailureReason', 'no reason given')}"
                )
            return RedriveResult(moved, source_url, "message move task", status)
        sleep(poll_seconds)
        waited += poll_seconds


def _unsupported(error: ClientError) -> bool:
    """Whether the endpoint does not offer StartMessageMoveTask at all.

    An SQS-compatible server without it answers "unknown action", 501, or (moto) a bare 500
    page that is no SQS error document at all (botocore then reports the status as the code).
    A real SQS error, InternalError included, names itself and is raised.
    """
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message", "")).lower()
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return (
        code in _UNSUPPORTED_CODES
        or "not been implemented" in message
        or status == 501
        or (status >= 500 and code.isdigit())
    )
