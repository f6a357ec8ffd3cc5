"""The Rekognition labeller: answers (JSON beside this file, checked against botocore's model by
Stubber) mapped to the Vision-shaped annotation, per-image errors, request contents, resizing."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from PIL import Image

from lambdas.adapters.rekognition import (
    MAX_IMAGE_BYTES,
    RekognitionLabeller,
    fit_for_rekognition,
    likelihood,
)
from lambdas.config import LabelsConfig
from lambdas.services.documents import ImageFacts, done_document
from tests.unit.images import astronaut_webp, chelsea_jpeg, coffee_png, encode

RESPONSES = Path(__file__).parent / "rekognition"
ALL_FEATURES = LabelsConfig(
    features=(
        "LABEL_DETECTION",
        "OBJECT_LOCALIZATION",
        "SAFE_SEARCH_DETECTION",
        "IMAGE_PROPERTIES",
    ),
    max_results=10,
    timeout_seconds=5,
)


def recorded(name: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads((RESPONSES / f"{name}.json").read_text())
    return answer


def client() -> Any:
    return boto3.client(
        "rekognition",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="example-secret",
    )


def labels_request(data: bytes, max_labels: int = 10) -> dict[str, Any]:
    return {
        "Image": {"Bytes": data},
        "MaxLabels": max_labels,
        "Features": ["GENERAL_LABELS", "IMAGE_PROPERTIES"],
        "Settings": {"ImageProperties": {"MaxDominantColors": 10}},
    }


def moderation_request(data: bytes) -> dict[str, Any]:
    return {"Image": {"Bytes": data}, "MinConfidence": 20.0}


def test_labels_objects_colours_and_safe_search_in_the_vision_shape() -> None:
    data = chelsea_jpeg()
    rekognition = client()
    with Stubber(rekognition) as stub:
        stub.add_response("detect_labels", recorded("detect_labels_cat"), labels_request(data))
        stub.add_response(
            "detect_moderation_labels",
            recorded("detect_moderation_swimwear_violence"),
            moderation_request(data),
        )
        [result] = RekognitionLabeller(ALL_FEATURES, rekognition).annotate([data])
        stub.assert_no_pending_responses()

    assert result.error is None
    annotation = result.annotation
    assert annotation is not None
    assert [(a["description"], a["score"]) for a in annotation["label_annotations"]] == [
        ("Cat", pytest.approx(0.9871)),
        ("Animal", pytest.approx(0.9871)),
        ("Pillow", pytest.approx(0.613)),
    ]
    objects = annotation["localized_object_annotations"]
    assert [o["name"] for o in objects] == ["Cat", "Pillow", "Pillow"]
    cat_box = objects[0]["bounding_poly"]["normalized_vertices"]
    assert cat_box[0] == {"x": pytest.approx(0.1953), "y": pytest.approx(0.1812)}
    assert cat_box[2] == {"x": pytest.approx(0.8078), "y": pytest.approx(0.9273)}
    assert annotation["safe_search_annotation"] == {
        "adult": "VERY_UNLIKELY",  # no adult category reported at >= 20 %
        "spoof": "UNKNOWN",  # Rekognition has no counterpart
        "medical": "UNKNOWN",
        "violence": "UNLIKELY",  # Graphic Violence at 34 %
        "racy": "LIKELY",  # Swimwear or Underwear at 87 %
    }
    colours = annotation["image_properties_annotation"]["dominant_colors"]["colors"]
    assert colours[0] == {
        "color": {"red": 96, "green": 74, "blue": 45},
        "score": pytest.approx(0.4123),
        "pixel_fraction": pytest.approx(0.4123),
    }

    # The analysis service turns it into the same document fields as a Vision answer.
    facts = ImageFacts("0f8fad5b-d9cb-469f-a165-70867728950e", "uploads/x.jpg", "b", len(data))
    document = done_document(facts, annotation, datetime.now(UTC))
    assert document["label_names"] == ["cat", "animal", "pillow"]
    assert document["colors"][0]["hex"] == "#604a2d"
    assert document["objects"][0]["box"][2] == [0.8078, 0.9273]
    assert document["safe_search"]["racy"] == "LIKELY"


def test_an_answer_naming_no_moderation_model_assessed_nothing() -> None:
    data = chelsea_jpeg()
    rekognition = client()
    with Stubber(rekognition) as stub:
        stub.add_response("detect_labels", recorded("detect_labels_cat"), labels_request(data))
        stub.add_response(
            "detect_moderation_labels",
            recorded("detect_moderation_unassessed"),
            moderation_request(data),
        )
        [result] = RekognitionLabeller(ALL_FEATURES, rekognition).annotate([data])
    assert result.annotation is not None
    assert set(result.annotation["safe_search_annotation"].values()) == {"UNKNOWN"}


def test_no_moderation_label_means_very_unlikely_where_rekognition_looks() -> None:
    data = chelsea_jpeg()
    rekognition = client()
    with Stubber(rekognition) as stub:
        stub.add_response("detect_labels", recorded("detect_labels_cat"), labels_request(data))
        stub.add_response(
            "detect_moderation_labels", recorded("detect_moderation_none"), moderation_request(data)
        )
        [result] = RekognitionLabeller(ALL_FEATURES, rekognition).annotate([data])
    assert result.annotation is not None
    assert result.annotation["safe_search_annotation"] == {
        "adult": "VERY_UNLIKELY",
        "spoof": "UNKNOWN",
        "medical": "UNKNOWN",
        "violence": "VERY_UNLIKELY",
        "racy": "VERY_UNLIKELY",
    }


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        (None, "VERY_UNLIKELY"),
        (19.9, "VERY_UNLIKELY"),
        (20.0, "UNLIKELY"),
        (50.0, "POSSIBLE"),
        (75.0, "LIKELY"),
        (90.0, "VERY_LIKELY"),
        (100.0, "VERY_LIKELY"),
    ],
)
def test_likelihood_thresholds(confidence: float | None, expected: str) -> None:
    assert likelihood(confidence) == expected


@pytest.mark.parametrize(
    ("code", "transient"),
    [
        ("InvalidImageFormatException", False),
        ("ImageTooLargeException", False),
        ("InvalidParameterException", False),
        ("ThrottlingException", True),  # what is left after botocore's retries
        ("ProvisionedThroughputExceededException", True),
        ("InternalServerError", True),
        ("AccessDeniedException", True),
    ],
)
def test_an_error_fails_only_its_own_image(code: str, transient: bool) -> None:
    good, bad = chelsea_jpeg(), coffee_png()
    config = LabelsConfig(features=("LABEL_DETECTION",), max_results=5, timeout_seconds=5)
    # Threads take the images in any order (Stubber answers in call order): answer by bytes.
    answers = {good: recorded("detect_labels_cat"), bad: None}
    results = _annotate_with_answers(config, [bad, good], answers, code)
    assert results[0].annotation is None
    assert results[0].transient is transient
    assert code in (results[0].error or "")
    assert results[1].annotation is not None
    assert [a["description"] for a in results[1].annotation["label_annotations"]] == [
        "Cat",
        "Animal",
        "Pillow",
    ]
    assert "safe_search_annotation" not in results[1].annotation  # not asked for
    assert "localized_object_annotations" not in results[1].annotation


def _annotate_with_answers(
    config: LabelsConfig,
    images: list[bytes],
    answers: dict[bytes, dict[str, Any] | None],
    error_code: str,
) -> list[Any]:
    """Run annotate with a client whose detect_labels answers per image, as botocore would."""

    class PerImageClient:
        def detect_labels(self, **request: Any) -> dict[str, Any]:
            assert request["Features"] == ["GENERAL_LABELS"]
            assert request["MaxLabels"] == 5
            answer = answers[request["Image"]["Bytes"]]
            if answer is None:
                error = {"Error": {"Code": error_code, "Message": "recorded message"}}
                raise ClientError(error, "DetectLabels")  # type: ignore[arg-type]
            return answer

        def detect_moderation_labels(self, **request: Any) -> dict[str, Any]:
            raise AssertionError("SafeSearch was not asked for")

    return RekognitionLabeller(config, PerImageClient()).annotate(images)


def test_webp_and_oversized_images_are_sent_as_jpeg_within_5_mb() -> None:
    converted = fit_for_rekognition(astronaut_webp())
    assert converted.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(converted)).size == (512, 512)

    rng = np.random.default_rng(3)
    big_png = encode(rng.integers(0, 256, size=(1800, 1800, 3), dtype=np.uint8), "PNG")
    assert len(big_png) > MAX_IMAGE_BYTES
    shrunk = fit_for_rekognition(big_png)
    assert len(shrunk) <= MAX_IMAGE_BYTES
    assert shrunk.startswith(b"\xff\xd8\xff")

    small_jpeg = chelsea_jpeg()
    assert fit_for_rekognition(small_jpeg) is small_jpeg  # sent as is
