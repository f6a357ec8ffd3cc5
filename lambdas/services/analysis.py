"""Analyze a batch of uploads: read, validate, one Vision call per 16 images, upsert documents.

Every uploaded image ends as exactly one document (id = image id, written with upsert, so a
redelivered message is harmless): ``done`` with Vision's results, or ``failed`` with a reason
a person can read when the file itself is the problem (permanent: never retried). When a
service is unavailable (S3, Vision, Cosmos DB) the SQS message is reported as a batch item
failure so that SQS delivers it again, and after a few attempts moves it to the DLQ.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.adapters.storage import ObjectMissingError, ObjectTooLargeError
from lambdas.config import ImageLimits
from lambdas.observability import logger, metrics
from lambdas.services.documents import ImageFacts, done_document, failed_document
from lambdas.services.images import ImageRejectedError, PreparedImage, prepare_image
from lambdas.services.uploads import image_id_from_key

__all__ = ["Analyzer", "ImageReader", "ImageWriter", "Upload", "VisionClient", "parse_uploads"]

VISION_BATCH = 16


class ImageReader(Protocol):
    """Reads uploaded objects (see ``lambdas.adapters.storage.Storage``)."""

    bucket: str

    def read(self, key: str, max_bytes: int) -> bytes:
        """The bytes; ObjectMissingError, ObjectTooLargeError, or the SDK's errors."""


class VisionClient(Protocol):
    """Annotates images (see ``lambdas.adapters.vision.VisionAnnotator``)."""

    def annotate(self, images: Sequence[bytes]) -> Sequence[Any]:
        """One ImageResult-like object (annotation, error, transient) per image."""


class ImageWriter(Protocol):
    """Stores documents (see ``lambdas.adapters.cosmos.ImageStore``)."""

    def upsert(self, document: dict[str, Any]) -> None:
        """Create or replace by id."""


@dataclass(frozen=True)
class Upload:
    """One uploaded object named by an S3 event inside an SQS message."""

    message_id: str
    image_id: str
    key: str
    size: int


def parse_uploads(event: dict[str, Any], bucket: str) -> tuple[list[Upload], list[str]]:
    """Uploads named by an SQS batch of S3 notifications, and the ids of unreadable messages.

    S3 test events, other event types, other buckets and keys outside ``uploads/`` are skipped.
    A message whose body is not an S3 notification is logged and dropped (retrying it cannot
    help); its id is returned so the caller can count it.
    """
    uploads: list[Upload] = []
    dropped: list[str] = []
    for record in event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        try:
            body = json.loads(record.get("body") or "")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            logger.warning("Dropping an SQS message that is not JSON", message_id=message_id)
            dropped.append(message_id)
            continue
        if body.get("Event") == "s3:TestEvent":
            continue
        for s3_record in body.get("Records") or []:
            upload = _upload_from_s3_record(message_id, s3_record, bucket)
            if upload is not None:
                uploads.append(upload)
    return uploads, dropped


def _upload_from_s3_record(message_id: str, record: Any, bucket: str) -> Upload | None:
    if not isinstance(record, dict) or not str(record.get("eventName", "")).startswith(
        "ObjectCreated:"
    ):
        return None
    s3 = record.get("s3") or {}
    if (s3.get("bucket") or {}).get("name") != bucket:
        logger.warning("Skipping an object from another bucket", message_id=message_id)
        return None
    obj = s3.get("object") or {}
    key = unquote_plus(str(obj.get("key", "")))
    image_id = image_id_from_key(key)
    if image_id is None:
        logger.info("Skipping a key outside uploads/", message_id=message_id)
        return None
    return Upload(message_id=message_id, image_id=image_id, key=key, size=int(obj.get("size", 0)))


@dataclass
class _Pending:
    """An upload on its way through the batch."""

    upload: Upload
    facts: ImageFacts
    prepared: PreparedImage | None = None
    document: dict[str, Any] | None = None


@dataclass
class BatchOutcome:
    """What happened to a batch: documents written, and SQS messages to deliver again."""

    done: int = 0
    failed: int = 0
    retry_message_ids: set[str] = field(default_factory=set)


class Analyzer:
    """Runs one SQS batch through validation, Vision and Cosmos DB."""

    def __init__(
        self,
        reader: ImageReader,
        vision: VisionClient,
        writer: ImageWriter,
        limits: ImageLimits,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._reader = reader
        self._vision = vision
        self._writer = writer
        self._limits = limits
        self._clock = clock

    def run(self, uploads: Sequence[Upload]) -> BatchOutcome:
        """Analyze and store every upload; report messages that should be retried."""
        outcome = BatchOutcome()
        pending = [self._read(u, outcome) for u in _unique(uploads)]
        ready = [p for p in pending if p is not None]
        valid = [p for p in ready if p.prepared is not None]
        for start in range(0, len(valid), VISION_BATCH):
            self._annotate(valid[start : start + VISION_BATCH], outcome)
        for item in ready:
            if item.document is not None:
                self._store(item, outcome)
        return outcome

    def _read(self, upload: Upload, outcome: BatchOutcome) -> _Pending | None:
        """Read and validate one upload: ready for Vision, already failed, or retry/skip (None)."""
        bucket = self._reader.bucket
        with logger.append_context_keys(image_id=upload.image_id):
            try:
                # The declared Content-Type is ignored: the bytes decide what the file is.
                data = self._reader.read(upload.key, self._limits.max_bytes)
            except ObjectMissingError:
                logger.warning("The uploaded object no longer exists; nothing to analyze")
                return None
            except ObjectTooLargeError as exc:
                facts = ImageFacts(upload.image_id, upload.key, bucket, exc.size)
                reason = f"The file is larger than the limit of {self._limits.max_bytes} bytes."
                return _Pending(upload, facts, document=self._failed(facts, reason))
            except Exception as exc:
                logger.warning("Could not read the object; will retry", reason=_short(exc))
                outcome.retry_message_ids.add(upload.message_id)
                return None
            facts = ImageFacts(upload.image_id, upload.key, bucket, len(data))
            try:
                prepared = prepare_image(
                    data, max_bytes=self._limits.max_bytes, max_pixels=self._limits.max_pixels
                )
            except ImageRejectedError as exc:
                logger.info("Rejected the upload", reason=str(exc))
                return _Pending(upload, facts, document=self._failed(facts, str(exc)))
            facts = replace(
                facts,
                content_type=prepared.content_type,
                width=prepared.width,
                height=prepared.height,
            )
            return _Pending(upload, facts, prepared=prepared)

    def _annotate(self, batch: list[_Pending], outcome: BatchOutcome) -> None:
        images = [p.prepared.vision_bytes for p in batch if p.prepared is not None]
        started = time.perf_counter()
        try:
            results = self._vision.annotate(images)
        except Exception as exc:
            logger.warning(
                "Vision is unavailable; the batch will be retried",
                image_ids=[p.upload.image_id for p in batch],
                reason=_short(exc),
            )
            outcome.retry_message_ids.update(p.upload.message_id for p in batch)
            return
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            metrics.add_metric(name="VisionLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        now = self._clock()
        for item, result in zip(batch, results, strict=True):
            with logger.append_context_keys(image_id=item.upload.image_id):
                if result.annotation is not None:
                    item.document = done_document(item.facts, result.annotation, now)
                elif result.transient:
                    logger.warning("Vision failed on this image; will retry", reason=result.error)
                    outcome.retry_message_ids.add(item.upload.message_id)
                else:
                    logger.info("Vision rejected the image", reason=result.error)
                    item.document = failed_document(
                        item.facts, f"Vision could not analyze this image: {result.error}", now
                    )

    def _store(self, item: _Pending, outcome: BatchOutcome) -> None:
        assert item.document is not None
        with logger.append_context_keys(image_id=item.upload.image_id):
            try:
                self._writer.upsert(item.document)
            except Exception as exc:
                logger.warning("Could not store the document; will retry", reason=_short(exc))
                outcome.retry_message_ids.add(item.upload.message_id)
                return
            status = item.document["status"]
            logger.info("Stored the image document", status=status)
            if status == "done":
                outcome.done += 1
            else:
                outcome.failed += 1

    def _failed(self, facts: ImageFacts, reason: str) -> dict[str, Any]:
        return failed_document(facts, reason, self._clock())


def _unique(uploads: Sequence[Upload]) -> Iterator[Upload]:
    """Each image once, even when S3 or SQS delivered it twice in the same batch."""
    seen: set[str] = set()
    for upload in uploads:
        if upload.image_id not in seen:
            seen.add(upload.image_id)
            yield upload


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
