"""``tricloud demo`` starts everything, answers /api/health, and leaves no process behind.

Every process the demo starts inherits a marker environment variable, so the test can
find them all in /proc, whatever process group they run in.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from skimage import data

from offline.servers.process import free_port, port_is_open
from tests.demo_process import (
    START_TIMEOUT_SECONDS,
    demo_process,
    kill_marked,
    marked_pids,
    read_line,
    vision_server_pids,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique marker; whatever still carries it at the end is killed (and fails the test)."""
    value = uuid.uuid4().hex
    yield value
    kill_marked(value)


def _upload_and_wait(base: str) -> dict[str, Any]:
    """Upload a photo as the page does (pre-signed POST) and poll until it is analyzed."""
    buffer = io.BytesIO()
    Image.fromarray(data.chelsea()).save(buffer, "JPEG")  # type: ignore[no-untyped-call]
    photo = buffer.getvalue()
    answer = requests.post(
        f"{base}/api/uploads", json={"content_type": "image/jpeg", "size": len(photo)}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    upload = answer.json()["upload"]
    posted = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("cat.jpg", photo, "image/jpeg")},
        headers={"Origin": base},
        timeout=10,
    )
    assert posted.status_code == 204, posted.text
    detail = f"{base}/api/images/{answer.json()['id']}"
    for _ in range(120):  # bounded: ~60 s at most
        found = requests.get(detail, timeout=10)
        assert found.status_code == 200, found.text  # pending from the start, never a 404
        document: dict[str, Any] = found.json()
        if document["status"] != "pending":
            return document
        time.sleep(0.5)
    pytest.fail(f"{detail} was not analyzed in time")


@pytest.mark.parametrize(
    ("providers", "servers"),
    [
        ((), 5),  # moto, cosmosdb-server, label server, worker, dev server
        (("--labels", "rekognition", "--store", "dynamodb"), 4),  # all-AWS: no cosmosdb-server
    ],
    ids=["vision+cosmos", "rekognition+dynamodb"],
)
def test_demo_analyzes_an_upload_and_stops_cleanly_on_sigterm(
    marker: str, tmp_path: Path, providers: tuple[str, ...], servers: int
) -> None:
    port = free_port()
    with demo_process(marker, port, data=tmp_path, extra=providers) as demo:
        line = read_line(demo, START_TIMEOUT_SECONDS)
        assert line == f"tricloud is running at http://127.0.0.1:{port}\n", demo.stderr
        assert (tmp_path / "demo.env").is_file()  # the settings for `tricloud doctor`
        answer = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=10)
        assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200
        document = _upload_and_wait(f"http://127.0.0.1:{port}")
        assert document["status"] == "done"
        assert any("cat" in name for name in document["label_names"])
        assert len(marked_pids(marker) - {demo.pid}) >= servers  # (and the demo itself)
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
    assert marked_pids(marker) == set()
    assert not port_is_open(port)
    assert (tmp_path / "logs" / "devserver.log").is_file()  # --data keeps the logs...
    assert not (tmp_path / "demo.env").exists()  # ...but not the dead addresses


def test_a_server_that_cannot_start_is_named_and_the_rest_are_stopped(
    marker: str, tmp_path: Path
) -> None:
    # Without node on PATH, cosmosdb-server cannot start; the Python servers can.
    venv_only = str(Path(sys.executable).parent)
    with demo_process(marker, free_port(), data=tmp_path, path=venv_only) as demo:
        out, err = demo.communicate(timeout=START_TIMEOUT_SECONDS)
    assert demo.returncode == 1
    assert "running at" not in out
    assert "cosmosdb-server" in err
    assert (tmp_path / "logs" / "moto.log").is_file()
    assert marked_pids(marker) == set()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_start_up_still_stops_everything(
    marker: str, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    with demo_process(marker, free_port(), data=tmp_path) as demo:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not marked_pids(marker) - {demo.pid} and time.monotonic() < deadline:
            time.sleep(0.05)
        demo.send_signal(stop_signal)
        demo.communicate(timeout=START_TIMEOUT_SECONDS)
    assert demo.returncode == 0
    assert marked_pids(marker) == set()


def test_a_server_that_dies_is_named_and_the_rest_are_stopped(marker: str, tmp_path: Path) -> None:
    with demo_process(marker, free_port(), data=tmp_path) as demo:
        assert "running at" in read_line(demo, START_TIMEOUT_SECONDS)
        vision = vision_server_pids(marker)
        assert len(vision) == 1
        os.kill(vision[0], signal.SIGKILL)
        _, err = demo.communicate(timeout=60)
    assert demo.returncode == 1
    assert "local Vision server stopped unexpectedly" in err
    assert marked_pids(marker) == set()
