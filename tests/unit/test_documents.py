"""Image documents built from Vision annotations, and the API views of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lambdas.services.documents import (
    ImageFacts,
    detail_view,
    done_document,
    failed_document,
    label_prefixes,
    list_item,
    merge_result,
    pending_document,
)

FACTS = ImageFacts(
    image_id="8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10",
    key="uploads/8a0e6c8e-3a53-4b52-9c1e-0d2c1f6b1a10.jpg",
    bucket="uploads-bucket",
    size=35042,
    content_type="image/jpeg",
    width=451,
    height=300,
)
WHEN = datetime(2026, 11, 26, 14, 0, 5, 123456, tzinfo=timezone(timedelta(hours=1)))

# As the Vision adapter produces it: snake_case names, enum names, zero values omitted.
ANNOTATION: dict[str, Any] = {
    "label_annotations": [
        {"mid": "/m/01yrx", "description": "Cat", "score": 0.987654321, "topicality": 0.98},
        {"mid": "/m/0jbk", "description": "Small To Medium-Sized Cats", "score": 0.9},
        {"mid": "/m/01yrx2", "description": "cat", "score": 0.5, "topicality": 0.5},
    ],
    "localized_object_annotations": [
        {
            "name": "Cat",
            "score": 0.93,
            "bounding_poly": {
                "normalized_vertices": [
                    {"y": 0.1},  # x omitted: it is 0
                    {"x": 0.9, "y": 0.1},
                    {"x": 1.0000001, "y": 0.95},
                    {"x": 0.0, "y": 0.95},
                ]
            },
        }
    ],
    "safe_search_annotation": {
        "adult": "VERY_UNLIKELY",
        "racy": "UNLIKELY",
        "violence": "POSSIBLE",
    },
    "image_properties_annotation": {
        "dominant_colors": {
            "colors": [
                {
                    "color": {"red": 150.0, "green": 106.0, "blue": 71.0},
                    "score": 0.5,
                    "pixel_fraction": 0.25,
                },
                {"color": {"green": 255.0}, "score": 0.1, "pixel_fraction": 0.05},
            ]
        }
    },
}


CAT_PREFIXES = "c ca cat cats m me med medi mediu medium s si siz size sized sm sma smal small t to"


CAT_PREFIXES = "c ca cat cats m me med medi mediu medium s si siz size sized sm sma smal small t to"


def test_done_document_matches_the_contract() -> None:
    document = done_document(FACTS, ANNOTATION, WHEN)
    assert document == {
        "id": FACTS.image_id,
        "image_fname": FACTS.key,
        "bucket": "uploads-bucket",
        "content_type": "image/jpeg",
        "size": 35042,
        "width": 451,
        "height": 300,
        "status": "done",
        "error": None,
        "labels": [
            {"description": "Cat", "score": 0.9877, "topicality": 0.98, "mid": "/m/01yrx"},
            {
                "description": "Small To Medium-Sized Cats",
                "score": 0.9,
                "topicality": 0.0,
                "mid": "/m/0jbk",
            },
            {"description": "cat", "score": 0.5, "topicality": 0.5, "mid": "/m/01yrx2"},
        ],
        "label_names": ["cat", "small to medium-sized cats"],
        "label_prefixes": CAT_PREFIXES.split(),
        "thumb_fname": None,
        "objects": [
            {
                "name": "Cat",
                "score": 0.93,
                "box": [[0.0, 0.1], [0.9, 0.1], [1.0, 0.95], [0.0, 0.95]],
            }
        ],
        "safe_search": {
            "adult": "VERY_UNLIKELY",
            "spoof": "UNKNOWN",
            "medical": "UNKNOWN",
            "violence": "POSSIBLE",
            "racy": "UNLIKELY",
        },
        "colors": [
            {"hex": "#966a47", "score": 0.5, "pixel_fraction": 0.25},
            {"hex": "#00ff00", "score": 0.1, "pixel_fraction": 0.05},
        ],
        "analyzed_at": "2026-11-26T13:00:05.123+00:00",
    }


def test_done_document_from_an_empty_annotation() -> None:
    document = done_document(FACTS, {}, datetime(2026, 1, 1, tzinfo=UTC))
    assert document["status"] == "done"
    assert document["labels"] == document["label_names"] == document["objects"] == []
    assert document["safe_search"] is None
    assert document["colors"] == []


def test_failed_document_keeps_the_reason() -> None:
    facts = ImageFacts(FACTS.image_id, FACTS.key, FACTS.bucket, 0)
    document = failed_document(facts, "The file is empty.", WHEN)
    assert document["status"] == "failed"
    assert document["error"] == "The file is empty."
    assert document["content_type"] is document["width"] is document["height"] is None
    assert document["labels"] == document["label_names"] == document["objects"] == []
    assert set(document) == set(done_document(FACTS, ANNOTATION, WHEN))


def test_label_prefixes_are_every_prefix_of_every_word() -> None:
    expected = ["c", "co", "cof", "coff", "coffe", "coffee", "m", "mu", "mug"]
    assert label_prefixes(["Coffee mug", "MUG"]) == expected
    assert label_prefixes([]) == []


def test_the_pending_document_expires_unless_its_object_arrives() -> None:
    document = pending_document(
        owner="public",
        image_id=FACTS.image_id,
        key=FACTS.key,
        bucket=FACTS.bucket,
        content_type="image/png",
        size=10,
        now=WHEN,
        upload_url_ttl_seconds=300,
    )
    assert document["status"] == "pending"
    assert document["uploaded_at"] == "2026-11-26T13:00:05.123+00:00"
    assert document["upload_expires_at"] == "2026-11-26T13:06:05.123+00:00"  # URL + 60 s
    assert document["ttl"] == 15 * 24 * 3600  # outlives any SQS message (DLQ: 14 days)
    assert set(done_document(FACTS, ANNOTATION, WHEN)) < set(document) | {"owner"}


def test_merge_keeps_owner_and_upload_time_and_drops_the_pending_marks() -> None:
    stored = {
        "id": FACTS.image_id,
        "owner": "public",
        "uploaded_at": "2026-01-01T00:00:00.000+00:00",
        "status": "pending",
        "ttl": 100,
        "upload_expires_at": "x",
        "_ts": 5,
        "_etag": "e",
    }
    result = {**failed_document(FACTS, "bad", WHEN), "uploaded_at": "later", "owner": "other"}
    merged = merge_result(stored, result)
    assert (merged["owner"], merged["uploaded_at"]) == ("public", "2026-01-01T00:00:00.000+00:00")
    assert merged["status"] == "failed"
    assert not {"ttl", "upload_expires_at", "_ts", "_etag"} & set(merged)


def test_list_item_has_the_top_labels_only() -> None:
    stored = {**done_document(FACTS, ANNOTATION, WHEN), "_ts": 1795700003, "_rid": "x"}
    stored["labels"] = stored["labels"] * 3
    stored["uploaded_at"] = "2026-01-01T00:00:00.000+00:00"
    item = list_item(stored, "https://signed/thumb")
    assert item["id"] == FACTS.image_id
    assert item["uploaded_at"] == "2026-01-01T00:00:00.000+00:00"
    assert item["thumb_url"] == "https://signed/thumb"
    assert "_ts" not in item
    assert item["status"] == "done"
    assert item["image_fname"] == FACTS.key
    assert len(item["top_labels"]) == 5
    assert item["top_labels"][0] == {"description": "Cat", "score": 0.9877}


def test_detail_view_drops_cosmos_internals_and_adds_the_url() -> None:
    stored = {
        **done_document(FACTS, ANNOTATION, WHEN),
        "_ts": 1795700003,
        "_rid": "r",
        "_self": "s",
        "_etag": "e",
        "_attachments": "a",
    }
    view = detail_view(stored, "https://example.test/img")
    assert view["image_url"] == "https://example.test/img"
    assert not {"_rid", "_self", "_etag", "_attachments", "_ts", "label_prefixes"} & set(view)
