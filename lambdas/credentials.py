"""Parse and check the two secrets the functions read from Secrets Manager.

- GCP: the JSON file exactly as Google gives it, either a ``service_account`` key or an
  ``external_account`` (Workload Identity Federation) configuration.
- Cosmos DB: ``{"endpoint": "https://...", "key": "...", "database": "...", "container": "..."}``.

Every problem raises :class:`CredentialsError` whose message names fields, never values, so it
is safe to log or print. The ``tricloud`` command reuses these functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CosmosSettings", "CredentialsError", "parse_gcp_credentials"]

# Fields the google-auth loaders need for each credential type.
_GCP_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "service_account": ("client_email", "private_key", "token_uri"),
    "external_account": ("audience", "subject_token_type", "token_url", "credential_source"),
}


class CredentialsError(ValueError):
    """A secret is malformed; the message never contains the secret's text."""


def _load_json_object(text: str, what: str) -> dict[str, Any]:
    """Decode ``text`` as a JSON object, or raise a CredentialsError that quotes none of it."""
    if not isinstance(text, str) or not text.strip():
        raise CredentialsError(f"{what} is empty")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        # The position is useful and harmless; the message and document are not quoted.
        raise CredentialsError(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(value, dict):
        raise CredentialsError(f"{what} must be a JSON object")
    return value


def _missing_fields(info: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """Names in ``names`` that are absent, empty, or of the wrong kind in ``info``."""
    missing = []
    for name in names:
        value = info.get(name)
        if name == "credential_source":
            ok = isinstance(value, dict) and bool(value)
        else:
            ok = isinstance(value, str) and bool(value.strip())
        if not ok:
            missing.append(name)
    return missing


def parse_gcp_credentials(text: str) -> dict[str, Any]:
    """Return the GCP credential JSON as a dict after checking its type and required fields.

    Accepts ``service_account`` keys and ``external_account`` (Workload Identity Federation)
    configurations. Raises CredentialsError otherwise.
    """
    info = _load_json_object(text, "GCP credentials")
    kind = info.get("type")
    if not isinstance(kind, str) or kind not in _GCP_REQUIRED_FIELDS:
        allowed = " or ".join(repr(k) for k in _GCP_REQUIRED_FIELDS)
        raise CredentialsError(f"GCP credentials: field 'type' must be {allowed}")
    missing = _missing_fields(info, _GCP_REQUIRED_FIELDS[kind])
    if missing:
        raise CredentialsError(
            f"GCP {kind} credentials: missing or empty field(s): {', '.join(missing)}"
        )
    return info


@dataclass(frozen=True)
class CosmosSettings:
    """Where and how to reach the Cosmos DB container. ``repr`` hides the key."""

    endpoint: str
    key: str = field(repr=False)
    database: str
    container: str

    @classmethod
    def from_secret(cls, text: str) -> CosmosSettings:
        """Parse the Cosmos secret JSON; raise CredentialsError when a field is missing or bad."""
        info = _load_json_object(text, "Cosmos secret")
        names = ("endpoint", "key", "database", "container")
        missing = _missing_fields(info, names)
        if missing:
            raise CredentialsError(
                f"Cosmos secret: missing or empty field(s): {', '.join(missing)}"
            )
        endpoint = info["endpoint"].strip()
        try:
            parts = urlsplit(endpoint)
            host = parts.hostname
        except ValueError:
            host = None
        if not host or parts.scheme != "https":
            raise CredentialsError("Cosmos secret: field 'endpoint' must be an https:// URL")
        return cls(
            endpoint=endpoint,
            key=info["key"].strip(),
            database=info["database"].strip(),
            container=info["container"].strip(),
        )
