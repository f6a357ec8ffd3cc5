"""Typed, validated configuration of the tricloud app, read once from CDK context.

Every setting is a flat context key (in `cdk.json` or `npx cdk synth -c key=value`), so values
may arrive as JSON numbers or as strings; both are accepted. A bad value raises `ConfigError`
naming the key, the value and what is allowed.

Keys (defaults in `cdk.json` and on `TricloudConfig`):
- stack_name, account, region: where the stack goes (account/region default to the CLI's).
- domain_name + hosted_zone_id (+ hosted_zone_name): optional custom domain in Route 53.
- alarm_email: optional address subscribed to every alarm.
- gcp_secret_arn, cosmos_secret_arn: import existing secrets instead of creating empty ones.
- log_level, log_retention_days: Powertools log level; CloudWatch Logs retention.
- max_upload_bytes, max_image_pixels, upload_url_ttl_seconds, image_url_ttl_seconds,
  image_expiry_days (0 keeps images): upload limits and lifetimes.
- dlq_max_receive_count, analyze_batch_size, analyze_batching_window_seconds,
  analyze_max_concurrency: the S3 -> SQS -> analyze pipeline.
- lambda_python_version: the Lambda Python runtime (and the wheels and bytecode bundled for it).
- api_throttle_rate_limit, api_throttle_burst_limit: API stage throttling.
- vision_features, vision_max_results, vision_timeout_seconds: the labelling request (Vision's,
  or the same features mapped to Rekognition).
- labels (google-vision | rekognition), store (cosmos | dynamodb): the two providers.
- access (private | public), allow_signup: who may use the API (Cognito sign-in or anyone).
- daily_image_limit, daily_image_limit_per_user: the spending cap (uploads per UTC day).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# The Vision features whose results the image document stores. The analyze function
# refuses any other (lambdas/config.py); tests/infra/test_config.py keeps the two lists equal.
VISION_FEATURES = frozenset(
    {
        "LABEL_DETECTION",
        "OBJECT_LOCALIZATION",
        "SAFE_SEARCH_DETECTION",
        "IMAGE_PROPERTIES",
    }
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Lambda's Python runtimes on arm64 that the code supports (3.11 is the oldest it runs on).
LAMBDA_PYTHON_VERSIONS = ("3.11", "3.12", "3.13", "3.14")
DEFAULT_LAMBDA_PYTHON = "3.14"
# Attempts before an upload goes to the dead-letter queue. AWS recommends at least 5 for an SQS
# event source (throttled receives count too); with a visibility timeout of 6 x 120 s, five
# receives ride out about an hour of a Vision or Cosmos outage before a message is parked.
DEFAULT_DLQ_MAX_RECEIVE_COUNT = 5
# Who labels the photos, and where the image documents live (lambdas/config.py reads the same).
LABELS_PROVIDERS = ("google-vision", "rekognition")
IMAGE_STORES = ("cosmos", "dynamodb")
ACCESS_MODES = ("private", "public")
# The values CloudWatch Logs accepts for a retention period, in days.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)

_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,23}")
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_ZONE_ID = re.compile(r"Z[A-Z0-9]{1,31}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d")
# Regions outside the commercial `aws` partition, by prefix, and why tricloud cannot go there.
_UNSUPPORTED_PARTITIONS = {
    "cn-": "the China partition (aws-cn) has no *.cloudfront.net HTTPS domain and needs an ICP "
    "licence and a separate account",
    "us-gov-": "the GovCloud partition (aws-us-gov) has no CloudFront",
    "us-iso": "the isolated partitions have no CloudFront",
    "eu-isoe-": "the isolated partitions have no CloudFront",
}
_SECRET_ARN = re.compile(
    r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-\w{6}"
)


class ConfigError(ValueError):
    """A context value is missing, malformed or out of range."""


@dataclass(frozen=True)
class DomainConfig:
    """An optional custom domain served by CloudFront (Route 53 zone + ACM certificate)."""

    domain_name: str
    hosted_zone_id: str
    hosted_zone_name: str


@dataclass(frozen=True)
class TricloudConfig:
    """Everything the stacks need to know, validated."""

    stack_name: str = "Tricloud"
    account: str | None = None
    region: str | None = None
    domain: DomainConfig | None = None
    alarm_email: str | None = None
    gcp_secret_arn: str | None = None
    cosmos_secret_arn: str | None = None
    log_level: str = "INFO"
    log_retention_days: int = 30
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    upload_url_ttl_seconds: int = 300
    image_url_ttl_seconds: int = 300
    image_expiry_days: int = 0
    dlq_max_receive_count: int = DEFAULT_DLQ_MAX_RECEIVE_COUNT
    # Batches of up to 10 with no batching window: a lone upload is analysed at once, while
    # under load each invocation still takes every message already waiting (up to 10) and
    # Vision gets one call per batch. A batch over 10 would need a window of >= 1 s on a
    # standard queue, which every lone upload would wait for (bench/latency.py).
    analyze_batch_size: int = 10
    analyze_batching_window_seconds: int = 0
    analyze_max_concurrency: int = 5
    api_throttle_rate_limit: int = 20
    api_throttle_burst_limit: int = 40
    vision_features: tuple[str, ...] = (
        "LABEL_DETECTION",
        "OBJECT_LOCALIZATION",
        "SAFE_SEARCH_DETECTION",
        "IMAGE_PROPERTIES",
    )
    vision_max_results: int = 10
    vision_timeout_seconds: int = 20
    lambda_python_version: str = DEFAULT_LAMBDA_PYTHON
    labels: str = "google-vision"
    store: str = "cosmos"

    @property
    def uses_gcp(self) -> bool:
        """Google Cloud Vision labels the photos (its credentials secret is needed)."""
        return self.labels == "google-vision"

    @property
    def uses_cosmos(self) -> bool:
        """Cosmos DB keeps the documents (its connection secret is needed)."""
        return self.store == "cosmos"

    access: str = "private"
    allow_signup: bool = False
    # About 0.6 US cents of Vision per image (four features): at most ~6 USD a day by default.
    daily_image_limit: int = 1000
    daily_image_limit_per_user: int = 100

    @property
    def private(self) -> bool:
        """True when the API needs a Cognito sign-in."""
        return self.access == "private"

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> TricloudConfig:
        """Build the config from a context getter such as `app.node.try_get_context`."""
        reader = _Reader(get)
        config = cls(
            stack_name=reader.text(
                "stack_name", "Tricloud", _STACK_NAME, "1-24 letters, digits or -"
            ),
            account=reader.optional_text("account", _ACCOUNT, "a 12-digit AWS account id"),
            region=reader.optional_text("region", _REGION, "an AWS region such as eu-west-1"),
            domain=_domain(reader),
            alarm_email=reader.optional_text("alarm_email", _EMAIL, "an e-mail address"),
            gcp_secret_arn=reader.optional_text("gcp_secret_arn", _SECRET_ARN, _ARN_HELP),
            cosmos_secret_arn=reader.optional_text("cosmos_secret_arn", _SECRET_ARN, _ARN_HELP),
            log_level=reader.choice("log_level", "INFO", LOG_LEVELS),
            log_retention_days=reader.choice("log_retention_days", 30, LOG_RETENTION_DAYS),
            max_upload_bytes=reader.integer("max_upload_bytes", 10 * 1024 * 1024, 1, 100 * 2**20),
            max_image_pixels=reader.integer("max_image_pixels", 40_000_000, 1, 200_000_000),
            upload_url_ttl_seconds=reader.integer("upload_url_ttl_seconds", 300, 30, 3600),
            image_url_ttl_seconds=reader.integer("image_url_ttl_seconds", 300, 30, 3600),
            image_expiry_days=reader.integer("image_expiry_days", 0, 0, 3650),
            dlq_max_receive_count=reader.integer(
                "dlq_max_receive_count", DEFAULT_DLQ_MAX_RECEIVE_COUNT, 1, 20
            ),
            analyze_batch_size=reader.integer("analyze_batch_size", 10, 1, 16),
            analyze_batching_window_seconds=reader.integer(
                "analyze_batching_window_seconds", 0, 0, 300
            ),
            analyze_max_concurrency=reader.integer("analyze_max_concurrency", 5, 2, 1000),
            api_throttle_rate_limit=reader.integer("api_throttle_rate_limit", 20, 1, 10_000),
            api_throttle_burst_limit=reader.integer("api_throttle_burst_limit", 40, 1, 5_000),
            vision_features=_vision_features(reader),
            vision_max_results=reader.integer("vision_max_results", 10, 1, 100),
            vision_timeout_seconds=reader.integer("vision_timeout_seconds", 20, 1, 60),
            lambda_python_version=reader.choice(
                "lambda_python_version", DEFAULT_LAMBDA_PYTHON, LAMBDA_PYTHON_VERSIONS
            ),
            labels=reader.choice("labels", "google-vision", LABELS_PROVIDERS),
            store=reader.choice("store", "cosmos", IMAGE_STORES),
            access=reader.choice("access", "private", ACCESS_MODES),
            allow_signup=reader.boolean("allow_signup", default=False),
            daily_image_limit=reader.integer("daily_image_limit", 1000, 1, 1_000_000),
            daily_image_limit_per_user=reader.integer(
                "daily_image_limit_per_user", 100, 1, 1_000_000
            ),
        )
        check_region(config.region)
        if config.daily_image_limit_per_user > config.daily_image_limit:
            raise ConfigError(
                f"daily_image_limit_per_user ({config.daily_image_limit_per_user}) must be at "
                f"most daily_image_limit ({config.daily_image_limit})"
            )
        if config.allow_signup and not config.private:
            raise ConfigError("allow_signup needs access=private (public mode has no sign-in)")
        if config.analyze_batch_size > 10 and config.analyze_batching_window_seconds < 1:
            raise ConfigError(
                f"analyze_batch_size={config.analyze_batch_size} needs "
                "analyze_batching_window_seconds of at least 1 (SQS rule for batches over 10)"
            )
        if config.api_throttle_burst_limit < config.api_throttle_rate_limit:
            raise ConfigError(
                f"api_throttle_burst_limit ({config.api_throttle_burst_limit}) must be at least "
                f"api_throttle_rate_limit ({config.api_throttle_rate_limit})"
            )
        if config.gcp_secret_arn and not config.uses_gcp:
            raise ConfigError("context gcp_secret_arn is only used with labels=google-vision")
        if config.cosmos_secret_arn and not config.uses_cosmos:
            raise ConfigError("context cosmos_secret_arn is only used with store=cosmos")
        return config

    @classmethod
    def from_mapping(cls, context: Mapping[str, Any]) -> TricloudConfig:
        """Build the config from a plain mapping (tests, tools)."""
        return cls.from_context(context.get)


_ARN_HELP = "a complete Secrets Manager secret ARN (ending in -XXXXXX)"


class _Reader:
    """Reads and checks single context values, naming the key in every error."""

    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get

    def raw(self, key: str) -> Any:
        value = self._get(key)
        return None if value in (None, "") else value

    def text(self, key: str, default: str, pattern: re.Pattern[str], help_text: str) -> str:
        value = self.optional_text(key, pattern, help_text)
        return default if value is None else value

    def optional_text(self, key: str, pattern: re.Pattern[str], help_text: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ConfigError(f"context {key}={value!r} is invalid: expected {help_text}")
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.raw(key)
        if value is None:
            return default
        number = _as_int(value)
        if number is None or not low <= number <= high:
            raise ConfigError(
                f"context {key}={value!r} is invalid: expected a whole number from {low} to {high}"
            )
        return number

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ConfigError(f"context {key}={value!r} is invalid: expected true or false")

    def choice(self, key: str, default: T, allowed: tuple[T, ...]) -> T:
        value = self.raw(key)
        if value is None:
            return default
        for option in allowed:
            if value == option or (isinstance(option, int) and _as_int(value) == option):
                return option
            # A version such as 3.11 may arrive as a JSON number.
            if isinstance(option, str) and isinstance(value, float) and str(value) == option:
                return option
        shown = ", ".join(str(option) for option in allowed)
        raise ConfigError(f"context {key}={value!r} is invalid: expected one of {shown}")


def _as_int(value: object) -> int | None:
    """An int from an int or a string of digits; None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def check_region(region: str | None) -> None:
    """Refuse regions outside the commercial partition, saying why."""
    for prefix, reason in _UNSUPPORTED_PARTITIONS.items():
        if region and region.startswith(prefix):
            raise ConfigError(
                f"context region={region!r} is not supported: {reason}. "
                "Deploy tricloud to a region of the aws partition (e.g. eu-west-1)"
            )


def _domain(reader: _Reader) -> DomainConfig | None:
    """The custom domain, when `domain_name` and `hosted_zone_id` are both given."""
    name = reader.optional_text("domain_name", _DOMAIN, "a lower-case DNS name")
    zone_id = reader.optional_text("hosted_zone_id", _ZONE_ID, "a Route 53 hosted zone id (Z...)")
    zone_name = reader.optional_text("hosted_zone_name", _DOMAIN, "a lower-case DNS name")
    if name is None and zone_id is None and zone_name is None:
        return None
    if name is None or zone_id is None:
        raise ConfigError(
            "a custom domain needs both context domain_name and hosted_zone_id "
            "(and hosted_zone_name when the zone is a parent of domain_name)"
        )
    zone_name = zone_name or name
    if name != zone_name and not name.endswith("." + zone_name):
        raise ConfigError(
            f"context domain_name={name!r} is not inside hosted_zone_name={zone_name!r}"
        )
    return DomainConfig(domain_name=name, hosted_zone_id=zone_id, hosted_zone_name=zone_name)


def _vision_features(reader: _Reader) -> tuple[str, ...]:
    """The Vision feature list: a comma-separated string or a JSON list of feature names."""
    value = reader.raw("vision_features")
    if value is None:
        return TricloudConfig.vision_features
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple):
        raise ConfigError(f"context vision_features={value!r} is invalid: expected a list")
    features = tuple(str(name).strip().upper() for name in names if str(name).strip())
    unknown = sorted(set(features) - VISION_FEATURES)
    if not features or unknown:
        raise ConfigError(
            f"context vision_features={value!r} is invalid: unknown {unknown or 'empty list'}; "
            f"choose from {', '.join(sorted(VISION_FEATURES))}"
        )
    return features
