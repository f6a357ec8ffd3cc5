"""The GitHub deploy-role stack: who may assume its roles (trust policy) and what they may do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.config import ConfigError
from stacks.deploy_role_config import DeployRoleConfig

from .synth import COSMOS_ARN, GCP_ARN, VARIANT, Synth, SynthFn

REPO = "octo-org/tricloud"
PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
BOOTSTRAP_ROLES = ("deploy-role", "file-publishing-role", "lookup-role")


@pytest.fixture(scope="module")
def github(synth: SynthFn) -> Synth:
    """cdk.json's settings plus github_repository: environment-agnostic, new OIDC provider."""
    return synth({"github_repository": REPO})


@pytest.fixture(scope="module")
def github_variant(synth: SynthFn) -> Synth:
    """Every option: custom domain outside us-east-1, imported secrets, a branch instead of an
    environment, the account's existing OIDC provider, a custom bootstrap qualifier."""
    return synth(
        {
            **VARIANT,
            "github_repository": REPO,
            "github_branch": "release/v2",
            "github_oidc_provider_arn": PROVIDER_ARN,
            "@aws-cdk/core:bootstrapQualifier": "tri123",
        }
    )


@pytest.fixture(scope="module")
def github_all_aws(synth: SynthFn) -> Synth:
    """github_repository with Rekognition labels and the DynamoDB store."""
    return synth({"github_repository": REPO, "labels": "rekognition", "store": "dynamodb"})


def _template(synth: Synth) -> Template:
    assert synth.stacks.deploy_role is not None
    return Template.from_stack(synth.stacks.deploy_role)


def _render(value: Any) -> Any:
    """An intrinsic as text: Fn::Join joined, {"Ref": X} as ${X}."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_render(part)) for part in parts)
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return "${" + value["Ref"] + "}"
    if isinstance(value, list):
        return [_render(item) for item in value]
    return value


def _role(template: Template, name: str) -> dict[str, Any]:
    roles = template.find_resources("AWS::IAM::Role")
    found = [props for logical_id, props in roles.items() if logical_id.startswith(name)]
    assert len(found) == 1, sorted(roles)
    return dict(found[0]["Properties"])


def _statements(template: Template, role_name: str) -> dict[str, dict[str, Any]]:
    """The statements of a role's policies, by Sid, with Resource as a sorted list of text."""
    role_ids = [
        lid for lid in template.find_resources("AWS::IAM::Role") if lid.startswith(role_name)
    ]
    statements: dict[str, dict[str, Any]] = {}
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if policy["Properties"]["Roles"] != [{"Ref": role_ids[0]}]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = _render(statement["Resource"])
            statements[statement["Sid"]] = {
                **statement,
                "Resource": sorted(resources if isinstance(resources, list) else [resources]),
            }
    return statements


def test_no_deploy_role_stack_unless_a_repository_is_set(default: Synth) -> None:
    assert default.stacks.deploy_role is None
    assert not (default.outdir / "TricloudGitHubDeploy.template.json").exists()


def test_the_stack_creates_the_github_oidc_provider_for_sts(github: Synth) -> None:
    assert github.stacks.deploy_role is not None
    assert github.stacks.deploy_role.stack_name == "TricloudGitHubDeploy"
    template = _template(github)
    template.resource_count_is("AWS::IAM::OIDCProvider", 1)
    template.has_resource_properties(
        "AWS::IAM::OIDCProvider",
        {
            "Url": "https://token.actions.githubusercontent.com",
            "ClientIdList": ["sts.amazonaws.com"],
        },
    )
    assert template.find_resources("Custom::AWSCDKOpenIdConnectProvider") == {}


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("DeployRole", f"repo:{REPO}:environment:production"),
        ("DiffRole", f"repo:{REPO}:pull_request"),
    ],
)
def test_each_role_trusts_one_exact_subject_of_the_repository(
    github: Synth, role: str, subject: str
) -> None:
    template = _template(github)
    provider_id = next(iter(template.find_resources("AWS::IAM::OIDCProvider")))
    trust = _role(template, role)["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Effect": "Allow",
            "Principal": {"Federated": {"Ref": provider_id}},
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": subject,
                }
            },
        }
    ]


def test_no_pattern_conditions_anywhere(github: Synth, github_variant: Synth) -> None:
    for synth in (github, github_variant):
        assert "StringLike" not in json.dumps(_template(synth).to_json())


def test_a_branch_and_an_existing_provider(github_variant: Synth) -> None:
    template = _template(github_variant)
    template.resource_count_is("AWS::IAM::OIDCProvider", 0)
    trust = _role(template, "DeployRole")["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Federated": PROVIDER_ARN}
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        f"repo:{REPO}:ref:refs/heads/release/v2"
    )


def test_deploy_role_may_assume_only_the_cdk_bootstrap_roles(github: Synth) -> None:
    statement = _statements(_template(github), "DeployRole")["AssumeCdkBootstrapRoles"]
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Resource"] == sorted(
        f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/cdk-hnb659fds-{role}-"
        "${AWS::AccountId}-${AWS::Region}"
        for role in BOOTSTRAP_ROLES
    )


def test_bootstrap_roles_follow_the_qualifier_and_the_certificate_region(
    github_variant: Synth,
) -> None:
    statement = _statements(_template(github_variant), "DeployRole")["AssumeCdkBootstrapRoles"]
    assert statement["Resource"] == sorted(
        f"arn:${{AWS::Partition}}:iam::123456789012:role/cdk-tri123-{role}-123456789012-{region}"
        for role in BOOTSTRAP_ROLES
        for region in ("eu-west-1", "us-east-1")
    )


def test_deploy_role_reads_what_doctor_reads_and_nothing_more(github_variant: Synth) -> None:
    statements = _statements(_template(github_variant), "DeployRole")
    assert sorted(statements) == [
        "AssumeCdkBootstrapRoles",
        "ReadImportedSecrets",
        "ReadStackOutputs",
        "ReadStackSecrets",
    ]
    stack = "arn:${AWS::Partition}:cloudformation:eu-west-1:123456789012:stack/Tricloud/*"
    assert statements["ReadStackOutputs"]["Action"] == "cloudformation:DescribeStacks"
    assert statements["ReadStackOutputs"]["Resource"] == [stack]
    own = statements["ReadStackSecrets"]
    assert own["Action"] == "secretsmanager:GetSecretValue"
    assert own["Resource"] == [
        "arn:${AWS::Partition}:secretsmanager:eu-west-1:123456789012:secret:*"
    ]
    assert own["Condition"] == {
        "StringEquals": {"aws:ResourceTag/aws:cloudformation:stack-name": "Tricloud"}
    }
    imported = statements["ReadImportedSecrets"]
    assert imported["Action"] == "secretsmanager:GetSecretValue"
    assert imported["Resource"] == sorted([GCP_ARN, COSMOS_ARN])


def test_on_all_aws_the_deploy_role_reads_the_table_and_probes_rekognition(
    github_all_aws: Synth,
) -> None:
    statements = _statements(_template(github_all_aws), "DeployRole")
    assert sorted(statements) == [
        "AssumeCdkBootstrapRoles",
        "ProbeRekognition",
        "ReadImagesTable",
        "ReadStackOutputs",
    ]  # no secret to read: the stack has none of GCP or Cosmos
    assert statements["ProbeRekognition"]["Action"] == "rekognition:DetectLabels"
    assert statements["ProbeRekognition"]["Resource"] == ["*"]
    table = statements["ReadImagesTable"]
    assert table["Action"] == ["dynamodb:DescribeTable", "dynamodb:GetItem"]
    assert table["Resource"] == [
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/Tricloud-*"
    ]
    # The table CloudFormation names really starts with the stack's name.
    main = Template.from_stack(github_all_aws.stacks.main).to_json()["Resources"]
    assert [k for k, v in main.items() if v["Type"] == "AWS::DynamoDB::Table"]
    assert all("TableName" not in v.get("Properties", {}) for v in main.values())


def test_diff_role_only_reads_the_deployed_templates(github_variant: Synth) -> None:
    statements = _statements(_template(github_variant), "DiffRole")
    assert list(statements) == ["ReadDeployedTemplates"]
    statement = statements["ReadDeployedTemplates"]
    assert statement["Action"] == ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"]
    assert statement["Resource"] == [
        "arn:${AWS::Partition}:cloudformation:eu-west-1:123456789012:stack/Tricloud/*",
        "arn:${AWS::Partition}:cloudformation:us-east-1:123456789012:stack/TricloudCertificate/*",
    ]


def test_role_arns_are_outputs(github: Synth) -> None:
    outputs = _template(github).find_outputs("*")
    assert sorted(outputs) == ["DeployRoleArn", "DiffRoleArn"]


@pytest.mark.parametrize("name", ["github", "github_variant", "github_all_aws"])
def test_cdk_nag_clean(name: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(name)
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []


def test_defaults() -> None:
    assert DeployRoleConfig.from_mapping({}) is None
    config = DeployRoleConfig.from_mapping({"github_repository": REPO})
    assert config == DeployRoleConfig(repository=REPO)
    assert config.environment == "production"
    assert config.qualifier == "hnb659fds"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            {"github_repository": "tricloud"},
            "github_repository='tricloud' is invalid: expected owner/name",
        ),
        ({"github_repository": "octo/tri cloud"}, "github_repository='octo/tri cloud' is invalid"),
        ({"github_repository": "octo/*"}, "github_repository='octo/\\*' is invalid"),
        (
            {"github_environment": "production"},
            "github_environment needs context github_repository",
        ),
        (
            {"github_repository": REPO, "github_environment": "prod", "github_branch": "main"},
            "set only one of context github_environment and github_branch",
        ),
        ({"github_repository": REPO, "github_branch": "feature/*"}, "github_branch='feature/\\*'"),
        ({"github_repository": REPO, "github_environment": "a:b"}, "github_environment='a:b'"),
        (
            {
                "github_repository": REPO,
                "github_oidc_provider_arn": "arn:aws:iam::1:oidc-provider/x",
            },
            "expected the ARN of the account's token.actions.githubusercontent.com OIDC provider",
        ),
        (
            {"github_repository": REPO, "@aws-cdk/core:bootstrapQualifier": "much-too-long"},
            "bootstrapQualifier='much-too-long' is invalid",
        ),
    ],
)
def test_bad_settings_are_named(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeployRoleConfig.from_mapping(context)
