"""``tricloud doctor --env-file`` on a running ``tricloud demo``, both run as a user runs them.

One demo serves the module. The doctor is all green on it; it names the GCP secret when
its value is malformed, and Cloud Vision when the Vision server is stopped (SIGSTOP: it
still holds its port but answers nothing, so the demo keeps running). Each break is
repaired before the next test. The last test stops the demo: exit 0, no process left,
no ``demo.env`` left (pytest runs a module's tests in file order).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline.provision import moto_client
from offline.servers import free_port
from tests.demo_process import (
    START_TIMEOUT_SECONDS,
    TRICLOUD,
    demo_process,
    kill_marked,
    marked_pids,
    read_line,
    vision_server_pids,
)
from tooling.env_file import KEYS, read_env_file

from .conftest import CHECKS, Result

pytestmark = pytest.mark.integration

DOCTOR_TIMEOUT_SECONDS = 120
HINT = "Check it with: "


@dataclass(frozen=True)
class Demo:
    """The running demo, the marker its processes carry, and the file it published."""

    process: subprocess.Popen[str]
    marker: str
    url: str
    env_file: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``tricloud demo --port N`` in the background; killed at the end if a test left it up."""
    marker = uuid.uuid4().hex
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "stderr.log"
    try:
        with log.open("w") as stderr, demo_process(marker, port, stderr=stderr) as process:
            url = f"http://127.0.0.1:{port}"
            assert read_line(process, START_TIMEOUT_SECONDS) == (
                f"tricloud is running at {url}\n"
            ), log.read_text()
            # Printed right after the URL line, maybe already in the pipe's read buffer,
            # where select() cannot see it: a plain readline (EOF gives '').
            assert process.stdout is not None
            hint = process.stdout.readline()
            assert hint.startswith(HINT), hint
            # The command works as printed: the tricloud next to this Python, not on PATH.
            command, doctor, option, env_file = shlex.split(hint.removeprefix(HINT))
            assert (doctor, option) == ("doctor", "--env-file"), hint
            assert Path(command).resolve() == TRICLOUD.resolve(), hint
            yield Demo(process, marker, url, Path(env_file))
    finally:
        kill_marked(marker)


def _doctor(demo: Demo) -> Result:
    """``tricloud doctor --env-file FILE`` in a fresh process with no AWS settings of its own."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in KEYS and not name.startswith("AWS_")
    }
    done = subprocess.run(
        [str(TRICLOUD), "doctor", "--env-file", str(demo.env_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=DOCTOR_TIMEOUT_SECONDS,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


@contextmanager
def _malformed_gcp_secret(env_file: Path) -> Iterator[None]:
    """Replace the demo's GCP secret with JSON of the wrong shape; put it back afterwards."""
    settings = read_env_file(env_file)
    secrets = moto_client("secretsmanager", settings["AWS_ENDPOINT_URL"])
    secret_id = settings["GCP_SECRET_ID"]
    original = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    secrets.put_secret_value(SecretId=secret_id, SecretString='{"type": "service_account"}')
    try:
        yield
    finally:
        secrets.put_secret_value(SecretId=secret_id, SecretString=original)


@contextmanager
def _stopped_vision_server(demo: Demo) -> Iterator[None]:
    """SIGSTOP the demo's Vision server for the block, then let it continue."""
    (pid,) = vision_server_pids(demo.marker)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_the_demo_publishes_settings_without_secret_values(demo: Demo) -> None:
    settings = read_env_file(demo.env_file)

    assert settings["TRICLOUD_SITE_URL"] == demo.url
    # The default providers (Vision + Cosmos DB): no DynamoDB or Rekognition settings.
    all_aws = {"IMAGES_TABLE", "AWS_ENDPOINT_URL_REKOGNITION"}
    assert set(settings) == set(KEYS) - all_aws
    assert (settings["LABELS_PROVIDER"], settings["IMAGE_STORE"]) == ("google-vision", "cosmos")
    assert Path(settings["COSMOS_CA_BUNDLE"]).is_file()
    text = demo.env_file.read_text()
    assert "PRIVATE KEY" not in text
    assert '"key"' not in text


def test_doctor_is_green_on_the_running_demo(demo: Demo) -> None:
    report = _doctor(demo)

    assert report.code == 0, report.out
    assert report.statuses() == ["✓"] * len(CHECKS)
    assert "Stack outputs" not in report.out


def test_doctor_names_a_malformed_secret(demo: Demo) -> None:
    with _malformed_gcp_secret(demo.env_file):
        report = _doctor(demo)

    assert report.code == 1, report.out
    assert report.statuses() == ["✓", "✓", "✗", "✓", "✓", "✓"]
    assert "tricloud secrets set-gcp" in report.line("GCP secret")


def test_doctor_names_a_stopped_vision_server(demo: Demo) -> None:
    with _stopped_vision_server(demo):
        report = _doctor(demo)

    assert report.code == 1, report.out
    assert report.statuses() == ["✓", "✓", "✓", "✓", "✗", "✓"]
    vision_endpoint = read_env_file(demo.env_file)["VISION_API_ENDPOINT"]
    assert f"{vision_endpoint}: no answer within" in report.line("Cloud Vision")


def test_the_demo_stops_cleanly_and_removes_its_settings(demo: Demo) -> None:
    demo.process.send_signal(signal.SIGTERM)

    assert demo.process.wait(timeout=60) == 0
    assert marked_pids(demo.marker) == set()
    assert not demo.env_file.exists()
