"""The local Vision server answers the real google-cloud-vision SDK (REST transport)."""

from __future__ import annotations

import io

import pytest
from google.api_core import exceptions as core_exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import vision
from PIL import Image

from local.servers import VisionServer

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


@pytest.fixture
def client(vision_server: VisionServer) -> vision.ImageAnnotatorClient:
    vision_server.control.reset()
    return _client(vision_server.endpoint)


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
    client: vision.ImageAnnotatorClient, vision_server: VisionServer
) -> None:
    control = vision_server.control
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
