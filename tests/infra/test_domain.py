"""Custom domain on and off: certificate in us-east-1, aliases, DNS records."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from stacks.config import ConfigError

from .synth import DOMAIN, Synth, SynthFn


def _viewer(synth: Synth) -> dict[str, object]:
    config = synth.only("AWS::CloudFront::Distribution")["DistributionConfig"]
    return {key: config.get(key) for key in ("Aliases", "ViewerCertificate")}


def test_without_a_domain_the_cloudfront_address_is_used(default: Synth) -> None:
    assert default.stacks.certificate is None
    assert _viewer(default) == {"Aliases": None, "ViewerCertificate": None}
    assert default.resources("AWS::Route53::RecordSet") == {}
    assert default.resources("AWS::CertificateManager::Certificate") == {}
    site_url = default.template.to_json()["Outputs"]["SiteUrl"]["Value"]
    assert site_url == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": ["SiteDistribution390DED28", "DomainName"]}]]
    }


def test_a_domain_elsewhere_gets_a_us_east_1_certificate_stack(variant: Synth) -> None:
    certificate_stack = variant.stacks.certificate
    assert certificate_stack is not None
    assert certificate_stack.region == "us-east-1"
    assert variant.stacks.main.region == "eu-west-1"
    Template.from_stack(certificate_stack).has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": "photos.example.com",
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [
                {"DomainName": "photos.example.com", "HostedZoneId": DOMAIN["hosted_zone_id"]}
            ],
        },
    )
    viewer = _viewer(variant)
    assert viewer["Aliases"] == ["photos.example.com"]
    certificate = viewer["ViewerCertificate"]
    assert isinstance(certificate, dict)
    assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["SslSupportMethod"] == "sni-only"
    assert "us-east-1" in str(certificate["AcmCertificateArn"])  # cross-region reference


def test_a_domain_gets_ipv4_and_ipv6_alias_records(variant: Synth) -> None:
    records = [r["Properties"] for r in variant.resources("AWS::Route53::RecordSet").values()]
    assert sorted(r["Type"] for r in records) == ["A", "AAAA"]
    for record in records:
        assert record["Name"] == "photos.example.com."
        assert record["HostedZoneId"] == DOMAIN["hosted_zone_id"]
        assert "AliasTarget" in record
    assert variant.template.to_json()["Outputs"]["SiteUrl"]["Value"] == "https://photos.example.com"


def test_a_domain_in_us_east_1_keeps_the_certificate_in_the_main_stack(synth: SynthFn) -> None:
    result = synth({**DOMAIN, "region": "us-east-1"})
    assert result.stacks.certificate is None
    assert len(result.resources("AWS::CertificateManager::Certificate")) == 1
    assert _viewer(result)["Aliases"] == ["photos.example.com"]


def test_a_domain_needs_a_known_region(synth: SynthFn) -> None:
    context = {key: value for key, value in DOMAIN.items() if key != "region"}
    with pytest.raises(ConfigError, match="a custom domain needs a known region"):
        synth(context)
