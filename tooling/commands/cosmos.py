"""``tricloud cosmos init``: create the Cosmos DB database and container from the Cosmos secret.

Safe to run any number of times: what exists is kept (an indexing policy that differs
from tricloud's is brought in line), what is missing is created.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from azure.core.exceptions import AzureError

from lambdas.credentials import CosmosSettings, CredentialsError
from tooling import stack_outputs
from tooling.cli_support import EXIT_OK, CommandError, add_region_option, aws_client, command
from tooling.cosmos_access import cosmos_client, describe_cosmos_error
from tooling.cosmos_setup import setup_container
from tooling.secret_store import add_secret_options, read_secret, resolve_secret_id

#: Names the Cosmos secret when --secret-id is not given (the functions' variable; doctor
#: reads it too).
SECRET_ENV_VAR = "COSMOS_SECRET_ID"  # noqa: S105 (a variable name, not a secret)


def register(subparsers: Any) -> None:
    """Add ``cosmos init``."""
    parser = subparsers.add_parser(
        "cosmos",
        help="set up the Cosmos DB database and container",
        description="Set up Azure Cosmos DB for tricloud.",
    )
    actions = parser.add_subparsers(dest="cosmos_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the database and container named in the Cosmos secret (idempotent)",
        description="Read the Cosmos secret and create its database and container "
        "(partition key /id, an indexing policy for the app's queries) if they do not exist. "
        "Running it again changes nothing.",
    )
    add_secret_options(init, "Cosmos DB", env_var=SECRET_ENV_VAR)
    add_region_option(init)
    init.add_argument(
        "--throughput",
        type=_positive_int,
        metavar="RU",
        help="provisioned RU/s for a new container (omit for a serverless account)",
    )
    init.set_defaults(func=init_container)


@command
def init_container(args: argparse.Namespace) -> int:
    """Create the database and container the Cosmos secret names."""
    explicit = args.secret_id or os.environ.get(SECRET_ENV_VAR) or None
    secret_id = resolve_secret_id(explicit, args.stack, stack_outputs.COSMOS_SECRET, args.region)
    text = read_secret(aws_client("secretsmanager", args.region), secret_id)
    try:
        settings = CosmosSettings.from_secret(text)
    except CredentialsError as error:
        raise CommandError(
            f"secret {secret_id}: {error}; fix it with `tricloud secrets set-cosmos`"
        ) from None
    try:
        result = setup_container(
            cosmos_client(settings),
            settings.database,
            settings.container,
            throughput=args.throughput,
        )
    except (AzureError, ValueError) as error:
        raise CommandError(describe_cosmos_error(error, settings)) from None
    where = f"{settings.database}/{settings.container} at {settings.endpoint}"
    if result.container_created:
        print(f"Created container {where} (partition key /id).")
    elif result.policy_updated:
        print(f"Container {where} exists; updated its indexing policy.")
    else:
        print(f"Container {where} already exists and is up to date.")
    return EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value
