"""End to end in the offline stack: an uploaded photo gets real labels from the local Vision.

Upload through the presign API and a pre-signed POST to moto, the S3 notification from SQS, the
analyze handler calling the local Vision server through the google-cloud-vision SDK, the document
in cosmosdb-server, then the detail and gallery APIs (the ``stack`` fixture of tests/integration).
"""

from __future__ import annotations

import pytest
from integration.conftest import Stack, stack  # noqa: F401 -- ``stack`` is the fixture
from unit import images

pytestmark = pytest.mark.integration


def test_an_uploaded_cat_photo_is_labelled_as_a_cat(stack: Stack) -> None:  # noqa: F811
    cat_id = stack.upload(images.chelsea_jpeg(), "image/jpeg")
    coffee_id = stack.upload(images.coffee_png(), "image/png")
    keys = [f"uploads/public/{cat_id}.jpg", f"uploads/public/{coffee_id}.png"]
    assert stack.analyze(stack.receive_events(keys)) == []

    status, cat = stack.api("GET", f"/api/images/{cat_id}")
    assert status == 200
    assert any("cat" in name for name in cat["label_names"][:3]), cat["label_names"]
    assert all(0.0 < label["score"] <= 1.0 for label in cat["labels"])
    status, coffee = stack.api("GET", f"/api/images/{coffee_id}")
    assert status == 200
    assert "espresso" in coffee["label_names"], coffee["label_names"]


def test_the_gallery_finds_the_cat_by_its_general_label(stack: Stack) -> None:  # noqa: F811
    cat_id = stack.upload(images.chelsea_jpeg(), "image/jpeg")
    assert stack.analyze(stack.receive_events([f"uploads/public/{cat_id}.jpg"])) == []
    status, page = stack.api("GET", "/api/images", query={"label": "cat", "limit": "100"})
    assert status == 200
    assert cat_id in [item["id"] for item in page["items"]]
