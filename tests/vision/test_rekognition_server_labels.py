"""The local label server answers Amazon Rekognition through the real boto3 client and the
Rekognition labeller, reached with botocore's own per-service endpoint variable
(AWS_ENDPOINT_URL_REKOGNITION), as the analyze Lambda does offline."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError
from PIL import Image
from skimage import data

from lambdas.adapters.rekognition import RekognitionLabeller, make_rekognition_client
from lambdas.config import LabelsConfig
from offline.cfn import REGION
from offline.servers import VisionServer

pytestmark = pytest.mark.integration

ALL = LabelsConfig(
    features=(
        "LABEL_DETECTION",
        "OBJECT_LOCALIZATION",
        "SAFE_SEARCH_DETECTION",
        "IMAGE_PROPERTIES",
    ),
    max_results=5,
    timeout_seconds=5,
)


def jpeg(name: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(getattr(data, name)()).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def endpoint(vision_server: VisionServer, monkeypatch: pytest.MonkeyPatch) -> None:
    vision_server.control.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", vision_server.endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_detect_labels_through_boto3_is_honest() -> None:
    client: Any = make_rekognition_client(5)
    answer = client.detect_labels(
        Image={"Bytes": jpeg("chelsea")},
        MaxLabels=5,
        Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"],
    )
    names = [label["Name"] for label in answer["Labels"]]
    assert "Cat" in names
    assert all(label["Confidence"] >= 55 for label in answer["Labels"])  # Rekognition's default
    assert all(label["Instances"] == [] for label in answer["Labels"])  # no invented boxes
    colours = answer["ImageProperties"]["DominantColors"]
    assert colours and abs(sum(c["PixelPercent"] for c in colours) - 100) < 0.5
    moderation = client.detect_moderation_labels(Image={"Bytes": jpeg("chelsea")})
    assert moderation["ModerationLabels"] == []
    assert "ModerationModelVersion" not in moderation  # no moderation model offline


def test_the_labeller_maps_the_answers_into_the_annotation() -> None:
    [result] = RekognitionLabeller(ALL).annotate([jpeg("chelsea")])
    assert result.annotation is not None
    names = [a["description"] for a in result.annotation["label_annotations"]]
    assert "Cat" in names
    assert result.annotation["localized_object_annotations"] == []
    assert set(result.annotation["safe_search_annotation"].values()) == {"UNKNOWN"}
    assert result.annotation["image_properties_annotation"]["dominant_colors"]["colors"]


def test_throttling_is_retried_by_botocore(vision_server: VisionServer) -> None:
    vision_server.control.fail_next(2, status=429)
    [result] = RekognitionLabeller(ALL).annotate([jpeg("coffee")])
    assert result.annotation is not None
    statuses = [r["status"] for r in vision_server.control.requests()]
    assert statuses[:2] == [400, 400]  # ThrottlingException twice, then answered


def test_lasting_failure_is_transient_for_that_image_only(vision_server: VisionServer) -> None:
    good, bad = jpeg("chelsea"), jpeg("coffee")
    vision_server.control.fail_image(bad, code=13)
    results = RekognitionLabeller(ALL).annotate([bad, good])
    assert results[0].annotation is None
    assert results[0].transient
    assert "InternalServerError" in (results[0].error or "")
    assert results[1].annotation is not None


def test_a_file_that_is_no_image_fails_permanently() -> None:
    [result] = RekognitionLabeller(ALL).annotate([b"\xff\xd8\xff" + b"not really a jpeg" * 10])
    assert result.annotation is None
    assert not result.transient
    assert "InvalidImageFormatException" in (result.error or "")


def test_s3_objects_are_refused_clearly() -> None:
    client: Any = make_rekognition_client(5)
    with pytest.raises(ClientError, match="InvalidParameterException"):
        client.detect_labels(Image={"S3Object": {"Bucket": "bucket", "Name": "key.jpg"}})
