"""The one place that picks the implementation of each port, by configuration.

``IMAGE_STORE`` (``cosmos``, the default) chooses the image store. Handlers and services only
see the ports (``lambdas.ports``); they never name a provider.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from lambdas.adapters.cosmos import CosmosImageStore
from lambdas.adapters.secrets import SecretsReader
from lambdas.config import ConfigError, CosmosConfig
from lambdas.ports import ImageStore
from lambdas.services.cursor import CursorCodec, derive_cursor_key

__all__ = ["cursor_codec", "image_store"]

IMAGE_STORES = ("cosmos",)


def image_store(
    secrets: SecretsReader | None = None, env: Mapping[str, str] = os.environ
) -> ImageStore:
    """The image store named by ``IMAGE_STORE``."""
    name = env.get("IMAGE_STORE", "").strip() or "cosmos"
    if name not in IMAGE_STORES:
        allowed = ", ".join(IMAGE_STORES)
        raise ConfigError(f"environment variable IMAGE_STORE must be one of {allowed}")
    return CosmosImageStore.from_config(CosmosConfig.from_env(env), secrets)


def cursor_codec(store: ImageStore) -> CursorCodec:
    """Signs gallery cursors with a key derived from the store's own secret (no extra secret)."""
    if isinstance(store, CosmosImageStore):
        return CursorCodec(derive_cursor_key(store.settings.key))
    raise ConfigError("no cursor key is known for this image store")
