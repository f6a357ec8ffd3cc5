"""``tricloud demo`` starts everything, answers /api/health, and leaves no process behind.

Every process the demo starts inherits a marker environment variable, so the test can
find them all in /proc, whatever process group they run in.
"""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
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

from local.servers.process import free_port, port_is_open

pytestmark = pytest.mark.integration

TRICLOUD = Path(sys.executable).with_name("tricloud")
MARKER = "TRICLOUD_TEST_RUN"
START_TIMEOUT_SECONDS = 120


def _marked_pids(marker: str) -> set[int]:
    """Live processes whose environment carries ``MARKER=marker``."""
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


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first stdout line, or '' when the process exits or the timeout passes."""
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


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique marker; whatever still carries it at the end is killed (and fails the test)."""
    value = uuid.uuid4().hex
    yield value
    for pid in _marked_pids(value):
        os.kill(pid, signal.SIGKILL)


def _start_demo(
    marker: str, port: int, data: Path, path: str | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, MARKER: marker}
    if path is not None:
        env["PATH"] = path
    return subprocess.Popen(
        [str(TRICLOUD), "demo", "--port", str(port), "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


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
        if found.status_code == 200:
            document: dict[str, Any] = found.json()
            return document
        assert found.status_code == 404, found.text
        time.sleep(0.5)
    pytest.fail(f"{detail} was not analyzed in time")


def test_demo_analyzes_an_upload_and_stops_cleanly_on_sigterm(marker: str, tmp_path: Path) -> None:
    port = free_port()
    demo = _start_demo(marker, port, tmp_path)
    try:
        line = _read_line(demo, START_TIMEOUT_SECONDS)
        assert line == f"tricloud is running at http://127.0.0.1:{port}\n", demo.stderr
        assert (tmp_path / "demo.env").is_file()  # the settings for `tricloud doctor`
        answer = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=10)
        assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200
        document = _upload_and_wait(f"http://127.0.0.1:{port}")
        assert document["status"] == "done"
        assert any("cat" in name for name in document["label_names"])
        # moto, cosmosdb-server, Vision, worker, dev server (and the demo itself).
        assert len(_marked_pids(marker) - {demo.pid}) >= 5
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
    assert _marked_pids(marker) == set()
    assert not port_is_open(port)
    assert (tmp_path / "logs" / "devserver.log").is_file()  # --data keeps the logs...
    assert not (tmp_path / "demo.env").exists()  # ...but not the dead addresses


def test_a_server_that_cannot_start_is_named_and_the_rest_are_stopped(
    marker: str, tmp_path: Path
) -> None:
    # Without node on PATH, cosmosdb-server cannot start; the Python servers can.
    venv_only = str(Path(sys.executable).parent)
    demo = _start_demo(marker, free_port(), tmp_path, path=venv_only)
    try:
        out, err = demo.communicate(timeout=START_TIMEOUT_SECONDS)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
    assert demo.returncode == 1
    assert "running at" not in out
    assert "cosmosdb-server" in err
    assert (tmp_path / "logs" / "moto.log").is_file()
    assert _marked_pids(marker) == set()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_start_up_still_stops_everything(
    marker: str, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    demo = _start_demo(marker, free_port(), tmp_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _marked_pids(marker) - {demo.pid} and time.monotonic() < deadline:
            time.sleep(0.05)
        demo.send_signal(stop_signal)
        demo.communicate(timeout=START_TIMEOUT_SECONDS)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
    assert demo.returncode == 0
    assert _marked_pids(marker) == set()


def test_a_server_that_dies_is_named_and_the_rest_are_stopped(marker: str, tmp_path: Path) -> None:
    demo = _start_demo(marker, free_port(), tmp_path)
    try:
        assert "running at" in _read_line(demo, START_TIMEOUT_SECONDS)
        vision = [
            pid
            for pid in _marked_pids(marker)
            if b"local.vision" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(vision) == 1
        os.kill(vision[0], signal.SIGKILL)
        _, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
    assert demo.returncode == 1
    assert "local Vision server stopped unexpectedly" in err
    assert _marked_pids(marker) == set()
