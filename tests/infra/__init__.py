"""Infrastructure tests: the CDK app synthesized offline."""
