"""lambdas.providers: the adapters named by IMAGE_STORE / LABELS_PROVIDER, and clear errors."""

from __future__ import annotations

import pytest

from lambdas import providers
from lambdas.adapters.dynamodb import DynamoImageStore
from lambdas.adapters.rekognition import RekognitionLabeller
from lambdas.config import ConfigError, ProviderChoice

ENV = {"IMAGES_TABLE": "images", "COSMOS_SECRET_ID": "cosmos", "VISION_API_ENDPOINT": "http://x"}


def test_defaults_are_vision_and_cosmos() -> None:
    assert ProviderChoice.from_env({}) == ProviderChoice("cosmos", "google-vision")


def test_the_chosen_adapters_are_built() -> None:
    env = {**ENV, "IMAGE_STORE": "dynamodb", "LABELS_PROVIDER": "Rekognition "}
    assert isinstance(providers.image_store(env=env), DynamoImageStore)
    labeller = providers.labeller(env=env)
    assert isinstance(labeller, RekognitionLabeller)
    assert labeller.name == "Rekognition"
    assert providers.labeller(env=ENV).name == "Vision"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IMAGE_STORE": "mongo"}, "IMAGE_STORE must be one of cosmos, dynamodb"),
        ({"LABELS_PROVIDER": "clip"}, "LABELS_PROVIDER must be one of google-vision, rekognition"),
        ({"IMAGE_STORE": "dynamodb"}, "IMAGES_TABLE is required"),
    ],
)
def test_bad_choices_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        providers.image_store(env=env)
        providers.labeller(env=env)


def test_dynamodb_cursors_need_the_generated_key() -> None:
    env = {**ENV, "IMAGE_STORE": "dynamodb"}
    with pytest.raises(ConfigError, match="CURSOR_SECRET_ID is required"):
        providers.cursor_codec(providers.image_store(env=env), env=env)
