"""Deploy rehearsal: the app synthesized for several regions and configurations, read the way
CloudFormation, S3, CloudFront and the browser will treat it.

Each configuration is synthesized once for this module (no bundling). The invariants: signed
URL hosts are allowed by the page's CSP, CORS allows exactly the site's origins, every
reference has a target, account-wide names differ per region and per stack (the GitHub OIDC
provider exists once per account: a second region reuses it), nothing named survives a failed
first deploy, and the alarm topic lets CloudWatch publish.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from lambdas.adapters.storage import Storage, make_s3_client
from stacks.config import ConfigError, TricloudConfig

from .cfn import Deployment, intrinsic_targets
from .synth import COSMOS_ARN, DOMAIN, GCP_ARN, Synth, SynthFn

ACCOUNT = "123456789012"
BUCKET_ENV = "UPLOAD_BUCKET"
GITHUB = "octo/tricloud"
# The account's one GitHub OIDC provider: a second region must reuse it.
OIDC_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
REHEARSALS: dict[str, dict[str, Any]] = {
    "us-east-1": {"account": ACCOUNT, "region": "us-east-1"},
    "us-west-2 alarms deploy-role": {
        "account": ACCOUNT,
        "region": "us-west-2",
        "alarm_email": "ops@example.com",
        "github_repository": GITHUB,
        "github_oidc_provider_arn": OIDC_PROVIDER,
    },
    "eu-west-1 domain alarms imported-secrets deploy-role": {
        **DOMAIN,
        "region": "eu-west-1",
        "alarm_email": "ops@example.com",
        "gcp_secret_arn": GCP_ARN,
        "cosmos_secret_arn": COSMOS_ARN,
        "github_repository": GITHUB,
    },
    "ap-southeast-2 domain": {**DOMAIN, "region": "ap-southeast-2"},
    "us-east-1 domain": {**DOMAIN, "region": "us-east-1"},
}
# Kept even when the stack's creation fails, because a rollback cannot delete them; they must
# then carry no fixed name (a retry would collide with it).
RETAINED_UNNAMED = {"AWS::Cognito::UserPool": "deletion protection blocks the rollback's delete"}
NAMING = {"UserPoolName", "BucketName", "TableName", "RoleName", "LogGroupName", "Name"}
# Names unique per account (or globally) whatever the region: (resource type, property path).
GLOBAL_NAMES = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName",),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig", "Name"),
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig", "Name"),
    "AWS::CloudFront::CachePolicy": ("CachePolicyConfig", "Name"),
    "AWS::CloudFront::OriginRequestPolicy": ("OriginRequestPolicyConfig", "Name"),
    "AWS::CloudFront::Function": ("Name",),
    "AWS::IAM::OIDCProvider": ("Url",),
}


@pytest.fixture(scope="module")
def rehearsals(synth: SynthFn) -> dict[str, Synth]:
    """Every configuration, synthesized once for the module."""
    return {name: synth(context) for name, context in REHEARSALS.items()}


def _deployment(name: str, synth: Synth) -> Deployment:
    """Each rehearsal is its own stack: its own region and stack id."""
    return Deployment(
        region=REHEARSALS[name]["region"],
        stack_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        resources=synth.template.to_json()["Resources"],
    )


def _templates(synth: Synth) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(synth.outdir.glob("*.template.json")):
        yield path, json.loads(path.read_text())


def _one(synth: Synth, resource_type: str) -> dict[str, Any]:
    return synth.only(resource_type)


def _csp_sources(deployment: Deployment, synth: Synth) -> dict[str, list[str]]:
    policy = _one(synth, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = deployment.resolve(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = [part.split() for part in csp.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def _function_env(deployment: Deployment, synth: Synth, function: str) -> dict[str, str]:
    for resource in synth.resources("AWS::Lambda::Function").values():
        if resource["Properties"]["Handler"] == f"lambdas.handlers.{function}.handler":
            variables = resource["Properties"]["Environment"]["Variables"]
            return {key: str(deployment.resolve(value)) for key, value in variables.items()}
    raise AssertionError(f"no {function} function")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize("name", REHEARSALS)
def test_signed_url_hosts_are_the_ones_the_csp_allows(
    rehearsals: dict[str, Synth], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    synth = rehearsals[name]
    deployment = _deployment(name, synth)
    sources = _csp_sources(deployment, synth)
    for function in ("presign", "detail"):
        env = _function_env(deployment, synth, function)
        # As Lambda runs it: its own region, the template's variables, no local endpoint.
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
        monkeypatch.setenv("AWS_REGION", deployment.region)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        storage = Storage(make_s3_client(), env[BUCKET_ENV])
        if function == "presign":
            url = storage.presign_upload("uploads/public/x.jpg", "image/jpeg", 100, 300).url
            assert _origin(url) in sources["connect-src"], (name, url, sources["connect-src"])
        else:
            url = storage.presign_download("uploads/public/x.jpg", 300, "image/jpeg")
            assert _origin(url) in sources["img-src"], (name, url, sources["img-src"])
        assert _origin(url) == f"https://{env[BUCKET_ENV]}.s3.{deployment.region}.amazonaws.com"


def test_cfn_lint_accepts_every_template_in_every_region(rehearsals: dict[str, Synth]) -> None:
    """Region-specific checks too: resource types and properties available in each region."""
    templates = [
        str(path)
        for synth in rehearsals.values()
        for path in sorted(synth.outdir.glob("*.template.json"))
    ]
    regions = sorted({context["region"] for context in REHEARSALS.values()})
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    # W3005: CDK's redundant DependsOn (as in `make cfn-lint`).
    command = [cfn_lint, "--regions", *regions, "--ignore-checks", "W3005", "--", *templates]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", REHEARSALS)
def test_cors_allows_exactly_the_site_origins(rehearsals: dict[str, Synth], name: str) -> None:
    synth = rehearsals[name]
    deployment = _deployment(name, synth)
    bucket = next(
        resource["Properties"]
        for resource in synth.resources("AWS::S3::Bucket").values()
        if "CorsConfiguration" in resource["Properties"]
    )
    (rule,) = deployment.resolve(bucket["CorsConfiguration"]["CorsRules"])
    distribution = _one(synth, "AWS::CloudFront::Distribution")["DistributionConfig"]
    logical_id = next(iter(synth.resources("AWS::CloudFront::Distribution")))
    site_origins = {f"https://<{logical_id}.DomainName>"}
    site_origins |= {f"https://{alias}" for alias in distribution.get("Aliases", [])}
    assert set(rule["AllowedOrigins"]) == site_origins
    site_url = deployment.resolve(synth.template.to_json()["Outputs"]["SiteUrl"]["Value"])
    assert _origin(site_url) in site_origins
    if "domain_name" in REHEARSALS[name]:
        assert distribution["Aliases"] == [REHEARSALS[name]["domain_name"]]


@pytest.mark.parametrize("name", REHEARSALS)
def test_every_reference_and_dependency_has_a_target(
    rehearsals: dict[str, Synth], name: str
) -> None:
    for path, template in _templates(rehearsals[name]):
        known = {*template.get("Resources", {}), *template.get("Parameters", {})}
        for logical_id, resource in template.get("Resources", {}).items():
            for function, target in intrinsic_targets(resource):
                assert target in known, f"{path.name}: {logical_id} has {function} to {target}"
            depends = resource.get("DependsOn", [])
            for target in [depends] if isinstance(depends, str) else depends:
                assert target in template["Resources"], f"{logical_id} depends on {target}"
        for output, value in template.get("Outputs", {}).items():
            for function, target in intrinsic_targets(value):
                assert target in known, f"{path.name}: output {output} has {function} to {target}"


def _global_names(name: str, synth: Synth) -> list[str]:
    deployment = _deployment(name, synth)
    names = []
    for _path, template in _templates(synth):
        for resource in template.get("Resources", {}).values():
            path = GLOBAL_NAMES.get(resource["Type"])
            value: Any = resource.get("Properties", {})
            for key in path or ():
                value = value.get(key) if isinstance(value, dict) else None
            if path and value is not None:
                names.append(f"{resource['Type']} {deployment.resolve(value)}")
    return names


def test_account_wide_names_differ_per_region_and_per_stack(
    rehearsals: dict[str, Synth],
) -> None:
    """The same stack name deployed to two regions of one account must not collide."""
    names = {name: _global_names(name, synth) for name, synth in rehearsals.items()}
    for name, own in names.items():
        assert len(own) == len(set(own)), f"{name}: a name is used twice: {own}"
        assert any("ResponseHeadersPolicy" in item for item in own)
        for other, theirs in names.items():
            if REHEARSALS[other]["region"] != REHEARSALS[name]["region"]:
                assert not set(own) & set(theirs), f"{name} and {other} share names"


def test_the_upload_bucket_of_a_stack_created_again_has_a_new_name(default: Synth) -> None:
    resources = default.template.to_json()["Resources"]
    bucket = next(
        resource["Properties"]["BucketName"]
        for resource in resources.values()
        if "BucketName" in resource.get("Properties", {})
    )
    first = Deployment("eu-west-1", stack_uuid=str(uuid.uuid4()), resources=resources)
    again = Deployment("eu-west-1", stack_uuid=str(uuid.uuid4()), resources=resources)
    assert first.resolve(bucket) != again.resolve(bucket)
    assert len(first.resolve(bucket)) <= 63


@pytest.mark.parametrize("name", REHEARSALS)
def test_nothing_named_survives_a_failed_first_deploy(
    rehearsals: dict[str, Synth], name: str
) -> None:
    """`Retain` leaves a resource behind after a rolled-back create; with a fixed name the retry
    collides. Kept resources are `RetainExceptOnCreate`; plain `Retain` only for what has no
    fixed name and cannot be deleted by a rollback (the user pool's deletion protection)."""
    for path, template in _templates(rehearsals[name]):
        for logical_id, resource in template.get("Resources", {}).items():
            policy = resource.get("DeletionPolicy", "Delete")
            where = (path.name, logical_id, policy)
            assert policy in ("Delete", "RetainExceptOnCreate", "Retain"), where
            if policy == "Retain":
                properties = resource.get("Properties", {})
                named = [key for key in properties if key in NAMING]
                assert resource["Type"] in RETAINED_UNNAMED, where
                assert not named, (*where, named)


@pytest.mark.parametrize("name", [name for name in REHEARSALS if "alarms" in name])
def test_cloudwatch_may_publish_alarms_to_the_topic(
    rehearsals: dict[str, Synth], name: str
) -> None:
    synth = rehearsals[name]
    deployment = _deployment(name, synth)
    (topic_id,) = synth.resources("AWS::SNS::Topic")
    policy = deployment.resolve(_one(synth, "AWS::SNS::TopicPolicy"))
    allow = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow == [
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": f"<{topic_id}>",
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": f"arn:aws:cloudwatch:{deployment.region}:{ACCOUNT}:alarm:*"
                },
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        }
    ]
    alarms = synth.resources("AWS::CloudWatch::Alarm")
    assert alarms
    for logical_id, alarm in alarms.items():
        assert {"Ref": topic_id} in alarm["Properties"]["AlarmActions"]
        # What CloudWatch sends as aws:SourceArn for this alarm.
        arn = f"arn:aws:cloudwatch:{deployment.region}:{ACCOUNT}:alarm:{logical_id}"
        pattern = allow[0]["Condition"]["ArnLike"]["aws:SourceArn"]
        assert fnmatch.fnmatchcase(arn, pattern)


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1", "us-gov-west-1"])
def test_regions_outside_the_aws_partition_are_refused(region: str, synth: SynthFn) -> None:
    with pytest.raises(ConfigError, match=rf"region='{region}' is not supported: .*partition"):
        TricloudConfig.from_mapping({"region": region})
    with pytest.raises(ConfigError, match="is not supported"):
        synth(environ={"CDK_DEFAULT_REGION": region, "CDK_DEFAULT_ACCOUNT": ACCOUNT})
