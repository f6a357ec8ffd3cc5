"""Request parsing of the local Vision server: what Vision itself refuses, it refuses too."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from offline.vision.annotate import (
    MAX_IMAGES_PER_REQUEST,
    ImageError,
    RequestError,
    annotate_image,
    batch_requests,
    image_content,
    requested_features,
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"requests": []},
        {"requests": [1]},
        {"requests": [{}] * (MAX_IMAGES_PER_REQUEST + 1)},
    ],
)
def test_malformed_batches_are_refused_as_a_whole(body: Any) -> None:
    with pytest.raises(RequestError):
        batch_requests(body)


def test_content_decodes_from_standard_and_url_safe_base64() -> None:
    data = bytes(range(256))
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode(data).decode().rstrip("=")
        assert image_content({"image": {"content": text}}) == data


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({}, "No image specified."),
        ({"image": {}}, "No image content specified."),
        ({"image": {"source": {"imageUri": "gs://b/o"}}}, "image content only"),
        ({"image": {"content": 5}}, "Bad image data."),
    ],
)
def test_images_without_usable_content_get_invalid_argument(
    item: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImageError, match=message) as caught:
        image_content(item)
    assert caught.value.code == 3


def test_features_by_name_or_number_with_vision_default_max_results() -> None:
    item = {"features": [{"type": 4, "maxResults": 3}, {"type": "IMAGE_PROPERTIES"}]}
    assert requested_features(item) == [("LABEL_DETECTION", 3), ("IMAGE_PROPERTIES", 10)]


@pytest.mark.parametrize("features", [None, [], [{"type": 0}], [{"type": "NOPE"}], ["x"]])
def test_missing_or_unknown_features_are_an_image_error(features: Any) -> None:
    with pytest.raises(ImageError):
        requested_features({"features": features})


def test_enum_values_follow_the_requested_encoding() -> None:
    features = [("SAFE_SEARCH_DETECTION", 10)]
    as_int = annotate_image(_png(), features, None, enums_as_int=True)
    as_name = annotate_image(_png(), features, None, enums_as_int=False)
    assert as_int["safeSearchAnnotation"]["adult"] == 0
    assert as_name["safeSearchAnnotation"]["adult"] == "UNKNOWN"


def test_a_failing_labeller_is_an_internal_image_error() -> None:
    def broken(image: Image.Image, max_results: int) -> list[tuple[str, float]]:
        raise RuntimeError("model missing")

    with pytest.raises(ImageError, match="model missing") as caught:
        annotate_image(_png(), [("LABEL_DETECTION", 5)], broken, enums_as_int=True)
    assert caught.value.code == 13
