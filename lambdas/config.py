"""Configuration of the functions, read from environment variables once per container.

Each function reads only the groups it needs (a group fails only when one of its own variables
is missing or malformed), and every problem raises :class:`ConfigError` naming the variable.
Endpoints for the offline stack are configuration too: ``AWS_ENDPOINT_URL`` (and per-service
``AWS_ENDPOINT_URL_<SERVICE>``) are honoured by boto3 itself, ``VISION_API_ENDPOINT`` and
``COSMOS_CA_BUNDLE`` are read here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "SUPPORTED_VISION_FEATURES",
    "ConfigError",
    "CosmosConfig",
    "DynamoConfig",
    "ImageLimits",
    "LabelsConfig",
    "ProviderChoice",
    "RetryConfig",
    "StorageConfig",
    "UsageConfig",
    "VisionConfig",
]

IMAGE_STORES = ("cosmos", "dynamodb")
LABELS_PROVIDERS = ("google-vision", "rekognition")

MIB = 1024 * 1024

# The Vision features whose results the image document stores.
SUPPORTED_VISION_FEATURES: tuple[str, ...] = (
    "LABEL_DETECTION",
    "OBJECT_LOCALIZATION",
    "SAFE_SEARCH_DETECTION",
    "IMAGE_PROPERTIES",
)


class ConfigError(ValueError):
    """An environment variable is missing or malformed."""


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is required")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"environment variable {name} must be between {low} and {high}")
    return value


@dataclass(frozen=True)
class StorageConfig:
    """The upload bucket and how long pre-signed URLs stay valid."""

    bucket: str
    max_upload_bytes: int
    upload_url_ttl_seconds: int
    image_url_ttl_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> StorageConfig:
        """Read UPLOAD_BUCKET, MAX_UPLOAD_BYTES and the two URL lifetimes."""
        return cls(
            bucket=_required(env, "UPLOAD_BUCKET"),
            max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", 10 * MIB, 1, 5 * 1024 * MIB),
            upload_url_ttl_seconds=_int(env, "UPLOAD_URL_TTL_SECONDS", 300, 10, 3600),
            image_url_ttl_seconds=_int(env, "IMAGE_URL_TTL_SECONDS", 300, 10, 3600),
        )


@dataclass(frozen=True)
class ImageLimits:
    """What the analyzer accepts: at most this many bytes and pixels."""

    max_bytes: int
    max_pixels: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ImageLimits:
        """Read MAX_UPLOAD_BYTES and MAX_IMAGE_PIXELS."""
        return cls(
            max_bytes=_int(env, "MAX_UPLOAD_BYTES", 10 * MIB, 1, 5 * 1024 * MIB),
            max_pixels=_int(env, "MAX_IMAGE_PIXELS", 40_000_000, 1, 500_000_000),
        )


@dataclass(frozen=True)
class RetryConfig:
    """Receives of an SQS message before it moves to the dead-letter queue (the redrive policy)."""

    max_receive_count: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RetryConfig:
        """Read DLQ_MAX_RECEIVE_COUNT."""
        return cls(max_receive_count=_int(env, "DLQ_MAX_RECEIVE_COUNT", 5, 1, 1000))


@dataclass(frozen=True)
class VisionConfig:
    """How to call Cloud Vision: features, limits, and either a secret or a local endpoint."""

    features: tuple[str, ...]
    max_results: int
    timeout_seconds: int
    secret_id: str | None
    api_endpoint: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> VisionConfig:
        """Read VISION_* and GCP_SECRET_ID (not needed when VISION_API_ENDPOINT is set)."""
        api_endpoint = _optional(env, "VISION_API_ENDPOINT")
        if api_endpoint is not None and urlsplit(api_endpoint).scheme not in ("http", "https"):
            raise ConfigError("environment variable VISION_API_ENDPOINT must be an http(s) URL")
        secret_id = _optional(env, "GCP_SECRET_ID")
        if secret_id is None and api_endpoint is None:
            raise ConfigError("environment variable GCP_SECRET_ID is required")
        return cls(
            features=_features(env.get("VISION_FEATURES", "")),
            max_results=_int(env, "VISION_MAX_RESULTS", 10, 1, 100),
            timeout_seconds=_int(env, "VISION_TIMEOUT_SECONDS", 20, 1, 600),
            secret_id=secret_id,
            api_endpoint=api_endpoint,
        )


def _features(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip().upper() for n in raw.split(",") if n.strip()))
    if not names:
        return SUPPORTED_VISION_FEATURES
    unknown = [n for n in names if n not in SUPPORTED_VISION_FEATURES]
    if unknown:
        raise ConfigError(
            "environment variable VISION_FEATURES has unsupported feature(s) "
            f"{', '.join(unknown)}; choose from {', '.join(SUPPORTED_VISION_FEATURES)}"
        )
    return names


@dataclass(frozen=True)
class CosmosConfig:
    """Which secret holds the Cosmos DB settings, and an optional CA bundle to verify TLS."""

    secret_id: str
    ca_bundle: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CosmosConfig:
        """Read COSMOS_SECRET_ID and COSMOS_CA_BUNDLE (a PEM file; offline stack only)."""
        ca_bundle = _optional(env, "COSMOS_CA_BUNDLE")
        if ca_bundle is not None and not os.path.isfile(ca_bundle):
            raise ConfigError("environment variable COSMOS_CA_BUNDLE must name an existing file")
        return cls(secret_id=_required(env, "COSMOS_SECRET_ID"), ca_bundle=ca_bundle)


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise ConfigError(f"environment variable {name} must be one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class ProviderChoice:
    """Which document store and which labeller this deployment uses."""

    image_store: str
    labels_provider: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ProviderChoice:
        """Read IMAGE_STORE (cosmos|dynamodb) and LABELS_PROVIDER (google-vision|rekognition)."""
        return cls(
            image_store=_choice(env, "IMAGE_STORE", "cosmos", IMAGE_STORES),
            labels_provider=_choice(env, "LABELS_PROVIDER", "google-vision", LABELS_PROVIDERS),
        )


@dataclass(frozen=True)
class LabelsConfig:
    """What any labeller is asked for: features, results per feature, time allowed.

    The same VISION_* variables steer Rekognition (LABEL_DETECTION and OBJECT_LOCALIZATION map
    to DetectLabels, IMAGE_PROPERTIES to its image properties, SAFE_SEARCH_DETECTION to
    DetectModerationLabels).
    """

    features: tuple[str, ...]
    max_results: int
    timeout_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> LabelsConfig:
        """Read VISION_FEATURES, VISION_MAX_RESULTS and VISION_TIMEOUT_SECONDS."""
        return cls(
            features=_features(env.get("VISION_FEATURES", "")),
            max_results=_int(env, "VISION_MAX_RESULTS", 10, 1, 100),
            timeout_seconds=_int(env, "VISION_TIMEOUT_SECONDS", 20, 1, 600),
        )


@dataclass(frozen=True)
class DynamoConfig:
    """The DynamoDB table of image documents."""

    table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DynamoConfig:
        """Read IMAGES_TABLE."""
        return cls(table=_required(env, "IMAGES_TABLE"))


@dataclass(frozen=True)
class UsageConfig:
    """The daily cap: the counter table and the limits (uploads per UTC day)."""

    table: str
    daily_limit: int
    daily_limit_per_user: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UsageConfig:
        """Read USAGE_TABLE, DAILY_IMAGE_LIMIT and DAILY_IMAGE_LIMIT_PER_USER."""
        return cls(
            table=_required(env, "USAGE_TABLE"),
            daily_limit=_int(env, "DAILY_IMAGE_LIMIT", 1000, 1, 1_000_000),
            daily_limit_per_user=_int(env, "DAILY_IMAGE_LIMIT_PER_USER", 100, 1, 1_000_000),
        )
