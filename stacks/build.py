"""Builds tricloud's stacks into an app: the main stack, plus a us-east-1 certificate stack
when a custom domain is served from another region, plus the GitHub deploy-role stack when
context github_repository is set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk

from stacks.certificate import CertificateStack
from stacks.checkov import skip_reviewed_checks
from stacks.config import ConfigError, TricloudConfig, check_region
from stacks.deploy_role import AppStack, DeployRoleStack
from stacks.deploy_role_config import DeployRoleConfig
from stacks.nag import acknowledge_findings
from stacks.tricloud_stack import WEB_DIR, TricloudStack

CERTIFICATE_REGION = "us-east-1"
LABELS = {"google-vision": "Google Cloud Vision", "rekognition": "Amazon Rekognition"}
STORES = {"cosmos": "Cosmos DB", "dynamodb": "DynamoDB"}


@dataclass(frozen=True)
class Stacks:
    """The stacks of one app."""

    main: TricloudStack
    certificate: CertificateStack | None
    deploy_role: DeployRoleStack | None = None


def build(
    app: cdk.App,
    config: TricloudConfig,
    environ: Mapping[str, str],
    web_dir: Path = WEB_DIR,
    deploy_role: DeployRoleConfig | None = None,
) -> Stacks:
    """Add tricloud's stacks to `app`; `environ` supplies CDK_DEFAULT_ACCOUNT/REGION."""
    account = config.account or environ.get("CDK_DEFAULT_ACCOUNT")
    region = config.region or environ.get("CDK_DEFAULT_REGION")
    check_region(region)
    env = cdk.Environment(account=account, region=region)
    certificate_stack = None
    if config.domain and region is None:
        raise ConfigError(
            "a custom domain needs a known region: set context region (or AWS_REGION)"
        )
    if config.domain and region != CERTIFICATE_REGION:
        certificate_stack = CertificateStack(
            app,
            f"{config.stack_name}Certificate",
            domain=config.domain,
            env=cdk.Environment(account=account, region=CERTIFICATE_REGION),
            description="tricloud: CloudFront certificate for the custom domain (us-east-1)",
        )
    main = TricloudStack(
        app,
        config.stack_name,
        config=config,
        certificate=certificate_stack.certificate if certificate_stack else None,
        web_dir=web_dir,
        env=env,
        cross_region_references=certificate_stack is not None,
        description=f"tricloud: photo upload, {LABELS[config.labels]} labels, "
        f"{STORES[config.store]} results",
    )
    for stack in (main, certificate_stack):
        if stack is not None:
            acknowledge_findings(stack)
            skip_reviewed_checks(stack)
    deploy_role_stack = None
    if deploy_role is not None:
        deploy_role_stack = DeployRoleStack(
            app,
            f"{config.stack_name}GitHubDeploy",
            config=deploy_role,
            main=AppStack(config.stack_name, region),
            others=[AppStack(certificate_stack.stack_name, CERTIFICATE_REGION)]
            if certificate_stack
            else [],
            imported_secret_arns=[
                arn for arn in (config.gcp_secret_arn, config.cosmos_secret_arn) if arn
            ],
            providers=(config.labels, config.store),
            env=env,
            description="tricloud: GitHub OIDC deploy and pull-request diff roles",
        )
        acknowledge_findings(deploy_role_stack)
        skip_reviewed_checks(deploy_role_stack)
    return Stacks(main=main, certificate=certificate_stack, deploy_role=deploy_role_stack)
