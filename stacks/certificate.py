"""The ACM certificate CloudFront needs for a custom domain; CloudFront only reads us-east-1."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct

from stacks.config import DomainConfig


def hosted_zone(scope: Construct, domain: DomainConfig) -> route53.IHostedZone:
    """The existing Route 53 zone, from context (a lookup would need AWS credentials)."""
    return route53.HostedZone.from_hosted_zone_attributes(
        scope, "Zone", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.hosted_zone_name
    )


def site_certificate(scope: Construct, domain: DomainConfig) -> acm.ICertificate:
    """A DNS-validated certificate for the site's domain (create it in us-east-1)."""
    return acm.Certificate(
        scope,
        "SiteCertificate",
        domain_name=domain.domain_name,
        validation=acm.CertificateValidation.from_dns(hosted_zone(scope, domain)),
    )


class CertificateStack(Stack):
    """A small us-east-1 stack holding the site certificate, referenced across regions."""

    def __init__(
        self, scope: Construct, construct_id: str, *, domain: DomainConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, cross_region_references=True, **kwargs)
        self.certificate = site_certificate(self, domain)
