"""An image's life cycle through the API: pending from presign, done/failed, abandoned, stale."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
from unit import images

from offline.servers import VisionServer

from .conftest import Stack, each_provider

pytestmark = [pytest.mark.integration, each_provider]


def presign(stack: Stack) -> tuple[str, str]:
    """Ask for an upload URL only (never post to it); the image id and key."""
    status, ticket = stack.api(
        "POST", "/api/uploads", body={"content_type": "image/jpeg", "size": 1000}
    )
    assert status == 201, ticket
    return ticket["id"], ticket["upload"]["fields"]["key"]


def stored(stack: Stack, image_id: str) -> dict[str, Any]:
    document = stack.stored(image_id)
    assert document is not None
    return document


def age(stack: Stack, image_id: str, **fields: timedelta) -> None:
    """Move the document's time fields into the past, as if that much time had passed."""
    document = stored(stack, image_id)
    for name, delta in fields.items():
        document[name] = (datetime.fromisoformat(document[name]) - delta).isoformat()
    stack.put(document)


def listed(stack: Stack) -> dict[str, dict[str, Any]]:
    """The whole gallery by id, page after page (other tests' images share it)."""
    items: dict[str, dict[str, Any]] = {}
    cursor = None
    for _ in range(100):
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        status, page = stack.api("GET", "/api/images", query=query)
        assert status == 200
        items.update((item["id"], item) for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


def test_an_image_exists_as_pending_from_the_moment_its_upload_is_created(stack: Stack) -> None:
    image_id, key = presign(stack)
    status, body = stack.api("GET", f"/api/images/{image_id}")
    assert status == 200
    assert (body["status"], body["image_fname"], body["stale"]) == ("pending", key, False)
    assert image_id not in listed(stack)  # no photo yet: the gallery shows it once it arrives
    assert stored(stack, image_id)["owner"] == "public"
    # The store removes it if nothing ever comes.
    assert abs(stack.pending_retention(image_id) - 15 * 24 * 3600) < 120


def test_an_abandoned_upload_disappears_once_its_url_expired(stack: Stack) -> None:
    image_id, _ = presign(stack)
    age(
        stack,
        image_id,
        uploaded_at=timedelta(minutes=7),
        upload_expires_at=timedelta(minutes=7),
    )
    assert stack.api("GET", f"/api/images/{image_id}")[0] == 404
    assert image_id not in listed(stack)


def test_arrival_keeps_a_slow_analysis_and_a_late_one_shows_as_stale(
    stack: Stack, vision_server: VisionServer
) -> None:
    stack.set_env(VISION_TIMEOUT_SECONDS="1")
    image_id = stack.upload(images.chelsea_jpeg())
    event = stack.receive_events([f"uploads/public/{image_id}.jpg"])
    vision_server.control.fail_next(100, status=503)
    assert stack.analyze(event) != []  # Vision is down: retried later
    vision_server.control.reset()
    document = stored(stack, image_id)
    assert "ttl" not in document and "upload_expires_at" not in document  # the object arrived
    assert stack.pending_retention(image_id) is None
    # Long after the upload URL expired it is still there, shown as late rather than gone.
    age(stack, image_id, uploaded_at=timedelta(minutes=10))
    status, body = stack.api("GET", f"/api/images/{image_id}")
    assert (status, body["status"], body["stale"]) == (200, "pending", True)
    assert "Not analysed after 10 minutes" in body["error"]
    assert listed(stack)[image_id]["stale"] is True
    # The redelivered message still finds its document.
    assert stack.analyze(event) == []
    status, body = stack.api("GET", f"/api/images/{image_id}")
    assert (body["status"], body["stale"], body["error"]) == ("done", False, None)


def test_the_last_failed_attempt_says_it_went_to_the_dead_letter_queue(
    stack: Stack, vision_server: VisionServer
) -> None:
    stack.set_env(VISION_TIMEOUT_SECONDS="1", DLQ_MAX_RECEIVE_COUNT="2")
    image_id = stack.upload(images.chelsea_jpeg())
    event = stack.receive_events([f"uploads/public/{image_id}.jpg"])
    last = copy.deepcopy(event)
    last["Records"][0]["attributes"] = {"ApproximateReceiveCount": "2"}
    vision_server.control.fail_next(100, status=503)
    assert stack.analyze(last) != []
    vision_server.control.reset()
    status, body = stack.api("GET", f"/api/images/{image_id}")
    assert (status, body["status"], body["stale"]) == (200, "pending", True)
    assert "dead-letter queue" in body["error"]
    assert stack.labeller_name in body["error"]


def test_the_gallery_keeps_upload_order_across_redelivery_and_re_analysis(stack: Stack) -> None:
    first = stack.upload(images.chelsea_jpeg())
    second = stack.upload(images.coffee_png(), "image/png")
    keys = [f"uploads/public/{first}.jpg", f"uploads/public/{second}.png"]
    event = stack.receive_events(keys)
    for _ in range(2):
        assert stack.analyze(event) == []
        # Analysed again, first alone (its document is written last): order is by upload.
        alone = {"Records": [event["Records"][0]]}
        assert stack.analyze(alone) == []
        order = [i for i in listed(stack) if i in (first, second)]
        assert order == [second, first]


def test_an_object_without_a_pending_document_is_skipped(stack: Stack) -> None:
    image_id = "3f2b9d0e-5c1a-4e8b-9a7d-6c5b4a3f2e1d"
    key = f"uploads/public/{image_id}.jpg"
    stack.put_object(key, images.chelsea_jpeg(), "image/jpeg")  # bypassing presign
    assert stack.analyze(stack.receive_events([key])) == []
    assert stack.api("GET", f"/api/images/{image_id}")[0] == 404
    assert stack.stored(image_id) is None
