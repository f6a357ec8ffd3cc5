"""The four functions' bundles: the real ones in ``cdk.out`` and host variants to import here.

``npx cdk synth`` runs the CDK's local bundler (``stacks.bundling``) and leaves each
function's bundle directory in ``cdk.out``; the synthesized template says which asset
belongs to which function. Those bundles hold Linux arm64 wheels for the Lambda runtime's
Python, which this x86_64 Python cannot import, so :func:`host_bundle` runs the very same
bundler steps with only the target changed to this interpreter and platform.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_OUT = REPO_ROOT / "cdk.out"
WORK_DIR = REPO_ROOT / "build" / "bench"
HANDLER_PREFIX = "lambdas.handlers."
#: What the Lambda Python runtime provides next to the bundle (never bundled).
RUNTIME_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)


@dataclass(frozen=True)
class FunctionBundle:
    """One function as synthesized: its handler module, settings and bundle directory."""

    name: str
    module: str
    memory_mb: int
    timeout_s: int
    runtime: str
    architecture: str
    directory: Path
    environment: dict[str, str]


def synthesized_functions(cdk_out: Path = CDK_OUT) -> list[FunctionBundle]:
    """The tricloud functions of every synthesized template, with their asset directories."""
    functions = []
    for template_path in sorted(cdk_out.glob("*.template.json")):
        resources: dict[str, Any] = json.loads(template_path.read_text()).get("Resources", {})
        for resource in resources.values():
            properties = resource.get("Properties", {})
            handler = str(properties.get("Handler", ""))
            asset = resource.get("Metadata", {}).get("aws:asset:path")
            if resource.get("Type") != "AWS::Lambda::Function" or not asset:
                continue
            if not handler.startswith(HANDLER_PREFIX):
                continue
            module = handler.rsplit(".", 1)[0]
            variables = properties.get("Environment", {}).get("Variables", {})
            functions.append(
                FunctionBundle(
                    name=module.removeprefix(HANDLER_PREFIX),
                    module=module,
                    memory_mb=int(properties.get("MemorySize", 128)),
                    timeout_s=int(properties.get("Timeout", 3)),
                    runtime=str(properties.get("Runtime", "")),
                    architecture=",".join(properties.get("Architectures", ["x86_64"])),
                    directory=cdk_out / asset,
                    environment={k: v for k, v in variables.items() if isinstance(v, str)},
                )
            )
    if not functions:
        raise RuntimeError(f"no tricloud function in {cdk_out}: run `npx cdk synth` first")
    return sorted(functions, key=lambda f: f.name)


def directory_size(directory: Path) -> int:
    """Bytes of all files under ``directory``."""
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def zipped_size(directory: Path, scratch: Path) -> int:
    """Bytes of ``directory`` as a deflated zip (what is uploaded to Lambda)."""
    scratch.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    size = scratch.stat().st_size
    scratch.unlink()
    return size


def bytecode_caches(directory: Path) -> int:
    """How many ``__pycache__`` folders are in ``directory`` (bytecode the bundle ships)."""
    return sum(1 for _ in directory.rglob("__pycache__"))


def host_platforms() -> tuple[str, ...]:
    """pip platform tags for this machine's wheels, as the bundler's tags are for Lambda's."""
    machine = sysconfig.get_platform().split("-")[-1]  # e.g. x86_64
    return (f"manylinux2014_{machine}", f"manylinux_2_28_{machine}")


#: Which providers' requirements a function's bundle takes (stacks.functions.FUNCTION_PROVIDERS).
PROVIDER_KINDS = {
    "presign": ("store",),
    "analyze": ("labels", "store"),
    "list_images": ("store",),
    "detail": ("store",),
}
#: Every (labels, store) combination the stack can be deployed with.
COMBINATIONS = (
    ("google-vision", "cosmos"),
    ("google-vision", "dynamodb"),
    ("rekognition", "cosmos"),
    ("rekognition", "dynamodb"),
)
#: The adapter modules ``lambdas.providers`` imports for each provider on first use.
ADAPTERS = {
    "google-vision": "lambdas.adapters.vision",
    "rekognition": "lambdas.adapters.rekognition",
    "cosmos": "lambdas.adapters.cosmos",
    "dynamodb": "lambdas.adapters.dynamodb",
}


def variant(function: str, labels: str, store: str) -> tuple[str, ...]:
    """The provider part of the function's requirements file name for this combination."""
    chosen = {"labels": labels, "store": store}
    return tuple(chosen[kind] for kind in PROVIDER_KINDS[function])


def host_bundle(function: str, providers: tuple[str, ...] = (), work_dir: Path = WORK_DIR) -> Path:
    """The function's bundle built by ``stacks.bundling`` for this Python and platform.

    Same lock (``<function>[.<labels>].<store>.txt`` for ``providers``), same strip, copy and
    compile steps (this interpreter's version is on PATH, so the bundle carries ``.pyc`` as a
    Lambda bundle does when its runtime's Python is at hand); only the pip target differs.
    Kept under ``work_dir`` by asset hash, so an unchanged function is not bundled again.
    """
    from stacks import bundling  # noqa: PLC0415 (starts aws_cdk's jsii: only when needed)

    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    wheels = bundling.WheelTarget(version, host_platforms())
    requirements = bundling.requirements_file(function, providers)
    digest = bundling.asset_hash(requirements, wheels=wheels)
    name = ".".join((function, *providers))
    target = work_dir / "bundles" / f"{name}-py{version}-{digest[:16]}"
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        bundling.bundle(requirements, target, wheels=wheels)
        (target / ".complete").touch()
        prune_older(target)
    return target


def prune_older(target: Path) -> None:
    """Remove the other builds of the same thing (``<name>-<hash>`` next to ``target``)."""
    prefix = target.name.rsplit("-", 1)[0]
    for sibling in target.parent.glob(f"{prefix}-*"):
        if sibling != target and sibling.name.rsplit("-", 1)[0] == prefix:
            shutil.rmtree(sibling, ignore_errors=True)


def runtime_dir(work_dir: Path = WORK_DIR) -> Path:
    """boto3 and its dependencies as the Lambda runtime provides them, with no ``.pyc``.

    Copied from this environment's installed distributions (source files only).
    """
    version = importlib.metadata.version("boto3")
    target = work_dir / f"runtime-boto3-{version}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    for name in RUNTIME_DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            parts = file.parts
            if parts[0] == ".." or parts[0].endswith(".dist-info") or "__pycache__" in parts:
                continue
            if file.suffix == ".pyc":
                continue
            destination = target / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(str(distribution.locate_file(file))), destination)
    (target / ".complete").touch()
    return target
