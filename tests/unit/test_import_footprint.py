"""Each function imports only the SDKs of the providers it is configured with (they cost
hundreds of ms of cold start each): the handler module, then the adapters its getters build."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("azure", "google", "PIL", "aws_cdk")
FUNCTIONS = ("presign", "analyze", "list_images", "detail")
COMBINATIONS = [
    (labels, store)
    for labels in ("google-vision", "rekognition")
    for store in ("cosmos", "dynamodb")
]
# Settings the adapters' configuration needs; nothing is contacted while they are built.
ENV = {
    "COSMOS_SECRET_ID": "cosmos",
    "IMAGES_TABLE": "images",
    "VISION_API_ENDPOINT": "http://127.0.0.1:9",
    "AWS_REGION": "us-east-1",
}


def expected(function: str, labels: str, store: str) -> set[str]:
    sdks = {"azure"} if store == "cosmos" else set()
    if function == "analyze":
        sdks.add("PIL")
        if labels == "google-vision":
            sdks.add("google")
    return sdks


# Only analyze builds a labeller: the others vary with the store alone.
CASES = [
    (function, labels, store)
    for function in FUNCTIONS
    for labels, store in COMBINATIONS
    if function == "analyze" or labels == "google-vision"
]


@pytest.mark.parametrize(("function", "labels", "store"), CASES)
def test_function_imports_only_its_providers_sdks(function: str, labels: str, store: str) -> None:
    builds = "providers.image_store()"
    if function == "analyze":
        builds += "; providers.labeller()"
    code = (
        "import json, sys\n"
        f"import lambdas.handlers.{function}\n"
        "from lambdas import providers\n"
        f"{builds}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    env = {**ENV, "IMAGE_STORE": store, "LABELS_PROVIDER": labels, "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert set(json.loads(out.stdout)) == expected(function, labels, store)
