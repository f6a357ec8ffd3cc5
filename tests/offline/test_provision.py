"""The offline stack's resources on moto are shaped as the CDK stack makes them in AWS."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests

from lambdas.credentials import CosmosSettings, parse_gcp_credentials
from offline.provision import (
    MAX_RECEIVE_COUNT,
    AwsResources,
    cosmos_secret_json,
    moto_client,
    provision_aws,
)

pytestmark = pytest.mark.integration

SITE = "http://127.0.0.1:8999"


@pytest.fixture(scope="module")
def resources(moto_server: str) -> AwsResources:
    return provision_aws(
        moto_server,
        site_origins=[SITE],
        cosmos_secret=cosmos_secret_json("https://127.0.0.1:1/", "a2V5", "d", "c"),
        prefix=f"prov-{uuid.uuid4().hex[:8]}",
        visibility_timeout_seconds=1,
    )


def _keys_announced(sqs: Any, queue_url: str) -> list[str]:
    keys = []
    answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    for message in answer.get("Messages", []):
        body = json.loads(message["Body"])
        # S3 URL-encodes keys in event notifications.
        keys += [unquote_plus(r["s3"]["object"]["key"]) for r in body.get("Records", [])]
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return keys


def test_only_uploads_prefix_objects_are_announced_to_the_queue(
    moto_server: str, resources: AwsResources
) -> None:
    s3 = moto_client("s3", moto_server)
    sqs = moto_client("sqs", moto_server)
    _keys_announced(sqs, resources.queue_url)  # drop the s3:TestEvent of the configuration
    s3.put_object(Bucket=resources.bucket, Key="elsewhere/a.jpg", Body=b"x")
    s3.put_object(Bucket=resources.bucket, Key="uploads/b.jpg", Body=b"x")
    assert _keys_announced(sqs, resources.queue_url) == ["uploads/b.jpg"]


def test_the_queue_redrives_to_its_dead_letter_queue(
    moto_server: str, resources: AwsResources
) -> None:
    sqs = moto_client("sqs", moto_server)
    attributes = sqs.get_queue_attributes(
        QueueUrl=resources.queue_url, AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    policy = json.loads(attributes["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == resources.dlq_arn
    assert int(policy["maxReceiveCount"]) == MAX_RECEIVE_COUNT


def test_bucket_cors_preflight_allows_the_site_origin_only(
    moto_server: str, resources: AwsResources
) -> None:
    url = f"{moto_server}/{resources.bucket}"
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = requests.options(url, headers={**preflight, "Origin": SITE}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers.get("Access-Control-Allow-Origin") == SITE
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    # A failed preflight is a 403, as S3 answers (moto still echoes the origin header,
    # which a browser ignores on a non-OK preflight).
    refused = requests.options(url, headers={**preflight, "Origin": "http://evil"}, timeout=10)
    assert refused.status_code == 403


def test_secrets_have_the_shapes_the_functions_parse(
    moto_server: str, resources: AwsResources
) -> None:
    manager = moto_client("secretsmanager", moto_server)
    gcp = manager.get_secret_value(SecretId=resources.gcp_secret_arn)["SecretString"]
    assert parse_gcp_credentials(gcp)["type"] == "service_account"
    cosmos = manager.get_secret_value(SecretId=resources.cosmos_secret_arn)["SecretString"]
    assert CosmosSettings.from_secret(cosmos).database == "d"
