"""The main stack: composes the constructs, one per logical unit, and exports the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Annotations, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.api import Api
from stacks.auth import Auth
from stacks.bundling import REPO_ROOT
from stacks.certificate import site_certificate
from stacks.config import TricloudConfig
from stacks.functions import Functions, log_retention
from stacks.monitoring import Monitoring
from stacks.secrets import Secrets
from stacks.site import Site
from stacks.store import ImagesTable
from stacks.uploads import Uploads, s3_endpoint, upload_bucket_name, upload_origin
from stacks.usage import Usage

WEB_DIR = REPO_ROOT / "web"
ACCESS_LOG_DAYS = 90
PUBLIC_WARNING = (
    "access=public: anyone who finds the URL can upload photos (within the daily caps) and "
    "see every photo. Deploy with access=private (the default) unless that is what you want."
)


class TricloudStack(Stack):
    """Site, API, functions, upload pipeline, secrets and monitoring of tricloud."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: TricloudConfig,
        certificate: acm.ICertificate | None = None,
        web_dir: Path = WEB_DIR,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        if config.domain and certificate is None:
            # Same region as CloudFront's certificates: no separate certificate stack needed.
            certificate = site_certificate(self, config.domain)

        bucket_name = upload_bucket_name(config.stack_name)
        access_logs = self._access_logs_bucket()
        self.secrets = Secrets(self, "Secrets", config=config)
        self.images_table = ImagesTable(self, "Images") if config.store == "dynamodb" else None
        self.auth = Auth(self, "Auth", allow_signup=config.allow_signup) if config.private else None
        if self.auth is None:
            Annotations.of(self).add_warning_v2("tricloud:public-access", PUBLIC_WARNING)
        self.usage = Usage(self, "Usage")
        self.functions = Functions(
            self,
            "Functions",
            config=config,
            upload_bucket_name=bucket_name,
            s3_endpoint=s3_endpoint(),
            secrets=self.secrets,
            table=self.images_table,
            usage_table=self.usage.table,
        )
        self.api = Api(self, "Api", config=config, functions=self.functions, auth=self.auth)
        self.site = Site(
            self,
            "Site",
            api=self.api.api,
            upload_origin=upload_origin(bucket_name, s3_endpoint()),
            page_config=self._page_config(),
            auth_origin=self.auth.endpoint if self.auth else None,
            web_dir=web_dir,
            access_logs=access_logs,
            domain=config.domain,
            certificate=certificate,
            log_retention=log_retention(config.log_retention_days),
        )
        self.uploads = Uploads(
            self,
            "Uploads",
            config=config,
            bucket_name=bucket_name,
            site_origins=self.site.origins,
            analyze=self.functions.analyze,
            access_logs=access_logs,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            api=self.api.api,
            functions=self.functions.all,
            analyze=self.functions.analyze,
            queue=self.uploads.queue,
            dead_letters=self.uploads.dead_letters,
            alarm_email=config.alarm_email,
        )
        self._outputs()

    def _access_logs_bucket(self) -> s3.Bucket:
        """Where S3 server access logs and CloudFront standard logs go."""
        return s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront standard logging writes with the log-delivery ACL.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_DAYS))],
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )

    def _page_config(self) -> dict[str, str]:
        """What the page learns at load time (web/config.json): the access mode and, in private
        mode, the user pool's public identifiers. Never a secret."""
        if self.auth is None:
            return {"access": "public"}
        return {
            "access": "private",
            "region": self.region,
            "user_pool_id": self.auth.user_pool.user_pool_id,
            "client_id": self.auth.client.user_pool_client_id,
            "cognito_endpoint": self.auth.endpoint,
        }

    def _outputs(self) -> None:
        """What a person needs after `cdk deploy`."""
        outputs = {
            "SiteUrl": (self.site.url, "Open this in a browser"),
            "ApiUrl": (f"{self.site.url}/api/", "The API, through CloudFront"),
            "SiteBucketName": (self.site.bucket.bucket_name, "Static site bucket"),
            "UploadBucketName": (self.uploads.bucket.bucket_name, "Uploaded images"),
            "DeadLetterQueueUrl": (self.uploads.dead_letters.queue_url, "Uploads that failed"),
            "UsageTableName": (self.usage.table.table_name, "Daily upload counters (the cap)"),
        }
        outputs["LabelsProvider"] = (self.config.labels, "Who labels the photos")
        outputs["ImageStore"] = (self.config.store, "Where the image documents live")
        # Only the chosen providers' resources exist, so only they are outputs.
        if self.secrets.gcp is not None:
            outputs["GcpSecretName"] = (
                self.secrets.gcp.secret_name,
                "Put the GCP credentials JSON here",
            )
        if self.secrets.cosmos is not None:
            outputs["CosmosSecretName"] = (
                self.secrets.cosmos.secret_name,
                "Put the Cosmos connection here",
            )
        if self.images_table is not None:
            outputs["ImagesTableName"] = (
                self.images_table.table.table_name,
                "The DynamoDB table of image documents",
            )
        if self.auth is not None:
            outputs["UserPoolId"] = (self.auth.user_pool.user_pool_id, "Cognito user pool")
            outputs["UserPoolClientId"] = (
                self.auth.client.user_pool_client_id,
                "The page's app client (tricloud token uses it)",
            )
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
