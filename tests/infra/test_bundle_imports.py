"""Each function imports only what its bundle carries (its requirements + the runtime's SDK).

Walks the `lambdas` imports statically from each handler, for every combination of providers;
a third-party import that is not in the function's requirements would be a ModuleNotFoundError
on Lambda, which no local test sees (the test venv has everything installed).
`lambdas/providers.py` imports each adapter only when it is chosen, so the walk follows only
the chosen providers' adapters from there.
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
PILLOW = {"PIL"}
# What each function's bundle carries besides the chosen providers' SDKs.
BASE = {
    "presign": RUNTIME | POWERTOOLS,
    "list_images": RUNTIME | POWERTOOLS,
    "detail": RUNTIME | POWERTOOLS,
    "analyze": RUNTIME | POWERTOOLS | PILLOW,
}
# Each provider: its adapter modules (imported by lambdas.providers) and the SDKs they need.
PROVIDERS = {
    "cosmos": ({"lambdas.adapters.cosmos"}, COSMOS),
    "dynamodb": ({"lambdas.adapters.dynamodb"}, RUNTIME),
    "google-vision": ({"lambdas.adapters.vision", "lambdas.credentials"}, VISION),
    "rekognition": ({"lambdas.adapters.rekognition"}, RUNTIME | PILLOW),
}
COMBINATIONS = [
    (labels, store)
    for labels in ("google-vision", "rekognition")
    for store in ("cosmos", "dynamodb")
]


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


def third_party_imports(function: str, chosen: tuple[str, ...] = ()) -> set[str]:
    """Top-level third-party packages reachable from the function's handler when the
    providers in ``chosen`` are configured."""
    seen: set[str] = set()
    third_party: set[str] = set()
    queue = [f"lambdas.handlers.{function}"]
    # lambdas.providers imports an adapter only when it is chosen.
    lazily = {m for name in chosen for m in PROVIDERS[name][0]}
    skipped = {m for modules, _ in PROVIDERS.values() for m in modules} - lazily
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
        if module == "lambdas.providers":
            queue.extend(lazily)
        for name in _imports(path, module):
            top = name.split(".")[0]
            if top == "lambdas" and module == "lambdas.providers" and _in(name, skipped):
                continue
            if top == "lambdas":
                queue.append(name)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)
    return third_party


def _in(name: str, modules: set[str]) -> bool:
    """Whether ``name`` is one of ``modules`` or something inside one of them."""
    return any(name == m or name.startswith(f"{m}.") for m in modules)


@pytest.mark.parametrize("function", sorted(BASE))
@pytest.mark.parametrize("combination", COMBINATIONS, ids="+".join)
def test_handler_imports_only_what_its_bundle_carries(
    function: str, combination: tuple[str, str]
) -> None:
    labels, store = combination
    allowed = BASE[function] | PROVIDERS[store][1]
    chosen: tuple[str, ...] = (store,)  # only analyze builds a labeller
    if function == "analyze":
        allowed |= PROVIDERS[labels][1]
        chosen = combination
    imported = third_party_imports(function, chosen)
    assert imported <= allowed, (
        f"{function} with {labels} + {store} imports {sorted(imported - allowed)}, which its "
        f"bundle lacks: add them to its lambdas/requirements file or import them lazily"
    )


def test_an_all_aws_function_reaches_neither_google_nor_azure() -> None:
    for function in BASE:
        chosen = ("rekognition", "dynamodb") if function == "analyze" else ("dynamodb",)
        assert not third_party_imports(function, chosen) & {"google", "azure"}
