"""Synthesize the app as app.py does, without bundling, for the infrastructure tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from stacks.build import Stacks, build
from stacks.config import TricloudConfig
from stacks.deploy_role_config import DeployRoleConfig

ROOT = Path(__file__).resolve().parents[2]
CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
DOMAIN = {
    "domain_name": "photos.example.com",
    "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
    "hosted_zone_name": "example.com",
    "account": "123456789012",
    "region": "eu-west-1",
}
GCP_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tricloud/gcp-AbC123"
COSMOS_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tricloud/cosmos-XyZ789"
VARIANT = {
    **DOMAIN,
    "alarm_email": "ops@example.com",
    "gcp_secret_arn": GCP_ARN,
    "cosmos_secret_arn": COSMOS_ARN,
    "image_expiry_days": 30,
    "api_throttle_rate_limit": 5,
    "api_throttle_burst_limit": 7,
    "dlq_max_receive_count": 5,
    "analyze_batch_size": 10,
    "analyze_batching_window_seconds": 0,
}


@dataclass(frozen=True)
class Synth:
    """One synthesized app: its stacks, the main template, and the cloud assembly dir."""

    stacks: Stacks
    template: Template
    outdir: Path

    def resources(self, resource_type: str) -> dict[str, Any]:
        """The main template's resources of one type, by logical id."""
        return dict(self.template.find_resources(resource_type))

    def only(self, resource_type: str) -> dict[str, Any]:
        """The properties of the single resource of `resource_type`."""
        found = self.resources(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
        return dict(next(iter(found.values())).get("Properties", {}))


SynthFn = Callable[..., Synth]


def synth_app(
    outdir: Path,
    web_dir: Path,
    context: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Synth:
    """Build and synthesize the app as app.py does (cdk-nag included), without bundling."""
    app = cdk.App(
        outdir=str(outdir),
        analytics_reporting=False,
        context={**CDK_CONTEXT, **(context or {}), "aws:cdk:bundling-stacks": []},
    )
    config = TricloudConfig.from_context(app.node.try_get_context)
    deploy_role = DeployRoleConfig.from_context(app.node.try_get_context)
    stacks = build(app, config, environ or {}, web_dir=web_dir, deploy_role=deploy_role)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    return Synth(stacks=stacks, template=Template.from_stack(stacks.main), outdir=outdir)
