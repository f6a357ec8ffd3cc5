"""Access modes: the Cognito user pool and authorizer of private mode, public mode's warning,
the daily caps' table and settings, and the page's runtime config."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .synth import Synth, SynthFn
from .test_api import _routes
from .test_functions import _functions, _statements


@pytest.fixture(scope="module")
def public(synth: SynthFn) -> Synth:
    """The app deployed with access=public."""
    return synth({"access": "public"})


def _acknowledged(synth: Synth, rule: str) -> set[str]:
    """Construct paths carrying a cdk-nag acknowledgement of `rule`."""
    metadata = json.loads((synth.outdir / "Tricloud.metadata.json").read_text())
    return {
        path
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        and f"Annotation::AwsSolutions-{rule}" in entry["data"]
    }


def _warnings(synth: Synth) -> list[str]:
    metadata = json.loads((synth.outdir / "Tricloud.metadata.json").read_text())
    return [
        str(entry["data"])
        for entries in metadata.values()
        for entry in entries
        if entry["type"] == "aws:cdk:warning"
    ]


def test_every_route_but_health_needs_a_cognito_token(default: Synth) -> None:
    (authorizer_id, authorizer), *others = default.resources("AWS::ApiGateway::Authorizer").items()
    assert not others
    properties = authorizer["Properties"]
    assert properties["Type"] == "COGNITO_USER_POOLS"
    assert properties["IdentitySource"] == "method.request.header.Authorization"
    (pool_id,) = default.resources("AWS::Cognito::UserPool")
    assert properties["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    for (method, path), route in _routes(default).items():
        if path == "/api/health":
            assert route["AuthorizationType"] == "NONE"
        else:
            assert route["AuthorizationType"] == "COGNITO_USER_POOLS", (method, path)
            assert route["AuthorizerId"] == {"Ref": authorizer_id}


def test_the_user_pool_signs_in_by_e_mail_with_a_strong_policy(default: Synth) -> None:
    pool = default.only("AWS::Cognito::UserPool")
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 3,
    }
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert pool["DeletionProtection"] == "ACTIVE"
    (resource,) = default.resources("AWS::Cognito::UserPool").values()
    assert resource["DeletionPolicy"] == "Retain"


def test_signup_is_opened_only_on_request(synth: SynthFn) -> None:
    pool = synth({"allow_signup": True}).only("AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False


def test_the_page_client_has_no_secret_and_refreshes(default: Synth) -> None:
    client = default.only("AWS::Cognito::UserPoolClient")
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert (client["IdTokenValidity"], client["TokenValidityUnits"]["IdToken"]) == (60, "minutes")


def test_the_page_learns_the_pool_from_config_json_and_may_call_cognito(default: Synth) -> None:
    deployment = default.only("Custom::CDKBucketDeployment")
    assert len(deployment["SourceObjectKeys"]) == 2  # web/ and config.json
    markers = json.dumps(deployment.get("SourceMarkers", []))
    assert "UserPoolClient" in markers or "Auth" in markers
    csp = json.dumps(default.only("AWS::CloudFront::ResponseHeadersPolicy"))
    assert "connect-src 'self' https://" in csp
    assert "https://cognito-idp." in csp


def test_private_mode_acknowledges_no_authorizer_finding_but_health(default: Synth) -> None:
    for rule in ("COG4", "APIG4"):
        assert _acknowledged(default, rule) == {"/Tricloud/Api/Api/Default/api/health/GET"}
    assert not [w for w in _warnings(default) if "access=public" in w]


def test_public_mode_has_no_sign_in_and_warns(public: Synth) -> None:
    assert not public.resources("AWS::Cognito::UserPool")
    assert not public.resources("AWS::ApiGateway::Authorizer")
    assert {route["AuthorizationType"] for route in _routes(public).values()} == {"NONE"}
    assert _acknowledged(public, "COG4") == {"/Tricloud/Api"}
    assert [w for w in _warnings(public) if "access=public" in w]
    functions = _functions(public)
    assert {f["Environment"]["Variables"]["ACCESS_MODE"] for f in functions.values()} == {"public"}
    csp = json.dumps(public.only("AWS::CloudFront::ResponseHeadersPolicy"))
    assert "cognito-idp" not in csp


def test_the_cap_counters_are_an_on_demand_table_with_ttl(default: Synth) -> None:
    table = default.only("AWS::DynamoDB::Table")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_presign_gets_the_caps_and_may_only_update_counters(synth: SynthFn) -> None:
    capped = synth({"daily_image_limit": 50, "daily_image_limit_per_user": 5})
    presign = _functions(capped)["presign"]
    env = presign["Environment"]["Variables"]
    assert (env["DAILY_IMAGE_LIMIT"], env["DAILY_IMAGE_LIMIT_PER_USER"]) == ("50", "5")
    (table_id,) = capped.resources("AWS::DynamoDB::Table")
    assert env["USAGE_TABLE"] == {"Ref": table_id}
    dynamo: list[dict[str, Any]] = [
        s for s in _statements(capped, presign) if "dynamodb" in json.dumps(s["Action"])
    ]
    assert dynamo == [
        {
            "Action": "dynamodb:UpdateItem",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
        }
    ]
    for name, function in _functions(capped).items():
        if name != "presign":
            assert not [
                s for s in _statements(capped, function) if "dynamodb" in json.dumps(s["Action"])
            ]


def test_public_mode_leaves_no_finding_unacknowledged_but_its_own_warning(public: Synth) -> None:
    report = json.loads((public.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert [v["ruleName"] for v in violations] == ["Annotation::tricloud:public-access"]
