"""The HTTP side of the local Vision server: routing, JSON in and out, fault injection.

Routes:
- ``POST /v1/images:annotate`` (also ``/v1/projects/*/images:annotate`` and
  ``/v1/projects/*/locations/*/images:annotate``): ``BatchAnnotateImagesRequest`` →
  ``BatchAnnotateImagesResponse``. Enums are integers when the client asks for
  ``enum-encoding=int`` (the REST transport of google-cloud-vision does), names otherwise.
- ``POST /`` with ``X-Amz-Target: RekognitionService.DetectLabels`` (or
  ``.DetectModerationLabels``): Amazon Rekognition's AWS JSON 1.1 protocol, answered by
  :mod:`offline.vision.rekognition` with the same labeller.
- ``GET /_control``: state; ``POST /_control``: see :class:`offline.vision.faults.FaultPlan`;
  ``GET /_control/requests``: the request log (both protocols).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from offline.vision import Labeller, rekognition
from offline.vision.annotate import (
    ImageError,
    RequestError,
    annotate_image,
    batch_requests,
    image_content,
    requested_features,
)
from offline.vision.faults import ControlError, FaultPlan
from offline.vision.features import HTTP_STATUS_NAMES

LOG = logging.getLogger("offline.vision")
#: Largest request body accepted (Vision's own JSON request limit).
MAX_BODY_BYTES = 40 * 1024 * 1024
_ANNOTATE_PATH = re.compile(r"^/v1/(projects/[^/]+/(locations/[^/]+/)?)?images:annotate$")
_NO_LABELLER_NOTE = (
    "LABEL_DETECTION is unavailable: this local Vision server has no labeller, "
    "so it returns no labels rather than invented ones."
)


class VisionHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the labeller and the fault plan."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        labeller: Labeller | None,
        labeller_name: str | None = None,
    ) -> None:
        super().__init__(address, VisionRequestHandler)
        self.labeller = labeller
        self.labeller_name = labeller_name if labeller is not None else None
        self.faults = FaultPlan()


class VisionRequestHandler(BaseHTTPRequestHandler):
    """Answers one HTTP request."""

    server: VisionHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "tricloud-local-vision/1"
    # Headers and body go out as separate small writes on a kept-alive connection; with
    # Nagle on, the second waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """``/_control`` and ``/_control/requests``."""
        path = urlsplit(self.path).path
        if path == "/_control":
            state = self.server.faults.state()
            self._send_json(HTTPStatus.OK, {**state, "labeller": self.server.labeller_name})
        elif path == "/_control/requests":
            self._send_json(HTTPStatus.OK, {"requests": self.server.faults.requests()})
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"No route for GET {path}.")

    def do_POST(self) -> None:
        """``images:annotate`` and ``/_control``."""
        path = urlsplit(self.path).path
        body = self._read_json()
        if body is _UNREADABLE:
            return
        target = self.headers.get("X-Amz-Target") or ""
        if target.startswith(rekognition.TARGET_PREFIX):
            self._rekognition(target.removeprefix(rekognition.TARGET_PREFIX), body)
        elif path == "/_control":
            try:
                self.server.faults.apply(body)
            except ControlError as error:
                self._send_error(HTTPStatus.BAD_REQUEST, str(error))
                return
            self._send_json(HTTPStatus.OK, self.server.faults.state())
        elif _ANNOTATE_PATH.match(path):
            self._annotate(body)
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"No route for POST {path}.")

    def _annotate(self, body: Any) -> None:
        query = parse_qs(urlsplit(self.path).query)
        enums_as_int = any("enum-encoding=int" in value for value in query.get("$alt", []))
        entry: dict[str, Any] = {"path": urlsplit(self.path).path, "enums_as_int": enums_as_int}
        failure = self.server.faults.next_failure()
        if failure is not None:
            self._record(entry, failure, body)
            self._send_error(HTTPStatus(failure), "Injected failure from the local Vision server.")
            return
        try:
            items = batch_requests(body)
        except RequestError as error:
            self._record(entry, HTTPStatus.BAD_REQUEST, body)
            self._send_error(HTTPStatus.BAD_REQUEST, str(error))
            return
        responses = [self._annotate_one(item, enums_as_int) for item in items]
        answer: dict[str, Any] = {"responses": responses}
        if self.server.labeller is None:
            answer["localServer"] = {"labeller": None, "note": _NO_LABELLER_NOTE}
        else:
            answer["localServer"] = {"labeller": self.server.labeller_name}
        self._record(entry, HTTPStatus.OK, body, responses)
        self._send_json(HTTPStatus.OK, answer)

    def _rekognition(self, operation: str, body: Any) -> None:
        entry: dict[str, Any] = {"path": f"rekognition:{operation}", "status": 200}
        digest: str | None = None
        try:
            failure = self.server.faults.next_failure()
            if failure is not None:
                raise rekognition.throttled_or_failed(failure)
            data = rekognition.image_bytes(body)
            digest = hashlib.sha256(data).hexdigest()
            error = self.server.faults.image_error(digest)
            if error is not None:
                raise rekognition.injected(error)
            payload = rekognition.answer(operation, body, data, self.server.labeller)
        except rekognition.RekognitionError as error:
            entry["status"] = error.status
            self._record_rekognition(entry, digest, body, error.error_type)
            self._send_json(HTTPStatus(error.status), error.payload(), _AMZ_JSON)
            return
        self._record_rekognition(entry, digest, body, None)
        self._send_json(HTTPStatus.OK, payload, _AMZ_JSON)

    def _record_rekognition(
        self, entry: dict[str, Any], digest: str | None, body: Any, error: str | None
    ) -> None:
        features = body.get("Features") if isinstance(body, dict) else None
        self.server.faults.record(
            {
                **entry,
                "image_count": 1,
                "image_sha256": [digest],
                "features": [features if isinstance(features, list) else []],
                "image_errors": [error],
            }
        )

    def _annotate_one(self, item: dict[str, Any], enums_as_int: bool) -> dict[str, Any]:
        try:
            content = image_content(item)
            injected = self.server.faults.image_error(hashlib.sha256(content).hexdigest())
            if injected is not None:
                return {"error": injected}
            features = requested_features(item)
            return annotate_image(content, features, self.server.labeller, enums_as_int)
        except ImageError as error:
            return {"error": error.as_status()}

    def _record(
        self,
        entry: dict[str, Any],
        status: int,
        body: Any,
        responses: list[dict[str, Any]] | None = None,
    ) -> None:
        items = body.get("requests") if isinstance(body, dict) else None
        items = items if isinstance(items, list) else []
        digests: list[str | None] = []
        features: list[list[str]] = []
        for item in items:
            try:
                digests.append(hashlib.sha256(image_content(item)).hexdigest())
            except (ImageError, AttributeError):
                digests.append(None)
            try:
                features.append([name for name, _ in requested_features(item)])
            except (ImageError, AttributeError):
                features.append([])
        errors = [r.get("error") for r in responses] if responses is not None else None
        self.server.faults.record(
            {
                **entry,
                "status": int(status),
                "image_count": len(items),
                "image_sha256": digests,
                "features": features,
                "image_errors": errors,
            }
        )

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request payload too large.")
            return _UNREADABLE
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            self._send_error(HTTPStatus.BAD_REQUEST, "The request body is not valid JSON.")
            return _UNREADABLE

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        name = HTTP_STATUS_NAMES.get(status.value, status.phrase.upper().replace(" ", "_"))
        self._send_json(
            status, {"error": {"code": status.value, "message": message, "status": name}}
        )

    def _send_json(
        self, status: HTTPStatus, payload: Any, content_type: str = "application/json"
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Log each request through ``logging`` instead of raw stderr."""
        LOG.info("%s %s", self.address_string(), format % args)


_UNREADABLE = object()
_AMZ_JSON = "application/x-amz-json-1.1"
