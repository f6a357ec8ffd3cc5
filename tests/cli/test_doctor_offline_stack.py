"""``tricloud doctor`` pointed at the running offline stack.

1. The dev server (the process ``tricloud demo`` runs for ``web/`` and the API handlers)
   on the session's servers, with the functions' environment exported as the demo sets
   it: all six checks are green; once the dev server stops, exactly the site checks fail.
2. ``tricloud demo`` itself, started as a user would: its site and API pass the doctor.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.lambda_env import lambda_environment
from local.provision import AwsResources
from local.servers import CosmosServer, VisionServer, free_port
from local.servers.functions import start_devserver

pytestmark = pytest.mark.integration

CHECKS = ("Web site", "API health", "GCP secret", "Cosmos secret", "Cloud Vision", "Cosmos DB")
DEMO_START_TIMEOUT_SECONDS = 120


def test_green_on_the_offline_stack_then_names_the_stopped_site(
    tricloud: Callable[..., Any],
    moto_server: str,
    cosmos_server: CosmosServer,
    vision_server: VisionServer,
    offline_resources: AwsResources,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    env = lambda_environment(
        aws_endpoint=moto_server,
        resources=offline_resources,
        vision_endpoint=vision_server.endpoint,
        cosmos_ca_bundle=cosmos_server.ca_bundle,
    )
    port = free_port()
    devserver = start_devserver({**os.environ, **env}, port, tmp_path)
    for name, value in env.items():  # what a user exports to check the demo
        monkeypatch.setenv(name, value)
    site = f"http://127.0.0.1:{port}"
    try:
        healthy = tricloud("doctor", "--site", site)
    finally:
        devserver.stop()
    stopped = tricloud("doctor", "--site", site)

    assert healthy.code == 0, healthy.out
    assert [healthy.status(name) for name in CHECKS] == ["✓"] * len(CHECKS)
    assert stopped.code == 1
    assert [stopped.status(name) for name in CHECKS] == ["✗", "✗", "✓", "✓", "✓", "✓"]
    assert "cannot connect" in stopped.line("Web site")


def test_the_demo_passes_the_site_checks(tricloud: Callable[..., Any], tmp_path: Path) -> None:
    port = free_port()
    demo = subprocess.Popen(
        [str(Path(sys.executable).with_name("tricloud")), "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert _first_line(demo) == f"tricloud is running at http://127.0.0.1:{port}\n"
        result = tricloud("doctor", "--site", f"http://127.0.0.1:{port}")
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(timeout=10)

    assert result.code == 0, result.out
    assert (result.status("Web site"), result.status("API health")) == ("✓", "✓")


def _first_line(process: subprocess.Popen[str]) -> str:
    """The process's first stdout line, or '' if it exits or takes too long."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + DEMO_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if selector.select(timeout=0.5):
            return process.stdout.readline()
    return ""
