#!/usr/bin/env python3
"""CDK entry point: read the config from context, build the stacks, run cdk-nag on them."""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.build import build
from stacks.config import TricloudConfig


def main() -> None:
    """Synthesize the app into cdk.out/."""
    app = cdk.App()
    config = TricloudConfig.from_context(app.node.try_get_context)
    build(app, config, os.environ)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
