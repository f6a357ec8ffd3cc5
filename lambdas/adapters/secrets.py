"""Secrets Manager reader with a per-container cache.

A secret is fetched on first use and then served from memory, so a warm container does not
call Secrets Manager again. When a downstream service rejects the credentials (for example
after a rotation), callers ask for ``refresh=True`` to fetch the current value once more.
"""

from __future__ import annotations

from typing import Any

import boto3

__all__ = ["SecretsReader"]


class SecretsReader:
    """Reads SecretString values by id (name or ARN) and caches them for the container's life."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client
        self._cache: dict[str, str] = {}

    def get(self, secret_id: str, *, refresh: bool = False) -> str:
        """The secret's SecretString, from the cache unless ``refresh`` or not yet fetched."""
        if refresh or secret_id not in self._cache:
            if self._client is None:
                self._client = boto3.client("secretsmanager")
            response = self._client.get_secret_value(SecretId=secret_id)
            value = response.get("SecretString")
            if not isinstance(value, str):
                raise ValueError("secret has no SecretString (binary secrets are not supported)")
            self._cache[secret_id] = value
        return self._cache[secret_id]
