"""The dev server sends API Gateway REST proxy events and serves web/ (in-process server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from offline.devserver import DevServer
from offline.lambda_runtime import FunctionHost
from offline.service import serving_in_thread
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
def base_url(recorder: Recorder, tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("export {};")
    (tmp_path.parent / "secret.txt").write_text("outside web root")
    hosts = {name: FunctionHost(name, recorder) for name in ("presign", "list_images", "detail")}
    with serving_in_thread(DevServer(("127.0.0.1", 0), hosts, tmp_path, UPLOAD_ORIGIN)) as url:
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
    answer = requests.post(f"{base_url}/api/uploads", json={"size": 3}, timeout=10)
    assert answer.status_code == 201
    assert answer.json() == {"echo": {"size": 3}}
    assert answer.headers["Content-Type"] == "application/json"
    (event,) = recorder.events
    assert json.loads(event["body"]) == {"size": 3}
    assert event["queryStringParameters"] is None
    assert event["pathParameters"] is None


def test_unknown_route_and_wrong_method_get_the_gateway_403(
    base_url: str, recorder: Recorder
) -> None:
    for method, path in (("GET", "/api/nothing"), ("PUT", "/api/images/1")):
        answer = requests.request(method, base_url + path, timeout=10)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "request_rejected"
    assert recorder.events == []


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
