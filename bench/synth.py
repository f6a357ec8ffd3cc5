"""``npx cdk synth`` (warm: assets already bundled) against ``npx cdk --version``.

The baseline is the CLI starting and exiting, so the ratio shows what the app itself costs
(Python, jsii, constructs, cdk-nag). ``make test`` is not timed here: it runs the whole
suite, far past this benchmark's budget; its time is reported separately.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.bundles import REPO_ROOT
from bench.report import Row, Section
from bench.stats import median, ratio

__all__ = ["measure", "run_cdk", "section"]


def run_cdk(*args: str, cwd: Path = REPO_ROOT) -> float:
    """Seconds one ``npx cdk ...`` took; RuntimeError quoting its output when it fails."""
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "PATH": f"{cwd / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    started = time.perf_counter()
    result = subprocess.run(
        ["npx", "--no-install", "cdk", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"npx cdk {' '.join(args)} failed:\n{tail}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    """One untimed synth (bundles what changed), then ``runs`` of each, interleaved."""
    run_cdk("synth", "--quiet")
    timings: dict[str, list[float]] = {"version": [], "synth": []}
    for _ in range(runs):
        timings["version"].append(run_cdk("--version"))
        timings["synth"].append(run_cdk("synth", "--quiet"))
    return timings


def section(runs: int) -> Section:
    """Rows: the CLI start (baseline) and a warm synth."""
    timings = measure(runs)
    version, synth = median(timings["version"]), median(timings["synth"])
    name = "CDK synth"
    return Section(
        rows=[
            Row(name, "`npx cdk --version` (CLI start)", version, "s", baseline=True),
            Row(
                name,
                "`npx cdk synth --quiet`, warm (assets already bundled)",
                synth,
                "s",
                ratio(synth, version),
                f"median of {runs}; includes cdk-nag; `make test` is timed separately",
            ),
        ],
        details={"seconds": timings},
    )
