"""What tests can ask the local Vision server to do wrong, and what it has received.

All state is shared between request threads, so every access holds one lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

#: How many annotate requests the log keeps (oldest dropped first).
REQUEST_LOG_SIZE = 1000
_ALLOWED_FAILURE_STATUSES = frozenset({429, 500, 503, 504})


class ControlError(ValueError):
    """A ``/_control`` body that cannot be applied."""


class FaultPlan:
    """Queued whole-request failures, per-image errors by SHA-256, and the request log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: deque[int] = deque()
        self._image_errors: dict[str, dict[str, Any]] = {}
        self._log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._count = 0

    def apply(self, body: Any) -> None:
        """Apply a control body: ``reset``, ``fail_next`` and/or ``image_errors``."""
        if not isinstance(body, dict):
            raise ControlError("The control body must be a JSON object.")
        unknown = set(body) - {"reset", "fail_next", "image_errors"}
        if unknown:
            raise ControlError(f"Unknown control keys: {sorted(unknown)}.")
        failures = self._parse_failures(body.get("fail_next"))
        image_errors = self._parse_image_errors(body.get("image_errors"))
        with self._lock:
            if body.get("reset"):
                self._failures.clear()
                self._image_errors.clear()
                self._log.clear()
                self._count = 0
            self._failures.extend(failures)
            self._image_errors.update(image_errors)

    def next_failure(self) -> int | None:
        """The HTTP status to answer this request with, or None to answer normally."""
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def image_error(self, sha256: str) -> dict[str, Any] | None:
        """The injected ``error`` status for an image with this digest, if any."""
        with self._lock:
            error = self._image_errors.get(sha256)
            return dict(error) if error else None

    def record(self, entry: dict[str, Any]) -> None:
        """Append one request to the log."""
        with self._lock:
            self._count += 1
            self._log.append({"seq": self._count, "time": time.time(), **entry})

    def requests(self) -> list[dict[str, Any]]:
        """The logged requests, oldest first."""
        with self._lock:
            return list(self._log)

    def state(self) -> dict[str, Any]:
        """A summary for ``GET /_control``."""
        with self._lock:
            return {
                "pending_failures": list(self._failures),
                "image_errors": dict(self._image_errors),
                "request_count": self._count,
            }

    @staticmethod
    def _parse_failures(spec: Any) -> list[int]:
        if spec is None:
            return []
        if not isinstance(spec, dict):
            raise ControlError("fail_next must be an object: {count, status}.")
        count, status = spec.get("count", 1), spec.get("status", 503)
        if not isinstance(count, int) or not 0 <= count <= 100:
            raise ControlError("fail_next.count must be an integer from 0 to 100.")
        if status not in _ALLOWED_FAILURE_STATUSES:
            raise ControlError(
                f"fail_next.status must be one of {sorted(_ALLOWED_FAILURE_STATUSES)}."
            )
        return [status] * count

    @staticmethod
    def _parse_image_errors(spec: Any) -> dict[str, dict[str, Any]]:
        if spec is None:
            return {}
        if not isinstance(spec, dict):
            raise ControlError("image_errors must map image SHA-256 digests to {code, message}.")
        result = {}
        for digest, error in spec.items():
            if not isinstance(error, dict) or not isinstance(error.get("code"), int):
                raise ControlError(f"image_errors[{digest!r}] needs an integer code.")
            result[str(digest).lower()] = {
                "code": error["code"],
                "message": str(error.get("message", "Injected per-image error.")),
            }
        return result
