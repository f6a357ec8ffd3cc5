"""Servers started together in parallel and stopped together, none left behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from offline.servers.process import LocalServer, ManagedProcess


@dataclass
class ServerGroup:
    """The server processes started so far."""

    processes: list[ManagedProcess] = field(default_factory=list)

    def start_together(self, starters: Sequence[Callable[[], Any]]) -> list[Any]:
        """Run the ``start_*`` calls in parallel and return their results in order.

        Each server that started is in the group before the first failure is raised.
        """
        with ThreadPoolExecutor(max_workers=len(starters)) as pool:
            futures = [pool.submit(starter) for starter in starters]
        for future in futures:
            if future.exception() is None:
                started = future.result()
                process = started.process if isinstance(started, LocalServer) else started
                self.processes.append(process)
        for future in futures:
            error = future.exception()
            if error is not None:
                raise error
        return [future.result() for future in futures]

    def stop_all(self) -> None:
        """SIGTERM to all at once, then wait for each (SIGKILL after its grace period)."""
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
