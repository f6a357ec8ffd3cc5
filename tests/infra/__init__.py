"""Infrastructure tests: the CDK app synthesized offline."""

import os

# Silence jsii's Node end-of-life banner (as the Makefile does) before aws_cdk is imported.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
