"""Errors that the API turns into ``{"error": {"code", "message"}}`` responses."""

from __future__ import annotations

__all__ = ["ApiError", "BadRequestError", "NotFoundError", "ServiceUnavailableError"]


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code and a message for people."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequestError(ApiError):
    """The request is malformed or asks for something not allowed (400)."""

    status = 400
    code = "bad_request"


class NotFoundError(ApiError):
    """There is nothing at this address, or not yet (404)."""

    status = 404
    code = "not_found"


class ServiceUnavailableError(ApiError):
    """A backing service is down; trying again later may work (503)."""

    status = 503
    code = "service_unavailable"
