"""The local stand-in for Lambda's SQS event source mapping of the analyze function.

It long-polls the queue, gathers a batch (up to ``batch_size`` messages within the
batching window), invokes the handler with the event Lambda sends, and settles the batch
the way ``ReportBatchItemFailures`` does: messages the handler did not report as failed
are deleted; failed ones stay and come back after the visibility timeout, until the
queue's redrive policy moves them to the dead-letter queue. A handler exception or an
invalid answer fails the whole batch.

``python -m offline.worker --queue-url URL`` with the handler environment already set.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from offline.lambda_runtime import FunctionHost
from offline.service import configure_logging, stop_on_sigterm
from stacks.config import TricloudConfig

#: The production event source mapping's settings (stacks/config.py defaults).
_PRODUCTION = TricloudConfig()

LOG = logging.getLogger("offline.worker")
ANALYZE_ENTRY_POINT = "lambdas.handlers.analyze:handler"
#: SQS returns at most this many messages per receive call.
SQS_MAX_MESSAGES = 10


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


def settle(messages: Sequence[dict[str, Any]], result: Any) -> Settlement:
    """Split a batch by the handler's answer, with ReportBatchItemFailures semantics.

    ``None``, ``{}`` or an empty ``batchItemFailures`` list: all succeeded. A list of
    ``{"itemIdentifier": messageId}``: those failed. Anything malformed, or an identifier
    that is not in the batch: the whole batch failed.
    """
    everything_failed = Settlement(delete=[], retry=list(messages))
    if result is None:
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
    """Polls one queue and feeds batches to one function."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        host: FunctionHost,
        *,
        batch_size: int = _PRODUCTION.analyze_batch_size,
        batching_window_seconds: float = _PRODUCTION.analyze_batching_window_seconds,
        wait_seconds: int = 2,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._host = host
        self._batch_size = batch_size
        self._window = batching_window_seconds
        self._wait = wait_seconds
        self._region: str = sqs.meta.region_name
        self._queue_arn: str = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.stop_event = threading.Event()

    def run(self) -> None:
        """Poll and invoke until :attr:`stop_event` is set."""
        while not self.stop_event.is_set():
            self.run_once()

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
        settlement = settle(batch, result)
        for start in range(0, len(settlement.delete), SQS_MAX_MESSAGES):
            chunk = settlement.delete[start : start + SQS_MAX_MESSAGES]
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
        LOG.info(
            "batch of %d: %d done, %d left for retry",
            len(batch),
            len(settlement.delete),
            len(settlement.retry),
        )
        return settlement

    def _gather(self) -> list[dict[str, Any]]:
        batch = self._receive(self._wait)
        deadline = time.monotonic() + self._window
        while batch and len(batch) < self._batch_size and time.monotonic() < deadline:
            more = self._receive(0)
            if not more:
                self.stop_event.wait(0.1)
            batch += more
        return batch

    def _receive(self, wait_seconds: int) -> list[dict[str, Any]]:
        room = min(SQS_MAX_MESSAGES, self._batch_size)
        answer = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=room,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages


_FAILED = object()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the worker until SIGTERM/SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m offline.worker", description=__doc__)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--batch-size", type=int, default=_PRODUCTION.analyze_batch_size)
    parser.add_argument("--ready-file", type=Path, help="touched once the handler is loaded")
    args = parser.parse_args(argv)
    configure_logging(LOG)
    stop_on_sigterm()
    host = FunctionHost.from_entry_point("analyze", ANALYZE_ENTRY_POINT, timeout_seconds=120)
    worker = Worker(boto3.client("sqs"), args.queue_url, host, batch_size=args.batch_size)
    if args.ready_file:
        args.ready_file.touch()
    LOG.info("worker polling %s", args.queue_url)
    try:
        worker.run()
    except KeyboardInterrupt:
        LOG.info("stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
