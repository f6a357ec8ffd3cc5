"""API Gateway REST API (v1) Lambda proxy integration, as the dev server needs it.

:func:`match_route` finds the resource for a method and path (the routes of
``stacks/api.py``), :func:`proxy_event` builds the event the integration sends, and
:func:`http_response` turns the handler's answer into status, headers and body — or the
502 API Gateway gives when the answer is not a valid proxy response.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl

from offline.lambda_runtime import ACCOUNT_ID

STAGE = "prod"
API_ID = "local"


@dataclass(frozen=True)
class Route:
    """One method on one API resource, served by one function."""

    method: str
    resource: str
    function: str

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when ``method path`` is this route, else None."""
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.resource))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


#: The API of stacks/api.py: route → function (presign, list_images, detail).
ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/health", "presign"),
    Route("POST", "/api/uploads", "presign"),
    Route("GET", "/api/images", "list_images"),
    Route("GET", "/api/images/{id}", "detail"),
    Route("DELETE", "/api/images/{id}", "detail"),
)
#: Routes API Gateway serves without the Cognito authorizer (stacks/api.py).
OPEN_RESOURCES = frozenset({"/api/health"})


@dataclass(frozen=True)
class Match:
    """The route a request matched and its path parameters."""

    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class HttpResponse:
    """What the dev server sends back."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def match_route(method: str, path: str, routes: tuple[Route, ...] = ROUTES) -> Match | None:
    """The matching route, or None (API Gateway then answers 403 Missing Authentication Token)."""
    for route in routes:
        parameters = route.match(method, path)
        if parameters is not None:
            return Match(route, parameters)
    return None


def proxy_event(
    match: Match,
    *,
    method: str,
    path: str,
    query: str,
    headers: Message,
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """The Lambda proxy integration event for one request."""
    pairs = parse_qsl(query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_query.setdefault(name, []).append(value)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers.items():
        multi_headers.setdefault(name, []).append(value)
    text, is_base64 = _body_text(body)
    now = time.time()
    request_id = str(uuid.uuid4())
    host = headers.get("Host", "127.0.0.1")
    return {
        "resource": match.route.resource,
        "path": path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, match.route.resource).hex[:6],
            "resourcePath": match.route.resource,
            "httpMethod": method,
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
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": headers.get("User-Agent"),
                "user": None,
            },
            "domainName": host,
            "apiId": API_ID,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def http_response(result: Any) -> HttpResponse:
    """The HTTP answer for a handler's return value (502 when it is not a proxy response)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return gateway_error(502, "gateway_error", "Internal server error")
    headers: list[tuple[str, str]] = []
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers += [(str(name), str(value)) for value in values]
    named = {name.lower() for name, _ in headers}
    headers += [(str(n), str(v)) for n, v in single.items() if str(n).lower() not in named]
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return HttpResponse(result["statusCode"], headers, data)


def gateway_error(status: int, code: str, message: str) -> HttpResponse:
    """An error API Gateway makes itself, in the API's error shape (see stacks/api.py)."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def _body_text(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True
