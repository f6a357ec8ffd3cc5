"""``tricloud demo`` starts everything, answers /api/health, and leaves no process behind.

Every process the demo starts inherits a marker environment variable, so the test can
find them all in /proc, whatever process group they run in.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
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
    TRICLOUD,
    demo_process,
    kill_marked,
    marked_pids,
    read_line,
    server_pids,
)
from tooling.env_file import DEMO_EMAIL, DEMO_PASSWORD, read_env_file

pytestmark = pytest.mark.integration


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique marker; whatever still carries it at the end is killed (and fails the test)."""
    value = uuid.uuid4().hex
    yield value
    kill_marked(value)


def _upload_and_wait(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """Upload a photo as the page does (pre-signed POST) and poll until it is analyzed."""
    buffer = io.BytesIO()
    Image.fromarray(data.chelsea()).save(buffer, "JPEG")  # type: ignore[no-untyped-call]
    photo = buffer.getvalue()
    answer = requests.post(
        f"{base}/api/uploads",
        json={"content_type": "image/jpeg", "size": len(photo)},
        headers=headers,
        timeout=10,
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
        found = requests.get(detail, headers=headers, timeout=10)
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
        settings = read_env_file(tmp_path / "demo.env")  # for `tricloud doctor` and `token`
        email, password = settings[DEMO_EMAIL], settings[DEMO_PASSWORD]
        assert demo.stdout is not None  # the next lines are printed right after the URL
        assert demo.stdout.readline().startswith("Check it with: ")
        assert demo.stdout.readline() == f"Sign in as {email} with password {password}\n"
        answer = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=10)
        assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200
        images = requests.get(f"http://127.0.0.1:{port}/api/images", timeout=10)
        assert (images.status_code, images.json()["error"]["code"]) == (401, "unauthorized")
        token = subprocess.run(
            [str(TRICLOUD), "token", "--env-file", str(tmp_path / "demo.env")],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        document = _upload_and_wait(f"http://127.0.0.1:{port}", {"Authorization": token})
        assert document["status"] == "done"
        assert any("cat" in name for name in document["label_names"])
        assert len(marked_pids(marker) - {demo.pid}) >= servers  # (and the demo itself)
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
    assert marked_pids(marker) == set()
    assert not port_is_open(port)
    assert (tmp_path / "logs" / "devserver.log").is_file()  # --data keeps the logs...
    assert not (tmp_path / "demo.env").exists()  # ...but not the dead addresses


def test_public_demo_is_open_and_has_no_users(marker: str, tmp_path: Path) -> None:
    port = free_port()
    with demo_process(marker, port, data=tmp_path, access="public") as demo:
        assert "running at" in read_line(demo, START_TIMEOUT_SECONDS)
        assert DEMO_EMAIL not in read_env_file(tmp_path / "demo.env")
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/config.json", timeout=10).json() == {"access": "public"}
        document = _upload_and_wait(base, {})
        assert document["status"] == "done"
        assert requests.get(f"{base}/api/images", timeout=10).status_code == 200
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0


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


#: Each server of the demo: what its command line holds, and how the demo names it.
SERVERS = [
    (b"offline.servers.moto_main", "moto server"),
    (b"cosmos_server.js", "cosmosdb-server"),
    (b"offline.vision", "local Vision server"),
    (b"offline.worker", "analyze worker"),
    (b"offline.devserver", "dev server"),
]
#: Bounds of the waits below (each ends as soon as its condition holds).
RESTART_TIMEOUT_SECONDS = 90
ANALYSIS_TIMEOUT_SECONDS = 180


def _small_photo() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(data.chelsea()).resize((240, 180)).save(buffer, "JPEG")  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def _upload(base: str, photo: bytes) -> str | None:
    """One upload as the page does it; its id once S3 accepted it, None when refused."""
    try:
        answer = requests.post(
            f"{base}/api/uploads",
            json={"content_type": "image/jpeg", "size": len(photo)},
            timeout=10,
        )
        if answer.status_code != 201:
            return None
        upload = answer.json()["upload"]
        posted = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": ("cat.jpg", photo, "image/jpeg")},
            timeout=10,
        )
    except requests.RequestException:  # a server is down: the client would try again
        return None
    return str(answer.json()["id"]) if posted.status_code == 204 else None


def _wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _gallery_ids(base: str) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{base}/api/images", params=query, timeout=10).json()
        ids |= {item["id"] for item in page["items"]}
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


def test_sigkill_of_each_server_during_uploads_loses_no_accepted_upload(
    marker: str, tmp_path: Path
) -> None:
    """Every server is SIGKILLed in turn while uploads stream in; the demo restarts it,
    keeps serving, and every upload S3 accepted ends analyzed; a restart of the whole
    demo with the same --data shows the same gallery."""
    data_dir = tmp_path / "data"
    stderr_path = tmp_path / "stderr.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    photo = _small_photo()
    accepted: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            image_id = _upload(base, photo)
            if image_id is not None:
                accepted.append(image_id)
            stop.wait(0.3)

    with (
        stderr_path.open("w") as stderr,
        # Public: this test is about the pipeline surviving crashes, not about sign-in.
        demo_process(marker, port, data=data_dir, stderr=stderr, access="public") as demo,
    ):
        assert "running at" in read_line(demo, START_TIMEOUT_SECONDS), stderr_path.read_text()
        uploader = threading.Thread(target=stream, daemon=True)
        uploader.start()
        try:
            for needle, name in SERVERS:
                _wait_for(lambda: len(accepted) >= 2, RESTART_TIMEOUT_SECONDS, "uploads")
                (pid,) = server_pids(marker, needle)
                os.kill(pid, signal.SIGKILL)
                before = len(accepted)
                _wait_for(
                    lambda name=name, needle=needle: (
                        f"{name}" in stderr_path.read_text()
                        and len(server_pids(marker, needle)) == 1
                    ),
                    RESTART_TIMEOUT_SECONDS,
                    f"{name} to restart",
                )
                # The demo keeps serving: more uploads are accepted after the restart.
                _wait_for(
                    lambda before=before: len(accepted) >= before + 2,
                    RESTART_TIMEOUT_SECONDS,
                    f"uploads after {name} restarted",
                )
        finally:
            stop.set()
            uploader.join(timeout=30)

        def all_done() -> bool:
            for image_id in accepted:
                found = requests.get(f"{base}/api/images/{image_id}", timeout=10)
                if found.status_code != 200 or found.json()["status"] != "done":
                    return False
            return True

        _wait_for(all_done, ANALYSIS_TIMEOUT_SECONDS, f"{len(accepted)} uploads to be analyzed")
        assert demo.poll() is None
        restarts = [line for line in stderr_path.read_text().splitlines() if "restarting" in line]
        assert len(restarts) == len(SERVERS), restarts
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0

    port = free_port()
    with demo_process(marker, port, data=data_dir, access="public") as demo:
        assert "running at" in read_line(demo, START_TIMEOUT_SECONDS)
        assert set(accepted) <= _gallery_ids(f"http://127.0.0.1:{port}")
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
    assert marked_pids(marker) == set()
