"""Rules for the page's source: no HTML built from strings, nothing inline that a CSP blocks."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
SCRIPTS = sorted((WEB / "js").glob("*.js"))
PAGES = sorted(WEB.glob("*.html"))

# Sinks that parse strings as HTML or code, and style writes a strict CSP blocks.
FORBIDDEN_IN_JS = {
    "innerHTML": r"\binnerHTML\b",
    "outerHTML": r"\bouterHTML\b",
    "insertAdjacentHTML": r"\binsertAdjacentHTML\b",
    "document.write": r"\bdocument\.write",
    "eval": r"\beval\s*\(",
    "new Function": r"\bnew Function\b",
    "string setTimeout": r"setTimeout\(\s*[\"'`]",
    "style attribute": r"setAttribute\(\s*[\"']style[\"']",
    "style.cssText": r"\.cssText\b",
    "createContextualFragment": r"createContextualFragment",
}
FORBIDDEN_IN_HTML = {
    "style attribute": r"\sstyle\s*=",
    "<style> element": r"<style[\s>]",
    "inline event handler": r"\son[a-z]+\s*=",
    "inline script": r"<script(?![^>]*\bsrc=)[^>]*>",
    "javascript: URL": r"javascript:",
}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_are_valid_es_modules(script: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed (it also runs the CDK CLI)"
    checked = subprocess.run(
        [node, "--check", "--input-type=module"],
        input=script.read_bytes(),
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr.decode()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_build_html_from_strings(script: Path) -> None:
    source = script.read_text()
    found = [name for name, pattern in FORBIDDEN_IN_JS.items() if re.search(pattern, source)]
    assert found == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_html_has_nothing_inline(page: Path) -> None:
    source = page.read_text()
    found = [name for name, pattern in FORBIDDEN_IN_HTML.items() if re.search(pattern, source)]
    assert found == []


def test_every_module_is_used() -> None:
    """Every module is imported by another one, or is the entry point the page loads."""
    page = (WEB / "index.html").read_text()
    entry = re.findall(r'<script type="module" src="js/([\w-]+\.js)">', page)
    imports = r'from "\./([\w-]+\.js)"'
    imported = {name for script in SCRIPTS for name in re.findall(imports, script.read_text())}
    assert entry == ["main.js"]
    assert {script.name for script in SCRIPTS} == imported | {"main.js"}
