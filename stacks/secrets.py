"""The two Secrets Manager secrets: GCP credentials and the Cosmos DB connection.

Each is created empty (its value is put later with `tricloud secrets ...`, never through the
template) or imported by its ARN from context.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct


class Secrets(Construct):
    """The GCP credentials secret and the Cosmos DB connection secret."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        gcp_secret_arn: str | None,
        cosmos_secret_arn: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.gcp = self._secret(
            "GcpCredentials",
            gcp_secret_arn,
            "tricloud: Google Cloud credentials JSON (service_account key or external_account)",
        )
        self.cosmos = self._secret(
            "CosmosConnection",
            cosmos_secret_arn,
            'tricloud: Cosmos DB {"endpoint", "key", "database", "container"}',
        )

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
