"""What the three API functions share: a resolver whose every error is ``{"error": {...}}``,
and the one place that decides whose data a request may touch (:func:`request_owner`)."""

from __future__ import annotations

import json
import os
import re
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError

from lambdas.errors import ApiError, BadRequestError, UnauthorizedError
from lambdas.observability import logger
from lambdas.ports import StoreUnavailableError

__all__ = [
    "PUBLIC_OWNER",
    "error_response",
    "is_public",
    "json_body",
    "json_response",
    "make_resolver",
    "request_owner",
]

#: The owner of every image in public mode (nobody signs in).
PUBLIC_OWNER = "public"
# Cognito's sub is a UUID; anything else (it becomes part of S3 keys) is refused.
_SUB = re.compile(r"[0-9a-fA-F-]{1,64}")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    """A JSON response with no caching (the answers change as images are analyzed)."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    """The one error shape of the API."""
    return json_response(status, {"error": {"code": code, "message": message}}, headers)


def is_public() -> bool:
    """True in public mode (``ACCESS_MODE=public``); private, the safe default, otherwise."""
    return os.environ.get("ACCESS_MODE", "private").strip().lower() == "public"


def request_owner(app: APIGatewayRestResolver) -> str:
    """Whose images this request may see and change.

    Public mode: :data:`PUBLIC_OWNER`. Private mode: the ``sub`` claim the Cognito authorizer
    verified; without one (a misconfigured route) the request is refused with 401, never
    served as someone else.
    """
    if is_public():
        return PUBLIC_OWNER
    claims = app.current_event.request_context.authorizer.claims or {}
    sub = claims.get("sub")
    if not isinstance(sub, str) or not _SUB.fullmatch(sub):
        raise UnauthorizedError("Sign in to use the API.")
    return sub.lower()


def make_resolver() -> APIGatewayRestResolver:
    """An API Gateway REST resolver with JSON errors for bad input, unknown routes and faults."""
    app = APIGatewayRestResolver()

    def _api_error(exc: ApiError) -> Response[Any]:
        if exc.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("A backing service failed", code=exc.code, reason=exc.message)
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    def _store_unavailable(exc: StoreUnavailableError) -> Response[Any]:
        logger.warning("The image store failed", reason=str(exc))
        return error_response(
            503, "service_unavailable", "The image database is unavailable; try again."
        )

    def _not_found(_exc: RouteNotFoundError) -> Response[Any]:
        return error_response(404, "not_found", "There is no such API route.")

    def _fault(_exc: Exception) -> Response[Any]:
        logger.exception("Unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")

    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(StoreUnavailableError)(_store_unavailable)
    app.not_found(_not_found)
    app.exception_handler(Exception)(_fault)

    return app


def json_body(app: APIGatewayRestResolver) -> Any:
    """The request body decoded as JSON; BadRequestError when it is missing or not JSON."""
    try:
        raw = app.current_event.decoded_body  # base64-decodes when API Gateway encoded it
        if not raw:
            raise BadRequestError("The request body must be JSON.", code="invalid_json")
        return json.loads(raw)
    except (ValueError, RecursionError):  # also bad base64, bad UTF-8 and too deep nesting
        raise BadRequestError("The request body is not valid JSON.", code="invalid_json") from None
