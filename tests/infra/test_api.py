"""API: the routes under /api, validation, throttling, logs, tracing, no CORS."""

from __future__ import annotations

from typing import Any

from .synth import Synth


def _paths(synth: Synth) -> dict[str, str]:
    """Full resource path of each API Gateway resource, by logical id."""
    resources = synth.resources("AWS::ApiGateway::Resource")
    parents: dict[str, tuple[str | None, str]] = {
        logical_id: (
            resource["Properties"]["ParentId"].get("Ref"),
            resource["Properties"]["PathPart"],
        )
        for logical_id, resource in resources.items()
    }

    def full(logical_id: str) -> str:
        parent, part = parents[logical_id]
        prefix = full(parent) if parent in parents else ""
        return f"{prefix}/{part}"

    return {logical_id: full(logical_id) for logical_id in parents}


def _routes(synth: Synth) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _paths(synth)
    return {
        (m["Properties"]["HttpMethod"], paths[m["Properties"]["ResourceId"]["Ref"]]): m[
            "Properties"
        ]
        for m in synth.resources("AWS::ApiGateway::Method").values()
    }


def _target(method: dict[str, Any]) -> str:
    parts = method["Integration"]["Uri"]["Fn::Join"][1]
    return str(next(p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict) and "Fn::GetAtt" in p))


def test_routes_match_the_design_and_their_functions(default: Synth) -> None:
    routes = _routes(default)
    assert set(routes) == {
        ("GET", "/api/health"),
        ("POST", "/api/uploads"),
        ("GET", "/api/images"),
        ("GET", "/api/images/{id}"),
        ("DELETE", "/api/images/{id}"),
    }
    assert _target(routes["GET", "/api/health"]).startswith("FunctionsPresign")
    assert _target(routes["POST", "/api/uploads"]).startswith("FunctionsPresign")
    assert _target(routes["GET", "/api/images"]).startswith("FunctionsListImages")
    assert _target(routes["GET", "/api/images/{id}"]).startswith("FunctionsDetail")
    assert _target(routes["DELETE", "/api/images/{id}"]).startswith("FunctionsDetail")
    for method in routes.values():
        assert method["Integration"]["Type"] == "AWS_PROXY"


def test_no_cors_preflight_methods(default: Synth) -> None:
    assert all(method != "OPTIONS" for method, _ in _routes(default))


def test_upload_body_is_validated_against_the_design_schema(default: Synth) -> None:
    uploads = _routes(default)["POST", "/api/uploads"]
    assert "RequestValidatorId" in uploads
    validator = default.only("AWS::ApiGateway::RequestValidator")
    assert validator["ValidateRequestBody"] is True
    assert validator["ValidateRequestParameters"] is True
    schema = default.only("AWS::ApiGateway::Model")["Schema"]
    assert schema["required"] == ["content_type", "size"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["content_type"]["enum"] == ["image/jpeg", "image/png", "image/webp"]
    assert schema["properties"]["size"] == {"type": "integer", "minimum": 1, "maximum": 10485760}


def test_query_and_path_parameters_are_declared(default: Synth) -> None:
    routes = _routes(default)
    assert routes["GET", "/api/images"]["RequestParameters"] == {
        "method.request.querystring.limit": False,
        "method.request.querystring.cursor": False,
        "method.request.querystring.label": False,
    }
    for method in ("GET", "DELETE"):
        assert routes[method, "/api/images/{id}"]["RequestParameters"] == {
            "method.request.path.id": True
        }


def test_stage_is_throttled_logged_and_traced(default: Synth) -> None:
    stage = default.only("AWS::ApiGateway::Stage")
    assert stage["StageName"] == "prod"
    assert stage["TracingEnabled"] is True
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 20
    assert settings["ThrottlingBurstLimit"] == 40
    assert settings["DataTraceEnabled"] is False
    assert "$context.requestId" in stage["AccessLogSetting"]["Format"]
    assert default.only("AWS::ApiGateway::RestApi")["EndpointConfiguration"]["Types"] == [
        "REGIONAL"
    ]


def test_gateway_errors_use_the_api_error_shape(default: Synth) -> None:
    responses = default.resources("AWS::ApiGateway::GatewayResponse").values()
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses}
    assert set(by_type) == {
        "BAD_REQUEST_BODY",
        "BAD_REQUEST_PARAMETERS",
        "MISSING_AUTHENTICATION_TOKEN",
        "THROTTLED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "UNAUTHORIZED",
        "EXPIRED_TOKEN",
        "ACCESS_DENIED",
    }
    template = by_type["BAD_REQUEST_BODY"]["ResponseTemplates"]["application/json"]
    assert template == (
        '{"error": {"code": "invalid_request", "message": $context.error.messageString}}'
    )


def test_an_unknown_route_is_a_404(default: Synth) -> None:
    responses = default.resources("AWS::ApiGateway::GatewayResponse").values()
    (missing,) = [
        r["Properties"]
        for r in responses
        if r["Properties"]["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN"
    ]
    assert missing["StatusCode"] == "404"
    assert '"code": "not_found"' in missing["ResponseTemplates"]["application/json"]


def test_throttling_comes_from_context(variant: Synth) -> None:
    (settings,) = variant.only("AWS::ApiGateway::Stage")["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (5, 7)
