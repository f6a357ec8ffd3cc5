"""Start a local server as a child process and stop it, with no process left behind.

Each server runs in its own session (process group), so stopping it also stops anything
it spawned (``npx`` → ``node``, for example). Its output goes to a log file, which is
quoted when it fails to start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: How long a server may take to answer its readiness probe.
DEFAULT_START_TIMEOUT_SECONDS = 30.0
#: How long a server may take to exit after SIGTERM before it gets SIGKILL.
STOP_GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.05
_LOG_TAIL_CHARS = 2000


class ServerStartError(RuntimeError):
    """A local server did not start; the message names it and quotes its log."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


class ManagedProcess:
    """One server subprocess in its own process group, logging to a file."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        *,
        before_start: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_path
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._before_start = before_start
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._probe: Callable[[], bool] | None = None
        self._timeout = DEFAULT_START_TIMEOUT_SECONDS
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        """The process id, or None before start."""
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Spawn the process in a new session with stdout/stderr going to the log file.

        The first start truncates the log; a restart appends to it.
        """
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._before_start is not None:
            self._before_start()
        self._log = self.log_path.open("ab" if self._process is not None else "wb")
        self._process = subprocess.Popen(  # noqa: S603 (fixed argument list, no shell)
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env,
            cwd=self._cwd,
            start_new_session=True,
        )

    def is_running(self) -> bool:
        """True while the process has not exited."""
        return self._process is not None and self._process.poll() is None

    def wait_ready(
        self, probe: Callable[[], bool], timeout: float = DEFAULT_START_TIMEOUT_SECONDS
    ) -> None:
        """Poll ``probe`` until it returns True; raise ServerStartError on exit or timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_running():
                raise ServerStartError(
                    f"{self.name} exited during start-up (code {self._returncode()})."
                    f"\n{self.log_tail()}"
                )
            with contextlib.suppress(Exception):
                if probe():
                    return
            time.sleep(_POLL_SECONDS)
        raise ServerStartError(
            f"{self.name} did not become ready within {timeout:.0f} s.\n{self.log_tail()}"
        )

    def start_and_wait_ready(
        self, probe: Callable[[], bool], timeout: float = DEFAULT_START_TIMEOUT_SECONDS
    ) -> None:
        """:meth:`start`, then :meth:`wait_ready`; stop the process again if that fails.

        The probe and timeout are kept for :meth:`restart`.
        """
        self._probe, self._timeout = probe, timeout
        self.start()
        try:
            self.wait_ready(probe, timeout)
        except BaseException:
            self.stop()
            raise

    def exit_code(self) -> int | None:
        """The exit code (a negative signal number when killed), None while running."""
        return self._process.poll() if self._process else None

    def restart(self) -> None:
        """Start the same command again (same port) and wait until it is ready again."""
        self.stop()
        self.restarts += 1
        self.start_and_wait_ready(self._probe or (lambda: True), self._timeout)

    def send_signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the process itself (not its group)."""
        if self._process is not None and self.is_running():
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(sig)

    def terminate(self) -> None:
        """Send SIGTERM to the process group without waiting (see :meth:`stop`)."""
        if self.is_running():
            self._signal_group(signal.SIGTERM)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM the whole process group, then SIGKILL it if it is still there."""
        process = self._process
        if process is not None:
            if process.poll() is None:
                self._signal_group(signal.SIGTERM)
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self._signal_group(signal.SIGKILL)
                    process.wait(timeout=grace)
            # Children that outlived their parent still belong to the group.
            self._signal_group(signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self) -> str:
        """The end of the log file, to explain a failure."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        tail = text[-_LOG_TAIL_CHARS:].strip() or "(log is empty)"
        return f"--- last lines of {self.log_path} ---\n{tail}"

    def _returncode(self) -> int | None:
        return self._process.returncode if self._process else None

    def _signal_group(self, sig: signal.Signals) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, sig)


@dataclass
class LocalServer:
    """A started server: its process, and the port it listens on at 127.0.0.1."""

    process: ManagedProcess
    port: int

    @property
    def endpoint(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:5123``."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the server and its process group."""
        self.process.stop()
