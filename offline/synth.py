"""The CDK app's main stack as a CloudFormation template, synthesized without bundling.

What the offline stack runs is read from this template (:mod:`offline.stack_model`), so it
follows every change to ``stacks/``. A synth without bundling (context
``aws:cdk:bundling-stacks = []``, no cdk-nag) takes a few seconds; its result is cached
under ``build/offline-template/`` by a hash of its inputs (``stacks/``, ``app.py``,
``cdk.json`` and the settings passed), so a repeated ``tricloud demo`` reads a file.

``python -m offline.synth OUT [--context JSON]`` writes the template to ``OUT``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO_ROOT / "build" / "offline-template"
#: Synth without bundling: no stack's assets are bundled (the functions run from lambdas/).
NO_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}
_SYNTH_TIMEOUT_SECONDS = 300


class SynthError(RuntimeError):
    """The CDK app did not synthesize; the message quotes its output."""


def template_inputs(repo_root: Path = REPO_ROOT) -> list[Path]:
    """The files a synth reads from the repository: stacks/, app.py, cdk.json."""
    stacks = sorted(
        path
        for path in (repo_root / "stacks").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    return [*stacks, repo_root / "app.py", repo_root / "cdk.json"]


def inputs_digest(settings: Mapping[str, Any], repo_root: Path = REPO_ROOT) -> str:
    """A hash of every synth input and of ``settings`` (extra CDK context)."""
    digest = hashlib.sha256()
    for path in template_inputs(repo_root):
        digest.update(str(path.relative_to(repo_root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(json.dumps(dict(settings), sort_keys=True).encode())
    return digest.hexdigest()[:32]


def synthesized_template(
    settings: Mapping[str, Any] | None = None,
    *,
    cache_dir: Path = CACHE_DIR,
    repo_root: Path = REPO_ROOT,
) -> dict[str, Any]:
    """The main stack's template for these settings (CDK context over ``cdk.json``'s).

    Read from the cache when the inputs did not change; otherwise synthesized in a child
    process (jsii starts a Node runtime that should not outlive the synth) and cached.
    """
    settings = dict(settings or {})
    cached = cache_dir / f"{inputs_digest(settings, repo_root)}.json"
    if cached.is_file():
        template: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
        return template
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="synth-", dir=cache_dir) as work:
        out = Path(work) / "template.json"
        command = [sys.executable, "-m", "offline.synth", str(out)]
        command += ["--context", json.dumps(settings)]
        done = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
            command,
            cwd=repo_root,
            capture_output=True,
            text=True,
            timeout=_SYNTH_TIMEOUT_SECONDS,
            env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1"},
            check=False,
        )
        if done.returncode != 0:
            raise SynthError(f"cdk synth (no bundling) failed:\n{done.stderr[-3000:]}")
        out.replace(cached)
    template = json.loads(cached.read_text(encoding="utf-8"))
    return template


def synth(context: Mapping[str, Any], repo_root: Path = REPO_ROOT) -> dict[str, Any]:
    """Synthesize the app in this process; return the main stack's template."""
    import aws_cdk as cdk  # noqa: PLC0415 (only the synth child process needs the CDK)

    from stacks.build import build  # noqa: PLC0415
    from stacks.config import TricloudConfig  # noqa: PLC0415

    cdk_json = json.loads((repo_root / "cdk.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="cdk-out-") as outdir:
        app = cdk.App(
            context={**cdk_json.get("context", {}), **context, **NO_BUNDLING}, outdir=outdir
        )
        config = TricloudConfig.from_context(app.node.try_get_context)
        stacks = build(app, config, {})
        assembly = app.synth()
        template: dict[str, Any] = assembly.get_stack_by_name(stacks.main.stack_name).template
    return template


def main(argv: Sequence[str] | None = None) -> int:
    """Write the main stack's template to OUT."""
    parser = argparse.ArgumentParser(prog="python -m offline.synth", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--context", default="{}", help="JSON object of CDK context values")
    args = parser.parse_args(argv)
    template = synth(json.loads(args.context))
    args.out.write_text(json.dumps(template), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
