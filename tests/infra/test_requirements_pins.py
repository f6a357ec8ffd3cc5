"""Each Lambda requirements file pins exactly the versions pyproject.toml pins.

One file per function and chosen providers: `<function>[.<labels>][.<store>].txt`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS_DIR = ROOT / "lambdas" / "requirements"
FILES = sorted(path.name for path in REQUIREMENTS_DIR.glob("*.txt"))
STORES = ("cosmos", "dynamodb")
LABELS = ("google-vision", "rekognition")


def _pins(lines: list[str]) -> dict[str, Requirement]:
    """Map canonical project name to its requirement, skipping comments and blank lines."""
    wanted = [line for line in lines if line.strip() and not line.startswith("#")]
    requirements = [Requirement(line) for line in wanted]
    return {req.name.lower().replace("_", "-"): req for req in requirements}


def _project_pins() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _pins(list(project["dependencies"]))


@pytest.mark.parametrize("function", FILES)
def test_every_pin_equals_pyproject(function: str) -> None:
    project = _project_pins()
    pins = _pins((REQUIREMENTS_DIR / function).read_text().splitlines())
    assert pins, f"{function}.txt pins nothing"
    for name, req in pins.items():
        assert name in project, f"{function}.txt pins {name}, which pyproject.toml does not list"
        assert str(req.specifier).startswith("=="), f"{function}.txt: {req} is not an exact pin"
        assert req.specifier == project[name].specifier, f"{function}.txt: {req} != {project[name]}"
        assert req.extras <= project[name].extras, f"{function}.txt: extras of {req} unknown"


def test_every_function_and_combination_has_its_file() -> None:
    assert len(FILES) == 10  # presign, list_images, detail x 2 stores; analyze x 4
    assert set(FILES) == {
        *(f"{f}.{store}.txt" for f in ("presign", "list_images", "detail") for store in STORES),
        *(f"analyze.{labels}.{store}.txt" for labels in LABELS for store in STORES),
    }


@pytest.mark.parametrize("name", FILES)
def test_only_the_chosen_sdks(name: str) -> None:
    parts = name.removesuffix(".txt").split(".")
    names = set(_pins((REQUIREMENTS_DIR / name).read_text().splitlines()))
    assert ("pillow" in names) == (parts[0] == "analyze"), name
    assert ("google-cloud-vision" in names) == ("google-vision" in parts), name
    assert ("azure-cosmos" in names) == ("cosmos" in parts), name
