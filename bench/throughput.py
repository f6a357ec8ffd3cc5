"""Analyze throughput on the offline stack: S3 put → SQS → analyze handler → Cosmos document.

The analyze handler runs in this process behind the offline stack's own SQS event source
(``offline.worker.Worker``), so its calls can be timed: Vision (``VisionAnnotator.annotate``),
Cosmos DB (``CosmosImageStore.get``/``put``) and S3 (``Storage.read``/``write``, the thumbnail).
Reads and writes run on a few threads, so each service's share is the union of its calls'
intervals; "our code" is the handler's time outside every such call (event parsing,
validation and the thumbnail with Pillow, document building, logging). Validation also runs
on those threads, overlapping the S3 reads, so its CPU time (``prepare_image``) is reported
separately. Handler logs and metrics go to a log file.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from time import perf_counter, thread_time
from typing import Any
from unittest import mock

from azure.cosmos.exceptions import CosmosResourceNotFoundError

from bench.offline import OfflineStack
from bench.report import Row, Section
from bench.stats import median, union_seconds
from lambdas.services.documents import pending_document
from offline.lambda_runtime import FunctionHost, load_handler
from offline.provision import moto_client
from offline.worker import Worker

__all__ = ["RoundResult", "Spans", "measure", "rows", "section"]

EXTERNAL = ("vision", "cosmos", "s3")
OWNER = "public"
_CPU_BOUND = (
    "; the local Vision stand-in classifies every image on this machine's 2 cores, so a "
    "bigger batch cannot be faster here (in AWS it saves 15 of 16 Vision round trips)"
)
ROUND_TIMEOUT_SECONDS = 120.0


class Spans:
    """Thread-safe record of wrapped calls: ``(category, start, end)`` and CPU seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[tuple[str, float, float]] = []
        self.cpu: dict[str, float] = {}

    def wrap(self, category: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function``, recording each call's interval and its thread's CPU time."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu_started = perf_counter(), thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                cpu = thread_time() - cpu_started
                with self._lock:
                    self.items.append((category, started, perf_counter()))
                    self.cpu[category] = self.cpu.get(category, 0.0) + cpu

        return timed

    def seconds(self, *categories: str) -> float:
        """Time covered by calls of any of ``categories`` (overlaps counted once)."""
        return union_seconds((s, e) for c, s, e in self.items if c in categories)

    def clear(self) -> None:
        """Forget every recorded call."""
        with self._lock:
            self.items.clear()
            self.cpu.clear()


@dataclass(frozen=True)
class RoundResult:
    """One batch end to end: seconds, and the handler's time split by where it went."""

    batch: int
    stored: int
    end_to_end_s: float
    handler_s: float
    vision_s: float
    cosmos_s: float
    s3_s: float
    own_s: float
    validate_cpu_s: float


@contextlib.contextmanager
def _instrumented(spans: Spans) -> Iterator[None]:
    """Time the adapters' outgoing calls for as long as the block runs."""
    # Imported here, once the handler's environment is set (lambdas reads it at import).
    from lambdas.adapters.cosmos import CosmosImageStore  # noqa: PLC0415
    from lambdas.adapters.storage import Storage  # noqa: PLC0415
    from lambdas.adapters.vision import VisionAnnotator  # noqa: PLC0415
    from lambdas.services import analysis  # noqa: PLC0415

    targets = (
        (VisionAnnotator, "annotate", "vision"),
        (CosmosImageStore, "get", "cosmos"),
        (CosmosImageStore, "put", "cosmos"),
        (Storage, "read", "s3"),
        (Storage, "write", "s3"),
        (analysis, "prepare_image", "validate"),
    )
    with contextlib.ExitStack() as stack:
        for owner, name, category in targets:
            original = getattr(owner, name)
            stack.enter_context(mock.patch.object(owner, name, spans.wrap(category, original)))
        yield


def _run_round(
    stack: OfflineStack, worker: Any, s3: Any, spans: Spans, images: Sequence[bytes], batch: int
) -> RoundResult:
    """Put ``batch`` images and let the worker run until all are settled."""
    spans.clear()
    ids = [str(uuid.uuid4()) for _ in range(batch)]
    container = stack.container()
    for image_id in ids:  # what presign stores before handing out the upload URL
        container.create_item(_pending(stack.resources.bucket, image_id))
    started = perf_counter()
    for index, image_id in enumerate(ids):
        s3.put_object(
            Bucket=stack.resources.bucket,
            Key=_key(image_id),
            Body=images[index % len(images)],
            ContentType="image/jpeg",
        )
    settled = 0
    while settled < batch and perf_counter() - started < ROUND_TIMEOUT_SECONDS:
        settlement = worker.run_once()
        if settlement is not None:
            settled += len(settlement.delete) + len(settlement.retry)
    end_to_end = perf_counter() - started
    stored = sum(1 for image_id in ids if _status(container, image_id) == "done")
    handler = spans.seconds("handler")
    return RoundResult(
        batch=batch,
        stored=stored,
        end_to_end_s=end_to_end,
        handler_s=handler,
        vision_s=spans.seconds("vision"),
        cosmos_s=spans.seconds("cosmos"),
        s3_s=spans.seconds("s3"),
        own_s=handler - spans.seconds(*EXTERNAL),
        validate_cpu_s=spans.cpu.get("validate", 0.0),
    )


def measure(
    stack: OfflineStack, images: Sequence[bytes], rounds: dict[int, int], memory_mb: int
) -> dict[str, Any]:
    """Round results per batch size (after one untimed warm-up) and a stored document's size."""
    log_path = stack.log_dir / "bench-analyze.log"
    env = {**stack.env, "POWERTOOLS_LOG_LEVEL": "INFO"}
    with (
        mock.patch.dict(os.environ, env),
        log_path.open("a") as log,
        contextlib.redirect_stdout(log),
    ):
        spans = Spans()
        handler = spans.wrap("handler", load_handler("lambdas.handlers.analyze:handler"))
        host = FunctionHost("analyze", handler, timeout_seconds=120, memory_mb=memory_mb)
        sqs = moto_client("sqs", stack.moto.endpoint)
        s3 = moto_client("s3", stack.moto.endpoint)
        sqs.purge_queue(QueueUrl=stack.resources.queue_url)  # S3's test event
        results: dict[str, Any] = {}
        with _instrumented(spans):
            for batch, count in rounds.items():
                worker = Worker(
                    sqs, stack.resources.queue_url, host, batch_size=batch, wait_seconds=1
                )
                if not results:  # the first invocation builds the clients: not timed
                    _run_round(stack, worker, s3, spans, images, 1)
                results[str(batch)] = [
                    asdict(_run_round(stack, worker, s3, spans, images, batch))
                    for _ in range(count)
                ]
    results["document_bytes"] = _document_bytes(stack)
    return results


def _key(image_id: str) -> str:
    return f"uploads/{OWNER}/{image_id}.jpg"


def _pending(bucket: str, image_id: str) -> dict[str, Any]:
    return pending_document(
        owner=OWNER,
        image_id=image_id,
        key=_key(image_id),
        bucket=bucket,
        content_type="image/jpeg",
        size=1,
        now=datetime.now(UTC),
        upload_url_ttl_seconds=300,
    )


def _status(container: Any, image_id: str) -> str | None:
    """The stored document's status, or None when there is none yet."""
    try:
        document = container.read_item(image_id, partition_key=OWNER)
    except CosmosResourceNotFoundError:  # patches/ makes cosmosdb-server answer 404 like Cosmos
        return None
    return str(document.get("status"))


def _document_bytes(stack: OfflineStack) -> int:
    """Size of one stored document as JSON (Cosmos DB bills RUs by item size)."""
    container = stack.container()
    query = "SELECT TOP 1 * FROM c WHERE c.status = 'done'"
    items = list(container.query_items(query, enable_cross_partition_query=True))
    if not items:
        return 0
    document = {k: v for k, v in items[0].items() if not k.startswith("_") or k == "_ts"}
    return len(json.dumps(document).encode())


def section(
    stack: OfflineStack, images: Sequence[bytes], rounds: dict[int, int], memory_mb: int
) -> Section:
    """Rows: images/s for each batch size (the first is the baseline) and where time went."""
    results = measure(stack, images, rounds, memory_mb)
    return Section(rows(results, rounds), results)


def rows(results: dict[str, Any], rounds: dict[int, int]) -> list[Row]:
    """Table rows from :func:`measure`'s results (pure: used by the tests too)."""
    name = "Analyze throughput (offline stack)"
    table: list[Row] = []
    base_rate: float | None = None
    for batch, count in rounds.items():
        runs = results[str(batch)]
        rate = median([r["batch"] / r["end_to_end_s"] for r in runs])
        handler = median([r["handler_s"] for r in runs])
        share = {
            key: median([r[f"{key}_s"] / r["handler_s"] for r in runs])
            for key in ("vision", "cosmos", "s3", "own")
        }
        own_ms = median([r["own_s"] / r["batch"] for r in runs]) * 1000
        vision_ms = median([r["vision_s"] / r["batch"] for r in runs]) * 1000
        validate_ms = median([r["validate_cpu_s"] / r["batch"] for r in runs]) * 1000
        stored = sum(r["stored"] for r in runs)
        table.append(
            Row(
                name,
                f"batch of {batch}: S3 put → document in Cosmos",
                rate,
                "img/s",
                None if base_rate is None else rate / base_rate,
                f"median of {count} rounds; {stored}/{batch * count} documents done; "
                f"handler {handler * 1000:,.0f} ms per batch{_CPU_BOUND if batch > 1 else ''}",
                baseline=base_rate is None,
            )
        )
        base_rate = base_rate or rate
        table.append(
            Row(
                name,
                f"batch of {batch}: our code per image (outside any service call)",
                own_ms,
                "ms",
                own_ms / vision_ms if vision_ms else None,
                f"ratio is to the Vision call per image ({vision_ms:,.0f} ms); handler time: "
                f"Vision {share['vision']:.0%}, Cosmos {share['cosmos']:.0%}, "
                f"S3 {share['s3']:.0%}, ours {share['own']:.0%}; "
                f"Pillow validation {validate_ms:,.0f} ms CPU/image on the I/O threads",
            )
        )
    return table
