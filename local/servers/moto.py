"""moto in server mode: S3, SQS and Secrets Manager on one 127.0.0.1 port."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from local.servers.http_probe import answers
from local.servers.process import DEFAULT_START_TIMEOUT_SECONDS, ManagedProcess, free_port

#: The region every offline client uses.
REGION = "us-east-1"


@dataclass
class MotoServer:
    """A running moto server; ``endpoint`` is what ``AWS_ENDPOINT_URL`` should be."""

    process: ManagedProcess
    port: int

    @property
    def endpoint(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:5123``."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the server and its process group."""
        self.process.stop()


def start_moto(log_dir: Path, timeout: float = DEFAULT_START_TIMEOUT_SECONDS) -> MotoServer:
    """Start moto on a free port and wait until it answers."""
    port = free_port()
    process = ManagedProcess(
        "moto server (S3, SQS, Secrets Manager)",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        log_dir / "moto.log",
    )
    server = MotoServer(process, port)
    process.start_and_wait_ready(lambda: answers(f"{server.endpoint}/moto-api/"), timeout)
    return server
