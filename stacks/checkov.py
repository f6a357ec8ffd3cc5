"""Every Checkov check tricloud skips, each with its reason: the one place they are reviewed.

Checkov (`make checkov`, and tests/infra/test_checkov.py for more configurations) reads the
synthesized templates; a skip is written into the template as the resource's
`Metadata.checkov.skip` entry, so it covers exactly the resources named here and Checkov reports
it as skipped with its reason. Anything not listed is a finding that fails the build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import CfnResource, Stack

#: CDK's own deployment-time helpers (code and settings chosen by aws-cdk-lib).
CDK_HELPERS = ("BucketNotificationsHandler", "CustomCDKBucketDeployment")


@dataclass(frozen=True)
class Skip:
    """A check skipped on resources of one type (optionally only some), and why."""

    check: str
    resource_type: str
    reason: str
    only: Callable[[CfnResource, Stack], bool] | None = None


def _is_cdk_helper(resource: CfnResource, stack: Stack) -> bool:
    return stack.get_logical_id(resource).startswith(CDK_HELPERS)


def _is_access_log_bucket(resource: CfnResource, stack: Stack) -> bool:
    return stack.get_logical_id(resource).startswith("AccessLogs")


def _is_usage_table(resource: CfnResource, stack: Stack) -> bool:
    return stack.get_logical_id(resource).startswith("UsageCounters")


def _has_default_certificate(resource: CfnResource, stack: Stack) -> bool:
    config = getattr(stack, "config", None)
    return config is not None and config.domain is None


SKIPS = (
    Skip(
        "CKV_AWS_117",
        "AWS::Lambda::Function",
        "Not in a VPC: the functions call only public endpoints (Cloud Vision, Cosmos DB, S3, "
        "Secrets Manager); a VPC would need a NAT gateway (a fixed hourly cost) and protect "
        "nothing that IAM and TLS do not.",
    ),
    Skip(
        "CKV_AWS_116",
        "AWS::Lambda::Function",
        "A function DLQ only applies to asynchronous invocations: the API functions are invoked "
        "synchronously by API Gateway, analyze by an SQS event source whose queue has its own "
        "dead-letter queue, and CDK's helpers by CloudFormation.",
    ),
    Skip(
        "CKV_AWS_115",
        "AWS::Lambda::Function",
        "No reserved concurrency: reserving takes from the account's unreserved pool (new "
        "accounts have 10, which would make the deploy fail). analyze is bounded by the event "
        "source's maximum concurrency, the API functions by the stage's throttling.",
    ),
    Skip(
        "CKV_AWS_173",
        "AWS::Lambda::Function",
        "The environment holds no secret (names, limits, secret ARNs; values stay in Secrets "
        "Manager) and Lambda encrypts it at rest with an AWS key; a customer key adds cost only.",
    ),
    Skip(
        "CKV_AWS_158",
        "AWS::Logs::LogGroup",
        "CloudWatch Logs encrypts every log group at rest; the logs hold no secrets or photos "
        "(tests check), so a customer-managed KMS key would add cost and no protection.",
    ),
    Skip(
        "CKV_AWS_149",
        "AWS::SecretsManager::Secret",
        "Encrypted with the account's aws/secretsmanager key; only each function's role may "
        "read its secret. A customer key would add cost and a second grant to keep in step.",
    ),
    Skip(
        "CKV_AWS_119",
        "AWS::DynamoDB::Table",
        "The daily cap's counters (a count per user and day, expiring with TTL) are encrypted at "
        "rest with DynamoDB's own key; a customer-managed key would add cost and a key policy "
        "to keep in step, and protect nothing more.",
        _is_usage_table,
    ),
    Skip(
        "CKV_AWS_26",
        "AWS::SNS::Topic",
        "The alarm topic carries alarm state changes only. With the AWS-managed SNS key "
        "CloudWatch could not publish (it needs kms:Decrypt, which that key's policy cannot "
        "grant), so alarm e-mails would never arrive.",
    ),
    Skip(
        "CKV_AWS_27",
        "AWS::SQS::Queue",
        "False positive: the queues use SQS-managed server-side encryption "
        "(SqsManagedSseEnabled); the check only recognizes a KMS key.",
    ),
    Skip(
        "CKV_AWS_21",
        "AWS::S3::Bucket",
        "No versioning: photos are written once under new keys and must really go when deleted; "
        "the site bucket is rebuilt from the repository at every deploy; access logs expire.",
    ),
    Skip(
        "CKV_AWS_18",
        "AWS::S3::Bucket",
        "This is the access-log bucket itself; logging it into itself would loop.",
        _is_access_log_bucket,
    ),
    Skip(
        "CKV_AWS_59",
        "AWS::ApiGateway::Method",
        "Public, anonymous app by design (cdk-nag APIG4 in stacks/nag.py): abuse is bounded by "
        "stage throttling, request validation and narrow pre-signed uploads.",
    ),
    Skip(
        "CKV_AWS_120",
        "AWS::ApiGateway::Stage",
        "No API cache: every answer is fresh per request (pre-signed URLs, new uploads) and "
        "must never be served to another caller.",
    ),
    Skip(
        "CKV_AWS_68",
        "AWS::CloudFront::Distribution",
        "No WAF web ACL (cdk-nag CFR2/APIG3 in stacks/nag.py): a fixed monthly cost this demo "
        "does not justify; enable one for production.",
    ),
    Skip(
        "CKV_AWS_174",
        "AWS::CloudFront::Distribution",
        "Without a custom domain CloudFront serves its default *.cloudfront.net certificate, "
        "whose security policy is fixed at TLSv1; with a domain it is TLSv1.2_2021.",
        _has_default_certificate,
    ),
    Skip(
        "CKV_AWS_111",
        "AWS::IAM::Policy",
        "CDK's BucketDeployment helper: cloudfront:CreateInvalidation has no resource-level "
        "scoping in CDK's grant; the helper runs only during deployments.",
        _is_cdk_helper,
    ),
)


def skip_reviewed_checks(stack: Stack) -> None:
    """Write the reviewed skips into the metadata of the resources they apply to."""
    for construct in stack.node.find_all():
        if isinstance(construct, CfnResource):
            _apply(construct, stack)


def _apply(resource: CfnResource, stack: Stack) -> None:
    skips = [
        {"id": skip.check, "comment": skip.reason}
        for skip in SKIPS
        if skip.resource_type == resource.cfn_resource_type
        and (skip.only is None or skip.only(resource, stack))
    ]
    if skips:
        resource.add_metadata("checkov", {"skip": skips})
