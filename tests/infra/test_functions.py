"""Functions: runtime, architecture, environment contract and least-privilege roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .cfn import STACK_UUID, Deployment
from .synth import COSMOS_ARN, GCP_ARN, Synth

BUCKET_ARN = f"arn:aws:s3:::tricloud-uploads-{STACK_UUID[-12:]}"
UPLOADS_ARN = f"{BUCKET_ARN}/uploads/*"
THUMBS_ARN = f"{BUCKET_ARN}/thumbs/*"
COMMON_ENV = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_NAMESPACE",
    "ACCESS_MODE",
}
# The default providers (Vision + Cosmos DB); tests/infra/test_providers.py covers the others.
EXPECTED_ENV = {
    "presign": {
        "IMAGE_STORE",
        "UPLOAD_BUCKET",
        "AWS_ENDPOINT_URL_S3",
        "MAX_UPLOAD_BYTES",
        "UPLOAD_URL_TTL_SECONDS",
        "COSMOS_SECRET_ID",
        "USAGE_TABLE",
        "DAILY_IMAGE_LIMIT",
        "DAILY_IMAGE_LIMIT_PER_USER",
    },
    "analyze": {
        "IMAGE_STORE",
        "LABELS_PROVIDER",
        "UPLOAD_BUCKET",
        "AWS_ENDPOINT_URL_S3",
        "MAX_UPLOAD_BYTES",
        "MAX_IMAGE_PIXELS",
        "GCP_SECRET_ID",
        "COSMOS_SECRET_ID",
        "VISION_FEATURES",
        "VISION_MAX_RESULTS",
        "VISION_TIMEOUT_SECONDS",
        "DLQ_MAX_RECEIVE_COUNT",
    },
    "list_images": {
        "COSMOS_SECRET_ID",
        "UPLOAD_BUCKET",
        "AWS_ENDPOINT_URL_S3",
        "IMAGE_URL_TTL_SECONDS",
        "IMAGE_STORE",
    },
    "detail": {
        "UPLOAD_BUCKET",
        "AWS_ENDPOINT_URL_S3",
        "IMAGE_URL_TTL_SECONDS",
        "COSMOS_SECRET_ID",
        "IMAGE_STORE",
    },
}


def _functions(synth: Synth) -> dict[str, dict[str, Any]]:
    """Our four functions (CDK's helpers excluded), by handler module name."""
    found = {}
    for logical_id, resource in synth.resources("AWS::Lambda::Function").items():
        handler = resource["Properties"]["Handler"]
        if handler.startswith("lambdas.handlers."):
            found[handler.split(".")[2]] = {"id": logical_id, **resource["Properties"]}
    return found


def _statements(synth: Synth, function: dict[str, Any]) -> list[dict[str, Any]]:
    """Every policy statement attached to the function's role."""
    role = function["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in synth.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_four_arm64_functions_on_the_newest_python(default: Synth) -> None:
    functions = _functions(default)
    assert set(functions) == {"presign", "analyze", "list_images", "detail"}
    for name, function in functions.items():
        assert function["Handler"] == f"lambdas.handlers.{name}.handler"
        assert function["Runtime"] == "python3.14"
        assert function["Architectures"] == ["arm64"]
        assert function["TracingConfig"] == {"Mode": "Active"}
        assert "LoggingConfig" in function


def test_environment_follows_the_contract(default: Synth) -> None:
    for name, function in _functions(default).items():
        env = function["Environment"]["Variables"]
        assert set(env) == COMMON_ENV | EXPECTED_ENV[name], name
        assert env["POWERTOOLS_SERVICE_NAME"] == "tricloud"
        assert env["ACCESS_MODE"] == "private"
    analyze = _functions(default)["analyze"]["Environment"]["Variables"]
    assert analyze["MAX_UPLOAD_BYTES"] == "10485760"
    assert analyze["VISION_FEATURES"] == (
        "LABEL_DETECTION,OBJECT_LOCALIZATION,SAFE_SEARCH_DETECTION,IMAGE_PROPERTIES"
    )
    assert analyze["GCP_SECRET_ID"] == {"Ref": "SecretsGcpCredentialsB0E1F81C"}
    assert analyze["COSMOS_SECRET_ID"] == {"Ref": "SecretsCosmosConnection670C3838"}


def test_analyze_outlasts_a_vision_batch(default: Synth) -> None:
    analyze = _functions(default)["analyze"]
    assert analyze["Timeout"] >= 60
    assert analyze["MemorySize"] >= 1024


@pytest.mark.parametrize(
    ("name", "grants"),
    [
        ("presign", [("s3:PutObject", UPLOADS_ARN)]),
        (
            "analyze",  # ListBucket (uploads/ only): a missing photo is a 404, not a 403
            [
                ("s3:GetObject", UPLOADS_ARN),
                ("s3:PutObject", THUMBS_ARN),
                ("s3:ListBucket", BUCKET_ARN),
            ],
        ),
        (
            "detail",  # reads photo and thumbnail; deletes both (DELETE /api/images/{id})
            [
                ("s3:GetObject", UPLOADS_ARN),
                ("s3:GetObject", THUMBS_ARN),
                ("s3:DeleteObject", UPLOADS_ARN),
                ("s3:DeleteObject", THUMBS_ARN),
            ],
        ),
        ("list_images", [("s3:GetObject", THUMBS_ARN)]),  # signs the thumbnail URLs
    ],
)
def test_s3_access_is_one_action_per_prefix(
    default: Synth, name: str, grants: list[tuple[str, Any]]
) -> None:
    deployment = Deployment("eu-west-1", resources=default.template.to_json()["Resources"])
    statements = deployment.resolve(_statements(default, _functions(default)[name]))
    s3 = [s for s in statements if any(a.startswith("s3:") for a in _actions(s))]
    assert all(s["Effect"] == "Allow" for s in s3)
    for statement in s3:  # only the listing has a condition: the uploads/ prefix
        listing = _actions(statement) == {"s3:ListBucket"}
        expected = {"StringLike": {"s3:prefix": ["uploads/*"]}} if listing else None
        assert statement.get("Condition") == expected
    granted = [
        (action, resource)
        for s in s3
        for action in sorted(_actions(s))
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]  # CDK merges grants of one action, or of one set of resources, into one statement
    assert sorted(map(repr, granted)) == sorted(map(repr, grants))


@pytest.mark.parametrize(
    ("name", "secrets"),
    [
        ("presign", [{"Ref": "SecretsCosmosConnection670C3838"}]),  # the pending document
        (
            "analyze",
            [{"Ref": "SecretsCosmosConnection670C3838"}, {"Ref": "SecretsGcpCredentialsB0E1F81C"}],
        ),
        ("list_images", [{"Ref": "SecretsCosmosConnection670C3838"}]),
        ("detail", [{"Ref": "SecretsCosmosConnection670C3838"}]),
    ],
)
def test_each_function_reads_only_its_secrets(
    default: Synth, name: str, secrets: list[dict[str, str]]
) -> None:
    statements = _statements(default, _functions(default)[name])
    granted = [
        resource
        for s in statements
        if any(a.startswith("secretsmanager:") for a in _actions(s))
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert granted == secrets
    for s in statements:
        if any(a.startswith("secretsmanager:") for a in _actions(s)):
            assert _actions(s) == {"secretsmanager:GetSecretValue"}


def test_wildcard_resources_are_only_for_xray(default: Synth) -> None:
    for function in _functions(default).values():
        for statement in _statements(default, function):
            if statement["Resource"] == "*":
                assert _actions(statement) == {"xray:PutTelemetryRecords", "xray:PutTraceSegments"}


def test_roles_carry_no_managed_policies(default: Synth) -> None:
    for function in _functions(default).values():
        role = default.resources("AWS::IAM::Role")[function["Role"]["Fn::GetAtt"][0]]
        assert "ManagedPolicyArns" not in role["Properties"]


def test_imported_secrets_are_referenced_by_arn(variant: Synth) -> None:
    functions = _functions(variant)
    analyze = functions["analyze"]["Environment"]["Variables"]
    assert (analyze["GCP_SECRET_ID"], analyze["COSMOS_SECRET_ID"]) == (GCP_ARN, COSMOS_ARN)
    granted = json.dumps(_statements(variant, functions["list_images"]))
    assert COSMOS_ARN in granted
    assert GCP_ARN not in granted
