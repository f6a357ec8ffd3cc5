"""Lambda packaging without Docker: pip installs aarch64 wheels next to a copy of `lambdas/`.

Each function gets its own asset: the wheels its lock `lambdas/requirements/<function>.txt`
pins, every one with its hashes (made by `make locks` from `<function>.in`), installed for the
Lambda runtime's Python on Linux arm64, plus the `lambdas` package. When an interpreter of
exactly the runtime's Python version is on PATH (`python3.14`), the bundle also gets
unchecked-hash `.pyc` files, which Lambda uses from its read-only `/var/task`. The asset hash is
computed from exactly those inputs, so `cdk synth` bundles a function only when they change.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"


@dataclass(frozen=True)
class WheelTarget:
    """The interpreter and platforms pip picks wheels for."""

    python_version: str
    platforms: tuple[str, ...]


# Both tags: manylinux2014 covers most wheels; some projects (pillow) publish aarch64 wheels
# only as manylinux_2_28, which the Lambda runtime (Amazon Linux 2023, glibc 2.34) supports.
# Never manylinux_2_28 alone: pip then silently resolves to ancient google-cloud-vision.
LAMBDA_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
LAMBDA_TARGET = WheelTarget("3.14", LAMBDA_PLATFORMS)
# Provided by the Lambda runtime; installed only as transitive dependencies (aws-xray-sdk).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# Bump when the bundling steps change, so old assets are not reused.
BUNDLER_VERSION = "2"
# Where Lambda unpacks the bundle: compiled files name their sources there in tracebacks.
TASK_ROOT = "/var/task"
_DIST_INFO_CRUFT = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")


class BundlingError(RuntimeError):
    """pip could not build a function's bundle."""


def wheel_target(python_version: str) -> WheelTarget:
    """Lambda's wheels (Linux arm64) for one Python version such as "3.14"."""
    return WheelTarget(python_version, LAMBDA_PLATFORMS)


def lambda_runtime(python_version: str) -> lambda_.Runtime:
    """The Lambda runtime of one Python version such as "3.14"."""
    return lambda_.Runtime(f"python{python_version}", lambda_.RuntimeFamily.PYTHON)


def bytecode_compiler(python_version: str) -> str | None:
    """The interpreter on PATH whose version is exactly `python_version`, if there is one.

    Bytecode is only valid for the Python version that wrote it, so only such an interpreter
    may compile a bundle; any other gives None (the bundle then ships sources only).
    """
    for name in (f"python{python_version}", "python3"):
        path = shutil.which(name)
        if path is None:
            continue
        result = subprocess.run(  # noqa: S603
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip() == python_version:
            return path
    return None


def compile_bytecode(target: Path, interpreter: str) -> None:
    """Write unchecked-hash `.pyc` files for every module in `target` with `interpreter`.

    Unchecked-hash bytecode is used without comparing timestamps (which zipping changes) and
    holds no build path: file names are rewritten to /var/task, so bundles are reproducible.
    """
    command = [
        interpreter,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(target),
        "-p",
        TASK_ROOT,
        str(target),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise BundlingError(
            f"{interpreter} could not compile the bundle in {target}:\n" + "\n".join(output[-20:])
        )


def _source_files(lambdas_dir: Path) -> list[Path]:
    """The files of the `lambdas` package that go into every bundle, sorted."""
    return sorted(
        path
        for path in lambdas_dir.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and path.relative_to(lambdas_dir).parts[0] != "requirements"
    )


def asset_hash(
    requirements: Path,
    lambdas_dir: Path = LAMBDAS_DIR,
    wheels: WheelTarget = LAMBDA_TARGET,
) -> str:
    """Hash of every input of a bundle: bundler settings, requirements and source files."""
    digest = hashlib.sha256()
    compiler = bytecode_compiler(wheels.python_version)
    settings = (
        BUNDLER_VERSION,
        wheels.python_version,
        *wheels.platforms,
        *RUNTIME_PROVIDED,
        # A bundle with bytecode differs from one without.
        "bytecode" if compiler else "sources",
    )
    for setting in settings:
        digest.update(setting.encode() + b"\0")
    digest.update(requirements.read_bytes() + b"\0")
    for path in _source_files(lambdas_dir):
        digest.update(path.relative_to(lambdas_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def pip_install(requirements: Path, target: Path, wheels: WheelTarget = LAMBDA_TARGET) -> None:
    """Install the pinned wheels for `wheels` (Lambda's Python on arm64) into `target`, or raise."""
    platform_args = [arg for platform in wheels.platforms for arg in ("--platform", platform)]
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--no-color",
        *platform_args,
        "--only-binary=:all:",
        "--python-version",
        wheels.python_version,
        "--implementation",
        "cp",
        "--no-compile",
        # The lock lists every distribution with its hashes: install exactly those.
        "--no-deps",
        "--require-hashes",
        "--target",
        str(target),
        "--requirement",
        str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "is ignored" not in line]
        raise BundlingError(
            f"pip could not install {requirements.name} for Python {wheels.python_version} on "
            f"{'/'.join(wheels.platforms)} (exit {result.returncode}):\n" + "\n".join(errors[-20:])
        )


def strip(target: Path) -> None:
    """Remove what Lambda never uses: runtime-provided SDKs, scripts, caches, package tests."""
    for name in RUNTIME_PROVIDED:
        shutil.rmtree(target / name, ignore_errors=True)
        for dist_info in target.glob(f"{name}-*.dist-info"):
            shutil.rmtree(dist_info)
    shutil.rmtree(target / "bin", ignore_errors=True)
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache)
    # Test suites shipped inside packages (e.g. certifi/tests); only directly under a package.
    for tests in list(target.glob("*/tests")):
        if (tests.parent / "__init__.py").exists():
            shutil.rmtree(tests)
    # Keep METADATA and entry points (importlib.metadata needs them), drop install bookkeeping.
    for dist_info in target.glob("*.dist-info"):
        for name in _DIST_INFO_CRUFT:
            (dist_info / name).unlink(missing_ok=True)


def copy_sources(lambdas_dir: Path, target: Path) -> None:
    """Copy the `lambdas` package (without its requirements) to `target/lambdas`."""
    for path in _source_files(lambdas_dir):
        destination = target / "lambdas" / path.relative_to(lambdas_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def bundle(
    requirements: Path,
    target: Path,
    lambdas_dir: Path = LAMBDAS_DIR,
    wheels: WheelTarget = LAMBDA_TARGET,
) -> None:
    """Build one function's bundle in `target`: wheels, stripped, the sources, bytecode."""
    pip_install(requirements, target, wheels)
    strip(target)
    copy_sources(lambdas_dir, target)
    compiler = bytecode_compiler(wheels.python_version)
    if compiler:
        compile_bytecode(target, compiler)


@jsii.implements(cdk.ILocalBundling)
class LocalPipBundling:
    """CDK local bundling hook: bundles on this machine, never falls back to Docker."""

    def __init__(self, requirements: Path, lambdas_dir: Path, wheels: WheelTarget) -> None:
        self._requirements = requirements
        self._lambdas_dir = lambdas_dir
        self._wheels = wheels

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **options: Any) -> bool:
        """Bundle into `output_dir`; raising (not returning False) keeps Docker out of it.

        The keyword-only `image` makes jsii pass the BundlingOptions as keywords (unused).
        """
        bundle(self._requirements, Path(output_dir), self._lambdas_dir, self._wheels)
        return True


def requirements_file(
    function: str, variant: tuple[str, ...] = (), lambdas_dir: Path = LAMBDAS_DIR
) -> Path:
    """`lambdas/requirements/<function>[.<provider>...].txt`: the lock of one function's bundle
    with the chosen providers (e.g. analyze.rekognition.dynamodb.txt)."""
    return lambdas_dir / "requirements" / ".".join((function, *variant, "txt"))


def function_code(
    function: str,
    variant: tuple[str, ...] = (),
    lambdas_dir: Path = LAMBDAS_DIR,
    wheels: WheelTarget = LAMBDA_TARGET,
) -> lambda_.Code:
    """The asset of one function, bundled locally for `wheels` and hashed from its inputs."""
    requirements = requirements_file(function, variant, lambdas_dir)
    if not requirements.is_file():
        raise BundlingError(f"no requirements file for function {function!r}: {requirements}")
    return lambda_.Code.from_asset(
        str(lambdas_dir),
        asset_hash=asset_hash(requirements, lambdas_dir, wheels),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        bundling=cdk.BundlingOptions(
            # Required by the API, never pulled: local bundling either succeeds or raises.
            image=lambda_runtime(wheels.python_version).bundling_image,
            local=LocalPipBundling(requirements, lambdas_dir, wheels),
        ),
    )
