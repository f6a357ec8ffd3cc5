"""The one place that picks the implementation of each port, by configuration.

``IMAGE_STORE`` (``cosmos``, the default, or ``dynamodb``) chooses the image store and
``LABELS_PROVIDER`` (``google-vision``, the default, or ``rekognition``) the labeller. Handlers
and services only see the ports (``lambdas.ports``); they never name a provider. Adapter
modules are imported only when chosen, so a function's bundle needs only the chosen SDKs
(tests/infra/test_bundle_imports.py walks exactly these imports).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lambdas.adapters.secrets import SecretsReader
from lambdas.config import ConfigError, ProviderChoice
from lambdas.ports import ImageStore, Labeller
from lambdas.services.cursor import CursorCodec, derive_cursor_key

__all__ = ["cursor_codec", "image_store", "labeller"]


def image_store(
    secrets: SecretsReader | None = None, env: Mapping[str, str] = os.environ
) -> ImageStore:
    """The image store named by ``IMAGE_STORE``."""
    choice = ProviderChoice.from_env(env).image_store
    if choice == "dynamodb":
        from lambdas.adapters.dynamodb import DynamoImageStore  # noqa: PLC0415
        from lambdas.config import DynamoConfig  # noqa: PLC0415

        return DynamoImageStore.from_config(DynamoConfig.from_env(env))
    from lambdas.adapters.cosmos import CosmosImageStore  # noqa: PLC0415
    from lambdas.config import CosmosConfig  # noqa: PLC0415

    return CosmosImageStore.from_config(CosmosConfig.from_env(env), secrets)


def labeller(secrets: SecretsReader | None = None, env: Mapping[str, str] = os.environ) -> Labeller:
    """The labeller named by ``LABELS_PROVIDER``."""
    choice = ProviderChoice.from_env(env).labels_provider
    if choice == "rekognition":
        from lambdas.adapters.rekognition import RekognitionLabeller  # noqa: PLC0415
        from lambdas.config import LabelsConfig  # noqa: PLC0415

        return RekognitionLabeller(LabelsConfig.from_env(env))
    from lambdas.adapters.vision import VisionAnnotator  # noqa: PLC0415
    from lambdas.config import VisionConfig  # noqa: PLC0415
    from lambdas.credentials import parse_gcp_credentials  # noqa: PLC0415

    config = VisionConfig.from_env(env)
    if config.api_endpoint is not None:  # the offline stack: no credentials
        return VisionAnnotator(config)
    reader = secrets or SecretsReader()
    secret_id = config.secret_id
    assert secret_id is not None  # VisionConfig requires it without an endpoint

    def load_gcp(refresh: bool) -> dict[str, Any]:
        return parse_gcp_credentials(reader.get(secret_id, refresh=refresh))

    return VisionAnnotator(config, load_gcp)


def cursor_codec(
    store: ImageStore, secrets: SecretsReader | None = None, env: Mapping[str, str] = os.environ
) -> CursorCodec:
    """Signs gallery cursors with a server-side key nobody types in.

    Cosmos DB: derived from the Cosmos key (no extra secret). DynamoDB: derived from the
    random cursor key CloudFormation generates in Secrets Manager (``CURSOR_SECRET_ID``).
    """
    if ProviderChoice.from_env(env).image_store == "cosmos":
        settings = getattr(store, "settings", None)
        if settings is None:
            raise ConfigError("the Cosmos store has no settings to derive the cursor key from")
        return CursorCodec(derive_cursor_key(settings.key))
    secret_id = env.get("CURSOR_SECRET_ID", "").strip()
    if not secret_id:
        raise ConfigError("environment variable CURSOR_SECRET_ID is required")
    return CursorCodec(derive_cursor_key((secrets or SecretsReader()).get(secret_id)))
