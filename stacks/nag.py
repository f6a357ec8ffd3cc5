"""Every cdk-nag AwsSolutions acknowledgement of the project, each with its reason.

cdk-nag 3 matches each finding exactly (`RuleId[finding]`), so wildcard findings name the
resource they are about. Two groups: decisions of this design, and the helper functions the
CDK itself adds (the web/ bucket deployment and the S3 bucket-notifications handler).
"""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, DefaultStackSynthesizer, Stack, Token, Validations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import IConstruct

from stacks.config import DEFAULT_LAMBDA_PYTHON
from stacks.deploy_role import AppStack, DeployRoleStack
from stacks.deploy_role_config import QUALIFIER_KEY
from stacks.tricloud_stack import TricloudStack
from stacks.uploads import stack_id_suffix

XRAY = (
    "AwsSolutions-IAM5[Resource::*]",
    "X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support "
    "resource-level permissions, so CDK grants them on * (only these two actions).",
)
REKOGNITION = (
    "AwsSolutions-IAM5[Resource::*]",
    "Rekognition DetectLabels and DetectModerationLabels on image bytes act on no AWS resource "
    "and support no resource-level permissions, so the statement needs Resource *; it grants "
    "exactly these two actions.",
)
DEPLOYMENT_HANDLER = "Custom::CDKBucketDeployment"
NOTIFICATIONS_HANDLER = "BucketNotificationsHandler"


def _ack(scope: IConstruct, *findings: tuple[str, str]) -> None:
    """Acknowledge (finding id, reason) pairs on `scope` and everything below it."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=finding, reason=reason) for finding, reason in findings)
    )


def acknowledge_findings(stack: Stack) -> None:
    """Acknowledge the reviewed findings of one of tricloud's stacks."""
    if isinstance(stack, TricloudStack):
        _acknowledge_design(stack)
    if isinstance(stack, DeployRoleStack):
        _acknowledge_deploy_roles(stack)
    _acknowledge_cdk_helpers(stack)


def _acknowledge_design(stack: TricloudStack) -> None:
    """Findings that follow from tricloud's design choices (and its access mode)."""
    for secret in stack.secrets.provider_secrets:
        if isinstance(secret, secretsmanager.Secret):
            _ack(
                secret,
                (
                    "AwsSolutions-SMG4",
                    "Holds third-party credentials (a GCP key or federation config, a Cosmos DB "
                    "key) that Secrets Manager cannot rotate; they are rotated at their issuer "
                    "and re-stored with `tricloud secrets`.",
                ),
            )

    # cdk-nag renders the bucket name's intrinsic functions as compact JSON.
    suffix = json.dumps(stack.resolve(stack_id_suffix()), separators=(",", ":"))
    uploads = (
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::"
        f"{stack.stack_name.lower()}-uploads-{suffix}/uploads/*]",
        "Object-level permission on the uploads/ prefix only: image keys are generated per "
        "upload, so they cannot be listed in advance; the action is a single one "
        "(s3:PutObject for presign, s3:GetObject for analyze and detail) plus "
        "s3:DeleteObject for detail (DELETE /api/images/{id}).",
    )
    if stack.secrets.cursor_key is not None:
        _ack(
            stack.secrets.cursor_key,
            (
                "AwsSolutions-SMG4",
                "Random key that only signs gallery cursors (no access to any data); rotating "
                "it would only invalidate cursors in flight. Replace the secret to rotate it.",
            ),
        )

    thumbs = (
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::"
        f"{stack.stack_name.lower()}-uploads-{suffix}/thumbs/*]",
        "Object-level permission on the thumbs/ prefix only: thumbnail keys follow the image "
        "ids made per upload (s3:PutObject for analyze, "
        "s3:GetObject for list_images and detail, which sign thumbnail URLs; "
        "s3:DeleteObject for detail, which deletes an image with its thumbnail).",
    )
    functions = stack.functions
    older_runtime = (
        "AwsSolutions-L1",
        f"The Python runtime was set with context lambda_python_version="
        f"{stack.config.lambda_python_version} (the default, {DEFAULT_LAMBDA_PYTHON}, is the "
        "newest), e.g. to match the interpreter that precompiles the bundles' bytecode.",
    )
    for function in functions.all:
        if stack.config.lambda_python_version != DEFAULT_LAMBDA_PYTHON:
            _ack(function, older_runtime)
        findings = [XRAY]
        if function is not functions.list_images:
            findings.append(uploads)
        if function in (functions.analyze, functions.list_images, functions.detail):
            findings.append(thumbs)
        if function is functions.analyze and not stack.config.uses_gcp:
            findings.append(REKOGNITION)
        assert function.role is not None
        _ack(function.role, *findings)

    api = stack.api
    if stack.auth is None:
        _ack(
            api,
            (
                "AwsSolutions-APIG4",
                "access=public was chosen explicitly (the synth warns): nobody signs in. Abuse "
                "is bounded by the daily caps, stage throttling, request validation and "
                "pre-signed uploads limited in type, size and lifetime.",
            ),
            ("AwsSolutions-COG4", "access=public: no user accounts, so no Cognito authorizer."),
        )
    else:
        _ack(
            api.health,
            (
                "AwsSolutions-APIG4",
                "GET /api/health is the liveness check: it answers {status: ok} without "
                "touching data, so monitors can call it without a sign-in.",
            ),
            ("AwsSolutions-COG4", "GET /api/health is public by design (see APIG4)."),
        )
        _ack(
            stack.auth.user_pool,
            (
                "AwsSolutions-COG2",
                "MFA is optional (TOTP): every user can turn it on, and Plus-plan threat "
                "protection blocks risky sign-ins; requiring it would lock out a demo audience.",
            ),
        )
    _ack(
        api,
        (
            "AwsSolutions-APIG3",
            "No WAF web ACL: the API is throttled per stage and reached through CloudFront; a "
            "web ACL costs a fixed monthly fee this demo does not justify. Add one for production.",
        ),
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level API Gateway logging role needs exactly this AWS-managed policy "
            "(AWS's documented setup); without it access and execution logs cannot be written.",
        ),
    )

    distribution = stack.site.distribution
    _ack(
        distribution,
        (
            "AwsSolutions-CFR1",
            "The app is meant to be reachable worldwide; there is no legal or business reason "
            "for a geo restriction.",
        ),
        (
            "AwsSolutions-CFR2",
            "No WAF web ACL (see APIG3): static files and a throttled API; enable for production.",
        ),
    )
    if stack.config.domain is None:
        _ack(
            distribution,
            (
                "AwsSolutions-CFR4",
                "Without a custom domain CloudFront serves its default *.cloudfront.net "
                "certificate, whose security policy is fixed at TLSv1 and cannot be changed; "
                "with a custom domain the distribution uses TLSv1.2_2021.",
            ),
        )


def _acknowledge_deploy_roles(stack: DeployRoleStack) -> None:
    """The GitHub roles name the app's stacks, secrets and table, whose ARNs end in generated
    parts; the deploy role also probes Rekognition when it labels the photos."""
    stack_ids = (
        "The trailing * is the id CloudFormation gives the stack when it is created; the ARN "
        "names this one stack of the app (read-only actions: DescribeStacks, GetTemplate)."
    )
    stacks = [
        (f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, app, 'cloudformation')}]", stack_ids)
        for app in stack.app_stacks
    ]
    doctor = []
    labels, store = stack.providers
    if labels == "google-vision" or store == "cosmos":
        doctor.append(
            (
                f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, stack.main, 'secretsmanager')}]",
                "tricloud doctor reads the main stack's provider secrets after a deploy. Their "
                "names are generated by CloudFormation, so the statement matches them by the "
                "aws:cloudformation:stack-name tag CloudFormation puts on them (StringEquals on "
                "the main stack's name); the only action is secretsmanager:GetSecretValue.",
            )
        )
    if labels == "rekognition":
        doctor.append(
            (
                "AwsSolutions-IAM5[Resource::*]",
                "tricloud doctor probes Amazon Rekognition with one DetectLabels call on a "
                "small test image; the action acts on no AWS resource and supports no "
                "resource-level permission. It is the only action on *.",
            )
        )
    if store == "dynamodb":
        doctor.append(
            (
                f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, stack.main, 'dynamodb')}]",
                "tricloud doctor reads the images table (DescribeTable, one GetItem) after a "
                "deploy; its name is generated by CloudFormation and starts with the main "
                "stack's name, so the ARN ends in a wildcard after that prefix.",
            )
        )
    _ack(stack.deploy_role, *stacks, *doctor)
    _ack(stack.diff_role, *stacks)


def _nag_arn(stack: DeployRoleStack, app: AppStack, service: str) -> str:
    """A stack's (or its secrets') wildcard ARN as cdk-nag renders it."""
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    region = app.region or "<AWS::Region>"
    resource = {
        "cloudformation": f"stack/{app.name}/*",
        "dynamodb": f"table/{app.name}-*",
    }.get(service, "secret:*")
    return f"arn:<AWS::Partition>:{service}:{region}:{account}:{resource}"


def _acknowledge_cdk_helpers(stack: Stack) -> None:
    """Findings on the Lambda-backed helpers CDK adds; their code and policies are CDK's."""
    basic_role = (
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "CDK's own deployment-time helper function; AWSLambdaBasicExecutionRole only lets it "
        "write its logs.",
    )
    for child in stack.node.children:
        if child.node.id.startswith(NOTIFICATIONS_HANDLER):
            _ack(child, basic_role)
        elif child.node.id.startswith(DEPLOYMENT_HANDLER) and isinstance(stack, TricloudStack):
            _ack(child, basic_role)
            _acknowledge_site_deployment(stack, child)


def _acknowledge_site_deployment(stack: TricloudStack, handler: IConstruct) -> None:
    """The BucketDeployment copies web/ from the CDK asset bucket into the site bucket."""
    site_bucket = stack.site.bucket.node.default_child
    assert isinstance(site_bucket, s3.CfnBucket)
    reason = (
        "CDK's BucketDeployment grant: read the web/ asset from the CDK asset bucket and "
        "replace the site bucket's objects (it syncs and prunes, so it lists and deletes)."
    )
    findings = [
        "Action::s3:GetBucket*",
        "Action::s3:GetObject*",
        "Action::s3:List*",
        "Action::s3:Abort*",
        "Action::s3:DeleteObject*",
        f"Resource::<{stack.get_logical_id(site_bucket)}.Arn>/*",
        f"Resource::{_asset_bucket_arn(stack)}/*",
    ]
    _ack(
        handler,
        *((f"AwsSolutions-IAM5[{finding}]", reason) for finding in findings),
        (
            "AwsSolutions-IAM5[Resource::*]",
            "cloudfront:CreateInvalidation/GetInvalidation, granted by CDK's BucketDeployment "
            "to invalidate the distribution after an upload; CDK does not scope it.",
        ),
        (
            "AwsSolutions-L1",
            "CDK's own deployment-time helper; its runtime is chosen and updated by aws-cdk-lib.",
        ),
    )


def _asset_bucket_arn(stack: Stack) -> str:
    """The CDK asset bucket's ARN as cdk-nag renders it (pseudo parameters in <>)."""
    region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    if Token.is_unresolved(stack.region):
        partition = "<AWS::Partition>"
    elif stack.region.startswith("cn-"):
        partition = "aws-cn"
    elif stack.region.startswith("us-gov-"):
        partition = "aws-us-gov"
    else:
        partition = "aws"
    qualifier = (
        stack.node.try_get_context(QUALIFIER_KEY) or DefaultStackSynthesizer.DEFAULT_QUALIFIER
    )
    return f"arn:{partition}:s3:::cdk-{qualifier}-assets-{account}-{region}"
