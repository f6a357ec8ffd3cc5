"""moto in server mode: S3, SQS and Secrets Manager on one 127.0.0.1 port."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from offline.servers.http_probe import answers
from offline.servers.process import (
    DEFAULT_START_TIMEOUT_SECONDS,
    LocalServer,
    ManagedProcess,
    free_port,
)

#: The region every offline client uses.
REGION = "us-east-1"


@dataclass
class MotoServer(LocalServer):
    """A running moto server; ``endpoint`` is what ``AWS_ENDPOINT_URL`` should be."""


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
