"""A missing upload is told apart from a denied read, whatever S3 answers for it.

S3 answers 404 for a missing key only to a caller that may list it, and 403 otherwise. The
stack grants analyze `s3:ListBucket` under `uploads/` (tests/infra); the adapter also checks a
403 by listing the key, so a photo deleted after its upload is skipped, never retried into the
dead-letter queue, while a real denial still surfaces.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from lambdas.adapters.storage import ObjectMissingError, Storage

BUCKET = "tricloud-uploads-0a1b2c3d4e5f"
KEY = "uploads/public/0d9c7c1e-4a7f-4a35-9a4e-2d7f3c1b5e60.jpg"


def _client() -> Any:
    return boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="example-secret",
    )


def _denied(stub: Stubber) -> None:
    stub.add_client_error(
        "get_object",
        service_error_code="AccessDenied",
        http_status_code=403,
        expected_params={"Bucket": BUCKET, "Key": KEY},
    )


def test_a_403_for_a_key_the_listing_lacks_is_a_missing_object() -> None:
    client = _client()
    with Stubber(client) as stub:
        _denied(stub)
        stub.add_response(
            "list_objects_v2",
            {"KeyCount": 0, "IsTruncated": False},
            {"Bucket": BUCKET, "Prefix": KEY, "MaxKeys": 1},
        )
        with pytest.raises(ObjectMissingError):
            Storage(client, BUCKET).read(KEY, 1024)
        stub.assert_no_pending_responses()


def test_a_403_for_a_listed_key_is_a_real_denial() -> None:
    client = _client()
    with Stubber(client) as stub:
        _denied(stub)
        stub.add_response(
            "list_objects_v2",
            {"KeyCount": 1, "Contents": [{"Key": KEY, "Size": 10}]},
            {"Bucket": BUCKET, "Prefix": KEY, "MaxKeys": 1},
        )
        with pytest.raises(ClientError, match="AccessDenied"):
            Storage(client, BUCKET).read(KEY, 1024)


def test_a_404_is_a_missing_object_without_listing() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("get_object", service_error_code="NoSuchKey", http_status_code=404)
        with pytest.raises(ObjectMissingError):
            Storage(client, BUCKET).read(KEY, 1024)
        stub.assert_no_pending_responses()
