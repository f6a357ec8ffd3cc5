"""Precompiled bytecode: with an interpreter of the runtime's exact Python version on PATH, the
bundler ships unchecked-hash `.pyc` files that Lambda imports from its read-only /var/task.

Proven on this machine with the runtime set to the local Python: a real presign bundle (pip,
the lock, hashes) is compiled, its handler imports with its sources made unreadable as code,
and the bytecode names /var/task, not the build directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import aws_cdk as cdk
import pytest

from stacks import bundling
from stacks.bundling import BundlingError, LocalPipBundling, asset_hash, bytecode_compiler

from .synth import Synth, SynthFn

ROOT = Path(__file__).resolve().parents[2]
LOCAL_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
PYC_UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def _host_target() -> bundling.WheelTarget:
    """This interpreter's wheels, so the bundle's extension modules import here."""
    machine = sysconfig.get_platform().split("-")[-1]
    return bundling.WheelTarget(
        LOCAL_PYTHON, (f"manylinux2014_{machine}", f"manylinux_2_28_{machine}")
    )


def _registry_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def test_only_an_interpreter_of_exactly_that_version_compiles() -> None:
    compiler = bytecode_compiler(LOCAL_PYTHON)
    assert compiler is not None, f"python{LOCAL_PYTHON} or python3 should be on PATH"
    version = subprocess.run(
        [compiler, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == str(sys.version_info[:2])
    assert bytecode_compiler("3.99") is None


def test_the_asset_hash_says_whether_bytecode_is_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    requirements = ROOT / "lambdas" / "requirements" / "presign.cosmos.txt"
    target = bundling.wheel_target(LOCAL_PYTHON)
    compiled = asset_hash(requirements, wheels=target)
    monkeypatch.setattr(bundling, "bytecode_compiler", lambda _version: None)
    assert asset_hash(requirements, wheels=target) != compiled


@pytest.fixture(scope="module")
def local_python_app(synth: SynthFn) -> Synth:
    return synth({"lambda_python_version": LOCAL_PYTHON})


def test_the_runtime_is_the_lambda_python_version_setting(
    local_python_app: Synth, default: Synth
) -> None:
    for synth, runtime in ((local_python_app, f"python{LOCAL_PYTHON}"), (default, "python3.14")):
        functions = [
            resource["Properties"]
            for resource in synth.resources("AWS::Lambda::Function").values()
            if resource["Properties"]["Handler"].startswith("lambdas.handlers.")
        ]
        assert len(functions) == 4
        assert {function["Runtime"] for function in functions} == {runtime}


@pytest.mark.bundling
def test_a_bundle_for_the_local_python_imports_from_precompiled_bytecode(tmp_path: Path) -> None:
    target = tmp_path / "presign"
    # Through the CDK's local bundling hook, as `cdk synth` runs it (wheels for this machine).
    hook = LocalPipBundling(
        ROOT / "lambdas" / "requirements" / "presign.cosmos.txt", ROOT / "lambdas", _host_target()
    )
    try:
        assert hook.try_bundle(str(target), image=cdk.DockerImage.from_registry("unused"))
    except BundlingError as error:
        if not _registry_reachable():
            pytest.skip(f"package registry unreachable, cannot bundle: {error}")
        raise
    tag = sys.implementation.cache_tag
    handler = target / "lambdas" / "handlers" / "presign.py"
    compiled = handler.parent / "__pycache__" / f"presign.{tag}.pyc"
    assert compiled.is_file()
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == PYC_UNCHECKED_HASH
    sources = [p for p in target.rglob("*.py") if "dist-info" not in str(p)]
    missing = [
        p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").exists()
    ]
    assert not missing, f"{len(missing)} of {len(sources)} modules have no .pyc: {missing[:3]}"

    # Break every source of the handler's own package: only bytecode can still import it.
    for source in (target / "lambdas").rglob("*.py"):
        source.write_text('raise RuntimeError("imported from source")\n')
    runtime_sdk = sysconfig.get_paths()["purelib"]  # boto3, as the Lambda runtime provides it
    probe = "import lambdas.handlers.presign as h; print(h.__spec__.cached)"
    result = subprocess.run(
        [sys.executable, "-S", "-B", "-c", probe],
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": os.pathsep.join([str(target), runtime_sdk]),
            "AWS_REGION": "eu-west-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
        },
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert Path(result.stdout.strip()) == compiled
    # Reproducible: the bytecode names /var/task, never the directory it was built in.
    assert b"/var/task/lambdas/handlers/presign.py" in compiled.read_bytes()
    assert str(tmp_path).encode() not in compiled.read_bytes()
