"""docs/openapi.yaml is a valid OpenAPI 3.1 document, names exactly the API's routes, and the
handlers' real answers (against moto, cosmosdb-server and the local Vision) match it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from unit import images

from offline.apigateway import match_route
from offline.stack_model import Route, read_api

from .conftest import Stack, fresh_usage_table

pytestmark = pytest.mark.integration


@pytest.fixture
def provider_choice() -> tuple[str, str]:
    """The API contract is the same for every provider: checked with the default ones."""
    return ("google-vision", "cosmos")


SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
SPEC_URI = "urn:tricloud:openapi"
# The whole document is the resource "#/components/schemas/..." references resolve in.
REGISTRY: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(SPEC))
OTHER_OWNER = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_the_document_is_valid_openapi() -> None:
    validate(SPEC)


@pytest.fixture(scope="module")
def routes(stack_template: dict[str, Any]) -> list[Route]:
    """The API's routes as the synthesized template declares them (private mode)."""
    return read_api(stack_template).routes


def test_it_documents_exactly_the_api_routes_and_their_security(routes: list[Route]) -> None:
    documented = {
        (method.upper(), path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in ("get", "post", "delete", "put", "patch")
    }
    assert documented == {(route.method, route.resource) for route in routes}
    for route in routes:
        operation = SPEC["paths"][route.resource][route.method.lower()]
        assert operation.get("security", SPEC["security"]) == (
            [] if route.authorization_type == "NONE" else [{"cognito": []}]
        )


def _escape(part: str) -> str:
    """A JSON pointer token (RFC 6901)."""
    return part.replace("~", "~0").replace("/", "~1")


def _template(method: str, path: str, routes: list[Route]) -> str:
    found = match_route(method, path, routes)
    assert found is not None, f"no route for {method} {path}"
    return found.route.resource


class Checker:
    """Sends requests through the stack and checks each answer against the document."""

    def __init__(self, stack: Stack, routes: list[Route]) -> None:
        self.stack = stack
        self.routes = routes
        self.seen: set[tuple[str, str, int]] = set()

    def __call__(
        self, method: str, path: str, *, expect: int, owner: str | None = None, **kwargs: Any
    ) -> Any:
        extra = {"owner": owner} if owner else {}
        response = self.stack.raw_api(method, path, **kwargs, **extra)
        status = response["statusCode"]
        assert status == expect, response.get("body")
        template = _template(method, path, self.routes)
        documented = SPEC["paths"][template][method.lower()]["responses"]
        assert str(status) in documented, f"{method} {template} {status} is not documented"
        pointer = "/".join(["#/paths", _escape(template), method.lower(), "responses", str(status)])
        answer = documented[str(status)]
        if "$ref" in answer:
            pointer = answer["$ref"]
            answer = SPEC["components"]["responses"][pointer.rsplit("/", 1)[1]]
        body = json.loads(response["body"]) if response.get("body") else None
        if "content" in answer:
            schema = {"$ref": f"{SPEC_URI}{pointer}/content/application~1json/schema"}
            jsonschema.Draft202012Validator(
                schema, registry=REGISTRY, format_checker=jsonschema.FormatChecker()
            ).validate(body)
        else:
            assert body is None
        headers = response.get("multiValueHeaders") or {}
        for name, header in answer.get("headers", {}).items():
            if header.get("required"):
                assert name in headers, f"{name} missing from {method} {template} {status}"
        self.seen.add((method, template, status))
        return body


@pytest.fixture
def check(private_stack: Stack, moto_server: str, routes: list[Route]) -> Iterator[Checker]:
    private_stack.set_env(
        USAGE_TABLE=fresh_usage_table(moto_server),
        DAILY_IMAGE_LIMIT="10",
        DAILY_IMAGE_LIMIT_PER_USER="3",
    )
    yield Checker(private_stack, routes)


def test_the_handlers_answers_match_the_document(check: Checker, private_stack: Stack) -> None:
    stack = private_stack
    check("GET", "/api/health", expect=200)
    upload = {"content_type": "image/jpeg", "size": 100}
    check("POST", "/api/uploads", body={"content_type": "image/gif", "size": 1}, expect=400)
    ticket = check("POST", "/api/uploads", body=upload, expect=201)
    pending = check("GET", f"/api/images/{ticket['id']}", expect=200)
    assert pending["status"] == "pending"

    cat = images.chelsea_jpeg()
    image_id = stack.upload(cat, "image/jpeg")
    key = f"uploads/{stack.api('GET', f'/api/images/{image_id}')[1]['owner']}/{image_id}.jpg"
    assert stack.analyze(stack.receive_events([key])) == []
    done = check("GET", f"/api/images/{image_id}", expect=200)
    assert done["status"] == "done" and done["labels"]
    check("POST", "/api/uploads", body=upload, expect=201)  # the third of three today
    check("POST", "/api/uploads", body=upload, expect=429)

    page = check("GET", "/api/images", query={"limit": "1"}, expect=200)
    assert page["next_cursor"]
    check("GET", "/api/images", query={"label": "tab"}, expect=200)
    check("GET", "/api/images", query={"limit": "0"}, expect=400)
    check("GET", "/api/images/not-a-uuid", expect=400)
    check("GET", f"/api/images/{image_id}", owner=OTHER_OWNER, expect=404)
    check("DELETE", f"/api/images/{image_id}", expect=204)
    check("DELETE", f"/api/images/{image_id}", expect=404)
    check("DELETE", "/api/images/not-a-uuid", expect=400)
    assert {status for _, _, status in check.seen} >= {200, 201, 204, 400, 404, 429}


def test_unauthorized_answers_match_the_document(private_stack: Stack) -> None:
    for method, path in (("GET", "/api/images"), ("POST", "/api/uploads")):
        response = private_stack.raw_api(method, path, owner=None, body="{}")
        assert response["statusCode"] == 401
        schema = {"$ref": SPEC_URI + "#/components/schemas/Error"}
        jsonschema.Draft202012Validator(schema, registry=REGISTRY).validate(
            json.loads(response["body"])
        )
    assert re.fullmatch(r"\d+\.\d+\.\d+", SPEC["openapi"])
