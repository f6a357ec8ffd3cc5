"""Each function imports only the SDKs it uses (they cost hundreds of ms of cold start each)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("azure", "google", "PIL", "aws_cdk")

EXPECTED = {
    "presign": {"azure"},  # it stores the pending document
    "list_images": {"azure"},
    "detail": {"azure"},
    "analyze": {"azure", "google", "PIL"},
}


@pytest.mark.parametrize("handler", sorted(EXPECTED))
def test_handler_imports_only_its_sdks(handler: str) -> None:
    code = (
        "import json, sys\n"
        f"import lambdas.handlers.{handler}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert set(json.loads(out.stdout)) == EXPECTED[handler]
