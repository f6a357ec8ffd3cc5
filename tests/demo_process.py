"""``tricloud demo`` run from the tests as a user runs it, and the processes it starts.

Every process the demo starts inherits a marker environment variable, so a test can
find them all in /proc, whatever process group they run in.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

TRICLOUD = Path(sys.executable).with_name("tricloud")
MARKER = "TRICLOUD_TEST_RUN"
START_TIMEOUT_SECONDS = 120


@contextmanager
def demo_process(
    marker: str,
    port: int,
    *,
    data: Path | None = None,
    path: str | None = None,
    stderr: int | IO[str] = subprocess.PIPE,
    access: str | None = None,
    extra: tuple[str, ...] = (),
) -> Iterator[subprocess.Popen[str]]:
    """``tricloud demo --port PORT [extra...] [--data DIR] [--access MODE]`` carrying ``marker``
    (and    ``PATH=path``).

    stdout is a pipe; the demo is killed when the block ends if it is still running.
    """
    command = [str(TRICLOUD), "demo", "--port", str(port), *extra]
    if data is not None:
        command += ["--data", str(data)]
    if access is not None:
        command += ["--access", access]
    env = {**os.environ, MARKER: marker}
    if path is not None:
        env["PATH"] = path
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def marked_pids(marker: str) -> set[int]:
    """Live processes whose environment carries ``MARKER=marker`` (the demo and its servers)."""
    needle = f"{MARKER}={marker}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def kill_marked(marker: str) -> None:
    """SIGKILL whatever still carries ``marker``."""
    for pid in marked_pids(marker):
        os.kill(pid, signal.SIGKILL)


def server_pids(marker: str, needle: bytes) -> list[int]:
    """The marked processes whose command line contains ``needle``."""
    found = []
    for pid in marked_pids(marker):
        try:
            if needle in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def vision_server_pids(marker: str) -> list[int]:
    """The marked processes that run the local Vision server."""
    return server_pids(marker, b"offline.vision")


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The next stdout line, or '' when the process exits or the timeout passes."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            return process.stdout.readline()
        if process.poll() is not None:
            return ""
    return ""
