"""Snapshot of the synthesized main template, with volatile asset hashes masked."""

from __future__ import annotations

import re
from typing import Any

from syrupy.assertion import SnapshotAssertion

from .synth import Synth

ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def _mask(value: Any) -> Any:
    """Replace asset hashes (they change with any code or dependency change)."""
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    if isinstance(value, list):
        return [_mask(item) for item in value]
    if isinstance(value, dict):
        return {_mask(key): _mask(item) for key, item in value.items()}
    return value


def test_template_snapshot(default: Synth, snapshot: SnapshotAssertion) -> None:
    assert _mask(default.template.to_json()) == snapshot
