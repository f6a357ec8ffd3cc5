"""Upload → analyze → list → detail with real photos, for every combination of label provider
and store (moto, cosmosdb-server, the local label server)."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image
from unit import images

from .conftest import Stack, each_provider

pytestmark = pytest.mark.integration


def test_photos_round_trip(stack: Stack) -> None:
    cat = images.chelsea_jpeg()
    coffee = images.coffee_png()
    cat_id = stack.upload(cat, "image/jpeg")
    coffee_id = stack.upload(coffee, "image/png")
    keys = [f"uploads/public/{cat_id}.jpg", f"uploads/public/{coffee_id}.png"]

    assert stack.analyze(stack.receive_events(keys)) == []

    status, document = stack.api("GET", f"/api/images/{cat_id}")
    assert status == 200
    assert document["id"] == cat_id
    assert document["status"] == "done"
    assert document["error"] is None
    assert document["image_fname"] == keys[0]
    assert document["bucket"] == stack.resources.bucket
    assert (document["content_type"], document["size"]) == ("image/jpeg", len(cat))
    assert (document["width"], document["height"]) == (451, 300)
    assert document["labels"], "the local Vision labels the cat photo"
    assert document["label_names"] == [label["description"].lower() for label in document["labels"]]
    assert document["uploaded_at"] < document["analyzed_at"]
    assert document["analyzed_at"].endswith("+00:00")
    assert document["thumb_fname"] == f"thumbs/public/{cat_id}.jpg"
    assert requests.get(document["thumb_url"], timeout=10).status_code == 200
    assert not {"_rid", "_self", "_etag", "_ts", "ttl", "label_prefixes"} & set(document)
    # The short-lived URL really serves the uploaded bytes.
    image = requests.get(document["image_url"], timeout=10)
    assert image.status_code == 200
    assert image.content == cat
    assert image.headers["Content-Type"] == "image/jpeg"

    status, coffee_doc = stack.api("GET", f"/api/images/{coffee_id}")
    assert status == 200
    assert (coffee_doc["content_type"], coffee_doc["width"], coffee_doc["height"]) == (
        "image/png",
        600,
        400,
    )

    status, page = stack.api("GET", "/api/images", query={"limit": "100"})
    assert status == 200
    listed = {item["id"]: item for item in page["items"]}
    assert {cat_id, coffee_id} <= set(listed)
    item = listed[cat_id]
    assert set(item) == {
        "id",
        "image_fname",
        "status",
        "stale",
        "error",
        "uploaded_at",
        "analyzed_at",
        "thumb_url",
        "top_labels",
    }
    assert item["top_labels"][0] == {
        "description": document["labels"][0]["description"],
        "score": document["labels"][0]["score"],
    }
    assert [entry["id"] for entry in page["items"]][:2] == [coffee_id, cat_id]  # newest first
    # The list item's thumbnail URL serves a small JPEG made by analyze: no detail request.
    thumb = requests.get(item["thumb_url"], timeout=10)
    assert thumb.status_code == 200
    assert thumb.headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (320, 213))
    assert len(thumb.content) < len(cat) / 2


def test_label_filter_is_case_insensitive(stack: Stack) -> None:
    cat_id = stack.upload(images.chelsea_jpeg())
    coffee_id = stack.upload(images.coffee_png(), "image/png")
    stack.analyze(
        stack.receive_events([f"uploads/public/{cat_id}.jpg", f"uploads/public/{coffee_id}.png"])
    )
    _, cat = stack.api("GET", f"/api/images/{cat_id}")
    _, coffee = stack.api("GET", f"/api/images/{coffee_id}")
    label = cat["labels"][0]["description"]
    assert label.lower() not in coffee["label_names"]

    for variant in (label, label.upper(), label.lower(), f"  {label}  "):
        status, page = stack.api("GET", "/api/images", query={"label": variant, "limit": "100"})
        assert status == 200
        ids = {item["id"] for item in page["items"]}
        assert cat_id in ids
        assert coffee_id not in ids

    # By word prefix: the start of any word of the label finds it.
    word = cat["label_names"][0].split()[-1]
    for prefix in (word[:3], word[:3].upper(), f"{cat['label_names'][0].split()[0]} {word[:2]}"):
        status, page = stack.api("GET", "/api/images", query={"label": prefix, "limit": "100"})
        assert status == 200
        assert cat_id in {item["id"] for item in page["items"]}, prefix

    status, page = stack.api("GET", "/api/images", query={"label": "no such label anywhere"})
    assert (status, page) == (200, {"items": [], "next_cursor": None})


@each_provider
def test_detail_of_an_unknown_id_is_404(stack: Stack) -> None:
    status, body = stack.api("GET", "/api/images/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10")
    assert status == 404
    assert body["error"]["code"] == "not_found"


@each_provider
def test_uploaded_but_not_analyzed_is_pending_not_404(stack: Stack) -> None:
    image_id = stack.upload(images.chelsea_jpeg())
    status, body = stack.api("GET", f"/api/images/{image_id}")
    assert status == 200
    assert (body["status"], body["stale"], body["image_url"]) == ("pending", False, None)
    stack.receive_events([f"uploads/public/{image_id}.jpg"])  # leave the queue clean
