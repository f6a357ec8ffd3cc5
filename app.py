#!/usr/bin/env python3
"""CDK entry point: read the config from context, build the stacks, run cdk-nag on them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.assembly import prune_stale_assets
from stacks.build import build
from stacks.config import ConfigError, TricloudConfig
from stacks.deploy_role_config import DeployRoleConfig


def main() -> None:
    """Synthesize the app into cdk.out/, dropping bundles of earlier builds."""
    app = cdk.App()
    try:
        config = TricloudConfig.from_context(app.node.try_get_context)
        deploy_role = DeployRoleConfig.from_context(app.node.try_get_context)
        build(app, config, os.environ, deploy_role=deploy_role)
    except ConfigError as error:
        sys.exit(f"tricloud: bad configuration: {error}")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    prune_stale_assets(Path(assembly.directory))


if __name__ == "__main__":
    main()
