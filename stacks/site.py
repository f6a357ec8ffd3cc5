"""The site: private S3 bucket behind CloudFront (OAC), security headers, `/api/*` to the API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.certificate import hosted_zone
from stacks.config import DomainConfig
from stacks.csp import content_security_policy

HSTS_MAX_AGE = Duration.days(730)
#: The page's runtime settings, written next to index.html (the dev server serves the same).
PAGE_CONFIG_FILE = "config.json"


class Site(Construct):
    """Static site bucket, CloudFront distribution and the deployment of `web/`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        upload_origin: str,
        page_config: Mapping[str, str],
        web_dir: Path,
        access_logs: s3.IBucket,
        domain: DomainConfig | None = None,
        certificate: acm.ICertificate | None = None,
        auth_origin: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="site-bucket/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        headers = self._headers(upload_origin, auth_origin)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="tricloud site and /api",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            # Only settable with an own certificate; the default one is fixed at TLSv1.
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None
            ),
            domain_names=[domain.domain_name] if domain else None,
            certificate=certificate,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix="cloudfront/",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    # Origin path /<stage>: /api/x reaches resource /api/x of the stage.
                    origin=origins.RestApiOrigin(api),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    # API Gateway answers 403 when it receives the viewer's Host header.
                    origin_request_policy=(
                        cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
                    ),
                    response_headers_policy=headers,
                )
            },
        )
        self.url = f"https://{domain.domain_name if domain else self.distribution.domain_name}"
        self.origins = [f"https://{self.distribution.domain_name}"]
        if domain:
            self.origins.append(f"https://{domain.domain_name}")
            self._alias_records(domain)
        self._deploy(web_dir, page_config)

    def _headers(
        self, upload_origin: str, auth_origin: str | None
    ) -> cloudfront.ResponseHeadersPolicy:
        """Security headers on every response, including a camera-friendly CSP."""
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="tricloud security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(upload_origin, auth_origin),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(self), microphone=(), geolocation=()",
                        override=True,
                    ),
                    cloudfront.ResponseCustomHeader(
                        header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                    ),
                ]
            ),
        )

    def _alias_records(self, domain: DomainConfig) -> None:
        """IPv4 and IPv6 alias records of the custom domain to the distribution."""
        zone = hosted_zone(self, domain)
        target = route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution))
        route53.ARecord(self, "AliasV4", zone=zone, record_name=domain.domain_name, target=target)
        route53.AaaaRecord(
            self, "AliasV6", zone=zone, record_name=domain.domain_name, target=target
        )

    def _deploy(self, web_dir: Path, page_config: Mapping[str, str]) -> None:
        """Upload `web/` plus `config.json` (the page's runtime settings) and invalidate the
        distribution; warn instead when `web/` is empty."""
        if not web_dir.is_dir() or not any(path.is_file() for path in web_dir.rglob("*")):
            Annotations.of(self).add_warning_v2(
                "tricloud:empty-web", f"{web_dir} has no files: the site is not deployed"
            )
            return
        s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[
                s3deploy.Source.asset(str(web_dir)),
                s3deploy.Source.json_data(PAGE_CONFIG_FILE, dict(page_config)),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
        )
