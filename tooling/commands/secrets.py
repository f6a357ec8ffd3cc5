"""``tricloud secrets``: put the GCP and Cosmos DB credentials into the stack's secrets.

Every value is checked with the same parser the Lambda functions use before anything is
written, and the write is a single ``PutSecretValue``: a bad input leaves the secret as
it was. Nothing secret is printed, and the Cosmos key never comes from the command line
(where it would land in the shell history and the process list).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from lambdas.credentials import CosmosSettings, CredentialsError, parse_gcp_credentials
from tooling import stack_outputs
from tooling.cli_support import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    CommandError,
    add_region_option,
    aws_client,
    command,
)
from tooling.secret_store import add_secret_options, resolve_secret_id, write_secret

#: Secrets Manager refuses a SecretString over 64 KiB; a GCP key file is ~2.4 KB.
MAX_SECRET_BYTES = 65536


def register(subparsers: Any) -> None:
    """Add ``secrets set-gcp`` and ``secrets set-cosmos``."""
    parser = subparsers.add_parser(
        "secrets",
        help="store the GCP and Cosmos DB credentials in the deployed stack's secrets",
        description="Store the GCP and Cosmos DB credentials in AWS Secrets Manager, "
        "checked before they are written.",
    )
    actions = parser.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)

    gcp = actions.add_parser(
        "set-gcp",
        help="store a GCP service-account key or Workload Identity Federation config",
        description="Check a GCP credentials JSON file (a service_account key or an "
        "external_account Workload Identity Federation config) and store it in the GCP secret.",
    )
    gcp.add_argument(
        "--key-file",
        required=True,
        type=Path,
        metavar="KEY.json",
        help="the JSON file from `gcloud iam service-accounts keys create` or "
        "`gcloud iam workload-identity-pools create-cred-config`",
    )
    add_secret_options(gcp, "GCP")
    add_region_option(gcp)
    gcp.set_defaults(func=set_gcp)

    cosmos = actions.add_parser(
        "set-cosmos",
        help="store the Cosmos DB endpoint, key, database and container",
        description="Store the Cosmos DB endpoint, account key, database and container in the "
        "Cosmos secret. The key is read from an environment variable (--key-env) or "
        "prompted for, never taken from the command line.",
    )
    cosmos.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="account endpoint, e.g. https://ACCOUNT.documents.azure.com:443/",
    )
    cosmos.add_argument(
        "--key-env",
        metavar="VAR",
        help="name of the environment variable holding the account key "
        "(default: prompt for it without echo)",
    )
    cosmos.add_argument("--database", default="tricloud", help="database name (default: tricloud)")
    cosmos.add_argument("--container", default="images", help="container name (default: images)")
    add_secret_options(cosmos, "Cosmos DB")
    add_region_option(cosmos)
    cosmos.set_defaults(func=set_cosmos)


@command
def set_gcp(args: argparse.Namespace) -> int:
    """Validate the key file, then write it to the GCP secret."""
    text = _read_key_file(args.key_file)
    try:
        info = parse_gcp_credentials(text)
    except CredentialsError as error:
        raise CommandError(f"{args.key_file}: {error}", EXIT_BAD_INPUT) from None
    secret_id = resolve_secret_id(args.secret_id, args.stack, stack_outputs.GCP_SECRET, args.region)
    version = write_secret(aws_client("secretsmanager", args.region), secret_id, text.strip())
    print(f"Stored {describe_gcp_credentials(info)} in secret {secret_id} (version {version}).")
    return EXIT_OK


@command
def set_cosmos(args: argparse.Namespace) -> int:
    """Collect and validate the Cosmos settings, then write them to the Cosmos secret."""
    key = _read_cosmos_key(args.key_env)
    if not _is_base64(key):
        raise CommandError(
            "the Cosmos key is not an account key (base64 text, like the primaryMasterKey "
            "`az cosmosdb keys list` shows)",
            EXIT_BAD_INPUT,
        )
    text = json.dumps(
        {
            "endpoint": args.endpoint,
            "key": key,
            "database": args.database,
            "container": args.container,
        }
    )
    try:
        settings = CosmosSettings.from_secret(text)
    except CredentialsError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT) from None
    secret_id = resolve_secret_id(
        args.secret_id, args.stack, stack_outputs.COSMOS_SECRET, args.region
    )
    stored = json.dumps(dataclasses.asdict(settings))  # the validated, trimmed values
    version = write_secret(aws_client("secretsmanager", args.region), secret_id, stored)
    print(
        f"Stored Cosmos DB settings for {settings.endpoint} "
        f"(database {settings.database!r}, container {settings.container!r}) "
        f"in secret {secret_id} (version {version})."
    )
    return EXIT_OK


def describe_gcp_credentials(info: dict[str, Any]) -> str:
    """A one-line description of GCP credentials that names no secret material."""
    if info.get("type") == "service_account":
        project = info.get("project_id", "?")
        return f"the service-account key of {info.get('client_email')} (project {project})"
    return f"the Workload Identity Federation config for {info.get('audience')}"


def _read_key_file(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_SECRET_BYTES:
            raise CommandError(
                f"{path}: {size} bytes is too big for a GCP credentials file", EXIT_BAD_INPUT
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file", EXIT_BAD_INPUT) from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a directory, not a key file", EXIT_BAD_INPUT) from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a UTF-8 text (JSON) file", EXIT_BAD_INPUT) from None
    except OSError as error:
        raise CommandError(f"{path}: cannot read ({error.strerror})", EXIT_BAD_INPUT) from None


def _read_cosmos_key(env_var: str | None) -> str:
    if env_var:
        key = os.environ.get(env_var, "").strip()
        if not key:
            raise CommandError(
                f"environment variable {env_var} is not set or empty; export the Cosmos "
                "account key in it first",
                EXIT_BAD_INPUT,
            )
        return key
    if not sys.stdin.isatty():
        raise CommandError(
            "no terminal to prompt for the Cosmos key: pass --key-env VAR", EXIT_BAD_INPUT
        )
    key = getpass.getpass("Cosmos DB account key (input hidden): ").strip()
    if not key:
        raise CommandError("no Cosmos key entered", EXIT_BAD_INPUT)
    return key


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except binascii.Error:
        return False
    return True
