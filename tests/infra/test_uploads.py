"""Uploads: CORS from the site only, lifecycle, S3 -> SQS (SSE, DLQ) -> analyze."""

from __future__ import annotations

from typing import Any

from .synth import Synth


def _uploads_bucket(synth: Synth) -> dict[str, Any]:
    return dict(synth.resources("AWS::S3::Bucket")["UploadsBucketC4B27CC7"]["Properties"])


def _queues(synth: Synth) -> tuple[dict[str, Any], dict[str, Any]]:
    queues = synth.resources("AWS::SQS::Queue")
    return queues["UploadsEvents9279B194"]["Properties"], queues["UploadsDeadLetters990BC9BA"][
        "Properties"
    ]


def test_cors_allows_only_post_from_the_site(default: Synth) -> None:
    (rule,) = _uploads_bucket(default)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [
        {"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["SiteDistribution390DED28", "DomainName"]}]]}
    ]


def test_cors_also_allows_the_custom_domain(variant: Synth) -> None:
    (rule,) = _uploads_bucket(variant)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"][1] == "https://photos.example.com"


def test_lifecycle_aborts_incomplete_uploads_and_expiry_is_optional(
    default: Synth, variant: Synth
) -> None:
    (abort,) = _uploads_bucket(default)["LifecycleConfiguration"]["Rules"]
    assert abort["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    rules = _uploads_bucket(variant)["LifecycleConfiguration"]["Rules"]
    expiry = {rule["Id"]: (rule["Prefix"], rule["ExpirationInDays"]) for rule in rules[1:]}
    # A photo and its thumbnail expire together.
    assert expiry == {"expire-images": ("uploads/", 30), "expire-thumbs": ("thumbs/", 30)}


def test_object_created_under_uploads_goes_to_the_queue(default: Synth) -> None:
    notifications = default.only("Custom::S3BucketNotifications")["NotificationConfiguration"]
    (queue_config,) = notifications["QueueConfigurations"]
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    assert queue_config["Filter"] == {
        "Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}
    }
    assert queue_config["QueueArn"] == {"Fn::GetAtt": ["UploadsEvents9279B194", "Arn"]}


def test_queues_are_encrypted_with_a_dead_letter_queue(default: Synth, variant: Synth) -> None:
    events, dead_letters = _queues(default)
    assert events["SqsManagedSseEnabled"] is True
    assert dead_letters["SqsManagedSseEnabled"] is True
    assert events["RedrivePolicy"]["maxReceiveCount"] == 3
    assert _queues(variant)[0]["RedrivePolicy"]["maxReceiveCount"] == 5
    assert dead_letters["MessageRetentionPeriod"] > events["MessageRetentionPeriod"]


def test_visibility_timeout_exceeds_six_analyze_timeouts(default: Synth) -> None:
    analyze = next(
        f["Properties"]
        for f in default.resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == "lambdas.handlers.analyze.handler"
    )
    assert _queues(default)[0]["VisibilityTimeout"] >= 6 * analyze["Timeout"]  # AWS: at least


def test_analyze_consumes_batches_and_reports_item_failures(default: Synth, variant: Synth) -> None:
    mapping = default.only("AWS::Lambda::EventSourceMapping")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["UploadsEvents9279B194", "Arn"]}
    assert mapping["FunctionName"]["Ref"].startswith("FunctionsAnalyze")
    # Up to 10 at once, no window: a lone upload is analysed at once (bench/latency.py).
    assert mapping["BatchSize"] == 10
    assert mapping.get("MaximumBatchingWindowInSeconds", 0) == 0
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert variant.only("AWS::Lambda::EventSourceMapping")["BatchSize"] == 10
