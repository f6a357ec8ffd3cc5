"""The local Vision server gives real labels through the real google-cloud-vision SDK.

The SDK talks REST to ``vision_server`` (tests/conftest.py) with anonymous credentials, exactly
as the analyze Lambda does offline; the labels come from the offline classifier.
"""

from __future__ import annotations

import base64
import io
import json
import urllib.request
from collections.abc import Sequence
from typing import Any

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import vision
from PIL import Image
from skimage import data

from offline.servers import VisionServer

pytestmark = pytest.mark.integration

LABELS = vision.Feature.Type.LABEL_DETECTION
INVALID_ARGUMENT = 3


def jpeg(name: str, quality: int = 90) -> bytes:
    """One of skimage's sample photos, JPEG-encoded as a browser would upload it."""
    buffer = io.BytesIO()
    Image.fromarray(getattr(data, name)()).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def client(vision_server: VisionServer) -> vision.ImageAnnotatorClient:
    return vision.ImageAnnotatorClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options=ClientOptions(api_endpoint=vision_server.endpoint),
    )


@pytest.fixture(autouse=True)
def clean_server(vision_server: VisionServer) -> None:
    vision_server.control.reset()


def label_request(
    content: bytes, max_results: int = 5, extra: Sequence[int] = ()
) -> vision.AnnotateImageRequest:
    features = [vision.Feature(type_=LABELS, max_results=max_results)]
    features += [vision.Feature(type_=feature) for feature in extra]
    return vision.AnnotateImageRequest(image=vision.Image(content=content), features=features)


def top_names(response: vision.AnnotateImageResponse, count: int = 3) -> list[str]:
    return [label.description.lower() for label in response.label_annotations[:count]]


def is_cat(response: vision.AnnotateImageResponse) -> bool:
    return any("cat" in name for name in top_names(response))


def is_coffee(response: vision.AnnotateImageResponse) -> bool:
    return any("espresso" in name or "cup" in name for name in top_names(response))


def test_the_cat_photo_gets_a_cat_label_in_its_top_three(
    client: vision.ImageAnnotatorClient,
) -> None:
    response = client.label_detection(image=vision.Image(content=jpeg("chelsea")))
    assert is_cat(response), top_names(response)
    scores = [label.score for label in response.label_annotations]
    assert all(0.0 < score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)


def test_the_coffee_photo_gets_espresso_or_cup(client: vision.ImageAnnotatorClient) -> None:
    response = client.label_detection(image=vision.Image(content=jpeg("coffee")))
    assert is_coffee(response), top_names(response)


def test_a_batch_of_sixteen_images_in_one_call_answers_sixteen_in_order(
    client: vision.ImageAnnotatorClient, vision_server: VisionServer
) -> None:
    # Cats and coffees in an irregular order; each JPEG quality gives distinct bytes.
    kinds = ["chelsea", "coffee", "coffee", "chelsea", "chelsea", "chelsea", "coffee", "chelsea"]
    kinds += ["coffee", "coffee", "chelsea", "coffee", "chelsea", "coffee", "coffee", "chelsea"]
    images = [jpeg(kind, quality=70 + index) for index, kind in enumerate(kinds)]
    batch = client.batch_annotate_images(requests=[label_request(image) for image in images])
    assert len(batch.responses) == 16
    answered = [
        "chelsea" if is_cat(r) else "coffee" if is_coffee(r) else "?" for r in batch.responses
    ]
    assert answered == kinds
    (logged,) = vision_server.control.requests()
    assert logged["image_count"] == 16


def test_a_non_image_gets_its_own_error_while_the_rest_succeed(
    client: vision.ImageAnnotatorClient,
) -> None:
    contents = [jpeg("chelsea"), b"this is not an image", jpeg("coffee")]
    batch = client.batch_annotate_images(requests=[label_request(c) for c in contents])
    cat, broken, coffee = batch.responses
    assert broken.error.code == INVALID_ARGUMENT
    assert broken.error.message
    assert not broken.label_annotations
    assert not cat.error.code and is_cat(cat)
    assert not coffee.error.code and is_coffee(coffee)


def test_max_results_limits_the_labels(client: vision.ImageAnnotatorClient) -> None:
    batch = client.batch_annotate_images(requests=[label_request(jpeg("astronaut"), 2)])
    assert len(batch.responses[0].label_annotations) == 2


def test_labels_come_with_the_other_features_the_lambda_asks_for(
    client: vision.ImageAnnotatorClient,
) -> None:
    extra = [
        vision.Feature.Type.OBJECT_LOCALIZATION,
        vision.Feature.Type.SAFE_SEARCH_DETECTION,
        vision.Feature.Type.IMAGE_PROPERTIES,
    ]
    batch = client.batch_annotate_images(requests=[label_request(jpeg("chelsea"), 10, extra)])
    (response,) = batch.responses
    assert is_cat(response)
    assert response.image_properties_annotation.dominant_colors.colors
    assert response.safe_search_annotation.adult == vision.Likelihood.UNKNOWN


def test_the_sdk_sends_feature_types_as_integers(
    client: vision.ImageAnnotatorClient, vision_server: VisionServer
) -> None:
    client.label_detection(image=vision.Image(content=jpeg("coffee")))
    (logged,) = vision_server.control.requests()
    assert logged["enums_as_int"] is True
    assert logged["features"] == [["LABEL_DETECTION"]]


def post_annotate(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{endpoint}/v1/images:annotate",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


@pytest.mark.parametrize("label_type", ["LABEL_DETECTION", 4, "4"])
def test_feature_types_work_as_names_and_as_integers(
    vision_server: VisionServer, label_type: str | int
) -> None:
    content = base64.b64encode(jpeg("chelsea")).decode()
    body = {
        "requests": [
            {
                "image": {"content": content},
                "features": [
                    {"type": label_type, "maxResults": 3},
                    {"type": "SAFE_SEARCH_DETECTION"},
                ],
            }
        ]
    }
    (response,) = post_annotate(vision_server.endpoint, body)["responses"]
    descriptions = [label["description"].lower() for label in response["labelAnnotations"]]
    assert len(descriptions) == 3
    assert any("cat" in description for description in descriptions), descriptions
    assert response["safeSearchAnnotation"]["adult"] == "UNKNOWN"
