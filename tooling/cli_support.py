"""Small pieces shared by the ``tricloud`` sub-commands: errors, exit codes, AWS options.

A command raises :class:`CommandError` with a sentence a person can act on; the
:func:`command` wrapper prints it to stderr and turns it into the exit code, so no
traceback reaches the user for an expected problem.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

EXIT_OK = 0
#: Something outside the command failed: an endpoint, a check, a cloud call.
EXIT_FAILURE = 1
#: The user's input is wrong: a missing file, bad JSON, an unset variable (argparse uses 2 too).
EXIT_BAD_INPUT = 2
#: Ctrl-C (the shell's convention: 128 + SIGINT).
EXIT_INTERRUPTED = 130

DEFAULT_STACK = "Tricloud"


class CommandError(Exception):
    """An expected problem, with a message for the user and the exit code to end with."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a sub-command so a :class:`CommandError` becomes a message and an exit code."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except CommandError as error:
            print(f"tricloud: error: {error}", file=sys.stderr)
            return error.exit_code
        except KeyboardInterrupt:
            print("\ntricloud: cancelled; nothing more was changed", file=sys.stderr)
            return EXIT_INTERRUPTED

    return run


def add_region_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--region`` (defaults to the AWS CLI configuration / AWS_REGION)."""
    parser.add_argument(
        "--region",
        help="AWS region of the deployed stack (default: from AWS_REGION or your AWS config)",
    )


def aws_client(service: str, region: str | None) -> Any:
    """A boto3 client; AWS_ENDPOINT_URL (the offline stack) is honoured by boto3 itself."""
    # botocore reads AWS_DEFAULT_REGION and ~/.aws/config; AWS_REGION is what CDK and the
    # other SDKs read, so honour it too.
    region = region or os.environ.get("AWS_REGION") or None
    try:
        return boto3.client(service, region_name=region)
    except NoRegionError:
        raise CommandError(
            "no AWS region set: pass --region or set AWS_REGION", EXIT_BAD_INPUT
        ) from None


class AwsAccessError(CommandError):
    """AWS could not be asked at all (no credentials, no network, access denied), as opposed
    to an answer about the thing asked for (a missing stack or secret, a bad value)."""


def describe_aws_error(error: Exception) -> str:
    """Plain words for the botocore errors a user can run into."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return "no AWS credentials found: run `aws configure` or set AWS_PROFILE"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach AWS ({error.kwargs.get('endpoint_url', 'endpoint')})"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Error")
        message = error.response.get("Error", {}).get("Message", "")
        return f"AWS answered {code}: {message}".rstrip(": ")
    if isinstance(error, BotoCoreError):
        return f"AWS call failed: {error}"
    return str(error)


def aws_error_code(error: Exception) -> str:
    """The error code of a botocore ClientError, or an empty string."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def first_line(error: BaseException) -> str:
    """The first line of an error's message, or its type name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
