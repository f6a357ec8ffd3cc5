"""The Lambda locks: made from their current inputs, fully pinned with hashes, and pinning
exactly what pyproject.toml pins (lambdas/requirements, `make locks`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from stacks import locks

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS_DIR = ROOT / "lambdas" / "requirements"
# One lock per `<function>[.<provider>...].in`, discovered (providers add combinations).
LOCKS = locks.functions(REQUIREMENTS_DIR)
# Heavy SDKs and the part that brings each: a lock carries one only when its inputs include it.
PART_OF = {
    "google-cloud-vision": "google-vision.in",
    "grpcio": "google-vision.in",
    "azure-cosmos": "cosmos.in",
    "pillow": "images.in",
}
STORES = ("cosmos", "dynamodb")
LABELS = ("google-vision", "rekognition")
_LOCKED = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+) \\$")


def _project_pins() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {canonicalize_name(req.name): req for req in requirements}


def _input_pins(function: str) -> dict[str, Requirement]:
    lines = locks.requirement_lines(REQUIREMENTS_DIR / f"{function}.in")
    return {canonicalize_name(Requirement(line).name): Requirement(line) for line in lines}


def _locked(function: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every distribution in a lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (REQUIREMENTS_DIR / f"{function}.txt").read_text().splitlines():
        match = _LOCKED.match(line)
        if match:
            current = canonicalize_name(match["name"])
            entries[current] = (match["version"], [])
        elif line.strip().startswith("--hash=sha256:") and current:
            entries[current][1].append(line.strip().removesuffix(" \\"))
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"{function}.txt: unexpected line {line!r}")
    return entries


def test_every_input_has_a_lock_and_every_lock_an_input() -> None:
    functions = {"presign", "analyze", "list_images", "detail"}
    assert functions <= {name.split(".")[0] for name in LOCKS}
    assert {path.stem for path in REQUIREMENTS_DIR.glob("*.txt")} == set(LOCKS)


def test_every_function_and_provider_combination_has_its_lock() -> None:
    # `<function>[.<labels>].<store>`: what stacks.functions.requirements_variant names.
    assert set(LOCKS) == {
        *(f"{f}.{store}" for f in ("presign", "list_images", "detail") for store in STORES),
        *(f"analyze.{labels}.{store}" for labels in LABELS for store in STORES),
    }


@pytest.mark.parametrize("name", LOCKS)
def test_a_lock_includes_exactly_the_parts_its_name_chooses(name: str) -> None:
    _function, *providers = name.split(".")
    provider_parts = {f"{provider}.in" for provider in (*LABELS, *STORES)}
    assert _parts(name) & provider_parts == {f"{provider}.in" for provider in providers}


def test_locks_were_made_from_their_current_inputs() -> None:
    assert locks.stale_locks(REQUIREMENTS_DIR) == [], "run `make locks`"


def test_a_changed_part_makes_the_lock_stale(tmp_path: Path) -> None:
    copy = tmp_path / "requirements"
    (copy / "parts").mkdir(parents=True)
    for path in REQUIREMENTS_DIR.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(REQUIREMENTS_DIR)).write_bytes(path.read_bytes())
    assert locks.stale_locks(copy) == []
    cosmos = copy / "parts" / "cosmos.in"
    cosmos.write_text(cosmos.read_text().replace("4.17.1", "4.17.0"))
    assert locks.stale_locks(copy) == [name for name in LOCKS if "cosmos.in" in _parts(name, copy)]
    assert locks.stale_locks(copy)


@pytest.mark.parametrize("function", LOCKS)
def test_every_locked_distribution_is_pinned_with_hashes(function: str) -> None:
    locked = _locked(function)
    assert locked, f"{function}.txt locks nothing"
    for name, (_version, hashes) in locked.items():
        assert hashes, f"{function}.txt: {name} has no hash"


@pytest.mark.parametrize("function", LOCKS)
def test_inputs_and_locks_pin_what_pyproject_pins(function: str) -> None:
    project = _project_pins()
    locked = _locked(function)
    for name, req in _input_pins(function).items():
        assert name in project, f"{function}.in pins {name}, which pyproject.toml does not list"
        assert str(req.specifier).startswith("=="), f"{function}.in: {req} is not an exact pin"
        assert req.specifier == project[name].specifier, f"{function}.in: {req} != {project[name]}"
        assert req.extras <= project[name].extras, f"{function}.in: extras of {req} unknown"
        assert locked[name][0] in req.specifier, f"{function}.txt: {name} {locked[name][0]}"
    for name, (version, _hashes) in locked.items():
        if name in project:
            assert version in project[name].specifier, f"{function}.txt: {name}=={version}"


@pytest.mark.parametrize("name", LOCKS)
def test_a_lock_carries_a_heavy_sdk_only_with_its_part(name: str) -> None:
    parts = _parts(name)
    locked = _locked(name)
    for distribution, part in PART_OF.items():
        assert (distribution in locked) == (part in parts), f"{name}.txt and {distribution}"
    assert ("images.in" in parts) == name.startswith("analyze"), f"{name}.in and images"


def _parts(name: str, requirements_dir: Path = REQUIREMENTS_DIR) -> set[str]:
    """File names of the parts a lock's inputs include."""
    return {path.name for path in locks.input_files(requirements_dir / f"{name}.in")}
