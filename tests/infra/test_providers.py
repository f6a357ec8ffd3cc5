"""Every combination of `labels` x `store`: only the chosen providers' resources, secrets, IAM,
environment and SDKs exist (one synth per combination, shared by the tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from stacks.bundling import requirements_file
from stacks.config import IMAGE_STORES, LABELS_PROVIDERS, TricloudConfig
from stacks.functions import requirements_variant

from .synth import CDK_CONTEXT, Synth, SynthFn
from .test_functions import _actions, _functions, _statements

COMBINATIONS = [(labels, store) for labels in LABELS_PROVIDERS for store in IMAGE_STORES]
FUNCTIONS = ("presign", "analyze", "list_images", "detail")
# What each function may do on the images table, and where.
TABLE_ACTIONS = {
    "presign": ({"dynamodb:PutItem"}, "table"),
    "analyze": ({"dynamodb:GetItem", "dynamodb:PutItem"}, "table"),
    "list_images": ({"dynamodb:Query"}, "index"),
    "detail": ({"dynamodb:GetItem", "dynamodb:DeleteItem"}, "table"),  # GET and DELETE
}


@pytest.fixture(scope="session", params=COMBINATIONS, ids=lambda c: f"{c[0]}+{c[1]}")
def combo(request: pytest.FixtureRequest, synth: SynthFn, default: Synth) -> tuple[str, str, Synth]:
    labels, store = request.param
    if (labels, store) == ("google-vision", "cosmos"):
        return labels, store, default  # cdk.json's defaults
    return labels, store, synth({"labels": labels, "store": store})


def _secrets(synth: Synth) -> dict[str, dict[str, Any]]:
    """Created secrets by construct id (GcpCredentials, CosmosConnection, CursorKey)."""
    found = {}
    for logical_id, resource in synth.resources("AWS::SecretsManager::Secret").items():
        for name in ("GcpCredentials", "CosmosConnection", "CursorKey"):
            if logical_id.startswith(f"Secrets{name}"):
                found[name] = {"id": logical_id, **resource}
    return found


def _resources_of(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def test_defaults_are_vision_and_cosmos() -> None:
    config = TricloudConfig.from_mapping(CDK_CONTEXT)
    assert (config.labels, config.store) == ("google-vision", "cosmos")


def test_only_the_chosen_providers_secrets_exist(combo: tuple[str, str, Synth]) -> None:
    labels, store, synth = combo
    secrets = _secrets(synth)
    expected = set()
    if labels == "google-vision":
        expected.add("GcpCredentials")
    expected.add("CosmosConnection" if store == "cosmos" else "CursorKey")
    assert set(secrets) == expected
    assert len(synth.resources("AWS::SecretsManager::Secret")) == len(expected)
    outputs = set(synth.template.to_json()["Outputs"])
    assert ("GcpSecretName" in outputs) == (labels == "google-vision")
    assert ("CosmosSecretName" in outputs) == (store == "cosmos")
    assert ("ImagesTableName" in outputs) == (store == "dynamodb")


def test_the_cursor_key_is_generated_never_given(combo: tuple[str, str, Synth]) -> None:
    _labels, store, synth = combo
    if store != "dynamodb":
        pytest.skip("the Cosmos store derives its cursor key from the Cosmos key")
    key = _secrets(synth)["CursorKey"]["Properties"]
    assert "SecretString" not in key
    assert key["GenerateSecretString"] == {"ExcludePunctuation": True, "PasswordLength": 64}


def test_images_table_only_with_dynamodb(combo: tuple[str, str, Synth]) -> None:
    _labels, store, synth = combo
    # The daily cap's counter table exists in every combination; the images table only here.
    tables = {
        k: v for k, v in synth.resources("AWS::DynamoDB::Table").items() if "ImagesTable" in k
    }
    if store == "cosmos":
        assert tables == {}
        return
    [table] = tables.values()
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": "pending_expires_at",
        "Enabled": True,
    }
    assert props["KeySchema"] == [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "id", "KeyType": "RANGE"},
    ]
    [index] = props["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_upload"
    assert index["KeySchema"] == [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "upload_key", "KeyType": "RANGE"},
    ]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_store_iam_per_function(combo: tuple[str, str, Synth], function: str) -> None:
    _labels, store, synth = combo
    statements = _statements(synth, _functions(synth)[function])
    table = [
        s
        for s in statements
        if any(a.startswith("dynamodb:") for a in _actions(s)) and "ImagesTable" in str(s)
    ]
    cosmos = [
        r
        for s in statements
        if any(a.startswith("secretsmanager:") for a in _actions(s))
        for r in _resources_of(s)
        if "CosmosConnection" in str(r)
    ]
    if store == "cosmos":
        assert table == []
        assert len(cosmos) == 1
        return
    assert cosmos == []
    actions, target = TABLE_ACTIONS[function]
    [statement] = table
    assert _actions(statement) == actions
    [resource] = _resources_of(statement)
    text = str(resource)
    assert "ImagesTable" in text
    assert ("/index/by_upload" in text) == (target == "index")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_labels_iam_and_secrets_per_function(combo: tuple[str, str, Synth], function: str) -> None:
    labels, store, synth = combo
    statements = _statements(synth, _functions(synth)[function])
    rekognition = [s for s in statements if any(a.startswith("rekognition:") for a in _actions(s))]
    secrets = {
        name
        for s in statements
        if any(a.startswith("secretsmanager:") for a in _actions(s))
        for r in _resources_of(s)
        for name in ("GcpCredentials", "CosmosConnection", "CursorKey")
        if name in str(r)
    }
    expected = set()
    if function == "analyze" and labels == "google-vision":
        expected.add("GcpCredentials")
    if store == "cosmos":
        expected.add("CosmosConnection")
    if function == "list_images" and store == "dynamodb":
        expected.add("CursorKey")
    assert secrets == expected
    # CDK merges statements on the same resource: Rekognition shares X-Ray's Resource *.
    wildcard = {a for st in statements if st["Resource"] == "*" for a in _actions(st)}
    xray = {"xray:PutTelemetryRecords", "xray:PutTraceSegments"}
    if function == "analyze" and labels == "rekognition":
        assert wildcard == xray | {
            "rekognition:DetectLabels",
            "rekognition:DetectModerationLabels",
        }
        assert all(st["Resource"] == "*" for st in rekognition)
    else:
        assert rekognition == []
        assert wildcard == xray


def test_environment_names_the_providers(combo: tuple[str, str, Synth]) -> None:
    labels, store, synth = combo
    for name, function in _functions(synth).items():
        env = function["Environment"]["Variables"]
        assert env["IMAGE_STORE"] == store
        assert ("IMAGES_TABLE" in env) == (store == "dynamodb")
        assert ("COSMOS_SECRET_ID" in env) == (store == "cosmos")
        assert ("CURSOR_SECRET_ID" in env) == (name == "list_images" and store == "dynamodb")
        assert ("LABELS_PROVIDER" in env) == (name == "analyze")
        assert ("GCP_SECRET_ID" in env) == (name == "analyze" and labels == "google-vision")
        if name == "analyze":
            assert env["LABELS_PROVIDER"] == labels


def _packages(path: Path) -> set[str]:
    """The distributions a lock installs (`name==version \\` lines; hashes and comments skipped)."""
    lines = [line.removesuffix("\\").strip() for line in path.read_text().splitlines()]
    wanted = [line for line in lines if line and not line.startswith(("#", "--hash"))]
    return {Requirement(line).name.lower() for line in wanted}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_bundles_carry_only_the_chosen_sdks(combo: tuple[str, str, Synth], function: str) -> None:
    labels, store, _synth = combo
    config = TricloudConfig.from_mapping({**CDK_CONTEXT, "labels": labels, "store": store})
    requirements = requirements_file(function, requirements_variant(function, config))
    packages = _packages(requirements)
    assert ("google-cloud-vision" in packages) == (
        function == "analyze" and labels == "google-vision"
    )
    assert ("azure-cosmos" in packages) == (store == "cosmos")
    assert ("pillow" in packages) == (function == "analyze")
    assert "aws-lambda-powertools" in packages


def test_function_assets_follow_exactly_their_providers(
    default: Synth, combo: tuple[str, str, Synth]
) -> None:
    """A function's code asset changes with the providers it uses, and only with those."""
    labels, store, synth = combo
    keys = {n: f["Code"]["S3Key"] for n, f in _functions(synth).items()}
    base = {n: f["Code"]["S3Key"] for n, f in _functions(default).items()}
    for name in FUNCTIONS:
        uses_store = store != "cosmos"
        uses_labels = name == "analyze" and labels != "google-vision"
        assert (keys[name] != base[name]) == (uses_store or uses_labels), name


def test_no_unacknowledged_nag_findings(combo: tuple[str, str, Synth]) -> None:
    # Synthesis raises on an unacknowledged error; warnings only show in the report.
    _labels, _store, synth = combo
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []
