"""The optional stack that lets GitHub Actions deploy tricloud without stored AWS keys.

It holds the account's GitHub OIDC provider (or imports it) and two roles, each trusted only by
tokens with audience `sts.amazonaws.com` and one exact `sub` claim of one repository:
- the deploy role (the deploy workflow's protected environment, or one branch): may assume the
  CDK bootstrap roles `cdk deploy` uses (deploy, file publishing, lookup) in the app's regions,
  and read what `tricloud doctor` reads (the main stack's outputs, and for the chosen
  providers: the GCP and Cosmos secrets, or a Rekognition probe and the images table);
- the diff role (the repository's pull requests): may read the app's deployed templates, for
  `cdk diff --method=template`, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.deploy_role_config import GITHUB_AUDIENCE, GITHUB_OIDC_HOST, DeployRoleConfig

#: The bootstrap roles `cdk deploy` assumes (no image-publishing: tricloud has no Docker assets).
BOOTSTRAP_ROLES = ("deploy-role", "file-publishing-role", "lookup-role")


@dataclass(frozen=True)
class AppStack:
    """One stack of the app the roles work on; region None is this stack's own region."""

    name: str
    region: str | None


class DeployRoleStack(Stack):
    """The GitHub OIDC provider, the deploy role and the pull-request diff role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployRoleConfig,
        main: AppStack,
        others: Sequence[AppStack] = (),
        imported_secret_arns: Sequence[str] = (),
        providers: tuple[str, str] = ("google-vision", "cosmos"),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.providers = providers
        provider_arn = config.oidc_provider_arn or self._provider()
        self.main = main
        self.app_stacks = app_stacks = [main, *others]

        self.deploy_role = iam.Role(
            self,
            "DeployRole",
            assumed_by=github_principal(provider_arn, config.deploy_subject),
            description=f"tricloud: deploys from GitHub ({config.deploy_subject})",
            max_session_duration=Duration.hours(1),
        )
        self.deploy_role.add_to_policy(
            iam.PolicyStatement(
                sid="AssumeCdkBootstrapRoles",
                actions=["sts:AssumeRole"],
                resources=[
                    self._bootstrap_role(config.qualifier, role, region)
                    for region in _unique(stack.region for stack in app_stacks)
                    for role in BOOTSTRAP_ROLES
                ],
            )
        )
        for statement in doctor_statements(self, main, imported_secret_arns, providers):
            self.deploy_role.add_to_policy(statement)

        self.diff_role = iam.Role(
            self,
            "DiffRole",
            assumed_by=github_principal(provider_arn, config.pull_request_subject),
            description=f"tricloud: cdk diff for pull requests of {config.repository}",
            max_session_duration=Duration.hours(1),
        )
        self.diff_role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadDeployedTemplates",
                actions=["cloudformation:DescribeStacks", "cloudformation:GetTemplate"],
                resources=[self.stack_arn(stack) for stack in app_stacks],
            )
        )

        CfnOutput(self, "DeployRoleArn", value=self.deploy_role.role_arn)
        CfnOutput(self, "DiffRoleArn", value=self.diff_role.role_arn)

    def _provider(self) -> str:
        """Create the account's OIDC provider for GitHub Actions (IAM's own resource)."""
        provider = iam.OidcProviderNative(
            self,
            "GitHubOidcProvider",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_ids=[GITHUB_AUDIENCE],
        )
        return provider.oidc_provider_arn

    def _bootstrap_role(self, qualifier: str, role: str, region: str | None) -> str:
        region = region or Aws.REGION
        return (
            f"arn:{Aws.PARTITION}:iam::{self.account}:role/"
            f"cdk-{qualifier}-{role}-{self.account}-{region}"
        )

    def stack_arn(self, stack: AppStack) -> str:
        """Every incarnation of a stack of the app (the stack id suffix changes on re-creation)."""
        region = stack.region or Aws.REGION
        return f"arn:{Aws.PARTITION}:cloudformation:{region}:{self.account}:stack/{stack.name}/*"


def github_principal(provider_arn: str, subject: str) -> iam.WebIdentityPrincipal:
    """Tokens of the GitHub OIDC provider for AWS STS with exactly this `sub` claim."""
    return iam.WebIdentityPrincipal(
        provider_arn,
        conditions={
            "StringEquals": {
                f"{GITHUB_OIDC_HOST}:aud": GITHUB_AUDIENCE,
                f"{GITHUB_OIDC_HOST}:sub": subject,
            }
        },
    )


def doctor_statements(
    stack: DeployRoleStack,
    main: AppStack,
    imported_secret_arns: Sequence[str],
    providers: tuple[str, str] = ("google-vision", "cosmos"),
) -> list[iam.PolicyStatement]:
    """What `tricloud doctor` reads after a deploy: the main stack's outputs, then per provider
    (labels, store): the GCP / Cosmos secrets, or a Rekognition probe / the images table.

    The secrets the stack creates have names CloudFormation generates, so they are matched by
    the `aws:cloudformation:stack-name` tag CloudFormation puts on them; imported secrets by ARN.
    The images table's generated name starts with the stack's name.
    """
    labels, store = providers
    region = main.region or Aws.REGION
    statements = [
        iam.PolicyStatement(
            sid="ReadStackOutputs",
            actions=["cloudformation:DescribeStacks"],
            resources=[stack.stack_arn(main)],
        ),
    ]
    if labels == "google-vision" or store == "cosmos":
        statements.append(
            iam.PolicyStatement(
                sid="ReadStackSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[f"arn:{Aws.PARTITION}:secretsmanager:{region}:{stack.account}:secret:*"],
                conditions={
                    "StringEquals": {"aws:ResourceTag/aws:cloudformation:stack-name": main.name}
                },
            )
        )
    if labels == "rekognition":
        statements.append(
            iam.PolicyStatement(
                sid="ProbeRekognition", actions=["rekognition:DetectLabels"], resources=["*"]
            )
        )
    if store == "dynamodb":
        statements.append(
            iam.PolicyStatement(
                sid="ReadImagesTable",
                actions=["dynamodb:DescribeTable", "dynamodb:GetItem"],
                resources=[images_table_arn(stack, main)],
            )
        )
    if imported_secret_arns:
        statements.append(
            iam.PolicyStatement(
                sid="ReadImportedSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=list(imported_secret_arns),
            )
        )
    return statements


def images_table_arn(stack: Stack, main: AppStack) -> str:
    """The main stack's tables: CloudFormation names them `<stack name>-<logical id>-<suffix>`."""
    region = main.region or Aws.REGION
    return f"arn:{Aws.PARTITION}:dynamodb:{region}:{stack.account}:table/{main.name}-*"


def _unique(regions: Iterable[str | None]) -> list[str | None]:
    """Regions in first-seen order, without repeats."""
    return list(dict.fromkeys(regions))
