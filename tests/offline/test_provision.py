"""The offline stack is what the synthesized template says, and follows it when it changes.

``offline_stack`` (tests/conftest.py) is the template of cdk.json's settings on moto; a
second stack is the template synthesized with other settings, under another stack name,
on the same moto server. Nothing here repeats a value of the stack: every expectation is
read from the template.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests

from lambdas.credentials import CosmosSettings, parse_gcp_credentials
from offline.provision import OfflineStack, moto_client, provision_aws
from offline.stack_model import read_api
from offline.synth import synthesized_template
from tests.conftest import TEST_SITE_ORIGIN

pytestmark = pytest.mark.integration

#: Settings the second stack changes (CDK context, as `cdk deploy -c key=value` would).
CHANGED = {
    "stack_name": "TricloudDriftTest",
    "analyze_batch_size": 7,
    "analyze_batching_window_seconds": 3,
    "dlq_max_receive_count": 5,
    "max_upload_bytes": 1234567,
}


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in template["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def changed_template() -> dict[str, Any]:
    return synthesized_template(CHANGED)


@pytest.fixture(scope="module")
def changed_stack(moto_server: str, changed_template: dict[str, Any]) -> OfflineStack:
    return provision_aws(
        moto_server,
        changed_template,
        site_origins=[TEST_SITE_ORIGIN],
        stack_name=str(CHANGED["stack_name"]),
    )


def _queue_attributes(moto_server: str, url: str) -> dict[str, str]:
    sqs = moto_client("sqs", moto_server)
    attributes: dict[str, str] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    return attributes


def test_a_changed_setting_reaches_the_worker_the_queue_and_the_functions(
    moto_server: str,
    stack_template: dict[str, Any],
    offline_stack: OfflineStack,
    changed_template: dict[str, Any],
    changed_stack: OfflineStack,
) -> None:
    for template, stack in ((stack_template, offline_stack), (changed_template, changed_stack)):
        (mapping,) = _resources(template, "AWS::Lambda::EventSourceMapping")
        (trigger,) = stack.spec.triggers
        assert trigger.function == "analyze"
        assert trigger.batch_size == mapping["BatchSize"]
        assert trigger.batching_window_seconds == mapping["MaximumBatchingWindowInSeconds"]
        assert trigger.report_batch_item_failures
    (changed,) = changed_stack.spec.triggers
    assert (changed.batch_size, changed.batching_window_seconds) == (7, 3)
    assert offline_stack.spec.triggers[0].batch_size != 7

    attributes = _queue_attributes(moto_server, changed_stack.resources.queue_url)
    queue = next(q for q in _resources(changed_template, "AWS::SQS::Queue") if "RedrivePolicy" in q)
    assert attributes["VisibilityTimeout"] == str(queue["VisibilityTimeout"])
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 5
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == (
        changed_stack.resources.dlq_arn
    )

    presign = changed_stack.spec.functions["presign"]
    assert presign.environment["MAX_UPLOAD_BYTES"] == "1234567"
    upload = next(r for r in changed_stack.spec.api.routes if r.resource == "/api/uploads")
    assert upload.models["application/json"]["properties"]["size"]["maximum"] == 1234567


def test_functions_are_the_templates_handlers_with_its_resolved_environment(
    stack_template: dict[str, Any], offline_stack: OfflineStack
) -> None:
    functions = {
        p["Handler"]: p
        for p in _resources(stack_template, "AWS::Lambda::Function")
        if p["Handler"].startswith("lambdas.")
    }
    assert len(offline_stack.spec.functions) == len(functions) == 4
    for spec in offline_stack.spec.functions.values():
        props = functions[spec.entry_point.replace(":", ".")]
        assert (spec.timeout_seconds, spec.memory_mb) == (props["Timeout"], props["MemorySize"])
        assert set(spec.environment) == set(props["Environment"]["Variables"])
        for value in spec.environment.values():
            assert "Ref" not in value and "Fn::" not in value
    resources = offline_stack.resources
    analyze = offline_stack.spec.functions["analyze"].environment
    assert analyze["UPLOAD_BUCKET"] == resources.bucket
    assert analyze["COSMOS_SECRET_ID"] == resources.cosmos_secret_arn


def test_a_route_changed_in_the_template_changes_the_route_table(
    stack_template: dict[str, Any],
) -> None:
    template = copy.deepcopy(stack_template)
    for props in _resources(template, "AWS::ApiGateway::Resource"):
        if props["PathPart"] == "images":
            props["PathPart"] = "photos"
    before = {(r.method, r.resource) for r in read_api(stack_template).routes}
    after = {(r.method, r.resource) for r in read_api(template).routes}
    assert ("GET", "/api/images/{id}") in before
    assert after - before == {
        ("GET", "/api/photos"),
        ("GET", "/api/photos/{id}"),
        ("DELETE", "/api/photos/{id}"),
    }


def _keys_announced(sqs: Any, queue_url: str) -> list[str]:
    keys = []
    answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    for message in answer.get("Messages", []):
        body = json.loads(message["Body"])
        # S3 URL-encodes keys in event notifications.
        keys += [unquote_plus(r["s3"]["object"]["key"]) for r in body.get("Records", [])]
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return keys


def test_only_the_notification_filters_prefix_is_announced_to_the_queue(
    moto_server: str, changed_template: dict[str, Any], changed_stack: OfflineStack
) -> None:
    (notification,) = _resources(changed_template, "Custom::S3BucketNotifications")
    (queue_config,) = notification["NotificationConfiguration"]["QueueConfigurations"]
    (rule,) = queue_config["Filter"]["Key"]["FilterRules"]
    s3 = moto_client("s3", moto_server)
    sqs = moto_client("sqs", moto_server)
    resources = changed_stack.resources
    _keys_announced(sqs, resources.queue_url)  # drop the s3:TestEvent of the configuration
    s3.put_object(Bucket=resources.bucket, Key="elsewhere/a.jpg", Body=b"x")
    s3.put_object(Bucket=resources.bucket, Key=f"{rule['Value']}b.jpg", Body=b"x")
    assert _keys_announced(sqs, resources.queue_url) == [f"{rule['Value']}b.jpg"]


def test_bucket_cors_allows_the_offline_site_for_the_templates_distribution(
    moto_server: str, offline_stack: OfflineStack
) -> None:
    url = f"{moto_server}/{offline_stack.resources.bucket}"
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = requests.options(url, headers={**preflight, "Origin": TEST_SITE_ORIGIN}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers.get("Access-Control-Allow-Origin") == TEST_SITE_ORIGIN
    # A failed preflight is a 403, as S3 answers.
    refused = requests.options(url, headers={**preflight, "Origin": "http://evil"}, timeout=10)
    assert refused.status_code == 403


def test_secrets_have_the_shapes_the_functions_parse(
    moto_server: str, offline_stack: OfflineStack
) -> None:
    manager = moto_client("secretsmanager", moto_server)
    resources = offline_stack.resources
    gcp = manager.get_secret_value(SecretId=resources.gcp_secret_arn)["SecretString"]
    assert parse_gcp_credentials(gcp)["type"] == "service_account"
    cosmos = manager.get_secret_value(SecretId=resources.cosmos_secret_arn)["SecretString"]
    assert CosmosSettings.from_secret(cosmos).container == "images"


def test_new_resource_types_are_provisioned_and_resolved_in_the_environment(
    moto_server: str, changed_template: dict[str, Any], changed_stack: OfflineStack
) -> None:
    # A DynamoDB table and a Cognito user pool, as a stack change would add them, referenced
    # by a function's variables
    # (provisioned again over the changed stack: what exists is kept).
    template = copy.deepcopy(changed_template)
    template["Resources"]["Users"] = {
        "Type": "AWS::Cognito::UserPool",
        "Properties": {"UsernameAttributes": ["email"]},
    }
    template["Resources"]["UsersClient"] = {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {"UserPoolId": {"Ref": "Users"}, "GenerateSecret": False},
    }
    template["Resources"]["UsersAuthorizer"] = {
        "Type": "AWS::ApiGateway::Authorizer",
        "Properties": {
            "Type": "COGNITO_USER_POOLS",
            "IdentitySource": "method.request.header.Authorization",
            "ProviderARNs": [{"Fn::GetAtt": ["Users", "Arn"]}],
        },
    }
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ApiGateway::Method":
            resource["Properties"]["AuthorizationType"] = "COGNITO_USER_POOLS"
            resource["Properties"]["AuthorizerId"] = {"Ref": "UsersAuthorizer"}
    template["Resources"]["ImagesTable"] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "owner", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    }
    for resource in template["Resources"].values():
        if resource["Properties"].get("Handler") == "lambdas.handlers.list_images.handler":
            variables = resource["Properties"]["Environment"]["Variables"]
            variables["IMAGES_TABLE"] = {"Ref": "ImagesTable"}
            variables["IMAGES_TABLE_ARN"] = {"Fn::GetAtt": ["ImagesTable", "Arn"]}
            variables["USER_POOL_ID"] = {"Ref": "Users"}
            variables["USER_POOL_CLIENT_ID"] = {"Ref": "UsersClient"}
    stack = provision_aws(
        moto_server,
        template,
        site_origins=[TEST_SITE_ORIGIN],
        stack_name=str(CHANGED["stack_name"]),
    )
    assert stack.resources == changed_stack.resources
    environment = stack.spec.functions["list_images"].environment
    table = moto_client("dynamodb", moto_server).describe_table(
        TableName=environment["IMAGES_TABLE"]
    )["Table"]
    assert table["TableArn"] == environment["IMAGES_TABLE_ARN"]
    assert table["KeySchema"] == [{"AttributeName": "owner", "KeyType": "HASH"}]
    cognito = moto_client("cognito-idp", moto_server)
    pool = cognito.describe_user_pool(UserPoolId=environment["USER_POOL_ID"])["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    client = cognito.describe_user_pool_client(
        UserPoolId=pool["Id"], ClientId=environment["USER_POOL_CLIENT_ID"]
    )["UserPoolClient"]
    assert client["ClientName"] == "UsersClient"
    # The route table says which authorizer guards each method, with the offline pool's ARN.
    authorizer = stack.spec.api.authorizers["UsersAuthorizer"]
    assert authorizer.provider_arns == [pool["Arn"]]
    assert {route.authorizer for route in stack.spec.api.routes} == {"UsersAuthorizer"}
    assert {route.authorization_type for route in stack.spec.api.routes} == {"COGNITO_USER_POOLS"}
