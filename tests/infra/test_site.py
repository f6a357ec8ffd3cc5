"""Site: private bucket, CloudFront with OAC, security headers, /api/* to API Gateway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Annotations, Match

from .cfn import STACK_UUID, Deployment
from .synth import Synth, synth_app

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _distribution(synth: Synth) -> dict[str, Any]:
    return dict(synth.only("AWS::CloudFront::Distribution")["DistributionConfig"])


def _headers(synth: Synth) -> dict[str, Any]:
    return dict(synth.only("AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"])


def test_every_bucket_is_private_encrypted_and_ssl_only(default: Synth) -> None:
    buckets = default.resources("AWS::S3::Bucket")
    assert len(buckets) == 3  # site, uploads, access logs
    for bucket in buckets.values():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert "ServerSideEncryptionConfiguration" in properties["BucketEncryption"]
    policies = default.resources("AWS::S3::BucketPolicy").values()
    denies_plain_http = [
        policy
        for policy in policies
        if any(
            statement["Effect"] == "Deny"
            and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    assert len(denies_plain_http) == 3


def test_site_bucket_is_read_by_cloudfront_through_origin_access_control(default: Synth) -> None:
    oac = default.only("AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert oac["SigningBehavior"] == "always"
    s3_origin = next(
        origin for origin in _distribution(default)["Origins"] if "S3OriginConfig" in origin
    )
    oac_id = default.template.find_resources("AWS::CloudFront::OriginAccessControl")
    assert s3_origin["OriginAccessControlId"] == {"Fn::GetAtt": [next(iter(oac_id)), "Id"]}
    assert s3_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    default.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "s3:GetObject",
                                "Principal": {"Service": "cloudfront.amazonaws.com"},
                                "Condition": {"StringEquals": {"AWS:SourceArn": Match.any_value()}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_viewers_are_redirected_to_https(default: Synth) -> None:
    config = _distribution(default)
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    assert config["DefaultRootObject"] == "index.html"


def test_api_behaviour_forwards_to_the_stage_uncached(default: Synth) -> None:
    config = _distribution(default)
    (api,) = config["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*"
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert "POST" in api["AllowedMethods"]
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    # The origin path is "/" + the stage name taken from the API URL: /api/x -> /prod/api/x.
    assert "Fn::Select" in json.dumps(origin["OriginPath"])
    assert "ApiDeploymentStageprod" in json.dumps(origin["OriginPath"])


def test_security_headers_allow_the_camera_and_the_upload_bucket(default: Synth) -> None:
    headers = _headers(default)
    custom = {h["Header"]: h["Value"] for h in headers["CustomHeadersConfig"]["Items"]}
    assert "camera=(self)" in custom["Permissions-Policy"]
    security = headers["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    csp = json.dumps(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    deployment = Deployment("eu-west-1", resources=default.template.to_json()["Resources"])
    csp = deployment.resolve(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    bucket_origin = f"https://tricloud-uploads-{STACK_UUID[-12:]}.s3.eu-west-1.amazonaws.com"
    assert f"img-src 'self' {bucket_origin};" in csp
    assert f"connect-src 'self' {bucket_origin}" in csp
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp


def test_web_is_deployed_and_the_distribution_invalidated(default: Synth) -> None:
    deployment = default.only("Custom::CDKBucketDeployment")
    assert deployment["DistributionPaths"] == ["/*"]
    assert "DistributionId" in deployment


def test_an_empty_web_dir_skips_the_deployment_with_a_warning(tmp_path: Path) -> None:
    empty = tmp_path / "web"
    empty.mkdir()
    synth = synth_app(tmp_path / "cdk.out", empty)
    assert synth.resources("Custom::CDKBucketDeployment") == {}
    Annotations.from_stack(synth.stacks.main).has_warning(
        "/Tricloud/Site", Match.string_like_regexp("has no files: the site is not deployed")
    )
