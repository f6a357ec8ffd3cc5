"""The analyze flow over in-memory stand-ins: what is stored, what is retried, what is skipped.

The same flows run against the real local servers in tests/integration/test_analyze.py.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image
from skimage import data as skdata

from lambdas.adapters.storage import ObjectMissingError, ObjectTooLargeError
from lambdas.adapters.vision import ImageResult, VisionUnavailableError
from lambdas.config import ImageLimits
from lambdas.observability import logger
from lambdas.ports import GalleryQuery, Page
from lambdas.services import analysis
from lambdas.services.analysis import Analyzer, ParsedBatch, Upload, parse_uploads
from lambdas.services.documents import pending_document

from . import images
from .events import s3_notification, sqs_event

BUCKET = "uploads-bucket"
LIMITS = ImageLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
UPLOADED = datetime(2026, 11, 26, 11, 59, 59, tzinfo=UTC)


def image_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def upload(n: int, ext: str = "jpg", message: str | None = None) -> Upload:
    key = f"uploads/public/{image_id(n)}.{ext}"
    return Upload(message or f"m{n}", "public", image_id(n), key, 1)


class Reader:
    bucket = BUCKET

    def __init__(self, objects: dict[str, Any]) -> None:
        self.objects = objects
        self.written: dict[str, tuple[bytes, str]] = {}

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self.written[key] = (data, content_type)

    def read(self, key: str, max_bytes: int) -> bytes:
        value = self.objects.get(key)
        if value is None:
            raise ObjectMissingError(key)
        if isinstance(value, Exception):
            raise value
        data: bytes = value
        return data


class Vision:
    name = "Vision"

    def __init__(self, outcome: Exception | None = None) -> None:
        self.calls: list[int] = []
        self.outcome = outcome
        self.per_image: dict[bytes, ImageResult] = {}

    def annotate(self, batch: Sequence[bytes]) -> list[ImageResult]:
        self.calls.append(len(batch))
        if self.outcome is not None:
            raise self.outcome
        labels = {"label_annotations": [{"description": "Cat", "score": 0.9}]}
        return [self.per_image.get(data, ImageResult(annotation=labels)) for data in batch]


def pending(n: int, **extra: Any) -> dict[str, Any]:
    """The document presign stores for image ``n`` (as the store returns it)."""
    document = pending_document(
        owner="public",
        image_id=image_id(n),
        key=f"uploads/public/{image_id(n)}.jpg",
        bucket=BUCKET,
        content_type="image/jpeg",
        size=1,
        now=UPLOADED,
        upload_url_ttl_seconds=300,
    )
    return {**document, "_ts": 1, "_etag": "x", **extra}


class Writer:
    """An in-memory image store: a pending document for every image unless told otherwise."""

    def __init__(self, fail_ids: set[str] | None = None, missing: set[str] | None = None) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}  # analysis results (done or failed)
        self.fail_ids = fail_ids or set()
        self.missing = missing or set()

    def get(self, owner: str, image_id: str) -> dict[str, Any] | None:
        if image_id in self.missing:
            return None
        n = int(image_id.rsplit("-", 1)[1])
        return dict(self.stored.get(image_id) or pending(n))

    def put(self, document: dict[str, Any]) -> None:
        if document["id"] in self.fail_ids:
            raise ConnectionError("cosmos is down")
        self.stored[document["id"]] = document
        if document["status"] != "pending":
            self.documents[document["id"]] = document

    def create_pending(self, document: dict[str, Any]) -> None:
        raise NotImplementedError

    def delete(self, owner: str, image_id: str) -> None:
        raise NotImplementedError

    def list_page(self, query: GalleryQuery) -> Page:
        raise NotImplementedError


def run(uploads: list[Upload], objects: dict[str, Any], vision: Vision, writer: Writer) -> set[str]:
    analyzer = Analyzer(Reader(objects), vision, writer, LIMITS, clock=lambda: NOW)
    return analyzer.run(uploads).retry_message_ids


def run_event(
    event: dict[str, Any], objects: dict[str, Any], vision: Vision, writer: Writer
) -> set[str]:
    """What the handler does: the whole SQS event; the messages to deliver again."""
    analyzer = Analyzer(Reader(objects), vision, writer, LIMITS, clock=lambda: NOW)
    return analyzer.run_event(event).retry_message_ids


def breaking_on(target: bytes, original: Any) -> Any:
    """``original``, except that it raises RuntimeError (a bug) when given ``target``."""

    def patched(data: bytes, *args: Any, **kwargs: Any) -> Any:
        if data == target:
            raise RuntimeError("an unexpected bug")
        return original(data, *args, **kwargs)

    return patched


def test_good_images_are_done_in_one_vision_call() -> None:
    uploads = [upload(n) for n in range(3)]
    objects = {u.key: images.chelsea_jpeg() for u in uploads}
    vision, writer = Vision(), Writer()
    assert run(uploads, objects, vision, writer) == set()
    assert vision.calls == [3]
    assert {d["status"] for d in writer.documents.values()} == {"done"}
    assert writer.documents[image_id(0)]["label_names"] == ["cat"]
    assert writer.documents[image_id(0)]["width"] == 451


def test_batches_larger_than_16_make_one_call_per_16() -> None:
    uploads = [upload(n) for n in range(20)]
    vision = Vision()
    run(uploads, {u.key: images.chelsea_jpeg() for u in uploads}, vision, Writer())
    assert vision.calls == [16, 4]


def test_images_are_decoded_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 40 MP PNG or WebP takes ~0.5 GB to prepare: several at once, or on several threads
    (each keeping its own malloc arena), would exhaust the function's memory."""
    active, most = 0, 0
    threads: set[threading.Thread] = set()
    lock = threading.Lock()
    prepare = analysis.prepare_image

    def counting_prepare(data: bytes, **limits: int) -> Any:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
            threads.add(threading.current_thread())
        time.sleep(0.05)  # gives the other reader threads every chance to overlap
        try:
            return prepare(data, **limits)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(analysis, "prepare_image", counting_prepare)
    uploads = [upload(n) for n in range(4)]
    writer = Writer()
    assert run(uploads, {u.key: images.chelsea_jpeg() for u in uploads}, Vision(), writer) == set()
    assert len(writer.documents) == 4
    assert most == 1
    assert threads == {threading.current_thread()}


def test_poison_files_fail_alone_and_are_not_retried() -> None:
    uploads = [upload(1), upload(2), upload(3), upload(4)]
    objects = {
        uploads[0].key: images.chelsea_jpeg(),
        uploads[1].key: images.text_file(),
        uploads[2].key: images.png_declaring(50_000, 50_000),
        uploads[3].key: ObjectTooLargeError(11 * 1024 * 1024),
    }
    vision, writer = Vision(), Writer()
    assert run(uploads, objects, vision, writer) == set()
    assert vision.calls == [1]
    statuses = {k: d["status"] for k, d in writer.documents.items()}
    assert statuses == {
        image_id(1): "done",
        image_id(2): "failed",
        image_id(3): "failed",
        image_id(4): "failed",
    }
    assert "larger than the limit" in writer.documents[image_id(4)]["error"]
    assert writer.documents[image_id(4)]["size"] == 11 * 1024 * 1024


def test_vision_outage_retries_exactly_the_messages_sent_to_vision() -> None:
    uploads = [upload(1), upload(2), upload(3)]
    objects = {
        uploads[0].key: images.chelsea_jpeg(),
        uploads[1].key: images.gif(),
        uploads[2].key: images.coffee_png(),
    }
    writer = Writer()
    retry = run(uploads, objects, Vision(VisionUnavailableError("503")), writer)
    assert retry == {"m1", "m3"}
    assert list(writer.documents) == [image_id(2)]  # the GIF's failure is final


def test_per_image_errors_fail_or_retry_only_that_image() -> None:
    uploads = [upload(1), upload(2), upload(3)]
    # Small images reach Vision byte for byte, so the stand-in recognises them.
    coffee = skdata.coffee()  # type: ignore[no-untyped-call]
    permanent = images.encode(coffee[:64, :64], "PNG")
    transient = images.encode(coffee[64:128, :64], "WEBP")
    objects = {uploads[0].key: images.chelsea_jpeg(), uploads[1].key: permanent}
    objects[uploads[2].key] = transient
    vision, writer = Vision(), Writer()
    vision.per_image[permanent] = ImageResult(error="Bad image data.", transient=False)
    vision.per_image[transient] = ImageResult(error="Internal error.", transient=True)
    assert run(uploads, objects, vision, writer) == {"m3"}
    assert writer.documents[image_id(1)]["status"] == "done"
    failed = writer.documents[image_id(2)]
    assert failed["status"] == "failed"
    assert failed["error"] == "Vision could not analyze this image: Bad image data."
    assert image_id(3) not in writer.documents


def test_store_outage_retries_those_messages() -> None:
    uploads = [upload(1), upload(2)]
    objects = {u.key: images.chelsea_jpeg() for u in uploads}
    writer = Writer(fail_ids={image_id(2)})
    assert run(uploads, objects, Vision(), writer) == {"m2"}
    assert list(writer.documents) == [image_id(1)]


def test_unreadable_object_is_retried_and_missing_object_skipped() -> None:
    uploads = [upload(1), upload(2)]
    objects: dict[str, Any] = {uploads[0].key: ConnectionError("s3 timeout")}
    writer = Writer()
    assert run(uploads, objects, Vision(), writer) == {"m1"}
    assert writer.documents == {}


def test_duplicates_in_one_batch_are_analyzed_once() -> None:
    uploads = [upload(1, message="a"), upload(1, message="b")]
    vision, writer = Vision(), Writer()
    assert run(uploads, {uploads[0].key: images.chelsea_jpeg()}, vision, writer) == set()
    assert vision.calls == [1]
    assert len(writer.documents) == 1


def test_only_invalid_files_never_call_vision() -> None:
    vision, writer = Vision(), Writer()
    assert run([upload(1)], {upload(1).key: b""}, vision, writer) == set()
    assert vision.calls == []
    assert writer.documents[image_id(1)]["error"] == "The file is empty."


def test_an_unexpected_error_for_one_image_retries_only_that_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A decoder exception nobody foresaw (or any bug) while checking one image."""
    uploads = [upload(1), upload(2), upload(3)]
    breaking = images.coffee_png()
    objects = {uploads[0].key: images.chelsea_jpeg(), uploads[1].key: breaking}
    objects[uploads[2].key] = images.astronaut_webp()
    monkeypatch.setattr(analysis, "prepare_image", breaking_on(breaking, analysis.prepare_image))
    vision, writer = Vision(), Writer()
    with caplog.at_level(logging.ERROR, logger="tricloud"):
        assert run(uploads, objects, vision, writer) == {"m2"}
    assert vision.calls == [2]
    assert {k: d["status"] for k, d in writer.documents.items()} == {
        image_id(1): "done",
        image_id(3): "done",
    }
    (record,) = caplog.records
    line = json.loads(logger.registered_formatter.format(record))  # as CloudWatch gets it
    assert (line["message_id"], line["image_id"]) == ("m2", image_id(2))
    assert line["exception_name"] == "RuntimeError"


def test_an_unexpected_error_turning_one_vision_result_into_a_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uploads = [upload(1), upload(2)]
    objects = {uploads[0].key: images.chelsea_jpeg(), uploads[1].key: images.coffee_png()}
    done_document = analysis.done_document

    def breaking_done_document(facts: Any, *args: Any) -> Any:
        if facts.image_id == image_id(1):
            raise KeyError("bounding_poly")
        return done_document(facts, *args)

    monkeypatch.setattr(analysis, "done_document", breaking_done_document)
    writer = Writer()
    assert run(uploads, objects, Vision(), writer) == {"m1"}
    assert list(writer.documents) == [image_id(2)]


MALFORMED_S3_RECORDS = {
    "s3-not-an-object": {"eventName": "ObjectCreated:Put", "s3": "uploads/x.jpg"},
    "object-not-an-object": {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": BUCKET}, "object": ["uploads/x.jpg"]},
    },
    "size-not-a-number": {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": BUCKET},
            "object": {"key": f"uploads/public/{image_id(9)}.jpg", "size": "big"},
        },
    },
    "size-null": {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": BUCKET},
            "object": {"key": f"uploads/public/{image_id(9)}.jpg", "size": None},
        },
    },
}


@pytest.mark.parametrize("s3_record", MALFORMED_S3_RECORDS.values(), ids=MALFORMED_S3_RECORDS)
def test_a_malformed_s3_record_retries_only_its_message(s3_record: dict[str, Any]) -> None:
    keys = [f"uploads/public/{image_id(n)}.jpg" for n in (1, 2)]
    bodies = [s3_notification(BUCKET, keys[0], 1), json.dumps({"Records": [s3_record]})]
    bodies.append(s3_notification(BUCKET, keys[1], 1))
    event = sqs_event(bodies, message_ids=["good-1", "bad", "good-2"])
    vision, writer = Vision(), Writer()
    objects = {key: images.chelsea_jpeg() for key in keys}
    assert run_event(event, objects, vision, writer) == {"bad"}
    assert vision.calls == [2]
    assert {d["status"] for d in writer.documents.values()} == {"done"}
    assert len(writer.documents) == 2


class TestParseUploads:
    def test_reads_s3_notifications(self) -> None:
        key = f"uploads/public/{image_id(1)}.png"
        event = sqs_event([s3_notification(BUCKET, key, 42)], message_ids=["m1"])
        expected = Upload("m1", "public", image_id(1), key, 42)
        assert parse_uploads(event, BUCKET) == ParsedBatch([expected])

    @pytest.mark.parametrize(
        "body",
        [
            json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}),
            s3_notification(BUCKET, "other/file.jpg", 1),
            s3_notification(BUCKET, "uploads/public/not-a-uuid.jpg", 1),
            s3_notification("someone-elses-bucket", f"uploads/public/{image_id(1)}.jpg", 1),
            s3_notification(BUCKET, f"uploads/public/{image_id(1)}.jpg", 1, "ObjectRemoved:Delete"),
            json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}),
        ],
        ids=["test-event", "prefix", "not-uuid", "bucket", "removed", "no-s3"],
    )
    def test_skips_what_is_not_an_upload(self, body: str) -> None:
        assert parse_uploads(sqs_event([body]), BUCKET) == ParsedBatch()

    def test_drops_messages_that_are_not_json(self) -> None:
        event = sqs_event(["not json", "[1, 2]"], message_ids=["x", "y"])
        assert parse_uploads(event, BUCKET) == ParsedBatch(dropped=["x", "y"])

    def test_a_message_that_breaks_parsing_is_retried_with_none_of_its_uploads(self) -> None:
        good = s3_notification(BUCKET, f"uploads/public/{image_id(1)}.jpg", 1)
        broken = {"eventName": "ObjectCreated:Put", "s3": 42}
        half_good = json.dumps({"Records": [*json.loads(good)["Records"], broken]})
        event = sqs_event([good, half_good], message_ids=["m1", "m2"])
        batch = parse_uploads(event, BUCKET)
        assert [u.message_id for u in batch.uploads] == ["m1"]
        assert batch.retry == ["m2"]


class TestLifeCycle:
    def test_the_result_is_merged_into_the_pending_document(self) -> None:
        reader = Reader({upload(1).key: images.chelsea_jpeg()})
        writer = Writer()
        Analyzer(reader, Vision(), writer, LIMITS, clock=lambda: NOW).run([upload(1)])
        document = writer.documents[image_id(1)]
        assert document["status"] == "done"
        assert (document["owner"], document["uploaded_at"]) == ("public", pending(1)["uploaded_at"])
        for gone in ("ttl", "upload_expires_at", "_ts", "_etag"):
            assert gone not in document
        assert document["label_prefixes"] == ["c", "ca", "cat"]

    def test_a_thumbnail_is_written_beside_the_photo(self) -> None:
        reader = Reader({upload(1).key: images.chelsea_jpeg()})
        writer = Writer()
        Analyzer(reader, Vision(), writer, LIMITS, clock=lambda: NOW).run([upload(1)])
        key = f"thumbs/public/{image_id(1)}.jpg"
        assert writer.documents[image_id(1)]["thumb_fname"] == key
        data, content_type = reader.written[key]
        assert content_type == "image/jpeg"
        assert data.startswith(b"\xff\xd8\xff")
        with Image.open(io.BytesIO(data)) as thumbnail:
            assert max(thumbnail.size) == 320  # chelsea is 451 x 300

    def test_an_object_without_a_document_is_skipped(self) -> None:
        reader = Reader({upload(1).key: images.chelsea_jpeg()})
        writer, vision = Writer(missing={image_id(1)}), Vision()
        outcome = Analyzer(reader, vision, writer, LIMITS, clock=lambda: NOW).run([upload(1)])
        assert (outcome.skipped, outcome.retry_message_ids) == (1, set())
        assert writer.stored == {} and vision.calls == [] and reader.written == {}

    def test_arrival_makes_the_document_permanent_before_the_analysis(self) -> None:
        writer = Writer()
        retry = run([upload(1)], {upload(1).key: images.chelsea_jpeg()}, Vision(OSError()), writer)
        assert retry == {"m1"}
        stored = writer.stored[image_id(1)]
        assert stored["status"] == "pending"
        assert "ttl" not in stored and "upload_expires_at" not in stored
        assert stored["error"] is None  # an early attempt: no reason shown yet

    def test_the_last_attempt_says_the_upload_went_to_the_dead_letter_queue(self) -> None:
        writer = Writer()
        last = dataclasses.replace(upload(1), receive_count=3)
        objects = {last.key: images.chelsea_jpeg()}
        analyzer = Analyzer(Reader(objects), Vision(VisionUnavailableError("503")), writer, LIMITS)
        assert analyzer.run([last]).retry_message_ids == {"m1"}
        stored = writer.stored[image_id(1)]
        assert stored["status"] == "pending"
        assert "failed 3 times (Vision is unavailable" in stored["error"]
        assert "dead-letter queue" in stored["error"]

    def test_re_analysis_keeps_the_upload_time(self) -> None:
        writer = Writer()
        objects = {upload(1).key: images.chelsea_jpeg()}
        for _ in range(2):
            run([upload(1)], objects, Vision(), writer)
        assert writer.documents[image_id(1)]["uploaded_at"] == pending(1)["uploaded_at"]

    def test_the_receive_count_comes_from_the_sqs_record(self) -> None:
        event = sqs_event([s3_notification(BUCKET, upload(1).key, 1)], message_ids=["m1"])
        event["Records"][0]["attributes"] = {"ApproximateReceiveCount": "3"}
        assert parse_uploads(event, BUCKET).uploads[0].receive_count == 3
