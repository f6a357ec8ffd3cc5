"""The dev server is API Gateway as the template defines it, and serves web/ (in-process server).

Routes, validation and gateway responses come from the synthesized template; every bad
request gets a JSON 4xx with the security headers, never a traceback or a dropped
connection.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from offline.apigateway import Gateway
from offline.devserver import DevServer
from offline.lambda_runtime import FunctionHost
from offline.service import serving_in_thread
from offline.stack_model import ApiSpec, read_api, read_site
from offline.synth import synthesized_template
from stacks.csp import content_security_policy

UPLOAD_ORIGIN = "http://127.0.0.1:4566"


@dataclass
class Recorder:
    """A handler that records its events and routes them with Powertools, like ours."""

    events: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        if self.fail:
            raise RuntimeError("handler crashed")
        app = APIGatewayRestResolver()

        @app.get("/api/images/<image_id>")
        def detail(image_id: str) -> dict[str, Any]:
            return {"id": image_id, "request_id": context.aws_request_id}

        @app.post("/api/uploads")
        def upload() -> tuple[dict[str, Any], int]:
            return {"echo": app.current_event.json_body}, 201

        return app.resolve(event, context)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def api() -> ApiSpec:
    """The public-mode template's API (the gateway's mechanics; the Cognito authorizer of
    private mode is tests/offline/test_cognito.py's)."""
    return read_api(synthesized_template({"access": "public"}))


@pytest.fixture
def base_url(recorder: Recorder, tmp_path: Path, api: ApiSpec) -> Iterator[str]:
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("export {};")
    (tmp_path.parent / "secret.txt").write_text("outside web root")
    hosts = {name: FunctionHost(name, recorder) for name in ("presign", "list_images", "detail")}
    server = DevServer(
        ("127.0.0.1", 0), hosts, tmp_path, UPLOAD_ORIGIN, gateway=Gateway(api), request_timeout=1
    )
    with serving_in_thread(server) as url:
        yield url


def test_get_with_path_and_query_parameters_is_a_rest_proxy_event(
    base_url: str, recorder: Recorder
) -> None:
    answer = requests.get(
        f"{base_url}/api/images/abc-123?label=tabby%20cat&x=1&x=2",
        headers={"X-Trace": "t1"},
        timeout=10,
    )
    assert answer.status_code == 200
    (event,) = recorder.events
    assert answer.json() == {"id": "abc-123", "request_id": answer.json()["request_id"]}
    assert event["resource"] == "/api/images/{id}"
    assert event["path"] == "/api/images/abc-123"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "abc-123"}
    assert event["queryStringParameters"] == {"label": "tabby cat", "x": "2"}
    assert event["multiValueQueryStringParameters"] == {"label": ["tabby cat"], "x": ["1", "2"]}
    assert event["headers"]["X-Trace"] == "t1"
    assert event["multiValueHeaders"]["X-Trace"] == ["t1"]
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["resourcePath"] == "/api/images/{id}"
    assert context["stage"] == "prod"
    assert context["path"] == "/prod/api/images/abc-123"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    typed = APIGatewayProxyEvent(event)
    assert typed.request_context.request_id == context["requestId"]
    assert typed.get_multi_value_query_string_values("x") == ["1", "2"]


def test_post_body_and_status_pass_through(base_url: str, recorder: Recorder) -> None:
    body = {"content_type": "image/jpeg", "size": 3}
    answer = requests.post(f"{base_url}/api/uploads", json=body, timeout=10)
    assert answer.status_code == 201
    assert answer.json() == {"echo": body}
    assert answer.headers["Content-Type"] == "application/json"
    (event,) = recorder.events
    assert json.loads(event["body"]) == body
    assert event["queryStringParameters"] is None
    assert event["pathParameters"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nothing"),
        ("PUT", "/api/images/1"),
        ("OPTIONS", "/api/images"),
        ("TRACE", "/api/images"),
        ("BREW", "/api/health"),
        ("GET", "/api/images/a/b"),
    ],
)
def test_unknown_routes_and_methods_get_the_stacks_404(
    base_url: str, recorder: Recorder, method: str, path: str
) -> None:
    # The stack maps MISSING_AUTHENTICATION_TOKEN (API Gateway's answer for a route or
    # method it does not have) to a 404 in the API's error shape.
    answer = requests.request(method, base_url + path, timeout=10)
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {"code": "not_found", "message": "Missing Authentication Token"}
    }
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert recorder.events == []


def test_an_encoded_slash_stays_inside_its_path_segment(base_url: str, recorder: Recorder) -> None:
    # Routed as one segment to GET /api/images/{id} (the function itself then decides).
    requests.get(f"{base_url}/api/images/a%2Fb", timeout=10)
    (event,) = recorder.events
    assert event["resource"] == "/api/images/{id}"
    assert event["pathParameters"] == {"id": "a/b"}


def test_the_template_model_validates_the_upload_body(base_url: str, recorder: Recorder) -> None:
    bad = [
        b'{"content_type": "image/gif", "size": 3}',
        b'{"content_type": "image/jpeg"}',
        b"not json",
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's recursion limit
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    ]
    for body in bad:
        answer = requests.post(
            f"{base_url}/api/uploads",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 400, body[:40]
        assert answer.json() == {
            "error": {"code": "invalid_request", "message": "Invalid request body"}
        }
    assert recorder.events == []


def _raw(base_url: str, request: bytes) -> tuple[int, dict[str, str], Any]:
    """Send ``request`` as bytes on a new connection; the status, headers and JSON body."""
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /api/uploads HTTP/1.1\r\nContent-Length: -1\r\n\r\nxx", 400),
        (b"POST /api/uploads HTTP/1.1\r\nContent-Length: 12abc\r\n\r\nxx", 400),
        (b"POST /api/uploads HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413),
        (b"POST /api/uploads HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
        (b"GET /api/images/\x00 HTTP/1.1\r\n\r\n", 400),
        (b"GET /index.html\x00.js HTTP/1.1\r\n\r\n", 400),
        (b"GET /api/images/%00 HTTP/1.1\r\n\r\n", 400),
        (b"GET /%00 HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"NOT A REQUEST\r\n\r\n", 400),
    ],
)
def test_malformed_requests_get_a_json_error_with_the_security_headers(
    base_url: str,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
    request_bytes: bytes,
    status: int,
) -> None:
    answer_status, headers, body = _raw(base_url, request_bytes)
    assert answer_status == status
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Frame-Options"] == "DENY"
    assert set(body["error"]) == {"code", "message"}
    assert recorder.events == []
    assert not [record for record in caplog.records if record.exc_info]


def test_a_client_that_stalls_is_disconnected(base_url: str) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /api/uploads HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        # The server's socket timeout (1 s here) ends the connection: recv sees EOF.
        assert sock.recv(65536) == b""


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("TRACE", "/api/images", 403),  # not in the /api/* behavior's methods
        ("BREW", "/api/health", 403),
        ("POST", "/index.html", 403),  # the default behavior: GET and HEAD
        ("OPTIONS", "/", 403),
        ("OPTIONS", "/api/images", 404),  # let through: API Gateway has no such method
        ("GET", "/", 200),
    ],
)
def test_the_distributions_behaviors_refuse_methods_before_the_api(
    stack_template: dict[str, Any],
    recorder: Recorder,
    tmp_path: Path,
    method: str,
    path: str,
    status: int,
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    hosts = {name: FunctionHost(name, recorder) for name in ("presign", "list_images", "detail")}
    server = DevServer(
        ("127.0.0.1", 0),
        hosts,
        tmp_path,
        UPLOAD_ORIGIN,
        gateway=Gateway(read_api(stack_template)),
        site=read_site(stack_template),
    )
    with serving_in_thread(server) as url:
        answer = requests.request(method, url + path, timeout=10)
    assert answer.status_code == status
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    if status != 200:
        assert set(answer.json()["error"]) == {"code", "message"}
    assert recorder.events == []


def test_a_function_slower_than_the_integration_timeout_is_a_504(
    stack_template: dict[str, Any], tmp_path: Path
) -> None:
    template = copy.deepcopy(stack_template)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ApiGateway::Method":
            resource["Properties"]["Integration"]["TimeoutInMillis"] = 100
    release = threading.Event()

    def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
        release.wait(30)
        return {"statusCode": 200, "body": "late"}

    hosts = {name: FunctionHost(name, slow) for name in ("presign", "list_images", "detail")}
    gateway = Gateway(read_api(template))
    server = DevServer(("127.0.0.1", 0), hosts, tmp_path, UPLOAD_ORIGIN, gateway=gateway)
    try:
        with serving_in_thread(server) as url:
            answer = requests.get(f"{url}/api/health", timeout=30)
    finally:
        release.set()
    assert answer.status_code == 504
    assert answer.json() == {
        "error": {"code": "gateway_error", "message": "Endpoint request timed out"}
    }


def test_a_method_with_an_authorizer_needs_the_gateways_hook(
    stack_template: dict[str, Any], recorder: Recorder, tmp_path: Path
) -> None:
    template = copy.deepcopy(stack_template)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ApiGateway::Method":
            resource["Properties"]["AuthorizationType"] = "COGNITO_USER_POOLS"
    gateway = Gateway(read_api(template))
    hosts = {name: FunctionHost(name, recorder) for name in ("presign", "list_images", "detail")}
    server = DevServer(("127.0.0.1", 0), hosts, tmp_path, UPLOAD_ORIGIN, gateway=gateway)
    with serving_in_thread(server) as url:
        refused = requests.get(f"{url}/api/images/1", timeout=10)
        gateway.authorizer = lambda route, request, event: None  # lets everything through
        allowed = requests.get(f"{url}/api/images/1", timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"  # the stack's UNAUTHORIZED response
    assert allowed.status_code == 200


def test_a_crashing_handler_is_a_502_in_the_api_error_shape(
    base_url: str, recorder: Recorder
) -> None:
    recorder.fail = True
    answer = requests.get(f"{base_url}/api/health", timeout=10)
    assert answer.status_code == 502
    assert answer.json() == {"error": {"code": "gateway_error", "message": "Internal server error"}}


def test_static_files_from_the_web_root_only(base_url: str) -> None:
    index = requests.get(f"{base_url}/", timeout=10)
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    script = requests.get(f"{base_url}/js/app.js", timeout=10)
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert requests.get(f"{base_url}/../secret.txt", timeout=10).status_code == 404
    assert requests.get(f"{base_url}/%2e%2e/secret.txt", timeout=10).status_code == 404
    assert requests.get(f"{base_url}/missing.css", timeout=10).status_code == 404


def test_every_answer_has_the_cloudfront_security_headers(base_url: str) -> None:
    for path in ("/", "/api/images/1", "/api/nothing"):
        headers = requests.get(base_url + path, timeout=10).headers
        assert headers["Content-Security-Policy"] == content_security_policy(UPLOAD_ORIGIN)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Permissions-Policy"].startswith("camera=(self)")
