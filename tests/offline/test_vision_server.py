"""The local Vision server answers the real google-cloud-vision SDK (REST transport).

These tests run the server in-process on a free port, without a labeller (labels from the
offline classifier are tested in tests/vision/) or with a fixed one, to test the hook.
"""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest
from google.api_core import exceptions as core_exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import vision
from PIL import Image

from offline.servers import VisionControl
from offline.service import serving_in_thread
from offline.vision import Labeller
from offline.vision.server import VisionHTTPServer

pytestmark = pytest.mark.integration

FEATURES = [
    vision.Feature(type_=vision.Feature.Type.LABEL_DETECTION, max_results=5),
    vision.Feature(type_=vision.Feature.Type.OBJECT_LOCALIZATION),
    vision.Feature(type_=vision.Feature.Type.SAFE_SEARCH_DETECTION),
    vision.Feature(type_=vision.Feature.Type.IMAGE_PROPERTIES),
]


def _client(endpoint: str) -> vision.ImageAnnotatorClient:
    return vision.ImageAnnotatorClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options=ClientOptions(api_endpoint=endpoint),
    )


def _request(content: bytes) -> vision.AnnotateImageRequest:
    return vision.AnnotateImageRequest(image=vision.Image(content=content), features=FEATURES)


def _two_colour_png() -> bytes:
    """A 100x100 PNG: the left 75 columns red, the rest blue."""
    image = Image.new("RGB", (100, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 75, 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _serve(labeller: Labeller | None) -> AbstractContextManager[str]:
    """A Vision server on a thread for the ``with`` block; yields its endpoint."""
    return serving_in_thread(
        VisionHTTPServer(("127.0.0.1", 0), labeller, "test" if labeller else None)
    )


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A local Vision server without a labeller."""
    with _serve(None) as url:
        yield url


@pytest.fixture
def control(endpoint: str) -> VisionControl:
    control = VisionControl(endpoint)
    control.reset()
    return control


@pytest.fixture
def client(endpoint: str, control: VisionControl) -> vision.ImageAnnotatorClient:
    return _client(endpoint)


def test_image_properties_come_from_the_pixels(client: vision.ImageAnnotatorClient) -> None:
    answer = client.batch_annotate_images(requests=[_request(_two_colour_png())])
    (response,) = answer.responses
    colours = response.image_properties_annotation.dominant_colors.colors
    found = [
        ((c.color.red, c.color.green, c.color.blue), round(c.pixel_fraction, 2)) for c in colours
    ]
    assert found == [((255, 0, 0), 0.75), ((0, 0, 255), 0.25)]
    unknown = vision.Likelihood.UNKNOWN
    assert response.safe_search_annotation.adult == unknown
    assert response.safe_search_annotation.racy == unknown
    assert list(response.localized_object_annotations) == []
    assert list(response.label_annotations) == []  # no labeller: no invented labels
    assert not response.error.message


def test_undecodable_image_gets_a_per_image_error(client: vision.ImageAnnotatorClient) -> None:
    answer = client.batch_annotate_images(
        requests=[_request(b"not an image"), _request(_two_colour_png())]
    )
    bad, good = answer.responses
    assert (bad.error.code, bad.error.message) == (3, "Bad image data.")
    assert good.image_properties_annotation.dominant_colors.colors


def test_injected_failures_and_request_log(
    client: vision.ImageAnnotatorClient, control: VisionControl
) -> None:
    control.fail_next(1, status=429)
    control.fail_next(1, status=503)
    with pytest.raises(core_exceptions.TooManyRequests):
        client.batch_annotate_images(requests=[_request(_two_colour_png())], retry=None)
    with pytest.raises(core_exceptions.ServiceUnavailable):
        client.batch_annotate_images(requests=[_request(_two_colour_png())], retry=None)
    png = _two_colour_png()
    control.fail_image(png, code=13, message="boom")
    (response,) = client.batch_annotate_images(requests=[_request(png)]).responses
    assert (response.error.code, response.error.message) == (13, "boom")
    log = control.requests()
    assert [entry["status"] for entry in log] == [429, 503, 200]
    assert log[-1]["enums_as_int"] is True
    assert log[-1]["features"] == [
        ["LABEL_DETECTION", "OBJECT_LOCALIZATION", "SAFE_SEARCH_DETECTION", "IMAGE_PROPERTIES"]
    ]


def test_more_than_sixteen_images_is_refused(client: vision.ImageAnnotatorClient) -> None:
    png = _two_colour_png()
    with pytest.raises(core_exceptions.BadRequest, match="Too many images"):
        client.batch_annotate_images(requests=[_request(png)] * 17, retry=None)


def test_without_a_labeller_the_answer_says_labels_are_unavailable(
    endpoint: str, control: VisionControl
) -> None:
    body = {"requests": [{"image": {"content": ""}, "features": [{"type": "LABEL_DETECTION"}]}]}
    request = urllib.request.Request(
        f"{endpoint}/v1/images:annotate", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.load(response)
    assert answer["localServer"]["labeller"] is None
    assert "unavailable" in answer["localServer"]["note"]


def test_a_labeller_plugged_in_gives_labels_capped_at_max_results() -> None:
    def labeller(image: Image.Image, max_results: int) -> list[tuple[str, float]]:
        first = "red" if image.getpixel((0, 0)) == (255, 0, 0) else "other"
        more = [(f"extra {n}", 0.5 / n) for n in range(1, max_results + 3)]
        return [(first, 0.75), *more]

    with _serve(labeller) as endpoint:
        answer = _client(endpoint).batch_annotate_images(requests=[_request(_two_colour_png())])
        labels = answer.responses[0].label_annotations
        assert len(labels) == 5  # FEATURES asks LABEL_DETECTION for 5
        assert (labels[0].description, labels[0].score, labels[0].topicality) == ("red", 0.75, 0.75)
        assert answer.responses[0].image_properties_annotation.dominant_colors.colors
