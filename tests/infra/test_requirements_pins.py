"""Each Lambda requirements file pins exactly the versions pyproject.toml pins."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS_DIR = ROOT / "lambdas" / "requirements"
FUNCTIONS = ("presign", "analyze", "list_images", "detail")


def _pins(lines: list[str]) -> dict[str, Requirement]:
    """Map canonical project name to its requirement, skipping comments and blank lines."""
    wanted = [line for line in lines if line.strip() and not line.startswith("#")]
    requirements = [Requirement(line) for line in wanted]
    return {req.name.lower().replace("_", "-"): req for req in requirements}


def _project_pins() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _pins(list(project["dependencies"]))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_pin_equals_pyproject(function: str) -> None:
    project = _project_pins()
    pins = _pins((REQUIREMENTS_DIR / f"{function}.txt").read_text().splitlines())
    assert pins, f"{function}.txt pins nothing"
    for name, req in pins.items():
        assert name in project, f"{function}.txt pins {name}, which pyproject.toml does not list"
        assert str(req.specifier).startswith("=="), f"{function}.txt: {req} is not an exact pin"
        assert req.specifier == project[name].specifier, f"{function}.txt: {req} != {project[name]}"
        assert req.extras <= project[name].extras, f"{function}.txt: extras of {req} unknown"


def test_only_analyze_carries_vision_and_pillow() -> None:
    for function in FUNCTIONS:
        names = set(_pins((REQUIREMENTS_DIR / f"{function}.txt").read_text().splitlines()))
        heavy = names & {"google-cloud-vision", "pillow"}
        assert bool(heavy) == (function == "analyze"), f"{function}.txt carries {heavy}"
