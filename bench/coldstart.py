"""Cold-start proxy: importing each handler module in a fresh interpreter, with and without
the bundle's precompiled ``.pyc``.

Lambda's ``/var/task`` is read-only, so a bundle without bytecode is compiled on every cold
start. The bundler (``stacks.bundling``) ships unchecked-hash ``.pyc`` when an interpreter of
the runtime's Python version is on PATH; here it bundles for this interpreter, so the bundle
is compiled as it ships, and a copy without its ``__pycache__`` folders shows the other case.
Each run starts ``python -S -B`` with only the bundle and the runtime's boto3 (source only) on
``sys.path`` and the variables that make Powertools behave as in Lambda (tracing on), then times
``import lambdas.handlers.<name>``. The baseline is ``import boto3`` alone, timed the same way
in the same rounds; variants run interleaved in a shuffled order.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.bundles import (
    ADAPTERS,
    COMBINATIONS,
    PROVIDER_KINDS,
    WORK_DIR,
    FunctionBundle,
    bytecode_caches,
    directory_size,
    host_bundle,
    prune_older,
    runtime_dir,
    variant,
    zipped_size,
)
from bench.report import Row, Section
from bench.stats import median

__all__ = [
    "ImportJob",
    "combinations_section",
    "import_profile",
    "measure",
    "section",
    "sources_only_copy",
    "unimported_entries",
]

_TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


@dataclass(frozen=True)
class ImportJob:
    """One thing to import: a label, the module, and the folders before the runtime's."""

    label: str
    module: str
    paths: tuple[Path, ...]


def lambda_like_env(task_root: Path, paths: Sequence[Path]) -> dict[str, str]:
    """A minimal environment as Lambda gives a function (plus PYTHONPATH), no credentials."""
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.pathsep.join(str(path) for path in paths),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": "tricloud-bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "tricloud",
        "POWERTOOLS_METRICS_NAMESPACE": "Tricloud",
        "LANG": "C.UTF-8",
    }


def import_seconds(job: ImportJob, runtime: Path, *extra_args: str) -> tuple[float, str]:
    """Seconds ``import job.module`` took in a fresh interpreter, and what it wrote to stderr."""
    paths = [*job.paths, runtime]
    result = subprocess.run(
        [sys.executable, "-S", "-B", *extra_args, "-c", _TIMER.format(module=job.module)],
        env=lambda_like_env(paths[0], paths),
        cwd=paths[0],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"import {job.module} failed for {job.label}:\n{tail}")
    return float(result.stdout.strip().splitlines()[-1]), result.stderr


def measure(jobs: Sequence[ImportJob], runtime: Path, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per job over ``rounds`` rounds; every round runs all jobs, shuffled."""
    timings: dict[str, list[float]] = {job.label: [] for job in jobs}
    for number in range(rounds):
        order = list(jobs)
        random.Random(number).shuffle(order)
        for job in order:
            timings[job.label].append(import_seconds(job, runtime)[0] * 1000)
    return timings


def sources_only_copy(bundle: Path, work_dir: Path = WORK_DIR) -> Path:
    """A copy of ``bundle`` without its ``__pycache__`` folders (kept between runs).

    What the bundler ships when no interpreter of the runtime's version is at hand.
    """
    target = work_dir / "sources-only" / bundle.name
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(bundle, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / ".complete").touch()
    prune_older(target)
    return target


def import_profile(job: ImportJob, runtime: Path) -> tuple[set[str], Counter[str]]:
    """Modules imported by ``job`` and self time (ms) per top-level package (-X importtime)."""
    _, stderr = import_seconds(job, runtime, "-X", "importtime")
    modules: set[str] = set()
    self_ms: Counter[str] = Counter()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.split(":", 1)[1].split("|")
        module = name.strip()
        modules.add(module)
        parts = module.split(".")
        package = ".".join(parts[:2]) if parts[0] in ("google", "azure") else parts[0]
        self_ms[package] += int(self_us) // 1000
    return modules, self_ms


def unimported_entries(bundle: Path, modules: set[str]) -> dict[str, int]:
    """Bytes per bundle entry (package, module, namespace sub-package) not imported at init.

    Such code may still be imported later, by a call; ``*.dist-info`` and ``*.libs`` (shared
    libraries of extension modules) are not counted. Folders whose name is not a module
    name (e.g. type stubs) are never imported and are counted.
    """
    tops = {module.split(".")[0] for module in modules}
    seconds = {".".join(module.split(".")[:2]) for module in modules}
    unused: dict[str, int] = {}
    for entry in sorted(bundle.iterdir()):
        name = entry.name.split(".")[0]
        if entry.name.endswith((".dist-info", ".libs")) or entry.name.startswith("."):
            continue
        is_namespace = entry.is_dir() and not (entry / "__init__.py").exists()
        if is_namespace and name.isidentifier():
            for child in sorted(entry.iterdir()):
                child_name = f"{name}.{child.name.split('.')[0]}"
                is_code = child.is_dir() or child.suffix in (".py", ".so")
                if is_code and child.name != "__pycache__" and child_name not in seconds:
                    unused[child_name] = _size(child)
        elif name not in tops:
            unused[name] = _size(entry)
    return unused


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def section(functions: Sequence[FunctionBundle], rounds: int) -> Section:
    """Rows: import times without and with .pyc (vs ``import boto3``), bundle sizes."""
    runtime = runtime_dir()
    baseline = ImportJob("import boto3", "boto3", ())
    as_bundled: dict[str, ImportJob] = {}
    jobs = [baseline]
    for function in functions:
        env = function.environment
        labels = env.get("LABELS_PROVIDER", "google-vision")
        host = host_bundle(
            function.name, variant(function.name, labels, env.get("IMAGE_STORE", "cosmos"))
        )
        if not bytecode_caches(host):
            raise RuntimeError(
                f"the {function.name} bundle has no .pyc: is python{sys.version_info.major}."
                f"{sys.version_info.minor} on PATH?"
            )
        as_bundled[function.name] = ImportJob(
            f"{function.name}: without .pyc", function.module, (sources_only_copy(host),)
        )
        jobs.append(as_bundled[function.name])
        jobs.append(ImportJob(f"{function.name}: with .pyc", function.module, (host,)))
    timings = measure(jobs, runtime, rounds)
    medians = {label: median(values) for label, values in timings.items()}
    base = medians[baseline.label]
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    timing_name = "Cold start proxy (import)"
    rows = [
        Row(
            timing_name,
            "`import boto3` (the runtime's SDK)",
            base,
            "ms",
            baseline=True,
            note=(
                f"fresh `python{version} -S -B` per run, median of {rounds} shuffled rounds; "
                f"each bundle rebuilt by stacks.bundling for Python {version} on this CPU "
                "(its Lambda arm64 wheels cannot load here); boto3 source-only, as bundled code"
            ),
        )
    ]
    details: dict[str, Any] = {"ms": timings, "functions": {}}
    size_rows = []
    for function in functions:
        bundled = medians[f"{function.name}: without .pyc"]
        compiled = medians[f"{function.name}: with .pyc"]
        rows.append(
            Row(timing_name, f"{function.name}: without .pyc", bundled, "ms", bundled / base)
        )
        rows.append(
            Row(
                timing_name,
                f"{function.name}: with .pyc (as shipped)",
                compiled,
                "ms",
                compiled / base,
                f"{(compiled - bundled) / bundled:+.0%} vs without (unchecked-hash .pyc the "
                "bundler writes when python<runtime version> is on PATH)",
            )
        )
        modules, self_ms = import_profile(as_bundled[function.name], runtime)
        unused = unimported_entries(function.directory, modules)
        unzipped = directory_size(function.directory)
        zipped = zipped_size(function.directory, WORK_DIR / "zip" / f"{function.name}.zip")
        largest = sorted(unused.items(), key=lambda item: -item[1])[:4]
        unused_note = ", ".join(f"{name} {size / 2**20:.1f}" for name, size in largest)
        size_rows.append(
            Row(
                "Bundle size (real arm64 bundle)",
                f"{function.name}: unzipped",
                unzipped / 2**20,
                "MB",
                note=(
                    f"zipped {zipped / 2**20:.1f} MB; {function.memory_mb} MB memory; "
                    f"{sum(unused.values()) / 2**20:.1f} MB never imported at init "
                    f"(largest, MB: {unused_note or 'none'})"
                ),
            )
        )
        details["functions"][function.name] = {
            "bundle": function.directory.name,
            "runtime": function.runtime,
            "architecture": function.architecture,
            "memory_mb": function.memory_mb,
            "unzipped_bytes": unzipped,
            "zipped_bytes": zipped,
            "pycache_dirs_in_bundle": bytecode_caches(function.directory),
            "modules_imported_at_init": len(modules),
            "top_self_ms_by_package": dict(self_ms.most_common(12)),
            "never_imported_bytes": unused,
        }
    return Section(rows + size_rows, details)


def combinations_section(rounds: int) -> Section:
    """Rows: every function in every provider combination, cold import vs ``import boto3``.

    What a cold container imports before its first answer: the handler module and the
    adapters ``lambdas.providers`` builds for the chosen providers, from the bundle the stack
    would deploy for that combination (rebuilt for this Python, as in :func:`section`).
    """
    runtime = runtime_dir()
    baseline = ImportJob("import boto3", "boto3", ())
    jobs = [baseline]
    for labels, store in COMBINATIONS:
        for function in PROVIDER_KINDS:
            chosen = {"labels": labels, "store": store}
            adapters = [ADAPTERS[chosen[kind]] for kind in PROVIDER_KINDS[function]]
            modules = ", ".join([f"lambdas.handlers.{function}", *adapters])
            bundle = host_bundle(function, variant(function, labels, store))
            jobs.append(ImportJob(f"{labels}+{store}: {function}", modules, (bundle,)))
    timings = measure(jobs, runtime, rounds)
    medians = {label: median(values) for label, values in timings.items()}
    base = medians[baseline.label]
    name = "Cold import per provider combination (no .pyc)"
    rows = [
        Row(
            name,
            "`import boto3` (the runtime's SDK)",
            base,
            "ms",
            baseline=True,
            note=f"handler + the chosen adapters, median of {rounds} shuffled rounds",
        )
    ]
    rows += [
        Row(name, job.label, medians[job.label], "ms", medians[job.label] / base)
        for job in jobs[1:]
    ]
    return Section(rows, {"ms": timings})
