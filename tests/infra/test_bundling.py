"""The local bundler: asset hash inputs, stripping, pip errors, and one real bundle."""

from __future__ import annotations

import socket
import zipfile
from pathlib import Path

import pytest

from stacks import bundling
from stacks.bundling import BundlingError, asset_hash, bundle, copy_sources, strip

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


def _lambdas(tmp_path: Path) -> Path:
    """A small stand-in for the lambdas/ package."""
    lambdas = tmp_path / "lambdas"
    (lambdas / "handlers").mkdir(parents=True)
    (lambdas / "requirements").mkdir()
    (lambdas / "__init__.py").write_text("")
    (lambdas / "handlers" / "presign.py").write_text("def handler(event, context): ...\n")
    (lambdas / "requirements" / "presign.txt").write_text("aws-lambda-powertools==3.37.0\n")
    (lambdas / "requirements" / "analyze.txt").write_text("pillow==12.3.0\n")
    return lambdas


def test_asset_hash_changes_with_sources_and_requirements(tmp_path: Path) -> None:
    lambdas = _lambdas(tmp_path)
    requirements = lambdas / "requirements" / "presign.txt"
    first = asset_hash(requirements, lambdas)
    assert asset_hash(requirements, lambdas) == first
    (lambdas / "handlers" / "presign.py").write_text("def handler(event, context): return 1\n")
    second = asset_hash(requirements, lambdas)
    assert second != first
    requirements.write_text("aws-lambda-powertools==3.36.0\n")
    assert asset_hash(requirements, lambdas) != second


def test_asset_hash_ignores_caches_and_other_functions_requirements(tmp_path: Path) -> None:
    lambdas = _lambdas(tmp_path)
    requirements = lambdas / "requirements" / "presign.txt"
    before = asset_hash(requirements, lambdas)
    (lambdas / "handlers" / "__pycache__").mkdir()
    (lambdas / "handlers" / "__pycache__" / "presign.cpython-311.pyc").write_bytes(b"\0")
    (lambdas / "requirements" / "analyze.txt").write_text("pillow==12.2.0\n")
    assert asset_hash(requirements, lambdas) == before


def test_asset_hash_includes_the_target_platform(tmp_path: Path) -> None:
    lambdas = _lambdas(tmp_path)
    requirements = lambdas / "requirements" / "presign.txt"
    before = asset_hash(requirements, lambdas)
    older_python = bundling.WheelTarget("3.13", bundling.LAMBDA_TARGET.platforms)
    assert asset_hash(requirements, lambdas, older_python) != before


def test_copy_sources_leaves_out_requirements_and_caches(tmp_path: Path) -> None:
    lambdas = _lambdas(tmp_path)
    (lambdas / "__pycache__").mkdir()
    (lambdas / "__pycache__" / "x.pyc").write_bytes(b"\0")
    target = tmp_path / "out"
    copy_sources(lambdas, target)
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert copied == ["lambdas/__init__.py", "lambdas/handlers/presign.py"]


def test_strip_removes_runtime_sdks_scripts_caches_and_package_tests(tmp_path: Path) -> None:
    for path in (
        "botocore/__init__.py",
        "botocore-1.44.8.dist-info/METADATA",
        "boto3/__init__.py",
        "bin/jp.py",
        "certifi/__init__.py",
        "certifi/tests/__init__.py",
        "certifi/__pycache__/core.cpython-314.pyc",
        "certifi-2026.1.1.dist-info/METADATA",
        "certifi-2026.1.1.dist-info/RECORD",
        "certifi-2026.1.1.dist-info/INSTALLER",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    strip(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["certifi-2026.1.1.dist-info/METADATA", "certifi/__init__.py"]


def test_a_pip_failure_is_a_clear_error(tmp_path: Path) -> None:
    lambdas = _lambdas(tmp_path)
    requirements = lambdas / "requirements" / "presign.txt"
    requirements.write_text("this is not a requirement ==\n")
    with pytest.raises(BundlingError, match=r"pip could not install presign\.txt for Python 3\.14"):
        bundle(requirements, tmp_path / "out", lambdas)


def _registry_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def _zipped_size(directory: Path, archive: Path) -> int:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(directory.rglob("*")):
            zipped.write(path, path.relative_to(directory).as_posix())
    return archive.stat().st_size


@pytest.mark.bundling
def test_presign_bundle_holds_only_what_presign_imports(tmp_path: Path) -> None:
    target = tmp_path / "presign"
    try:
        bundle(ROOT / "lambdas" / "requirements" / "presign.cosmos.txt", target)
    except BundlingError as error:
        if not _registry_reachable():
            pytest.skip(f"package registry unreachable, cannot bundle: {error}")
        raise
    top = {path.name for path in target.iterdir()}
    # azure-cosmos: presign stores the image's pending document before it signs the upload.
    assert {"aws_lambda_powertools", "aws_xray_sdk", "azure", "lambdas"} <= top
    assert (target / "lambdas" / "__init__.py").is_file()
    assert not (target / "lambdas" / "requirements").exists()
    for heavy in ("grpc", "google", "PIL", "botocore", "boto3"):
        assert heavy not in top, f"{heavy} must not be in the presign bundle"
    assert not (target / "google" / "cloud" / "vision").exists()
    assert not list(target.rglob("__pycache__"))
    unzipped = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    zipped = _zipped_size(target, tmp_path / "presign.zip")
    print(f"presign bundle: {unzipped / MIB:.1f} MiB unzipped, {zipped / MIB:.1f} MiB zipped")
    assert unzipped < 20 * MIB
    assert zipped < 8 * MIB


@pytest.mark.bundling
def test_the_all_aws_analyze_bundle_carries_no_google_or_azure_sdk(tmp_path: Path) -> None:
    target = tmp_path / "analyze"
    try:
        bundle(ROOT / "lambdas" / "requirements" / "analyze.rekognition.dynamodb.txt", target)
    except BundlingError as error:
        if not _registry_reachable():
            pytest.skip(f"package registry unreachable, cannot bundle: {error}")
        raise
    top = {path.name for path in target.iterdir()}
    assert {"aws_lambda_powertools", "PIL", "lambdas"} <= top
    for absent in ("google", "grpc", "azure", "boto3", "botocore"):
        assert absent not in top, f"{absent} must not be in the all-AWS analyze bundle"
    assert (target / "lambdas" / "adapters" / "rekognition.py").is_file()
