"""``tricloud doctor`` on the all-AWS demo checks Rekognition and the DynamoDB table, and
nothing of Google Cloud or Azure."""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from pathlib import Path

import pytest

from offline.provision import moto_client
from offline.servers import free_port
from tests.demo_process import TRICLOUD, demo_process, kill_marked, read_line
from tooling.env_file import KEYS, read_env_file

pytestmark = pytest.mark.integration

START_TIMEOUT_SECONDS = 90
HINT = "Check it with: "


def _doctor(env_file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in KEYS and not k.startswith("AWS_")}
    return subprocess.run(
        [str(TRICLOUD), "doctor", "--env-file", str(env_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_doctor_checks_only_the_aws_providers(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    extra = ("--labels", "rekognition", "--store", "dynamodb")
    try:
        with demo_process(marker, free_port(), data=tmp_path, extra=extra) as demo:
            assert "running at" in read_line(demo, START_TIMEOUT_SECONDS)
            assert demo.stdout is not None
            *_, env_file = shlex.split(demo.stdout.readline().removeprefix(HINT))
            settings = read_env_file(Path(env_file))
            assert not {"GCP_SECRET_ID", "COSMOS_SECRET_ID", "VISION_API_ENDPOINT"} & set(settings)

            green = _doctor(Path(env_file))
            assert green.returncode == 0, green.stdout
            lines = [line for line in green.stdout.splitlines() if line and line[0] in "✓✗-"]
            names = [line[2:16].strip() for line in lines]
            assert names == ["Web site", "API health", "Rekognition", "DynamoDB"]
            assert "Cosmos" not in green.stdout and "Vision" not in green.stdout

            # Without its table the store is reported broken, with what to do.
            dynamodb = moto_client("dynamodb", settings["AWS_ENDPOINT_URL"])
            dynamodb.delete_table(TableName=settings["IMAGES_TABLE"])
            broken = _doctor(Path(env_file))
            assert broken.returncode == 1
            assert "✗ DynamoDB" in broken.stdout
            assert "-c store=dynamodb" in broken.stdout
    finally:
        kill_marked(marker)
