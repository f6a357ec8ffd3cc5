"""API Gateway REST API (v1) in front of Lambda proxy integrations, as the template defines it.

:class:`Gateway` holds the route table read from the synthesized template
(:mod:`offline.stack_model`). For one request it finds the route on the raw path (as API
Gateway does: ``%2F`` inside a segment does not split it), applies the method's
authorization and request validation, and builds the proxy event; every error it makes
itself is the template's gateway response for that case (an unknown route or method is
``MISSING_AUTHENTICATION_TOKEN``, which the stack answers as a 404 JSON error).
:func:`http_response` turns the handler's answer into status, headers and body, or the 502
API Gateway gives when the answer is not a valid proxy response.

Authorization has one hook, :attr:`Gateway.authorizer`: a method whose
``AuthorizationType`` is not ``NONE`` is refused (401) unless an authorizer is installed;
the route's ``authorizer`` names its entry in :attr:`ApiSpec.authorizers` (type, identity
source, the user pools' ARNs).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl, unquote

import jsonschema

from offline.cfn import ACCOUNT_ID
from offline.stack_model import DEFAULT_STATUS, ApiSpec, GatewayResponse, Route

STAGE = "prod"
API_ID = "local"
_MESSAGE_VARIABLE = "$context.error.messageString"
_STANDARD_MESSAGES = {
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "BAD_REQUEST_BODY": "Invalid request body",
    "UNAUTHORIZED": "Unauthorized",
    "REQUEST_TOO_LARGE": "Request Too Long",
}


@dataclass(frozen=True)
class HttpResponse:
    """What the dev server sends back."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Match:
    """The route a request matched and its (decoded) path parameters."""

    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class Request:
    """One HTTP request as the gateway sees it (raw path: still percent-encoded)."""

    method: str
    raw_path: str
    query: str
    headers: Message
    body: bytes
    source_ip: str


#: Decides on a request to a method with an authorizer: None lets it through (with the
#: claims put in the event by the callable), a response refuses it.
Authorizer = Callable[[Route, Request, dict[str, Any]], "HttpResponse | None"]


def _segments_pattern(resource: str) -> re.Pattern[str]:
    parts = [
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
        for part in resource.split("/")
    ]
    return re.compile("/".join(parts))


def match_route(method: str, raw_path: str, routes: list[Route]) -> Match | None:
    """The route for ``method`` on the still-encoded ``raw_path``, or None.

    Path parameters are decoded after matching, so ``a%2Fb`` is one segment ``a/b``.
    """
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        found = _segments_pattern(route.resource).fullmatch(raw_path)
        if found:
            return Match(route, {k: unquote(v) for k, v in found.groupdict().items()})
    return None


class Gateway:
    """Routing, authorization, validation and gateway responses of one REST API."""

    def __init__(self, api: ApiSpec, authorizer: Authorizer | None = None) -> None:
        self.api = api
        self.authorizer = authorizer

    def error(self, kind: str, message: str | None = None) -> HttpResponse:
        """The gateway response of type ``kind`` (falling back to DEFAULT_4XX / DEFAULT_5XX)."""
        text = message or _STANDARD_MESSAGES.get(kind, kind.replace("_", " ").capitalize())
        response = self.api.gateway_responses.get(kind)
        status = response.status if response else _default_status(kind)
        if response is None or not response.template:
            fallback = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
            template = self.api.gateway_responses.get(
                fallback, GatewayResponse(status, "")
            ).template
        else:
            template = response.template
        if not template:
            template = '{"message": ' + _MESSAGE_VARIABLE + "}"
        body = template.replace(_MESSAGE_VARIABLE, json.dumps(text)).encode()
        return HttpResponse(status, [("Content-Type", "application/json")], body)

    def route(self, request: Request) -> tuple[Match | None, HttpResponse | None]:
        """The matched route, or the gateway's answer when the request stops here."""
        match = match_route(request.method, request.raw_path, self.api.routes)
        if match is None:
            return None, self.error("MISSING_AUTHENTICATION_TOKEN")
        return match, None

    def check(self, match: Match, request: Request, event: dict[str, Any]) -> HttpResponse | None:
        """Authorization then validation; None when the request may reach the function."""
        route = match.route
        if route.authorization_type != "NONE":
            if self.authorizer is None:
                return self.error("UNAUTHORIZED")
            refused = self.authorizer(route, request, event)
            if refused is not None:
                return refused
        if route.validate_parameters:
            missing = _missing_parameters(route, event)
            if missing:
                return self.error(
                    "BAD_REQUEST_PARAMETERS",
                    f"Missing required request parameters: [{', '.join(missing)}]",
                )
        if route.validate_body and route.models:
            content_type = (request.headers.get("Content-Type") or "application/json").split(";")[0]
            schema = route.models.get(
                content_type.strip().lower(), route.models.get("application/json")
            )
            if schema is not None and not _body_matches(request.body, schema):
                return self.error("BAD_REQUEST_BODY")
        return None


def _default_status(kind: str) -> int:
    return DEFAULT_STATUS.get(kind, 500)


def _missing_parameters(route: Route, event: dict[str, Any]) -> list[str]:
    sources = {
        "path": event.get("pathParameters") or {},
        "querystring": event.get("queryStringParameters") or {},
        "header": {k.lower(): v for k, v in (event.get("headers") or {}).items()},
    }
    missing = []
    for name, required in route.parameters.items():
        _, _, where, key = name.split(".", 3)
        present = sources.get(where, {})
        if required and (key.lower() if where == "header" else key) not in present:
            missing.append(key)
    return missing


def _body_matches(body: bytes, schema: dict[str, Any]) -> bool:
    """True when ``body`` is JSON that ``schema`` (draft 4) accepts."""
    try:
        document = json.loads(body.decode("utf-8") or "null")
        jsonschema.Draft4Validator(schema).validate(document)
    except (ValueError, RecursionError, jsonschema.ValidationError):
        return False
    return True


def proxy_event(match: Match, request: Request) -> dict[str, Any]:
    """The Lambda proxy integration event for one request."""
    pairs = parse_qsl(request.query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_query.setdefault(name, []).append(value)
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        multi_headers.setdefault(name, []).append(value)
    text, is_base64 = _body_text(request.body)
    now = time.time()
    request_id = str(uuid.uuid4())
    host = request.headers.get("Host", "127.0.0.1")
    path = unquote(request.raw_path)
    resource = match.route.resource
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, resource).hex[:6],
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{STAGE}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": STAGE,
            "domainPrefix": host.split(".")[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.headers.get("User-Agent"),
                "user": None,
            },
            "domainName": host,
            "apiId": API_ID,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def http_response(result: Any, gateway: Gateway) -> HttpResponse:
    """The HTTP answer for a handler's return value (502 when it is not a proxy response)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return bad_gateway(gateway)
    headers: list[tuple[str, str]] = []
    single: Mapping[str, Any] = result.get("headers") or {}
    multi: Mapping[str, Any] = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers += [(str(name), str(value)) for value in values]
    named = {name.lower() for name, _ in headers}
    headers += [(str(n), str(v)) for n, v in single.items() if str(n).lower() not in named]
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return HttpResponse(result["statusCode"], headers, data)


def bad_gateway(gateway: Gateway) -> HttpResponse:
    """API Gateway's 502 for a function that failed or answered badly."""
    response = gateway.error("DEFAULT_5XX", "Internal server error")
    return HttpResponse(502, response.headers, response.body)


def _body_text(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True
