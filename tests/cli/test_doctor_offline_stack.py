"""``tricloud doctor`` pointed at the offline stack's dev server.

The dev server (the process ``tricloud demo`` runs for ``web/`` and the API handlers) on
the session's servers, with the functions' environment exported as the demo sets it: all
six checks are green; once the dev server stops, exactly the site checks fail. The doctor
on a whole running ``tricloud demo`` is in ``test_doctor_on_demo.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offline.cognito import pool_environment, pool_of_stack
from offline.lambda_env import lambda_environment
from offline.provision import OfflineStack
from offline.servers import CosmosServer, VisionServer, free_port
from offline.servers.functions import start_devserver

from .conftest import CHECKS

pytestmark = pytest.mark.integration


def test_green_on_the_offline_stack_then_names_the_stopped_site(
    tricloud: Callable[..., Any],
    moto_server: str,
    cosmos_server: CosmosServer,
    vision_server: VisionServer,
    offline_stack: OfflineStack,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    env = lambda_environment(
        offline_stack.spec.functions.values(),
        aws_endpoint=moto_server,
        vision_endpoint=vision_server.endpoint,
        cosmos_ca_bundle=cosmos_server.ca_bundle,
    )
    # Private mode, as the demo runs it: the dev server guards the API with the template's pool.
    (authorizer,) = offline_stack.spec.api.authorizers.values()
    env |= pool_environment(pool_of_stack(moto_server, authorizer.provider_arns))
    port = free_port()
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(offline_stack.spec.to_json())
    devserver = start_devserver({**os.environ, **env}, port, stack_file, tmp_path)
    for name, value in env.items():  # what a user exports to check the demo
        monkeypatch.setenv(name, value)
    site = f"http://127.0.0.1:{port}"
    try:
        healthy = tricloud("doctor", "--site", site)
    finally:
        devserver.stop()
    stopped = tricloud("doctor", "--site", site)

    assert healthy.code == 0, healthy.out
    assert healthy.statuses() == ["✓"] * len(CHECKS)
    assert stopped.code == 1
    assert stopped.statuses() == ["✗", "✗", "✓", "✓", "✓", "✓"]
    assert "cannot connect" in stopped.line("Web site")
