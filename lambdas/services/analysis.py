"""Analyze a batch of uploads: read, validate, thumbnail, one Vision call per 16 images, store.

Presign created each image's ``pending`` document; analyze merges its result into it (keeping
``owner`` and ``uploaded_at``, so a redelivered or re-analysed image keeps its place in the
gallery): ``done`` with Vision's results and a thumbnail ``thumbs/<owner>/<id>.jpg``, or
``failed`` with a reason a person can read when the file itself is the problem (permanent:
never retried). An object with no document (deleted, or uploaded without presign) is skipped.
When the object arrives, its document loses the pending-only ``ttl`` and ``upload_expires_at``
(so it is no longer an abandoned upload). When a service is unavailable (S3, Vision, the
store) the SQS message is reported as a batch item failure so that SQS delivers it again;
on the last attempt before the dead-letter queue (``ApproximateReceiveCount`` reaching the
queue's ``maxReceiveCount``) the reason goes into the pending document's ``error``.

Each message's own steps (reading its S3 record, downloading, checking, turning Vision's
answer into a document) run inside one boundary per message: an error nobody foresaw there (a
malformed record, a decoder exception, a bug) is logged and sends that message alone back to
SQS, while the rest of the batch goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.adapters.storage import ObjectMissingError, ObjectTooLargeError
from lambdas.config import ImageLimits
from lambdas.observability import logger, metrics
from lambdas.ports import ImageStore
from lambdas.services.documents import (
    PENDING_ONLY_KEYS,
    ImageFacts,
    done_document,
    failed_document,
    merge_result,
    stored_fields,
)
from lambdas.services.images import ImageRejectedError, PreparedImage, prepare_image
from lambdas.services.uploads import parse_upload_key, thumb_key

__all__ = [
    "Analyzer",
    "BatchOutcome",
    "ImageReader",
    "ParsedBatch",
    "Upload",
    "VisionClient",
    "parse_uploads",
]

VISION_BATCH = 16
IO_THREADS = 8  # concurrent S3 reads / Cosmos DB writes per batch


class ImageReader(Protocol):
    """Reads uploaded objects and writes thumbnails (see ``lambdas.adapters.storage.Storage``)."""

    bucket: str

    def read(self, key: str, max_bytes: int) -> bytes:
        """The bytes; ObjectMissingError, ObjectTooLargeError, or the SDK's errors."""

    def write(self, key: str, data: bytes, content_type: str) -> None:
        """Store an object (the thumbnail)."""


class VisionClient(Protocol):
    """Annotates images: a ``lambdas.ports.Labeller`` (Vision, Rekognition) with its name."""

    name: str  # in the reasons people read: "Vision", "Rekognition"

    def annotate(self, images: Sequence[bytes]) -> Sequence[Any]:
        """One ImageResult-like object (annotation, error, transient) per image."""


@dataclass(frozen=True)
class Upload:
    """One uploaded object named by an S3 event inside an SQS message."""

    message_id: str
    owner: str
    image_id: str
    key: str
    size: int
    receive_count: int = 1  # SQS ApproximateReceiveCount of its message


@dataclass
class ParsedBatch:
    """What an SQS batch names: uploads, and the ids of messages that yielded none."""

    uploads: list[Upload] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # not S3 notifications: never retried
    retry: list[str] = field(default_factory=list)  # broke unexpectedly: delivered again


def parse_uploads(event: dict[str, Any], bucket: str) -> ParsedBatch:
    """The uploads named by an SQS batch of S3 notifications.

    S3 test events, other event types, other buckets and keys outside ``uploads/`` are skipped.
    A message whose body is not an S3 notification is logged and dropped (retrying it cannot
    help). A message that breaks unexpectedly (e.g. an ``s3`` field that is not an object, a
    ``size`` that is not a number) is logged and listed in ``retry`` with none of its uploads.
    """
    batch = ParsedBatch()
    for record in event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        try:
            uploads = _uploads_in_message(message_id, record.get("body"), bucket)
            count = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
            if uploads is not None:
                uploads = [replace(u, receive_count=count) for u in uploads]
        except Exception:
            _log_unexpected(message_id=message_id)
            batch.retry.append(message_id)
            continue
        if uploads is None:
            logger.warning("Dropping an SQS message that is not JSON", message_id=message_id)
            batch.dropped.append(message_id)
        else:
            batch.uploads.extend(uploads)
    return batch


def _uploads_in_message(message_id: str, body: Any, bucket: str) -> list[Upload] | None:
    """The uploads one SQS message names; None when its body is not a JSON object."""
    try:
        notification = json.loads(body or "")
    except ValueError:
        return None
    if not isinstance(notification, dict):
        return None
    if notification.get("Event") == "s3:TestEvent":
        return []
    records = notification.get("Records") or []
    uploads = (_upload_from_s3_record(message_id, record, bucket) for record in records)
    return [upload for upload in uploads if upload is not None]


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
    parsed = parse_upload_key(key)
    if parsed is None:
        logger.info("Skipping a key outside uploads/<owner>/", message_id=message_id)
        return None
    return Upload(
        message_id=message_id,
        owner=parsed.owner,
        image_id=parsed.image_id,
        key=key,
        size=int(obj.get("size", 0)),
    )


@dataclass
class _Pending:
    """An upload on its way through the batch: a document to store, or a reason to retry."""

    upload: Upload
    facts: ImageFacts
    stored: dict[str, Any] | None = None  # the document presign created
    data: bytes | None = None  # downloaded, not checked yet
    prepared: PreparedImage | None = None
    document: dict[str, Any] | None = None
    retry: bool = False
    retry_reason: str = ""


@dataclass
class BatchOutcome:
    """What happened to a batch: documents written, and SQS messages to deliver again."""

    done: int = 0
    failed: int = 0
    dropped: int = 0  # messages that were not S3 notifications
    skipped: int = 0  # objects without a document (deleted, or not uploaded through presign)
    retry_message_ids: set[str] = field(default_factory=set)


class Analyzer:
    """Runs one SQS batch through validation, Vision and the image store.

    Reads and writes are network-bound and independent, so they run on a few threads (the
    SDK clients are thread-safe); Vision gets one call per 16 images. Decoding is not: a
    40 MP PNG or WebP within the limits needs ~0.5 GB while it is checked and shrunk, and
    memory freed on one thread is not reused by the others (glibc keeps an arena per
    thread), so images are decoded one at a time on the calling thread (a 1.5 GB function
    has about one vCPU anyway). Log lines name the image explicitly (``image_id=``) because
    logger context keys are not thread-safe.
    """

    def __init__(
        self,
        reader: ImageReader,
        vision: VisionClient,
        store: ImageStore,
        limits: ImageLimits,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_receive_count: int = 3,
    ) -> None:
        self._reader = reader
        self._vision = vision
        self._store = store
        self._limits = limits
        self._clock = clock
        self._max_receive_count = max_receive_count

    def run_event(self, event: dict[str, Any]) -> BatchOutcome:
        """Analyze an SQS batch of S3 notifications (see :func:`parse_uploads` and :meth:`run`)."""
        batch = parse_uploads(event, self._reader.bucket)
        outcome = self.run(batch.uploads)
        outcome.dropped = len(batch.dropped)
        outcome.retry_message_ids.update(batch.retry)
        return outcome

    def run(self, uploads: Sequence[Upload]) -> BatchOutcome:
        """Analyze and store every upload; report messages that should be retried."""
        bucket = self._reader.bucket
        items = [
            _Pending(u, ImageFacts(u.image_id, u.key, bucket, u.size)) for u in _unique(uploads)
        ]
        with ThreadPoolExecutor(max_workers=IO_THREADS) as pool:
            list(pool.map(partial(self._isolated, self._claim_and_read), items))
            for item in items:  # on this thread, one at a time (see the class docstring)
                self._isolated(self._check, item)
            valid = [p for p in items if p.prepared is not None]
            for start in range(0, len(valid), VISION_BATCH):
                self._annotate(valid[start : start + VISION_BATCH])
            list(pool.map(self._save, [p for p in items if p.document is not None]))
            list(pool.map(self._note_last_attempt, [p for p in items if p.retry]))
        outcome = BatchOutcome()
        for item in items:
            if item.retry:
                outcome.retry_message_ids.add(item.upload.message_id)
            elif item.stored is None:
                outcome.skipped += 1
            elif item.document is not None and item.document["status"] == "done":
                outcome.done += 1
            elif item.document is not None:
                outcome.failed += 1
        return outcome

    def _isolated(self, step: Callable[[_Pending], None], item: _Pending) -> None:
        """Run one upload's step; an unexpected error sends only its message back to SQS.

        The steps handle what they expect (a rejected file, an unavailable service); anything
        else (a decoder exception nobody foresaw, a bug) must not fail the rest of the batch.
        The message is delivered again and, if the error persists, ends in the DLQ.
        """
        try:
            step(item)
        except Exception as exc:
            _log_unexpected(message_id=item.upload.message_id, image_id=item.upload.image_id)
            item.data = item.prepared = item.document = None
            item.retry = True
            item.retry_reason = _short(exc)

    def _claim_and_read(self, item: _Pending) -> None:
        """Find the upload's document (skip the object without one), mark it received, read."""
        upload = item.upload
        try:
            stored = self._store.get(upload.owner, upload.image_id)
            if stored is not None:
                received = stored_fields(stored)
                if any(key in stored for key in PENDING_ONLY_KEYS):
                    # The object is here: no longer an abandoned upload, never expired by the store.
                    for key in PENDING_ONLY_KEYS:
                        received.pop(key, None)
                    self._store.put(received)
                stored = received
        except Exception as exc:
            self._retry(item, "Could not read the image's document", exc)
            return
        if stored is None:
            logger.info("No document for this object; skipping it", image_id=upload.image_id)
            return
        item.stored = stored
        self._read(item)

    def _retry(self, item: _Pending, what: str, exc: BaseException) -> None:
        logger.warning(what, image_id=item.upload.image_id, reason=_short(exc))
        item.retry = True
        item.retry_reason = f"{what}: {_short(exc)}"

    def _read(self, item: _Pending) -> None:
        """Download one upload (nothing more to do when the object is gone)."""
        upload, image_id = item.upload, item.upload.image_id
        try:
            # The declared Content-Type is ignored: the bytes decide what the file is.
            data = self._reader.read(upload.key, self._limits.max_bytes)
        except ObjectMissingError:
            logger.warning("The object no longer exists; nothing to analyze", image_id=image_id)
            return
        except ObjectTooLargeError as exc:
            reason = f"The file is larger than the limit of {self._limits.max_bytes} bytes."
            item.facts = replace(item.facts, size=exc.size)
            item.document = self._failed(item.facts, reason)
            return
        except Exception as exc:
            self._retry(item, "Could not read the object", exc)
            return
        item.facts = replace(item.facts, size=len(data))
        item.data = data

    def _check(self, item: _Pending) -> None:
        """Validate downloaded bytes: prepared for Vision, or a ``failed`` document."""
        if item.data is None:
            return
        data, item.data = item.data, None
        try:
            prepared = prepare_image(
                data, max_bytes=self._limits.max_bytes, max_pixels=self._limits.max_pixels
            )
        except ImageRejectedError as exc:
            logger.info("Rejected the upload", image_id=item.upload.image_id, reason=str(exc))
            item.document = self._failed(item.facts, str(exc))
            return
        item.facts = replace(
            item.facts,
            content_type=prepared.content_type,
            width=prepared.width,
            height=prepared.height,
        )
        item.prepared = prepared

    def _annotate(self, batch: list[_Pending]) -> None:
        """One Vision call for up to 16 prepared images; sets each item's document or retry."""
        images = [p.prepared.vision_bytes for p in batch if p.prepared is not None]
        started = time.perf_counter()
        try:
            results = self._vision.annotate(images)
        except Exception as exc:
            logger.warning(
                "The labeller is unavailable; these images will be retried",
                labeller=self._vision.name,
                image_ids=[p.upload.image_id for p in batch],
                reason=_short(exc),
            )
            for item in batch:
                item.retry = True
                item.retry_reason = f"{self._vision.name} is unavailable: {_short(exc)}"
            return
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            metrics.add_metric(name="VisionLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        now = self._clock()
        for item, result in zip(batch, results, strict=True):
            self._isolated(partial(self._apply_result, result=result, now=now), item)

    def _apply_result(self, item: _Pending, *, result: Any, now: datetime) -> None:
        """Vision's answer for one image: its document, or a retry when the error is transient."""
        image_id = item.upload.image_id
        if result.annotation is not None:
            item.document = done_document(item.facts, result.annotation, now)
        elif result.transient:
            logger.warning("Labelling failed on this image", image_id=image_id, reason=result.error)
            item.retry = True
            item.retry_reason = f"{self._vision.name} failed on this image: {result.error}"
        else:
            logger.info("The labeller rejected the image", image_id=image_id, reason=result.error)
            reason = f"{self._vision.name} could not analyze this image: {result.error}"
            item.document = failed_document(item.facts, reason, now)

    def _save(self, item: _Pending) -> None:
        """Store the thumbnail, then merge the result into the stored document; retry on failure."""
        assert item.document is not None and item.stored is not None
        upload = item.upload
        document = item.document
        try:
            if item.prepared is not None and document["status"] == "done":
                key = thumb_key(upload.owner, upload.image_id)
                self._reader.write(key, item.prepared.thumbnail, "image/jpeg")
                document = {**document, "thumb_fname": key}
        except Exception as exc:
            self._retry(item, "Could not store the thumbnail", exc)
            return
        try:
            self._store.put(merge_result(item.stored, document))
        except Exception as exc:
            self._retry(item, "Could not store the document", exc)
            return
        logger.info(
            "Stored the image document", image_id=upload.image_id, status=document["status"]
        )

    def _note_last_attempt(self, item: _Pending) -> None:
        """On the last attempt before the dead-letter queue, say why in the pending document."""
        if item.stored is None or item.upload.receive_count < self._max_receive_count:
            return
        reason = item.retry_reason or "an unexpected error"
        error = (
            f"The analysis failed {item.upload.receive_count} times ({reason}); the upload is "
            "in the dead-letter queue until an operator redrives it."
        )
        try:
            self._store.put({**item.stored, "error": error})
        except Exception as exc:
            logger.warning(
                "Could not note the failure", image_id=item.upload.image_id, reason=_short(exc)
            )

    def _failed(self, facts: ImageFacts, reason: str) -> dict[str, Any]:
        return failed_document(facts, reason, self._clock())


def _unique(uploads: Sequence[Upload]) -> Iterator[Upload]:
    """Each image once, even when S3 or SQS delivered it twice in the same batch."""
    seen: set[str] = set()
    for upload in uploads:
        if upload.image_id not in seen:
            seen.add(upload.image_id)
            yield upload


def _log_unexpected(**names: str) -> None:
    """Log the exception being handled, naming the message (and image) it concerns.

    Powertools adds the exception's type (``exception_name``) and traceback; no image bytes.
    """
    logger.exception(
        "Unexpected error; this message will be delivered again",
        extra=names,
        stacklevel=3,  # the line that caught it, not this helper
    )


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
