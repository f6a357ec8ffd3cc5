"""moto in server mode: S3, SQS and Secrets Manager on one 127.0.0.1 port."""

from __future__ import annotations

import os
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


@dataclass
class MotoServer(LocalServer):
    """A running moto server; ``endpoint`` is what ``AWS_ENDPOINT_URL`` should be."""


def start_moto(
    log_dir: Path,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
    *,
    journal: Path | None = None,
) -> MotoServer:
    """Start moto on a free port and wait until it answers.

    With a ``journal`` it keeps its state there and restores it on every start
    (:mod:`offline.servers.moto_main`); without, state lives in memory only.
    """
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if journal is not None:
        command = [sys.executable, "-m", "offline.servers.moto_main", "--port", str(port)]
        command += ["--journal", str(journal)]
    process = ManagedProcess(
        "moto server (S3, SQS, Secrets Manager)",
        command,
        log_dir / "moto.log",
        env={
            **os.environ,
            "MOTO_PORT": str(port),
            # Cognito ids from a hash of the pool's name, not random: they survive a restore.
            "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
            "MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY": "HASH",
        },
    )
    server = MotoServer(process, port)
    process.start_and_wait_ready(lambda: answers(f"{server.endpoint}/moto-api/"), timeout)
    return server
