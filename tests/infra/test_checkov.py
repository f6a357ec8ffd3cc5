"""Checkov finds nothing unjustified in the templates of the default and the full configuration
(custom domain and its certificate stack, alarms, imported secrets, the GitHub deploy-role stack).

Every skip is in stacks/checkov.py with its reason; `make checkov` runs the same check on the
real `cdk synth` output. Checkov has its own environment (.venv-checkov, `make install`).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stacks.checkov import SKIPS

from .synth import VARIANT, Synth, SynthFn

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def _scan(*synths: Synth) -> list[dict[str, object]]:
    assert CHECKOV.is_file(), "Checkov is missing: run `make .venv-checkov/.installed`"
    templates = [str(p) for synth in synths for p in sorted(synth.outdir.glob("*.template.json"))]
    result = subprocess.run(
        [str(CHECKOV), "--skip-download", "--framework", "cloudformation", "-o", "json"]
        + [arg for template in templates for arg in ("-f", template)],
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.fixture(scope="module")
def reports(default: Synth, synth: SynthFn) -> list[dict[str, object]]:
    """The default app, and the full one with the GitHub deploy-role stack too."""
    return _scan(default, synth({**VARIANT, "github_repository": "octo/tricloud"}))


def test_checkov_finds_nothing_unjustified(reports: list[dict[str, object]]) -> None:
    failed = [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for report in reports
        for check in report["results"]["failed_checks"]  # type: ignore[index]
    ]
    assert failed == [], "\n".join(failed)


def test_every_skip_is_reviewed_and_still_needed(reports: list[dict[str, object]]) -> None:
    skipped = [
        check
        for report in reports
        for check in report["results"]["skipped_checks"]  # type: ignore[index]
    ]
    reasons = {skip.check: skip.reason for skip in SKIPS}
    for check in skipped:
        assert check["check_result"]["suppress_comment"] == reasons[check["check_id"]]
    assert {check["check_id"] for check in skipped} == set(reasons), "a skip matches nothing"
