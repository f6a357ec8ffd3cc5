"""The `tricloud` command: one entry point, one module per sub-command.

Each sub-command module exposes ``register(subparsers)``, which adds its parser and
sets ``func`` to a callable taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Sub-command modules, in the order `tricloud --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "offline.demo",
    "tooling.commands.secrets",
    "tooling.commands.cosmos",
    "tooling.commands.doctor",
    "tooling.commands.users",
    "tooling.commands.token",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tricloud",
        description="Run tricloud offline, and set up and check a deployed stack.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
