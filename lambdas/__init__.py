"""Runtime code of the tricloud Lambda functions (imports no aws_cdk)."""
