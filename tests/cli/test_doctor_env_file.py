"""``demo.env``: what ``tricloud demo`` writes reads back the same in doctor and in a shell,
and ``tricloud doctor --env-file`` refuses a bad file with the line that is wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from offline.servers import free_port
from tooling.cli import main
from tooling.env_file import KEYS, environment, read_env_file, write_env_file

SETTINGS = {
    "TRICLOUD_SITE_URL": "http://127.0.0.1:8000",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    "GCP_SECRET_ID": "arn:aws:secretsmanager:us-east-1:123456789012:secret:tricloud/gcp-x",
    "COSMOS_CA_BUNDLE": "/tmp/a dir with 'quotes' and $dollars/ca.pem",
}


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the demo's settings in this process's environment."""
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)


def test_round_trip_through_doctor_and_a_shell(tmp_path: Path) -> None:
    path = tmp_path / "demo.env"
    write_env_file(path, SETTINGS)
    show = "import json, os; print(json.dumps(dict(os.environ)))"

    sourced = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; exec "$2" -c "$3"', "sh", str(path), sys.executable, show],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        check=True,
    )

    assert read_env_file(path) == SETTINGS
    shell_env = json.loads(sourced.stdout)
    assert {key: shell_env.get(key) for key in SETTINGS} == SETTINGS


def test_only_demo_settings_are_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="POWERTOOLS_SERVICE_NAME"):
        write_env_file(tmp_path / "demo.env", {"POWERTOOLS_SERVICE_NAME": "tricloud"})


def test_environment_is_restored_after_the_block(
    no_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    with environment({"AWS_REGION": "us-east-1", "GCP_SECRET_ID": "x"}):
        inside = (os.environ["AWS_REGION"], os.environ["GCP_SECRET_ID"])

    assert inside == ("us-east-1", "x")
    assert os.environ["AWS_REGION"] == "eu-west-1"
    assert "GCP_SECRET_ID" not in os.environ


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("FOO=1", "line 2: unknown setting 'FOO'"),
        ("export AWS_REGION=us-east-1", "line 2: not a KEY=VALUE line"),
        ("AWS_REGION=us east", "line 2: the value of AWS_REGION is not one shell word"),
        ("AWS_REGION='us-east-1", "line 2: the value of AWS_REGION is not one shell word"),
    ],
)
def test_doctor_names_the_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    path = tmp_path / "demo.env"
    path.write_text(f"# settings\n{line}\n", encoding="utf-8")

    code = main(["doctor", "--env-file", str(path)])

    captured = capsys.readouterr()
    assert code == 2
    assert f"{path}, {message}" in captured.err
    assert captured.out == ""  # refused before any check ran


def test_doctor_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["doctor", "--env-file", str(tmp_path / "gone.env")])

    assert code == 2
    assert f"cannot read {tmp_path / 'gone.env'}" in capsys.readouterr().err


def test_doctor_checks_the_site_in_the_file_without_a_stack(
    no_settings: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    path = tmp_path / "demo.env"
    write_env_file(path, {"TRICLOUD_SITE_URL": site})

    code = main(["doctor", "--env-file", str(path)])

    out = capsys.readouterr().out
    assert code == 1
    assert f"✗ Web site       {site}: cannot connect" in out
    assert "Stack outputs" not in out
    assert "TRICLOUD_SITE_URL" not in os.environ
