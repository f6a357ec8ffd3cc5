"""Pruning cdk.out keeps exactly the assets the current manifests reference."""

from __future__ import annotations

import json
from pathlib import Path

from stacks.assembly import prune_stale_assets


def test_only_unreferenced_assets_are_removed(tmp_path: Path) -> None:
    for name in ("asset.current", "asset.old", "asset.image"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.py").write_text("")
    (tmp_path / "asset.layer.zip").write_bytes(b"PK")
    (tmp_path / "asset.stale.zip").write_bytes(b"PK")
    manifest = {
        "files": {
            "a": {"source": {"path": "asset.current", "packaging": "zip"}},
            "b": {"source": {"path": "asset.layer.zip", "packaging": "file"}},
        },
        "dockerImages": {"c": {"source": {"directory": "asset.image"}}},
    }
    (tmp_path / "Tricloud.assets.json").write_text(json.dumps(manifest))
    (tmp_path / "Tricloud.template.json").write_text("{}")

    assert prune_stale_assets(tmp_path) == ["asset.old", "asset.stale.zip"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [
        "Tricloud.assets.json",
        "Tricloud.template.json",
        "asset.current",
        "asset.image",
        "asset.layer.zip",
    ]
