"""The Lambda bundles' lock files: every distribution pinned with its hashes, made by uv.

Inputs live in `lambdas/requirements/`: one `<function>.in` per function that includes
(`-r parts/<part>.in`) the parts it needs: `base` (every function), then one part per
provider or capability (`cosmos`, `google-vision`, `images`, ...). `make locks` resolves each
function's inputs for the Lambda runtime (Linux arm64, the default Python of the runtime) into
`<function>.txt`, whose first line records the digest of those inputs; the bundler installs a
lock with `--require-hashes --no-deps`, so two synths a month apart give the same bundle.

    python -m stacks.locks           # write every lock (needs PyPI)
    python -m stacks.locks --check   # exit 1 when a lock is older than its inputs (offline)

Plain Python with no aws_cdk import.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from stacks.config import DEFAULT_LAMBDA_PYTHON

REQUIREMENTS_DIR = Path(__file__).resolve().parent.parent / "lambdas" / "requirements"
# uv's name of the Lambda arm64 platform (Amazon Linux 2023, glibc 2.34; manylinux2014 wheels
# qualify too). pillow publishes aarch64 wheels only as manylinux_2_28.
LOCK_PLATFORM = "aarch64-manylinux_2_28"
COMPILE_COMMAND = "make locks"
_DIGEST_LINE = re.compile(r"# inputs-sha256: (?P<digest>[0-9a-f]{64})\b")
_INCLUDE = re.compile(r"^\s*-r\s+(?P<path>\S+)\s*$")


class LockError(RuntimeError):
    """A lock could not be made."""


def functions(requirements_dir: Path = REQUIREMENTS_DIR) -> list[str]:
    """The functions that have an input file, sorted."""
    return sorted(path.stem for path in requirements_dir.glob("*.in"))


def input_files(path: Path) -> Iterator[Path]:
    """`path` and every file it includes with `-r`, depth first, each once."""
    seen: set[Path] = set()

    def walk(current: Path) -> Iterator[Path]:
        current = current.resolve()
        if current in seen:
            return
        seen.add(current)
        yield current
        for line in current.read_text().splitlines():
            match = _INCLUDE.match(line)
            if match:
                yield from walk(current.parent / match["path"])

    yield from walk(path)


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of an input and its includes (no comments, options or blanks)."""
    lines = []
    for file in input_files(path):
        for line in file.read_text().splitlines():
            text = line.split("#", 1)[0].strip()
            if text and not text.startswith("-"):
                lines.append(text)
    return lines


def inputs_digest(
    function: str,
    requirements_dir: Path = REQUIREMENTS_DIR,
    python_version: str = DEFAULT_LAMBDA_PYTHON,
) -> str:
    """sha256 of what a function's lock is resolved from: target and every input file."""
    digest = hashlib.sha256()
    for setting in (python_version, LOCK_PLATFORM):
        digest.update(setting.encode() + b"\0")
    for file in input_files(requirements_dir / f"{function}.in"):
        digest.update(file.relative_to(requirements_dir.resolve()).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def recorded_digest(lock: Path) -> str | None:
    """The inputs digest a lock was made from (its first line), or None."""
    match = _DIGEST_LINE.match(lock.read_text().split("\n", 1)[0]) if lock.is_file() else None
    return match["digest"] if match else None


def write_lock(
    function: str,
    requirements_dir: Path = REQUIREMENTS_DIR,
    python_version: str = DEFAULT_LAMBDA_PYTHON,
) -> Path:
    """Resolve `<function>.in` with uv into `<function>.txt`, hashes included."""
    lock = requirements_dir / f"{function}.txt"
    command = [
        sys.executable,
        "-m",
        "uv",
        "pip",
        "compile",
        "--quiet",
        "--python-version",
        python_version,
        "--python-platform",
        LOCK_PLATFORM,
        "--generate-hashes",
        "--custom-compile-command",
        COMPILE_COMMAND,
        str((requirements_dir / f"{function}.in").relative_to(requirements_dir.parent.parent)),
    ]
    result = subprocess.run(  # noqa: S603
        command,
        cwd=requirements_dir.parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LockError(f"uv could not lock {function}:\n{result.stderr.strip()}")
    digest = inputs_digest(function, requirements_dir, python_version)
    header = (
        f"# inputs-sha256: {digest} (Python {python_version}, {LOCK_PLATFORM})\n"
        f"# {function}: every distribution its bundle installs, with hashes. Do not edit: change\n"
        f"# {function}.in or parts/*.in and run `{COMPILE_COMMAND}`.\n"
    )
    lock.write_text(header + result.stdout)
    return lock


def stale_locks(requirements_dir: Path = REQUIREMENTS_DIR) -> list[str]:
    """Functions whose lock is missing or was made from other inputs."""
    return [
        function
        for function in functions(requirements_dir)
        if recorded_digest(requirements_dir / f"{function}.txt")
        != inputs_digest(function, requirements_dir)
    ]


def main(argv: list[str] | None = None) -> int:
    """`make locks` (write) and `--check` (compare, offline)."""
    parser = argparse.ArgumentParser(prog="python -m stacks.locks", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale locks")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_locks()
        for function in stale:
            print(f"{function}.txt is older than its inputs: run `{COMPILE_COMMAND}`")
        return 1 if stale else 0
    for function in functions():
        print(f"locked {write_lock(function).relative_to(REQUIREMENTS_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
