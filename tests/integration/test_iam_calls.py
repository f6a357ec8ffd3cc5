"""Least privilege, proven: every AWS call each handler makes is allowed by that function's role
in the synthesized template, and every statement of the role is used by some call.

The handlers run against the offline stack (upload, analyze including a photo deleted before
its analysis, list, detail, health) while botocore hooks record each call as IAM sees it
(tests/aws_calls.py). The offline names (bucket, secret ARNs) are mapped to the template's
through the environment variables both give the function; the role's statements are then
evaluated the way IAM does (action and resource patterns, condition keys).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_calls import AwsCall, AwsCallRecorder
from infra.cfn import Deployment
from infra.synth import VARIANT, Synth, synth_app
from unit import images

from offline.provision import moto_client

from .conftest import Stack

pytestmark = pytest.mark.integration

FUNCTIONS = ("presign", "analyze", "list_images", "detail")
# Environment variables that name the same resource offline and in the template.
RESOURCE_VARIABLES = (
    "UPLOAD_BUCKET",
    "GCP_SECRET_ID",
    "COSMOS_SECRET_ID",
    "USAGE_TABLE",
    "IMAGES_TABLE",
    "CURSOR_SECRET_ID",
)
# What the Lambda service itself uses the role for, not the handler's code: logs, traces, and
# (below) the event source mapping's polling of its queue.
LAMBDA_SERVICE_ACTIONS = ("logs:", "xray:")
# Granted but not exercised offline, and why.
NOT_EXERCISED_OFFLINE = {
    ("analyze", "GCP_SECRET_ID"): "the offline Vision stand-in takes no credentials",
}


@pytest.fixture(scope="module")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Synth]:
    """Templates synthesized so far in this module, by provider combination and variant."""
    return {}


@pytest.fixture
def templates(
    tmp_path_factory: pytest.TempPathFactory,
    template_cache: dict[tuple[str, ...], Synth],
    provider_choice: tuple[str, str],
) -> dict[str, Synth]:
    """The app with this test's providers; for the default providers also the variant with
    imported secrets, a custom domain and alarms."""
    web = tmp_path_factory.mktemp("web")
    (web / "index.html").write_text("<!doctype html><title>tricloud</title>\n")
    labels, store = provider_choice
    providers = {"labels": labels, "store": store}
    wanted = {"default": providers}
    if provider_choice == ("google-vision", "cosmos"):
        wanted["variant"] = {**VARIANT, **providers}
    for name, context in wanted.items():
        key = (name, labels, store)
        if key not in template_cache:
            out = tmp_path_factory.mktemp("cdk.out")
            template_cache[key] = synth_app(out, Path(web), context)
    return {name: template_cache[(name, labels, store)] for name in wanted}


@pytest.fixture
def recorded(stack: Stack) -> Iterator[AwsCallRecorder]:
    """A recorder on a fresh default boto3 session (the one the handlers' clients come from)."""
    recorder = AwsCallRecorder()
    boto3.setup_default_session()
    recorder.install(boto3.DEFAULT_SESSION.events)  # type: ignore[union-attr]
    stack.recorder = recorder
    yield recorder
    stack.recorder = None
    boto3.setup_default_session()


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allows(statement: dict[str, Any], call: AwsCall) -> bool:
    """Whether one Allow statement authorizes `call` (actions, resources, conditions)."""
    if statement["Effect"] != "Allow":
        return False
    if not any(fnmatchcase(call.action, action) for action in _as_list(statement["Action"])):
        return False
    if not any(fnmatchcase(call.resource, arn) for arn in _as_list(statement["Resource"])):
        return False
    context = dict(call.conditions)
    for operator, keys in statement.get("Condition", {}).items():
        for key, values in keys.items():
            value = context.get(key)
            if value is None or operator not in ("StringLike", "StringEquals", "ArnLike"):
                return False
            if operator == "StringEquals" and value not in _as_list(values):
                return False
            if not any(fnmatchcase(value, pattern) for pattern in _as_list(values)):
                return False
    return True


def _atoms(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """One statement per action and resource (CDK merges grants into shared statements)."""
    return [
        {**statement, "Action": action, "Resource": resource}
        for action in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    ]


def _used_by_lambda_itself(statement: dict[str, Any], polled_queues: set[str]) -> bool:
    actions = _as_list(statement["Action"])
    if all(action.startswith(LAMBDA_SERVICE_ACTIONS) for action in actions):
        return True
    polling = all(action.startswith("sqs:") for action in actions)
    return polling and set(_as_list(statement["Resource"])) <= polled_queues


def _in_template_terms(call: AwsCall, names: dict[str, str]) -> AwsCall:
    resource = call.resource
    for offline, deployed in names.items():
        resource = resource.replace(offline, deployed)
    # A table the template creates is named by its Ref; its policy statements use its Arn.
    resource = re.sub(r"^arn:aws:dynamodb:::table/<([^>.]+)>", r"<\1.Arn>", resource)
    return AwsCall(call.function, call.action, resource, call.conditions, call.how)


def _exercise(stack: Stack) -> None:
    """Every function, through the paths that call AWS."""
    cat_id = stack.upload(images.chelsea_jpeg(), "image/jpeg")
    gone_id = stack.upload(images.coffee_png(), "image/png")
    keys = [f"uploads/public/{cat_id}.jpg", f"uploads/public/{gone_id}.png"]
    # Deleted between its upload and its analysis: GetObject finds no key.
    moto_client("s3", stack.moto_endpoint).delete_object(Bucket=stack.resources.bucket, Key=keys[1])
    assert stack.analyze(stack.receive_events(keys)) == []
    assert stack.api("GET", "/api/health")[0] == 200
    assert stack.api("GET", "/api/images", query={"limit": "5"})[0] == 200
    status, document = stack.api("GET", f"/api/images/{cat_id}")
    assert status == 200
    assert document["image_url"]
    assert stack.api("DELETE", f"/api/images/{cat_id}")[0] == 204


def test_every_call_is_allowed_and_every_statement_used(
    stack: Stack, recorded: AwsCallRecorder, templates: dict[str, Synth]
) -> None:
    _exercise(stack)
    for template in templates.values():
        _check_roles(stack, recorded, template)
    assert {call.how for call in recorded.calls} == {"sdk", "presigned", "implied"}


def _check_roles(stack: Stack, recorded: AwsCallRecorder, template: Synth) -> None:
    """Each function's recorded calls against its role in `template`, both ways."""
    deployment = Deployment("eu-west-1", resources=template.template.to_json()["Resources"])
    polled_queues = {
        deployment.resolve(mapping["Properties"]["EventSourceArn"])
        for mapping in template.resources("AWS::Lambda::EventSourceMapping").values()
    }
    for function in FUNCTIONS:
        deployed_env = {
            key: str(deployment.resolve(value))
            for key, value in template.function(function)["Environment"]["Variables"].items()
        }
        names = {
            stack.env[key]: deployed_env[key]
            for key in RESOURCE_VARIABLES
            if key in deployed_env and key in stack.env
        }
        calls = {_in_template_terms(call, names) for call in recorded.for_function(function)}
        statements = [
            statement
            for statement in deployment.resolve(template.role_statements(function))
            if not _used_by_lambda_itself(statement, polled_queues)
        ]
        for call in calls:
            assert any(_allows(s, call) for s in statements), f"{function}: {call} is denied"
        for statement in statements:
            exempt = any(
                deployed_env.get(variable) in _as_list(statement["Resource"])
                for (owner, variable) in NOT_EXERCISED_OFFLINE
                if owner == function
            )
            for grant in _atoms(statement):  # each action on each resource, with the conditions
                if str(grant["Action"]).startswith(LAMBDA_SERVICE_ACTIONS):
                    continue  # merged into a statement with the handler's own actions
                used = any(_allows(grant, call) for call in calls)
                assert used or exempt, f"{function}: {grant} is granted but never used"
