"""``tricloud redrive``: send the uploads that failed for good back to analysis.

After an outage (Vision, Cosmos DB) or a credential fixed with ``tricloud secrets``, the
uploads parked in the dead-letter queue are moved back to the analyze queue, and the analyze
function takes them again. SQS's own message move task on AWS; one by one where the endpoint
lacks it (the offline stack).
"""

from __future__ import annotations

import argparse
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tooling import stack_outputs
from tooling.cli_support import (
    DEFAULT_STACK,
    EXIT_OK,
    CommandError,
    add_region_option,
    aws_client,
    command,
    describe_aws_error,
)
from tooling.dead_letters import RedriveError, redrive


def register(subparsers: Any) -> None:
    """Add ``redrive``."""
    parser = subparsers.add_parser(
        "redrive",
        help="move the dead-letter queue's uploads back to analysis",
        description="Move every message of the dead-letter queue back to the analyze queue "
        "(after fixing a credential or an outage), and report how many moved. Uses SQS's "
        "message move task; where that API is missing (the offline stack), moves them one "
        "by one.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--stack",
        default=DEFAULT_STACK,
        help=f"deployed stack whose DeadLetterQueueUrl output names the queue (default: "
        f"{DEFAULT_STACK})",
    )
    where.add_argument(
        "--dead-letter-queue",
        metavar="URL",
        help="URL of the dead-letter queue (instead of reading the stack's outputs)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=600,
        metavar="SECONDS",
        help="how long to wait for SQS's move task to finish (default: 600)",
    )
    add_region_option(parser)
    parser.set_defaults(func=run_redrive)


@command
def run_redrive(args: argparse.Namespace) -> int:
    """Move the messages and say how many went back."""
    dead_letter_url = args.dead_letter_queue
    if not dead_letter_url:
        outputs = stack_outputs.read_outputs(aws_client("cloudformation", args.region), args.stack)
        dead_letter_url = stack_outputs.output_value(
            outputs, stack_outputs.DEAD_LETTER_QUEUE, args.stack
        )
    try:
        result = redrive(aws_client("sqs", args.region), dead_letter_url, wait_seconds=args.wait)
    except RedriveError as error:
        raise CommandError(str(error)) from None
    except (ClientError, BotoCoreError) as error:
        raise CommandError(f"cannot move the messages: {describe_aws_error(error)}") from None
    if result.status != "COMPLETED":
        print(
            f"The move task is {result.status} after {result.moved} messages; run "
            "`tricloud redrive` again later to see it finish."
        )
    else:
        noun = "message" if result.moved == 1 else "messages"
        print(f"Moved {result.moved} {noun} back to {result.source_queue} ({result.method}).")
    return EXIT_OK
