"""``tricloud token``: print an ID token, to call a private-mode API with curl.

    curl -H "Authorization: $(tricloud token --email me@example.com)" https://.../api/images

The password is read from the variable named by ``--password-env`` or prompted for (never
taken from the command line). With ``--env-file`` (the offline demo) the demo user signs in.
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from tooling.cli_support import EXIT_BAD_INPUT, EXIT_OK, CommandError, command
from tooling.user_pool import add_pool_options, resolve_pool, sign_in


def register(subparsers: Any) -> None:
    """Add ``token``."""
    parser = subparsers.add_parser(
        "token",
        help="sign in and print an ID token for the API (Authorization header)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--email", help="the user (default with --env-file: the demo user)")
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the password from this environment variable (default: prompt)",
    )
    add_pool_options(parser)
    parser.set_defaults(func=run)


@command
def run(args: argparse.Namespace) -> int:
    """Sign in and print the ID token (valid for an hour)."""
    target = resolve_pool(args)
    email = args.email or target.demo_email
    if not email:
        raise CommandError("pass --email (the user to sign in as)", EXIT_BAD_INPUT)
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise CommandError(f"${args.password_env} is not set", EXIT_BAD_INPUT)
    elif email == target.demo_email and target.demo_password:
        password = target.demo_password
    else:
        password = getpass.getpass(f"Password for {email}: ")
    tokens = sign_in(target, email, password)
    print(tokens["IdToken"])
    return EXIT_OK
