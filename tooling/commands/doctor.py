"""``tricloud doctor``: check a deployed (or offline) tricloud end to end from this machine.

It checks, in order: the web site, ``/api/health``, then the chosen providers only: the
GCP secret and Cloud Vision (a tiny annotate call) or Amazon Rekognition (a tiny
DetectLabels call); the Cosmos secret and Cosmos DB, or the DynamoDB images table; and
(from the stack's outputs) that the dead-letter queue is empty. Each
check prints one ✓/✗ line and, when it fails, what to do.
The exit code is 0 only when nothing failed.

Addresses come from the options, else the environment, else the stack's CloudFormation
outputs. For the offline stack: ``--env-file DIR/demo.env``, the file ``tricloud demo``
writes with its addresses and secret ids (see :mod:`tooling.env_file`).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.credentials import CosmosSettings, parse_gcp_credentials
from tooling import stack_outputs
from tooling.cli_support import (
    DEFAULT_STACK,
    EXIT_FAILURE,
    EXIT_OK,
    AwsAccessError,
    CommandError,
    add_region_option,
    aws_client,
    command,
)
from tooling.doctor_checks import (
    AWS_ACCESS_FIX,
    Check,
    Status,
    check_cosmos,
    check_dead_letters,
    check_dynamodb,
    check_health,
    check_rekognition,
    check_secret,
    check_site,
    check_vision,
)
from tooling.env_file import SITE_URL, environment, read_env_file


@dataclass(frozen=True)
class Targets:
    """What to check; None means "not known, skip it"."""

    site_url: str | None
    api_url: str | None
    gcp_secret_id: str | None
    cosmos_secret_id: str | None
    dead_letter_queue_url: str | None = None
    labels: str = "google-vision"
    store: str = "cosmos"
    images_table: str | None = None


def register(subparsers: Any) -> None:
    """Add ``doctor``."""
    parser = subparsers.add_parser(
        "doctor",
        help="check a deployed stack end to end and say what is wrong",
        description="Check the site, the API and the chosen providers (the secrets, Cloud Vision "
        "or Rekognition, Cosmos DB or the DynamoDB table) of a deployed stack (or of the "
        "offline stack) and print what to fix. Values not given as options are read from the "
        "environment, else from the stack's CloudFormation outputs. "
        "For `tricloud demo`: tricloud doctor --env-file DIR/demo.env",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="read settings from FILE (KEY=VALUE lines, e.g. the demo.env that `tricloud demo` "
        "prints) as if they were exported",
    )
    parser.add_argument(
        "--stack",
        metavar="NAME",
        help=f"deployed stack to read addresses and secret ids from (default: {DEFAULT_STACK}, "
        f"unless --site or ${SITE_URL} is given)",
    )
    parser.add_argument(
        "--site", metavar="URL", help=f"the site's address, e.g. https://... (default: ${SITE_URL})"
    )
    parser.add_argument("--api", metavar="URL", help="the API's base address (default: SITE/api)")
    parser.add_argument(
        "--gcp-secret-id",
        metavar="ID",
        help="name or ARN of the GCP secret (default: $GCP_SECRET_ID, else the stack's output)",
    )
    parser.add_argument(
        "--cosmos-secret-id",
        metavar="ID",
        help="name or ARN of the Cosmos DB secret (default: $COSMOS_SECRET_ID, else the "
        "stack's output)",
    )
    parser.add_argument(
        "--images-table",
        metavar="NAME",
        help="the DynamoDB images table with store=dynamodb (default: $IMAGES_TABLE, else the "
        "stack's output)",
    )
    add_region_option(parser)
    parser.set_defaults(func=run)


@command
def run(args: argparse.Namespace) -> int:
    """Run every check, print the report, return 0 when nothing failed."""
    settings = read_env_file(args.env_file) if args.env_file else {}
    with environment(settings):
        checks = run_checks(args)
    for check in checks:
        print(format_check(check))
    failed = sum(check.status is Status.FAILED for check in checks)
    if failed:
        print(f"\n{failed} of {len(checks)} checks failed.")
        return EXIT_FAILURE
    print(f"\nAll {len(checks)} checks passed." if checks else "Nothing to check.")
    return EXIT_OK


def run_checks(args: argparse.Namespace) -> list[Check]:
    """Resolve the targets, then run each check that has what it needs."""
    targets, checks = resolve_targets(args)
    if targets.site_url:
        checks.append(check_site(targets.site_url))
    if targets.api_url:
        checks.append(check_health(targets.api_url))

    uses_gcp, uses_cosmos = targets.labels == "google-vision", targets.store == "cosmos"
    secretsmanager = None
    if (uses_gcp and targets.gcp_secret_id) or (uses_cosmos and targets.cosmos_secret_id):
        secretsmanager = aws_client("secretsmanager", args.region)
    gcp_info = None
    if uses_gcp and targets.gcp_secret_id:
        check, gcp_info = check_secret(
            "GCP secret",
            secretsmanager,
            targets.gcp_secret_id,
            parse_gcp_credentials,
            "run `tricloud secrets set-gcp --key-file KEY.json`",
        )
        checks.append(check)
    cosmos_settings = None
    if uses_cosmos and targets.cosmos_secret_id:
        check, cosmos_settings = check_secret(
            "Cosmos secret",
            secretsmanager,
            targets.cosmos_secret_id,
            CosmosSettings.from_secret,
            "run `tricloud secrets set-cosmos --endpoint URL --key-env VAR`",
        )
        checks.append(check)
    checks.append(check_vision(gcp_info) if uses_gcp else check_rekognition())
    if uses_cosmos:
        checks.append(check_cosmos(cosmos_settings))
    else:
        checks.append(check_dynamodb(aws_client("dynamodb", args.region), targets.images_table))
    if targets.dead_letter_queue_url:
        checks.append(
            check_dead_letters(aws_client("sqs", args.region), targets.dead_letter_queue_url)
        )
    return checks


def resolve_targets(args: argparse.Namespace) -> tuple[Targets, list[Check]]:
    """Fill what the options leave open from the environment and the stack outputs.

    GCP_SECRET_ID and COSMOS_SECRET_ID are the functions' own variables, so the offline
    stack's environment is enough to find its secrets; TRICLOUD_SITE_URL stands for
    ``--site``. A failed stack lookup is reported as a failed check.
    """
    gcp_secret = args.gcp_secret_id or os.environ.get("GCP_SECRET_ID") or None
    cosmos_secret = args.cosmos_secret_id or os.environ.get("COSMOS_SECRET_ID") or None
    given_site = args.site or os.environ.get(SITE_URL) or None
    labels = os.environ.get("LABELS_PROVIDER") or None
    store = os.environ.get("IMAGE_STORE") or None
    table = args.images_table or os.environ.get("IMAGES_TABLE") or None
    stack = args.stack or (None if given_site else DEFAULT_STACK)
    outputs: dict[str, str] = {}
    checks: list[Check] = []
    known = (labels == "rekognition" or gcp_secret) and (
        (store == "dynamodb" and table) or cosmos_secret
    )
    if stack and not (given_site and known):
        try:
            outputs = stack_outputs.read_outputs(aws_client("cloudformation", args.region), stack)
            checks.append(Check("Stack outputs", Status.OK, f"read from stack {stack}"))
        except AwsAccessError as error:
            checks.append(Check("Stack outputs", Status.FAILED, str(error), AWS_ACCESS_FIX))
        except CommandError as error:
            checks.append(
                Check(
                    "Stack outputs",
                    Status.FAILED,
                    str(error),
                    "or pass --site, --gcp-secret-id and --cosmos-secret-id",
                )
            )
    site = given_site or outputs.get(stack_outputs.SITE_URL)
    api = args.api or (None if given_site else outputs.get(stack_outputs.API_URL))
    api = api or (f"{site.rstrip('/')}/api" if site else None)
    return (
        Targets(
            site_url=site,
            api_url=api,
            gcp_secret_id=gcp_secret or outputs.get(stack_outputs.GCP_SECRET),
            cosmos_secret_id=cosmos_secret or outputs.get(stack_outputs.COSMOS_SECRET),
            dead_letter_queue_url=outputs.get(stack_outputs.DEAD_LETTER_QUEUE),
            labels=labels or outputs.get(stack_outputs.LABELS_PROVIDER) or "google-vision",
            store=store or outputs.get(stack_outputs.IMAGE_STORE) or "cosmos",
            images_table=table or outputs.get(stack_outputs.IMAGES_TABLE),
        ),
        checks,
    )


def format_check(check: Check) -> str:
    """``✓ Name  detail`` and, for a failure with advice, a second ``→ fix`` line."""
    line = f"{check.status.value} {check.name:<14} {check.detail}"
    if check.status is Status.FAILED and check.fix:
        line += f"\n  → {check.fix}"
    return line
