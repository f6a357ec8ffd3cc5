"""Read what the deployed stack tells us through its CloudFormation outputs.

``cdk deploy`` prints these outputs; the ``tricloud`` commands read the same values with
``DescribeStacks`` so the user never copies a secret ARN by hand.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tooling.cli_support import AwsAccessError, CommandError, aws_error_code, describe_aws_error

# Output keys of the stack (stacks/tricloud_stack.py, CfnOutput at stack level).
SITE_URL = "SiteUrl"
API_URL = "ApiUrl"
GCP_SECRET = "GcpSecretName"  # noqa: S105 (an output name, not a secret)
COSMOS_SECRET = "CosmosSecretName"  # noqa: S105 (an output name, not a secret)
DEAD_LETTER_QUEUE = "DeadLetterQueueUrl"
LABELS_PROVIDER = "LabelsProvider"
IMAGE_STORE = "ImageStore"
IMAGES_TABLE = "ImagesTableName"
USER_POOL_ID = "UserPoolId"
USER_POOL_CLIENT_ID = "UserPoolClientId"


def read_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """Return the stack's outputs as ``{OutputKey: OutputValue}``."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if aws_error_code(error) == "ValidationError":
            raise CommandError(
                f"stack {stack_name!r} not found in this account/region: deploy it with "
                "`npx cdk deploy`, pass --region, or give the value explicitly"
            ) from None
        raise AwsAccessError(describe_aws_error(error)) from None
    except BotoCoreError as error:
        raise AwsAccessError(describe_aws_error(error)) from None
    outputs = stacks[0].get("Outputs", []) if stacks else []
    return {str(item["OutputKey"]): str(item["OutputValue"]) for item in outputs}


#: The provider each secret output belongs to, and the choice that has no such secret.
_PROVIDER_SECRETS = {
    GCP_SECRET: (LABELS_PROVIDER, "google-vision", "labels"),
    COSMOS_SECRET: (IMAGE_STORE, "cosmos", "store"),
}


def output_value(outputs: dict[str, str], key: str, stack_name: str) -> str:
    """The value of output ``key``, or a CommandError naming what is missing (or that the
    stack's chosen provider has no such secret)."""
    try:
        return outputs[key]
    except KeyError:
        if key in _PROVIDER_SECRETS:
            choice_key, needs, setting = _PROVIDER_SECRETS[key]
            chosen = outputs.get(choice_key)
            if chosen and chosen != needs:
                raise CommandError(
                    f"stack {stack_name!r} was deployed with {setting}={chosen}, which needs no "
                    f"such secret (only {setting}={needs} does)"
                ) from None
        raise CommandError(
            f"stack {stack_name!r} has no output {key!r}; is it a tricloud stack that "
            "finished deploying?"
        ) from None
