"""Read and write the two tricloud secrets in AWS Secrets Manager, with plain-words errors.

Which secret: an explicit ``--secret-id`` wins; otherwise it is the ARN the deployed
stack publishes as a CloudFormation output.
"""

from __future__ import annotations

import argparse
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tooling import stack_outputs
from tooling.cli_support import (
    DEFAULT_STACK,
    AwsAccessError,
    CommandError,
    aws_client,
    aws_error_code,
    describe_aws_error,
)


def add_secret_options(
    parser: argparse.ArgumentParser, what: str, env_var: str | None = None
) -> None:
    """Add ``--secret-id`` / ``--stack`` (mutually exclusive) for the ``what`` secret.

    With ``env_var``, that variable names the secret when ``--secret-id`` is not given.
    """
    group = parser.add_mutually_exclusive_group()
    default = (
        f"${env_var}, else read from the stack's outputs"
        if env_var
        else ("read from the stack's outputs")
    )
    group.add_argument(
        "--secret-id",
        metavar="ID",
        help=f"name or ARN of the {what} secret (default: {default})",
    )
    group.add_argument(
        "--stack",
        default=DEFAULT_STACK,
        metavar="NAME",
        help=f"deployed CloudFormation stack whose outputs name the secret (default: "
        f"{DEFAULT_STACK})",
    )


def resolve_secret_id(
    explicit: str | None, stack_name: str, output_key: str, region: str | None
) -> str:
    """The explicit id when given, else the stack output ``output_key``."""
    if explicit:
        return explicit
    outputs = stack_outputs.read_outputs(aws_client("cloudformation", region), stack_name)
    return stack_outputs.output_value(outputs, output_key, stack_name)


class SecretAccessError(AwsAccessError):
    """The secret could not be read at all (credentials, network, permissions), as opposed
    to a secret that is missing or holds a bad value."""


def read_secret(client: Any, secret_id: str) -> str:
    """The current SecretString of ``secret_id``; SecretAccessError when AWS cannot be asked."""
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except (ClientError, BotoCoreError) as error:
        if aws_error_code(error) == "ResourceNotFoundException":
            # Secrets Manager says "...can't find the specified secret value for staging
            # label: AWSCURRENT" for a secret the stack created without a value.
            missing = "has no value yet" if "staging label" in str(error) else "does not exist"
            raise CommandError(f"secret {secret_id!r} {missing}") from None
        reason = describe_aws_error(error)
        raise SecretAccessError(f"cannot read secret {secret_id!r}: {reason}") from None
    text = response.get("SecretString")
    if not isinstance(text, str):
        raise CommandError(f"secret {secret_id!r} holds binary data, not JSON text")
    return text


def write_secret(client: Any, secret_id: str, text: str) -> str:
    """Store ``text`` as the new current version of the existing secret; return its version id.

    One ``PutSecretValue`` call: the secret either keeps its old value or gets the whole
    new one. The secret itself is created by the stack, never here.
    """
    try:
        response = client.put_secret_value(SecretId=secret_id, SecretString=text)
    except (ClientError, BotoCoreError) as error:
        if aws_error_code(error) == "ResourceNotFoundException":
            raise CommandError(
                f"secret {secret_id!r} does not exist: deploy the stack first "
                "(`npx cdk deploy`) or check --secret-id/--stack/--region"
            ) from None
        reason = describe_aws_error(error)
        raise CommandError(f"cannot write secret {secret_id!r}: {reason}") from None
    return str(response.get("VersionId", ""))
