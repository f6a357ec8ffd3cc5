"""Every ``tricloud`` command and option has help, and the console script is installed."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tooling.cli import build_parser

MY_COMMANDS = ("secrets set-gcp", "secrets set-cosmos", "cosmos init", "doctor", "redrive")


def walk(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Yield ``(command path, parser)`` for the parser and all its sub-commands."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from walk(child, f"{path} {name}".strip())


def commands() -> dict[str, argparse.ArgumentParser]:
    return dict(walk(build_parser()))


@pytest.mark.parametrize("command", MY_COMMANDS)
def test_every_option_has_help(command: str) -> None:
    parser = commands()[command]
    assert parser.description
    undocumented = [
        action.dest
        for action in parser._actions
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert undocumented == []


@pytest.mark.parametrize("command", ["secrets", "cosmos", *MY_COMMANDS])
def test_help_runs_from_the_installed_command(command: str) -> None:
    script = Path(sys.executable).with_name("tricloud")
    executable = str(script) if script.exists() else shutil.which("tricloud")
    assert executable, "the `tricloud` console script is not installed"

    result = subprocess.run(
        [executable, *command.split(), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"usage: tricloud {command}" in result.stdout
