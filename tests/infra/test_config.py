"""Configuration from context: defaults, accepted forms, and clear errors for bad values."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.config import SUPPORTED_VISION_FEATURES
from stacks.config import VISION_FEATURES, ConfigError, DomainConfig, TricloudConfig

from .synth import CDK_CONTEXT


def test_cdk_json_context_gives_the_documented_defaults() -> None:
    assert TricloudConfig.from_mapping(CDK_CONTEXT) == TricloudConfig()


def test_cli_strings_are_parsed() -> None:
    config = TricloudConfig.from_mapping(
        {
            "max_upload_bytes": "2048",
            "log_retention_days": "14",
            "vision_features": "label_detection, image_properties",
        }
    )
    assert config.max_upload_bytes == 2048
    assert config.log_retention_days == 14
    assert config.vision_features == ("LABEL_DETECTION", "IMAGE_PROPERTIES")


def test_the_stack_accepts_exactly_the_features_the_analyze_function_stores() -> None:
    assert set(SUPPORTED_VISION_FEATURES) == VISION_FEATURES
    with pytest.raises(ConfigError, match="TEXT_DETECTION"):
        TricloudConfig.from_mapping({"vision_features": "LABEL_DETECTION,TEXT_DETECTION"})


def test_domain_zone_name_defaults_to_the_domain() -> None:
    config = TricloudConfig.from_mapping(
        {"domain_name": "example.org", "hosted_zone_id": "Z123ABC"}
    )
    assert config.domain == DomainConfig("example.org", "Z123ABC", "example.org")


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stack_name": "1bad"}, "stack_name='1bad' is invalid"),
        ({"stack_name": "A" * 25}, "stack_name="),
        ({"log_level": "LOUD"}, "log_level='LOUD' is invalid: expected one of DEBUG"),
        ({"log_retention_days": 31}, "log_retention_days=31 is invalid"),
        ({"max_upload_bytes": 0}, "max_upload_bytes=0 is invalid: expected a whole number"),
        ({"max_upload_bytes": "ten"}, "max_upload_bytes='ten' is invalid"),
        ({"max_upload_bytes": True}, "max_upload_bytes=True is invalid"),
        ({"analyze_batch_size": 17}, "analyze_batch_size=17 is invalid"),
        (
            {"analyze_batch_size": 16, "analyze_batching_window_seconds": 0},
            "needs analyze_batching_window_seconds of at least 1",
        ),
        ({"analyze_max_concurrency": 1}, "analyze_max_concurrency=1 is invalid"),
        ({"dlq_max_receive_count": 0}, "dlq_max_receive_count=0 is invalid"),
        (
            {"api_throttle_rate_limit": 50, "api_throttle_burst_limit": 10},
            "api_throttle_burst_limit (10) must be at least api_throttle_rate_limit (50)",
        ),
        ({"domain_name": "photos.example.com"}, "needs both context domain_name and"),
        ({"hosted_zone_id": "Z123"}, "needs both context domain_name and"),
        (
            {
                "domain_name": "photos.example.com",
                "hosted_zone_id": "Z1",
                "hosted_zone_name": "x.org",
            },
            "is not inside hosted_zone_name='x.org'",
        ),
        ({"domain_name": "Not A Domain", "hosted_zone_id": "Z1"}, "domain_name='Not A Domain'"),
        ({"alarm_email": "nobody"}, "alarm_email='nobody' is invalid: expected an e-mail"),
        ({"gcp_secret_arn": "my-secret"}, "gcp_secret_arn='my-secret' is invalid"),
        ({"region": "Mars"}, "region='Mars' is invalid"),
        ({"account": "12345"}, "account='12345' is invalid"),
        ({"vision_features": "LABEL_DETECTION,SMELL"}, "unknown ['SMELL']"),
        ({"vision_features": " , "}, "empty list"),
        ({"access": "open"}, "access='open' is invalid: expected one of private, public"),
        ({"allow_signup": "yes"}, "allow_signup='yes' is invalid: expected true or false"),
        ({"access": "public", "allow_signup": True}, "allow_signup needs access=private"),
        ({"daily_image_limit": 0}, "daily_image_limit=0 is invalid"),
        ({"daily_image_limit_per_user": -1}, "daily_image_limit_per_user=-1 is invalid"),
        (
            {"daily_image_limit": 10, "daily_image_limit_per_user": 20},
            "daily_image_limit_per_user (20) must be at most daily_image_limit (10)",
        ),
    ],
)
def test_bad_values_are_rejected_with_the_key_named(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        TricloudConfig.from_mapping({**CDK_CONTEXT, **context})
    assert message in str(error.value)


def test_a_complete_secret_arn_is_accepted() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tricloud/gcp-AbC123"
    assert TricloudConfig.from_mapping({"gcp_secret_arn": arn}).gcp_secret_arn == arn


def test_access_defaults_to_private_with_caps() -> None:
    config = TricloudConfig.from_mapping({})
    assert (config.access, config.private, config.allow_signup) == ("private", True, False)
    assert (config.daily_image_limit, config.daily_image_limit_per_user) == (1000, 100)
    signup = TricloudConfig.from_mapping({"allow_signup": "true", "daily_image_limit": "500"})
    assert signup.allow_signup is True
    assert signup.daily_image_limit == 500
