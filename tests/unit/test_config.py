"""Configuration from environment variables: defaults, parsing and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdas.config import (
    SUPPORTED_VISION_FEATURES,
    ConfigError,
    CosmosConfig,
    ImageLimits,
    StorageConfig,
    VisionConfig,
)


def test_storage_defaults() -> None:
    config = StorageConfig.from_env({"UPLOAD_BUCKET": "uploads-bucket"})
    assert config == StorageConfig("uploads-bucket", 10 * 1024 * 1024, 300, 300)


def test_storage_reads_every_variable() -> None:
    env = {
        "UPLOAD_BUCKET": " b ",
        "MAX_UPLOAD_BYTES": "2048",
        "UPLOAD_URL_TTL_SECONDS": "60",
        "IMAGE_URL_TTL_SECONDS": "120",
    }
    assert StorageConfig.from_env(env) == StorageConfig("b", 2048, 60, 120)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "UPLOAD_BUCKET is required"),
        ({"UPLOAD_BUCKET": "  "}, "UPLOAD_BUCKET is required"),
        ({"UPLOAD_BUCKET": "b", "MAX_UPLOAD_BYTES": "ten"}, "MAX_UPLOAD_BYTES must be an integer"),
        ({"UPLOAD_BUCKET": "b", "MAX_UPLOAD_BYTES": "0"}, "MAX_UPLOAD_BYTES must be between"),
        ({"UPLOAD_BUCKET": "b", "UPLOAD_URL_TTL_SECONDS": "1"}, "UPLOAD_URL_TTL_SECONDS must be"),
        ({"UPLOAD_BUCKET": "b", "IMAGE_URL_TTL_SECONDS": "86400"}, "IMAGE_URL_TTL_SECONDS must"),
    ],
)
def test_storage_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StorageConfig.from_env(env)


def test_image_limits() -> None:
    assert ImageLimits.from_env({}) == ImageLimits(10 * 1024 * 1024, 40_000_000)
    assert ImageLimits.from_env({"MAX_IMAGE_PIXELS": "1000"}).max_pixels == 1000
    with pytest.raises(ConfigError, match="MAX_IMAGE_PIXELS"):
        ImageLimits.from_env({"MAX_IMAGE_PIXELS": "-1"})


def test_vision_defaults_with_secret() -> None:
    config = VisionConfig.from_env({"GCP_SECRET_ID": "arn:gcp"})
    assert config == VisionConfig(SUPPORTED_VISION_FEATURES, 10, 20, "arn:gcp", None)


def test_vision_endpoint_makes_the_secret_optional() -> None:
    config = VisionConfig.from_env({"VISION_API_ENDPOINT": "http://127.0.0.1:9000"})
    assert config.api_endpoint == "http://127.0.0.1:9000"
    assert config.secret_id is None


def test_vision_features_are_parsed_and_deduplicated() -> None:
    env = {
        "GCP_SECRET_ID": "s",
        "VISION_FEATURES": " label_detection, LABEL_DETECTION,IMAGE_PROPERTIES ",
    }
    assert VisionConfig.from_env(env).features == ("LABEL_DETECTION", "IMAGE_PROPERTIES")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "GCP_SECRET_ID is required"),
        ({"GCP_SECRET_ID": "s", "VISION_FEATURES": "FACE_DETECTION"}, "FACE_DETECTION"),
        ({"GCP_SECRET_ID": "s", "VISION_MAX_RESULTS": "0"}, "VISION_MAX_RESULTS"),
        ({"GCP_SECRET_ID": "s", "VISION_TIMEOUT_SECONDS": "x"}, "VISION_TIMEOUT_SECONDS"),
        ({"VISION_API_ENDPOINT": "127.0.0.1:9000"}, "VISION_API_ENDPOINT must be an http"),
    ],
)
def test_vision_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        VisionConfig.from_env(env)


def test_cosmos_config(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    config = CosmosConfig.from_env({"COSMOS_SECRET_ID": "arn:c", "COSMOS_CA_BUNDLE": str(bundle)})
    assert config == CosmosConfig("arn:c", str(bundle))
    assert CosmosConfig.from_env({"COSMOS_SECRET_ID": "arn:c"}).ca_bundle is None


def test_cosmos_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="COSMOS_SECRET_ID is required"):
        CosmosConfig.from_env({})
    with pytest.raises(ConfigError, match="COSMOS_CA_BUNDLE must name an existing file"):
        CosmosConfig.from_env(
            {"COSMOS_SECRET_ID": "c", "COSMOS_CA_BUNDLE": str(tmp_path / "missing.pem")}
        )
