"""Each function imports only what its bundle carries (its requirements + the runtime's SDK).

Walks the `lambdas` imports statically from each handler; a third-party import that is not in
the function's requirements would be a ModuleNotFoundError on Lambda, which no local test sees
(the test venv has everything installed).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
RUNTIME = {"boto3", "botocore"}  # provided by the Lambda Python runtime
POWERTOOLS = {"aws_lambda_powertools", "aws_xray_sdk"}
COSMOS = {"azure", "requests"}  # requests: a dependency of azure-core (and google-auth)
VISION = {"google", "grpc", "proto", "PIL", "requests"}
ALLOWED = {
    "presign": RUNTIME | POWERTOOLS | COSMOS,  # it stores the pending document
    "list_images": RUNTIME | POWERTOOLS | COSMOS,
    "detail": RUNTIME | POWERTOOLS | COSMOS,
    "analyze": RUNTIME | POWERTOOLS | COSMOS | VISION,
}


def _module_file(module: str) -> Path | None:
    """The source file of a `lambdas...` module (package __init__ or module file)."""
    path = LAMBDAS.parent.joinpath(*module.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str) -> set[str]:
    """Absolute names imported by one file at runtime (TYPE_CHECKING blocks skipped)."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])

    visit(ast.parse(path.read_text()).body)
    return names


def third_party_imports(function: str) -> set[str]:
    """Top-level third-party packages reachable from the function's handler."""
    seen: set[str] = set()
    third_party: set[str] = set()
    queue = [f"lambdas.handlers.{function}"]
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        queue.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        path = _module_file(module)
        if path is None:
            continue
        for name in _imports(path, module):
            top = name.split(".")[0]
            if top == "lambdas":
                queue.append(name)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)
    return third_party


@pytest.mark.parametrize("function", sorted(ALLOWED))
def test_handler_imports_only_what_its_bundle_carries(function: str) -> None:
    if not (LAMBDAS / "handlers" / f"{function}.py").is_file():
        pytest.skip(f"lambdas/handlers/{function}.py does not exist yet")
    imported = third_party_imports(function)
    assert imported <= ALLOWED[function], (
        f"{function} imports {sorted(imported - ALLOWED[function])}, which its bundle lacks: "
        f"add them to lambdas/requirements/{function}.txt or import them lazily elsewhere"
    )


def test_presign_does_not_reach_vision() -> None:
    assert not third_party_imports("presign") & (VISION - COSMOS)
