"""The local stand-in for Lambda's SQS event source mapping of the analyze function.

It long-polls the queue, gathers a batch (up to ``batch_size`` messages within the
batching window), invokes the handler with the event Lambda sends, and settles the batch
the way ``ReportBatchItemFailures`` does: messages the handler did not report as failed
are deleted; failed ones stay and come back after the visibility timeout, until the
queue's redrive policy moves them to the dead-letter queue. A handler exception or an
invalid answer fails the whole batch.

Queue, function, batch size, batching window and partial batch responses come from the
template's event source mapping (``--stack FILE``, see :mod:`offline.stack_model`).
``python -m offline.worker --stack FILE`` with the handler environment already set.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from offline.lambda_runtime import FunctionHost
from offline.service import configure_logging, stop_on_sigterm
from offline.stack_model import StackSpec

LOG = logging.getLogger("offline.worker")
#: SQS returns at most this many messages per receive call.
SQS_MAX_MESSAGES = 10
#: Receipt handles of messages left for retry that the journal keeps.
_MAX_HELD = 1000
_FAILED = object()
#: Seconds between polls while the queue cannot be reached.
_RETRY = 1.0
#: Seconds a received message stays invisible until the worker has noted its receipt handle
#: and extended it to the queue's visibility timeout (see :meth:`Worker._receive`).
RECEIVE_LEASE_SECONDS = 30


@dataclass(frozen=True)
class Settlement:
    """What to do with a batch after the handler ran."""

    delete: list[dict[str, Any]]
    retry: list[dict[str, Any]]


def sqs_event(messages: Sequence[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda sends for these ``ReceiveMessage`` results."""
    return {"Records": [_record(message, queue_arn, region) for message in messages]}


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            name: attributes[name]
            for name in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
            )
            if name in attributes
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def settle(messages: Sequence[dict[str, Any]], result: Any, *, partial: bool = True) -> Settlement:
    """Split a batch by the handler's answer.

    With ReportBatchItemFailures (``partial``): ``None``, ``{}`` or an empty
    ``batchItemFailures`` list: all succeeded. A list of ``{"itemIdentifier": messageId}``:
    those failed. Anything malformed, or an identifier that is not in the batch: the whole
    batch failed. Without it, any answer means the whole batch succeeded.
    """
    everything_failed = Settlement(delete=[], retry=list(messages))
    if result is _FAILED:
        return everything_failed
    if result is None or not partial:
        return Settlement(delete=list(messages), retry=[])
    if not isinstance(result, dict):
        return everything_failed
    failures = result.get("batchItemFailures") or []
    if not isinstance(failures, list):
        return everything_failed
    ids = {message["MessageId"] for message in messages}
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in ids:
            return everything_failed
        failed.add(identifier)
    return Settlement(
        delete=[m for m in messages if m["MessageId"] not in failed],
        retry=[m for m in messages if m["MessageId"] in failed],
    )


class Worker:
    """Polls one queue and feeds batches to one function.

    With a ``journal`` file it notes the receipt handles it holds (the batch being
    processed, and messages left for retry); :meth:`release_held` makes them visible again
    at once, which the demo does after a restart of the worker or of a server the function
    needs, instead of waiting out the queue's visibility timeout. A message is received
    with a short lease (``lease_seconds``) and held for the queue's visibility timeout only
    once noted, so a worker killed before it could note a message leaves it invisible for
    the lease, not for the queue's whole timeout.
    """

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        host: FunctionHost,
        *,
        batch_size: int = 10,
        batching_window_seconds: float = 0.0,
        report_batch_item_failures: bool = True,
        wait_seconds: int = 2,
        journal: Path | None = None,
        release_requested: threading.Event | None = None,
        lease_seconds: int = RECEIVE_LEASE_SECONDS,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._host = host
        self._batch_size = batch_size
        self._window = batching_window_seconds
        self._partial = report_batch_item_failures
        self._wait = wait_seconds
        self._journal = journal
        self._retrying: list[str] = []
        self._held: list[str] = []
        self.release_requested = release_requested or threading.Event()
        self._region: str = sqs.meta.region_name
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn", "VisibilityTimeout"]
        )["Attributes"]
        self._queue_arn: str = attributes["QueueArn"]
        self._visibility = int(attributes["VisibilityTimeout"])
        self._lease = min(lease_seconds, self._visibility)
        self.stop_event = threading.Event()

    def run(self) -> None:
        """Poll and invoke until :attr:`stop_event` is set."""
        while not self.stop_event.is_set():
            try:
                if self.release_requested.is_set():
                    self.release_requested.clear()
                    self.release_held()
                self.run_once()
            except (BotoCoreError, ClientError) as error:
                # The queue is unreachable (moto restarting): like Lambda's poller, wait.
                LOG.warning("queue unreachable (%s); polling again in %.0f s", error, _RETRY)
                self.stop_event.wait(_RETRY)

    def release_held(self) -> int:
        """Make every message this worker (or its previous run) holds visible again now."""
        handles = self._read_journal()
        self._retrying = []
        self._write_journal([])
        released = 0
        for handle in handles:
            try:
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
                released += 1
            except Exception:  # noqa: S112 (a handle of a message since deleted or re-received)
                continue
        if released:
            LOG.info("released %d held message(s) for redelivery", released)
        return released

    def run_once(self) -> Settlement | None:
        """Gather one batch (long poll) and process it; None when the queue stayed empty."""
        batch = self._gather()
        if not batch:
            return None
        event = sqs_event(batch, self._queue_arn, self._region)
        try:
            result = self._host.invoke(event)
        except Exception:
            LOG.exception("analyze raised: the whole batch of %d will be retried", len(batch))
            result = _FAILED
        settlement = settle(batch, result, partial=self._partial)
        for start in range(0, len(settlement.delete), SQS_MAX_MESSAGES):
            chunk = settlement.delete[start : start + SQS_MAX_MESSAGES]
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
        self._held = []
        self._retrying = [
            *self._retrying[-_MAX_HELD:],
            *(m["ReceiptHandle"] for m in settlement.retry),
        ]
        self._write_journal(self._retrying)
        LOG.info(
            "batch of %d: %d done, %d left for retry",
            len(batch),
            len(settlement.delete),
            len(settlement.retry),
        )
        return settlement

    def _read_journal(self) -> list[str]:
        if self._journal is None or not self._journal.is_file():
            return list(self._retrying)
        try:
            handles: list[str] = json.loads(self._journal.read_text(encoding="utf-8"))
        except ValueError:
            return list(self._retrying)
        return handles

    def _write_journal(self, handles: list[str]) -> None:
        if self._journal is None:
            return
        temporary = self._journal.with_name(self._journal.name + ".tmp")
        temporary.write_text(json.dumps(handles), encoding="utf-8")
        temporary.replace(self._journal)

    def _gather(self) -> list[dict[str, Any]]:
        """Up to ``batch_size`` messages: a long poll, then more until the window closes."""
        batch = self._receive(self._wait, self._batch_size)
        deadline = time.monotonic() + self._window
        while batch and len(batch) < self._batch_size and time.monotonic() < deadline:
            more = self._receive(0, self._batch_size - len(batch))
            if not more:
                self.stop_event.wait(0.1)
            batch += more
        return batch

    def _receive(self, wait_seconds: int, room: int = SQS_MAX_MESSAGES) -> list[dict[str, Any]]:
        """One ReceiveMessage call for at most ``room`` messages (SQS gives 10 at most)."""
        room = min(SQS_MAX_MESSAGES, room)
        answer = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=room,
            WaitTimeSeconds=wait_seconds,
            # Only a lease: a kill before the note below must not leave the messages
            # invisible for the queue's whole timeout, with no handle to release them by.
            VisibilityTimeout=self._lease,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        if messages:
            # Noted before anything else happens: a kill from here on loses nothing.
            self._held += [m["ReceiptHandle"] for m in messages]
            self._write_journal([*self._retrying, *self._held])
            self._hold(messages)
        return messages

    def _hold(self, messages: Sequence[dict[str, Any]]) -> None:
        """Keep noted messages invisible for the queue's visibility timeout, as Lambda does."""
        answer = self._sqs.change_message_visibility_batch(
            QueueUrl=self._queue_url,
            Entries=[
                {
                    "Id": m["MessageId"],
                    "ReceiptHandle": m["ReceiptHandle"],
                    "VisibilityTimeout": self._visibility,
                }
                for m in messages
            ],
        )
        for failure in answer.get("Failed", []):
            LOG.warning(
                "could not hold message %s (%s): it may be delivered again",
                failure["Id"],
                failure.get("Code"),
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the worker until SIGTERM/SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m offline.worker", description=__doc__)
    parser.add_argument("--stack", type=Path, required=True, help="the stack spec (JSON)")
    parser.add_argument("--ready-file", type=Path, help="touched once the handler is loaded")
    parser.add_argument("--journal", type=Path, help="where to note the messages it holds")
    args = parser.parse_args(argv)
    configure_logging(LOG)
    stop_on_sigterm()
    # SIGUSR1: a server the function needs was restarted; retry what failed meanwhile.
    # Installed first: its default action would end the process.
    release = threading.Event()
    signal.signal(signal.SIGUSR1, lambda signum, frame: release.set())
    spec = StackSpec.load(args.stack)
    trigger = spec.triggers[0]
    host = FunctionHost.from_spec(spec.functions[trigger.function])
    worker = Worker(
        boto3.client("sqs"),
        trigger.queue_url,
        host,
        batch_size=trigger.batch_size,
        batching_window_seconds=trigger.batching_window_seconds,
        report_batch_item_failures=trigger.report_batch_item_failures,
        journal=args.journal,
        release_requested=release,
    )
    worker.release_held()  # what a killed previous run held
    if args.ready_file:
        args.ready_file.touch()
    LOG.info(
        "worker polling %s for %s (batches of <= %d)",
        trigger.queue_url,
        trigger.function,
        trigger.batch_size,
    )
    try:
        worker.run()
    except KeyboardInterrupt:
        LOG.info("stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
