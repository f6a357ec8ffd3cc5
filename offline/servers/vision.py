"""The local Vision REST server (``python -m offline.vision``) and a client for its controls."""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.servers.http_probe import answers
from offline.servers.process import (
    DEFAULT_START_TIMEOUT_SECONDS,
    LocalServer,
    ManagedProcess,
    free_port,
)
from offline.vision import CLASSIFIER_LABELLER


@dataclass
class VisionControl:
    """Fault injection and the request log of a running local Vision server, over HTTP."""

    endpoint: str

    def fail_next(self, count: int, status: int = 503) -> dict[str, Any]:
        """Answer the next ``count`` annotate calls with HTTP ``status`` (503, 429, 500...)."""
        return self._post({"fail_next": {"count": count, "status": status}})

    def fail_image(
        self, content: bytes, code: int = 13, message: str = "Injected per-image error."
    ) -> dict[str, Any]:
        """Give every image with exactly these bytes a per-image ``error`` (until reset)."""
        digest = hashlib.sha256(content).hexdigest()
        return self._post({"image_errors": {digest: {"code": code, "message": message}}})

    def reset(self) -> dict[str, Any]:
        """Forget queued failures, per-image errors and the request log."""
        return self._post({"reset": True})

    def state(self) -> dict[str, Any]:
        """Queued failures, per-image errors, labeller name and request count."""
        return self._call("GET", "/_control", None)

    def requests(self) -> list[dict[str, Any]]:
        """The annotate requests received so far (oldest first)."""
        log: list[dict[str, Any]] = self._call("GET", "/_control/requests", None)["requests"]
        return log

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/_control", body)

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (local http URL)
            self.endpoint + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            result: dict[str, Any] = json.load(response)
            return result


@dataclass
class VisionServer(LocalServer):
    """A running local Vision server; ``endpoint`` is what ``VISION_API_ENDPOINT`` should be."""

    @property
    def control(self) -> VisionControl:
        """The fault-injection and request-log client."""
        return VisionControl(self.endpoint)


def start_vision(
    log_dir: Path,
    labeller: str | None = CLASSIFIER_LABELLER,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> VisionServer:
    """Start ``python -m offline.vision`` on a free port; ``labeller`` is a ``module:factory``.

    By default labels come from the offline classifier; ``labeller=None`` answers none.
    """
    port = free_port()
    command = [sys.executable, "-m", "offline.vision", "--port", str(port)]
    command += ["--labeller", labeller or "none"]
    process = ManagedProcess("local Vision server", command, log_dir / "vision.log")
    server = VisionServer(process, port)
    process.start_and_wait_ready(lambda: answers(f"{server.endpoint}/_control"), timeout)
    return server
