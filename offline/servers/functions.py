"""The two processes that run the Lambda handlers offline: the dev server and the worker."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from offline.servers.process import ManagedProcess

WORKER_NAME = "analyze worker"
#: Importing the handlers (boto3, Powertools, Vision, Cosmos SDKs) takes a few seconds.
HANDLER_START_TIMEOUT_SECONDS = 60.0


def health_is_ok(base_url: str) -> bool:
    """True when ``GET /api/health`` answers 200 ``{"status": "ok"}``."""
    with urllib.request.urlopen(f"{base_url}/api/health", timeout=5) as response:  # noqa: S310
        status: int = response.status
        body: object = json.load(response)
    return status == 200 and body == {"status": "ok"}


def start_devserver(
    env: Mapping[str, str],
    port: int,
    stack_file: Path,
    log_dir: Path,
    timeout: float = HANDLER_START_TIMEOUT_SECONDS,
) -> ManagedProcess:
    """Start ``python -m offline.devserver`` and wait until ``/api/health`` is ok."""
    process = ManagedProcess(
        "dev server (web/ and /api)",
        [
            sys.executable,
            "-m",
            "offline.devserver",
            "--port",
            str(port),
            "--stack",
            str(stack_file),
        ],
        log_dir / "devserver.log",
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    process.start_and_wait_ready(lambda: health_is_ok(f"http://127.0.0.1:{port}"), timeout)
    return process


def start_worker(
    env: Mapping[str, str],
    stack_file: Path,
    log_dir: Path,
    timeout: float = HANDLER_START_TIMEOUT_SECONDS,
) -> ManagedProcess:
    """Start ``python -m offline.worker`` and wait until it has loaded the handler.

    Its journal of held messages sits next to ``stack_file``, so a restarted worker
    releases what the killed one held.
    """
    ready = log_dir / "worker.ready"
    process = ManagedProcess(
        f"{WORKER_NAME} (SQS → analyze handler)",
        [
            sys.executable,
            "-m",
            "offline.worker",
            "--stack",
            str(stack_file),
            "--ready-file",
            str(ready),
            "--journal",
            str(stack_file.with_name("worker-held.json")),
        ],
        log_dir / "worker.log",
        env={**env, "PYTHONUNBUFFERED": "1"},
        before_start=lambda: ready.unlink(missing_ok=True),
    )
    process.start_and_wait_ready(ready.exists, timeout)
    return process
