"""Housekeeping of the cloud assembly (cdk.out) after synthesis.

Every change to `lambdas/` gives each function a new bundle (up to ~70 MiB) in `cdk.out`, and
CDK never removes the old ones. Pruning what the current assembly no longer references keeps
`cdk.out` at the size of one build.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def referenced_assets(outdir: Path) -> set[str]:
    """Names of the `asset.*` entries the assembly's asset manifests point to."""
    names: set[str] = set()
    for manifest in outdir.glob("*.assets.json"):
        content = json.loads(manifest.read_text())
        for asset in content.get("files", {}).values():
            names.add(Path(asset["source"]["path"]).name)
        for image in content.get("dockerImages", {}).values():
            names.add(Path(image["source"]["directory"]).name)
    return names


def prune_stale_assets(outdir: Path) -> list[str]:
    """Delete `asset.*` files and directories no manifest references; return their names."""
    keep = referenced_assets(outdir)
    removed = []
    for entry in sorted(outdir.glob("asset.*")):
        if entry.name in keep:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry.name)
    return removed
