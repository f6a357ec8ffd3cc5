"""Fixtures of the infrastructure tests: synthesized apps, shared per session."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from .synth import VARIANT, Synth, SynthFn, synth_app


@pytest.fixture(scope="session")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for web/ (its content only affects the masked asset hash)."""
    path = tmp_path_factory.mktemp("web")
    (path / "index.html").write_text("<!doctype html><title>tricloud</title>\n")
    return path


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> SynthFn:
    """Synthesize with extra context: `synth({"key": value}, environ={...})`."""

    def run(context: Mapping[str, Any] | None = None, **kwargs: Any) -> Synth:
        return synth_app(tmp_path_factory.mktemp("cdk.out"), web_dir, context, **kwargs)

    return run


@pytest.fixture(scope="session")
def default(synth: SynthFn) -> Synth:
    """The app with cdk.json's context only (no custom domain, no alarm e-mail)."""
    return synth()


@pytest.fixture(scope="session")
def variant(synth: SynthFn) -> Synth:
    """The app with every optional setting on: custom domain (eu-west-1), alarm e-mail,
    imported secrets, image expiry and non-default limits."""
    return synth(VARIANT)
