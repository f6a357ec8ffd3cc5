"""``tricloud users add EMAIL | list | remove EMAIL``: the people who may sign in (private mode).

``add`` creates the user with a temporary password; by default Cognito e-mails it to them
(Cognito's own sender, limited to a few mails a day), with ``--no-email`` this command prints
it once instead. Either way the first sign-in on the page asks for a new password. ``remove``
deletes the account (their photos stay stored, unreachable to anyone else).
"""

from __future__ import annotations

import argparse
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tooling.cli_support import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    CommandError,
    aws_error_code,
    command,
    describe_aws_error,
)
from tooling.user_pool import PoolTarget, add_pool_options, new_password, resolve_pool


def register(subparsers: Any) -> None:
    """Add ``users`` with its three actions."""
    parser = subparsers.add_parser(
        "users",
        help="add, list or remove the people who may sign in (private mode)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="invite a user by e-mail")
    add.add_argument("email")
    add.add_argument(
        "--no-email",
        action="store_true",
        help="do not e-mail the invitation; print the temporary password instead",
    )
    add_pool_options(add)
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list the users and their status")
    add_pool_options(listing)
    listing.set_defaults(func=run_list)
    remove = actions.add_parser("remove", help="delete a user's account")
    remove.add_argument("email")
    add_pool_options(remove)
    remove.set_defaults(func=run_remove)


@command
def run_add(args: argparse.Namespace) -> int:
    """Create the user with a temporary password."""
    target = resolve_pool(args)
    request: dict[str, Any] = {
        "UserPoolId": target.pool_id,
        "Username": args.email,
        "UserAttributes": [
            {"Name": "email", "Value": args.email},
            {"Name": "email_verified", "Value": "true"},
        ],
    }
    password = None
    if args.no_email:
        password = new_password()
        request |= {"TemporaryPassword": password, "MessageAction": "SUPPRESS"}
    else:
        request["DesiredDeliveryMediums"] = ["EMAIL"]
    _call(target, "admin_create_user", request, args.email)
    if password:
        print(f"Added {args.email}; temporary password (changed at the first sign-in): {password}")
    else:
        print(f"Added {args.email}; Cognito e-mails them a temporary password.")
    return EXIT_OK


@command
def run_list(args: argparse.Namespace) -> int:
    """One line per user: e-mail, status, enabled, created."""
    target = resolve_pool(args)
    users: list[dict[str, Any]] = []
    token = None
    while True:
        request = {"UserPoolId": target.pool_id, **({"PaginationToken": token} if token else {})}
        page = _call(target, "list_users", request, None)
        users += page.get("Users", [])
        token = page.get("PaginationToken")
        if not token:
            break
    if not users:
        print("No users yet: add one with `tricloud users add EMAIL`.")
    for user in users:
        attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
        created = user.get("UserCreateDate")
        print(
            f"{attributes.get('email', user['Username'])}\t{user.get('UserStatus', '?')}\t"
            f"{'enabled' if user.get('Enabled', True) else 'disabled'}\t"
            f"{created.date().isoformat() if created else ''}"
        )
    return EXIT_OK


@command
def run_remove(args: argparse.Namespace) -> int:
    """Delete the user's account."""
    target = resolve_pool(args)
    request = {"UserPoolId": target.pool_id, "Username": args.email}
    _call(target, "admin_delete_user", request, args.email)
    print(f"Removed {args.email}.")
    return EXIT_OK


def _call(target: PoolTarget, operation: str, request: dict[str, Any], email: str | None) -> Any:
    """One Cognito call; the errors a user can cause become plain sentences."""
    try:
        return getattr(target.client, operation)(**request)
    except ClientError as error:
        code = aws_error_code(error)
        if code == "UsernameExistsException":
            raise CommandError(f"{email} is already a user", EXIT_BAD_INPUT) from None
        if code == "UserNotFoundException":
            raise CommandError(f"{email} is not a user", EXIT_BAD_INPUT) from None
        if code == "InvalidParameterException":
            raise CommandError(describe_aws_error(error), EXIT_BAD_INPUT) from None
        raise CommandError(describe_aws_error(error)) from None
    except BotoCoreError as error:
        raise CommandError(describe_aws_error(error)) from None
