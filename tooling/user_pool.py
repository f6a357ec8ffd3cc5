"""Which Cognito user pool the ``users`` and ``token`` commands work on, and signing in to it.

The pool comes from ``--env-file`` (the offline demo's ``demo.env``: moto's endpoint, pool and
client ids, the demo user), else from the deployed stack's outputs (``UserPoolId``,
``UserPoolClientId``). A stack deployed with ``access=public`` has no pool: that is said plainly.
"""

from __future__ import annotations

import argparse
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tooling import stack_outputs
from tooling.cli_support import (
    DEFAULT_STACK,
    EXIT_BAD_INPUT,
    CommandError,
    add_region_option,
    aws_client,
    aws_error_code,
    describe_aws_error,
)
from tooling.env_file import DEMO_EMAIL, DEMO_PASSWORD, environment, read_env_file

#: The password policy of stacks/auth.py (the offline pool uses it too).
PASSWORD_POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 3,
}


def new_password(length: int = 20) -> str:
    """A random password that meets :data:`PASSWORD_POLICY`."""
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%+-=?@^_")
    alphabet = "".join(classes)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in password) for group in classes):
            return password


@dataclass(frozen=True)
class PoolTarget:
    """A user pool, its page client, and the demo user when it came from demo.env."""

    pool_id: str
    client_id: str
    client: Any  # boto3 cognito-idp client (moto's endpoint for the demo)
    demo_email: str | None = None
    demo_password: str | None = None


def add_pool_options(parser: argparse.ArgumentParser) -> None:
    """``--env-file``, ``--stack`` and ``--region``."""
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="use the offline demo's user pool (the demo.env that `tricloud demo` prints)",
    )
    parser.add_argument(
        "--stack", default=DEFAULT_STACK, help=f"deployed stack (default: {DEFAULT_STACK})"
    )
    add_region_option(parser)


def resolve_pool(args: argparse.Namespace) -> PoolTarget:
    """The pool named by the options; CommandError when there is none."""
    if args.env_file:
        settings = read_env_file(args.env_file)
        if settings.get("ACCESS_MODE") == "public" or "COGNITO_USER_POOL_ID" not in settings:
            raise CommandError(
                f"{args.env_file} is a public-mode demo: it has no users (start it without "
                "--access public)",
                EXIT_BAD_INPUT,
            )
        with environment(settings):  # AWS_ENDPOINT_URL and moto's dummy credentials
            client = aws_client("cognito-idp", settings.get("AWS_REGION"))
        return PoolTarget(
            settings["COGNITO_USER_POOL_ID"],
            settings["COGNITO_CLIENT_ID"],
            client,
            settings.get(DEMO_EMAIL),
            settings.get(DEMO_PASSWORD),
        )
    outputs = stack_outputs.read_outputs(aws_client("cloudformation", args.region), args.stack)
    if stack_outputs.USER_POOL_ID not in outputs:
        raise CommandError(
            f"stack {args.stack!r} has no user pool: it was deployed with access=public "
            "(deploy with -c access=private to have users)"
        )
    return PoolTarget(
        stack_outputs.output_value(outputs, stack_outputs.USER_POOL_ID, args.stack),
        stack_outputs.output_value(outputs, stack_outputs.USER_POOL_CLIENT_ID, args.stack),
        aws_client("cognito-idp", args.region),
    )


def sign_in(target: PoolTarget, email: str, password: str) -> dict[str, Any]:
    """Tokens of ``email`` (USER_PASSWORD_AUTH, as the page signs in): IdToken, RefreshToken..."""
    try:
        answer = target.client.initiate_auth(
            ClientId=target.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as error:
        if aws_error_code(error) in ("NotAuthorizedException", "UserNotFoundException"):
            raise CommandError("wrong e-mail or password", EXIT_BAD_INPUT) from None
        raise CommandError(describe_aws_error(error)) from None
    except BotoCoreError as error:
        raise CommandError(describe_aws_error(error)) from None
    if "AuthenticationResult" not in answer:
        challenge = answer.get("ChallengeName", "a challenge")
        raise CommandError(
            f"Cognito asks for {challenge}: sign in on the page once to finish it "
            "(a new user must choose a permanent password)",
        )
    result: dict[str, Any] = answer["AuthenticationResult"]
    return result
