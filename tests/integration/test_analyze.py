"""The analyze function on real servers: redelivery, poison files, labeller and store outages,
for each provider (see tests/integration/conftest.py for which combinations run)."""

from __future__ import annotations

import base64
import copy
import json
import logging
from typing import Any

import pytest
import requests
from skimage import data as skdata
from unit import images

from lambdas.observability import logger
from lambdas.services import analysis
from offline.servers import CosmosServer, VisionServer

from .conftest import Stack, each_provider, label_calls, only

pytestmark = pytest.mark.integration


def upload_all(stack: Stack, files: list[tuple[bytes, str]]) -> tuple[list[str], dict[str, Any]]:
    """Upload through the API and return the image ids and the SQS event S3 produced."""
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
    ids = [stack.upload(data, content_type) for data, content_type in files]
    keys = [f"uploads/public/{i}.{ext[ct]}" for i, (_, ct) in zip(ids, files, strict=True)]
    return ids, stack.receive_events(keys)


def message_ids(event: dict[str, Any]) -> list[str]:
    return [record["messageId"] for record in event["Records"]]


def document(stack: Stack, image_id: str) -> dict[str, Any]:
    status, body = stack.api("GET", f"/api/images/{image_id}")
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def assert_not_stored(stack: Stack, image_id: str) -> None:
    """No result yet: the image is still ``pending`` (as presign created it)."""
    assert document(stack, image_id)["status"] == "pending"


def test_redelivery_is_idempotent(stack: Stack) -> None:
    (image_id,), event = upload_all(stack, [(images.chelsea_jpeg(), "image/jpeg")])
    assert stack.analyze(event) == []
    first = document(stack, image_id)
    assert stack.analyze(event) == []  # the same message delivered again
    second = document(stack, image_id)
    assert second["labels"] == first["labels"]
    assert stack.copies(image_id) == 1


@only(("google-vision", "cosmos"))
def test_one_vision_call_per_batch(stack: Stack, vision_server: VisionServer) -> None:
    photos = [images.chelsea_jpeg(), images.coffee_png(), images.astronaut_webp()]
    ids, event = upload_all(
        stack, list(zip(photos, ["image/jpeg", "image/png", "image/webp"], strict=True))
    )
    assert stack.analyze(event) == []
    calls = vision_server.control.requests()
    assert [call["image_count"] for call in calls] == [3]
    assert calls[0]["features"][0] == [
        "LABEL_DETECTION",
        "OBJECT_LOCALIZATION",
        "SAFE_SEARCH_DETECTION",
        "IMAGE_PROPERTIES",
    ]
    assert {document(stack, i)["status"] for i in ids} == {"done"}


BAD_UPLOADS = [
    ("empty", b"", "image/jpeg", "The file is empty."),
    ("text-named-jpg", images.text_file(), "image/jpeg", "not an image this service can read"),
    ("truncated-jpeg", images.truncated_jpeg(), "image/jpeg", "truncated or corrupt"),
    ("png-bomb", images.png_declaring(50_000, 50_000), "image/png", "too many pixels"),
    ("svg", images.svg(), "image/png", "SVG"),
    ("gif", images.gif(), "image/webp", "GIF"),
]


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [case[1:] for case in BAD_UPLOADS],
    ids=[case[0] for case in BAD_UPLOADS],
)
@each_provider
def test_bad_uploads_become_failed_documents(
    stack: Stack, data: bytes, content_type: str, reason: str
) -> None:
    (image_id,), event = upload_all(stack, [(data, content_type)])
    assert stack.analyze(event) == []  # permanent: never retried
    failed = document(stack, image_id)
    assert failed["status"] == "failed"
    assert reason in failed["error"]
    assert failed["error"].endswith(".")
    assert failed["labels"] == failed["label_names"] == []
    assert failed["size"] == len(data)
    # A file that is not a verified image is only ever served as a download.
    served = requests.get(failed["image_url"], timeout=10)
    assert served.content == data
    assert served.headers["Content-Type"] == "application/octet-stream"
    assert served.headers["Content-Disposition"] == "attachment"


def test_poison_image_in_a_good_batch(stack: Stack, vision_server: VisionServer) -> None:
    ids, event = upload_all(
        stack,
        [
            (images.chelsea_jpeg(), "image/jpeg"),
            (images.png_declaring(50_000, 50_000), "image/png"),
            (images.coffee_png(), "image/png"),
        ],
    )
    assert stack.analyze(event) == []
    assert [document(stack, i)["status"] for i in ids] == ["done", "failed", "done"]
    # Only the two real photos went to Vision, in one call.
    assert sum(label_calls(vision_server)) == 2


@each_provider
def test_an_unexpected_error_for_one_record_retries_only_that_record(
    stack: Stack, vision_server: VisionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed S3 record, and a bug while checking one image: the rest of the batch is done."""
    breaking = images.astronaut_webp()
    ids, event = upload_all(
        stack,
        [
            (images.chelsea_jpeg(), "image/jpeg"),
            (images.coffee_png(), "image/png"),
            (breaking, "image/webp"),
        ],
    )
    records = message_ids(event)
    tampered = copy.deepcopy(event)
    body = json.loads(tampered["Records"][1]["body"])
    body["Records"][0]["s3"] = "not an object"
    tampered["Records"][1]["body"] = json.dumps(body)
    prepare = analysis.prepare_image

    def prepare_with_a_bug(data: bytes, **limits: int) -> Any:
        if data == breaking:
            raise RuntimeError("an unexpected bug")
        return prepare(data, **limits)

    monkeypatch.setattr(analysis, "prepare_image", prepare_with_a_bug)
    assert sorted(stack.analyze(tampered)) == sorted(records[1:])
    assert document(stack, ids[0])["status"] == "done"
    assert_not_stored(stack, ids[1])
    assert_not_stored(stack, ids[2])
    assert label_calls(vision_server) == [1]
    # Delivered again (intact, bug fixed): nothing was lost.
    monkeypatch.setattr(analysis, "prepare_image", prepare)
    assert stack.analyze(event) == []
    assert [document(stack, i)["status"] for i in ids] == ["done", "done", "done"]


@each_provider
@pytest.mark.parametrize("status", [503, 429])
def test_labeller_transient_error_then_success_is_retried(
    stack: Stack, vision_server: VisionServer, status: int
) -> None:
    (image_id,), event = upload_all(stack, [(images.chelsea_jpeg(), "image/jpeg")])
    vision_server.control.fail_next(2, status=status)
    assert stack.analyze(event) == []
    assert document(stack, image_id)["status"] == "done"
    statuses = [call["status"] for call in vision_server.control.requests()]
    # Rekognition says "throttled" as 400 ThrottlingException; then one call per operation.
    failed = status if stack.labels == "google-vision" or status != 429 else 400
    answered = [200] if stack.labels == "google-vision" else [200, 200]
    assert statuses == [failed, failed, *answered]


@only(("rekognition", "cosmos"))
def test_rekognition_labels_each_image_with_both_operations(
    stack: Stack, vision_server: VisionServer
) -> None:
    ids, event = upload_all(
        stack, [(images.chelsea_jpeg(), "image/jpeg"), (images.astronaut_webp(), "image/webp")]
    )
    assert stack.analyze(event) == []
    paths = sorted(call["path"] for call in vision_server.control.requests())
    assert paths == ["rekognition:DetectLabels"] * 2 + ["rekognition:DetectModerationLabels"] * 2
    cat = document(stack, ids[0])
    assert cat["status"] == "done"
    assert "cat" in cat["label_names"]
    assert cat["objects"] == []  # the local server has no object detector: no invented boxes
    assert set(cat["safe_search"].values()) == {"UNKNOWN"}  # nor a moderation model
    assert document(stack, ids[1])["status"] == "done"  # WebP sent to Rekognition as JPEG


@each_provider
def test_labeller_down_reports_exactly_those_records(
    stack: Stack, vision_server: VisionServer
) -> None:
    stack.set_env(VISION_TIMEOUT_SECONDS="2")
    ids, event = upload_all(
        stack,
        [
            (images.chelsea_jpeg(), "image/jpeg"),
            (images.gif(), "image/png"),  # invalid: decided without Vision
            (images.coffee_png(), "image/png"),
        ],
    )
    vision_server.control.fail_next(100, status=503)  # more than fit in the deadline
    retried = stack.analyze(event)
    vision_server.control.reset()
    records = message_ids(event)
    assert sorted(retried) == sorted([records[0], records[2]])
    assert_not_stored(stack, ids[0])
    assert_not_stored(stack, ids[2])
    assert document(stack, ids[1])["status"] == "failed"
    # Redelivered once Vision is back: now analyzed.
    assert stack.analyze(event) == []
    assert document(stack, ids[0])["status"] == "done"


@each_provider
def test_labeller_unreachable_reports_the_batch(stack: Stack) -> None:
    stack.set_env(VISION_TIMEOUT_SECONDS="2")
    stack.break_labeller()
    (image_id,), event = upload_all(stack, [(images.chelsea_jpeg(), "image/jpeg")])
    assert stack.analyze(event) == message_ids(event)
    assert_not_stored(stack, image_id)


@each_provider
@pytest.mark.parametrize(("code", "retried"), [(3, False), (13, True)])
def test_per_image_labeller_error_affects_only_that_image(
    stack: Stack, vision_server: VisionServer, code: int, retried: bool
) -> None:
    bad = images.encode(skdata.coffee()[:128, :128], "PNG")  # type: ignore[no-untyped-call]
    ids, event = upload_all(stack, [(images.chelsea_jpeg(), "image/jpeg"), (bad, "image/png")])
    vision_server.control.fail_image(bad, code=code, message="Bad image data.")
    result = stack.analyze(event)
    vision_server.control.reset()
    assert document(stack, ids[0])["status"] == "done"
    if retried:
        assert result == [message_ids(event)[1]]
        assert_not_stored(stack, ids[1])
    else:
        assert result == []
        failed = document(stack, ids[1])
        assert failed["status"] == "failed"
        assert failed["error"].startswith(f"{stack.labeller_name} could not analyze this image:")
        assert failed["error"].endswith("Bad image data.")


@each_provider
def test_store_down_reports_exactly_those_records(stack: Stack) -> None:
    ids, event = upload_all(
        stack,
        [(images.chelsea_jpeg(), "image/jpeg"), (images.text_file(), "image/jpeg")],
    )
    working = stack.break_store()
    # Both documents (the photo's and the text file's failure) must be written: both retried.
    assert sorted(stack.analyze(event)) == sorted(message_ids(event))
    status, body = stack.api("GET", f"/api/images/{ids[0]}")
    assert (status, body["error"]["code"]) == (503, "service_unavailable")
    status, body = stack.api("GET", "/api/images")
    assert (status, body["error"]["code"]) == (503, "service_unavailable")

    stack.set_env(**working)
    assert stack.analyze(event) == []
    assert [document(stack, i)["status"] for i in ids] == ["done", "failed"]


@each_provider
def test_messages_that_are_not_s3_events_are_dropped(stack: Stack) -> None:
    event = {
        "Records": [
            {
                "messageId": "m-1",
                "body": "not json",
                "eventSource": "aws:sqs",
            },
            {
                "messageId": "m-2",
                "body": json.dumps({"Event": "s3:TestEvent", "Bucket": stack.resources.bucket}),
                "eventSource": "aws:sqs",
            },
        ]
    }
    assert stack.analyze(event) == []


@each_provider
def test_object_over_the_size_limit_is_not_downloaded(stack: Stack) -> None:
    # The pre-signed POST's content-length-range stops this in AWS; moto does not enforce
    # it, and the analyzer must not trust that it was enforced.
    stack.set_env(MAX_UPLOAD_BYTES="20000")
    status, ticket = stack.api(
        "POST", "/api/uploads", body={"content_type": "image/jpeg", "size": 100}
    )
    assert status == 201
    image_id, key = ticket["id"], ticket["upload"]["fields"]["key"]
    data = images.chelsea_jpeg()
    assert len(data) > 20000
    stack.put_object(key, data, "image/jpeg")
    assert stack.analyze(stack.receive_events([key])) == []
    failed = document(stack, image_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "The file is larger than the limit of 20000 bytes."
    assert failed["size"] == len(data)


@each_provider
def test_logs_name_the_image_and_hold_no_secrets(
    stack: Stack, cosmos_server: CosmosServer, caplog: pytest.LogCaptureFixture
) -> None:
    photo = images.chelsea_jpeg()
    ids, event = upload_all(stack, [(photo, "image/jpeg"), (images.gif(), "image/png")])
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert stack.analyze(event) == []
    records = [r for r in caplog.records if r.name == "tricloud"]
    per_image = [r for r in records if r.getMessage() != "Batch finished"]
    assert {getattr(r, "image_id", None) for r in per_image} == set(ids)
    # Rendered exactly as CloudWatch would get them:
    output = "\n".join(logger.registered_formatter.format(r) for r in records)
    assert cosmos_server.key not in output
    assert "PRIVATE KEY" not in output
    assert base64.b64encode(photo[:60]).decode()[:40] not in output  # no image bytes
