"""The tricloud AWS CDK constructs and stacks (infrastructure only)."""
