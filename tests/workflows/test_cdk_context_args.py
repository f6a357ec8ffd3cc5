"""`.github/scripts/cdk-context-args.sh`: repository variable TRICLOUD_CONTEXT as cdk -c args."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "cdk-context-args.sh"


def _run(context: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "TRICLOUD_CONTEXT"}
    if context is not None:
        env["TRICLOUD_CONTEXT"] = context
    return subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, check=False, timeout=30
    )


@pytest.mark.parametrize("context", [None, "", "\n  \n# only comments\n"])
def test_nothing_set_gives_no_arguments(context: str | None) -> None:
    result = _run(context)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_each_setting_becomes_one_c_argument() -> None:
    result = _run(
        "# alarms\r\n"
        "alarm_email=ops@example.com\r\n"
        "\n"
        "vision_features=LABEL_DETECTION,IMAGE_PROPERTIES\n"
        "@aws-cdk/core:bootstrapQualifier=tri123\n"
        "domain_name=photos.example.com"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "-c",
        "alarm_email=ops@example.com",
        "-c",
        "vision_features=LABEL_DETECTION,IMAGE_PROPERTIES",
        "-c",
        "@aws-cdk/core:bootstrapQualifier=tri123",
        "-c",
        "domain_name=photos.example.com",
    ]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            "alarm_email = ops@example.com",
            "line 1: 'alarm_email = ops@example.com' is not key=value",
        ),
        ("log_level=INFO\nverbose", "line 2: 'verbose' is not key=value"),
        ("stack_name=Other", "line 1: set the stack name in the variable TRICLOUD_STACK_NAME"),
        ("github_repository=octo/tricloud", "github_* settings belong to the deploy-role stack"),
    ],
)
def test_bad_lines_are_refused_with_their_number(context: str, message: str) -> None:
    result = _run(context)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
