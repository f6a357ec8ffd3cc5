"""Errors that the API turns into ``{"error": {"code", "message"}}`` responses."""

from __future__ import annotations

__all__ = [
    "ApiError",
    "BadRequestError",
    "NotFoundError",
    "ServiceUnavailableError",
    "UnauthorizedError",
]


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code and a message for people."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: Extra response headers (e.g. ``Retry-After``).
        self.headers: dict[str, str] = {}
        if code is not None:
            self.code = code


class BadRequestError(ApiError):
    """The request is malformed or asks for something not allowed (400)."""

    status = 400
    code = "bad_request"


class UnauthorizedError(ApiError):
    """The request carries no signed-in user (401)."""

    status = 401
    code = "unauthorized"


class NotFoundError(ApiError):
    """There is nothing at this address, or not yet (404)."""

    status = 404
    code = "not_found"


class ServiceUnavailableError(ApiError):
    """A backing service is down; trying again later may work (503)."""

    status = 503
    code = "service_unavailable"
