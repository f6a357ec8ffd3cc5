"""Secrets: created empty or imported; no value ever in a template."""

from __future__ import annotations

import json

from .synth import Synth


def test_created_secrets_have_no_value_at_all(default: Synth) -> None:
    secrets = default.resources("AWS::SecretsManager::Secret")
    assert len(secrets) == 2
    for secret in secrets.values():
        assert set(secret["Properties"]) == {"Description"}
        assert secret["DeletionPolicy"] == "RetainExceptOnCreate"


def test_imported_secrets_create_nothing(variant: Synth) -> None:
    assert variant.resources("AWS::SecretsManager::Secret") == {}


def test_no_template_contains_a_secret_value(default: Synth, variant: Synth) -> None:
    for synth in (default, variant):
        for template in synth.outdir.glob("*.template.json"):
            text = template.read_text()
            for marker in ("SecretString", "GenerateSecretString", "private_key", '"key":'):
                assert marker not in text, f"{marker} in {template.name}"
            environment = [
                json.dumps(f["Properties"].get("Environment", {}))
                for f in json.loads(text)["Resources"].values()
                if f["Type"] == "AWS::Lambda::Function"
            ]
            assert all("resolve:secretsmanager" not in env for env in environment)


def test_secret_names_are_outputs(default: Synth) -> None:
    outputs = default.template.to_json()["Outputs"]
    assert {"GcpSecretName", "CosmosSecretName", "SiteUrl", "ApiUrl"} <= set(outputs)
    assert {"UploadBucketName", "SiteBucketName"} <= set(outputs)
