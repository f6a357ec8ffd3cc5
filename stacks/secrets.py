"""The Secrets Manager secrets of the chosen providers, and nothing for the others.

- GCP credentials (labels=google-vision) and the Cosmos DB connection (store=cosmos): each is
  created empty (its value is put later with `tricloud secrets ...`, never through the
  template) or imported by its ARN from context.
- The gallery cursor key (store=dynamodb): random bytes CloudFormation generates inside
  Secrets Manager; nobody ever sees or sets them. (With Cosmos DB the cursor key is derived
  from the Cosmos key instead.)
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import TricloudConfig

CURSOR_KEY_LENGTH = 64


class Secrets(Construct):
    """The secrets the configured providers need (None for a provider not chosen)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: TricloudConfig) -> None:
        super().__init__(scope, construct_id)
        self.gcp: secretsmanager.ISecret | None = None
        self.cosmos: secretsmanager.ISecret | None = None
        self.cursor_key: secretsmanager.Secret | None = None
        if config.uses_gcp:
            self.gcp = self._secret(
                "GcpCredentials",
                config.gcp_secret_arn,
                "tricloud: Google Cloud credentials JSON (service_account key or external_account)",
            )
        if config.uses_cosmos:
            self.cosmos = self._secret(
                "CosmosConnection",
                config.cosmos_secret_arn,
                'tricloud: Cosmos DB {"endpoint", "key", "database", "container"}',
            )
        else:
            self.cursor_key = secretsmanager.Secret(
                self,
                "CursorKey",
                description="tricloud: key that signs gallery cursors (generated, never shown)",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=CURSOR_KEY_LENGTH, exclude_punctuation=True
                ),
                removal_policy=RemovalPolicy.DESTROY,
            )

    @property
    def provider_secrets(self) -> tuple[secretsmanager.ISecret, ...]:
        """The third-party credential secrets in use (filled with `tricloud secrets`)."""
        return tuple(s for s in (self.gcp, self.cosmos) if s is not None)

    def _secret(
        self, construct_id: str, arn: str | None, description: str
    ) -> secretsmanager.ISecret:
        """Import the secret by ARN, or create it without any value."""
        if arn:
            return secretsmanager.Secret.from_secret_complete_arn(self, construct_id, arn)
        secret = secretsmanager.Secret(
            self,
            construct_id,
            description=description,
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        # Without GenerateSecretString and SecretString, CloudFormation creates an empty secret:
        # no value, not even a generated one, is ever part of the template or the deployment.
        cfn_secret = secret.node.default_child
        assert isinstance(cfn_secret, secretsmanager.CfnSecret)
        cfn_secret.add_property_deletion_override("GenerateSecretString")
        return secret
