"""cdk-nag AwsSolutions: no finding is left unacknowledged, with or without the options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .synth import Synth


def _violations(synth: Synth) -> list[Any]:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    return [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]


@pytest.mark.parametrize("name", ["default", "variant"])
def test_no_unacknowledged_findings(name: str, request: pytest.FixtureRequest) -> None:
    # Synthesis raises on an unacknowledged error; warnings only show in the report.
    synth: Synth = request.getfixturevalue(name)
    assert _violations(synth) == []


def test_acknowledgements_live_in_one_module() -> None:
    stacks = Path(__file__).resolve().parents[2] / "stacks"
    users = sorted(p.name for p in stacks.glob("*.py") if ".acknowledge(" in p.read_text())
    assert users == ["nag.py"]
