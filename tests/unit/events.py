"""Real Lambda event shapes for driving the handlers: API Gateway REST proxy and SQS batches."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

ACCOUNT = "123456789012"
REGION = "us-east-1"
#: The signed-in user of API events by default (a Cognito ``sub``).
TEST_OWNER = "0f4e1f8a-2c3b-4d5e-8f90-1a2b3c4d5e6f"


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from the Lambda context object."""

    function_name: str = "tricloud-test"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:tricloud-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: str | None = None,
    base64_body: bool = False,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    owner: str | None = TEST_OWNER,
) -> dict[str, Any]:
    """An API Gateway REST API (v1) proxy integration event, as a ``{proxy+}`` route sends it.

    ``owner`` is the ``sub`` the Cognito authorizer passes on (None: no authorizer).
    """
    if base64_body and body is not None:
        body = base64.b64encode(body.encode()).decode()
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "pytest",
        "X-Forwarded-Proto": "https",
    }
    return {
        "resource": resource or "/api/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters or {"proxy": path.removeprefix("/api/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abc123",
            "resourcePath": resource or "/api/{proxy+}",
            "httpMethod": method,
            "path": f"/prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": 1_764_000_000_000,
            "stage": "prod",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"},
            **({"authorizer": {"claims": {"sub": owner, "token_use": "id"}}} if owner else {}),
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


def s3_notification(
    bucket: str, key: str, size: int, event_name: str = "ObjectCreated:Post"
) -> str:
    """The JSON body S3 sends to SQS for one new object."""
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventTime": "2026-11-26T12:00:00.000Z",
                    "eventName": event_name,
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "uploads",
                        "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                        "object": {"key": quote_plus(key), "size": size, "sequencer": "0A1B"},
                    },
                }
            ]
        }
    )


def sqs_event(bodies: list[str], message_ids: list[str] | None = None) -> dict[str, Any]:
    """An SQS batch event for the given message bodies."""
    ids = message_ids or [str(uuid.uuid4()) for _ in bodies]
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1764000000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1764000000001",
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:tricloud-analyze",
                "awsRegion": REGION,
            }
            for message_id, body in zip(ids, bodies, strict=True)
        ]
    }
