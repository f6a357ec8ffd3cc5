"""The dev HTTP server: serves ``web/`` and turns ``/api/*`` into API Gateway proxy events.

As ``sam local start-api`` does: each ``/api`` request becomes the event API Gateway's
Lambda proxy integration sends, the function's handler runs in this process (one warm
"container" per function, see :mod:`offline.lambda_runtime`), and its proxy response becomes
the HTTP answer. Everything else is a static file from ``web/``.

Every answer carries the security headers CloudFront adds in AWS (``stacks/site.py``),
with the CSP naming the local S3 endpoint as the upload origin, so the page meets the
same policy offline; HSTS is left out because the demo is plain HTTP on 127.0.0.1.

In private mode (``ACCESS_MODE``, the default) every route but ``/api/health`` needs a valid
ID token of the user pool on moto, checked as API Gateway's Cognito authorizer does
(:mod:`offline.cognito`); the claims reach the function in ``requestContext.authorizer``.
``/config.json`` is the page's runtime config, as the stack's BucketDeployment writes it.

``python -m offline.devserver --port N`` with the handler environment already set.
"""

from __future__ import annotations

import argparse
import json
import logging
import mimetypes
import os
import sys
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from offline.apigateway import (
    OPEN_RESOURCES,
    HttpResponse,
    gateway_error,
    http_response,
    match_route,
    proxy_event,
)
from offline.cognito import CognitoAuthorizer, InvalidTokenError, UserPool, pool_from_env
from offline.lambda_runtime import FunctionHost
from offline.servers.moto import REGION
from offline.service import configure_logging, serve_until_stopped, stop_on_sigterm
from stacks.csp import content_security_policy

LOG = logging.getLogger("offline.devserver")
WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
#: The API functions and their entry points (stacks/functions.py).
API_FUNCTIONS: dict[str, str] = {
    "presign": "lambdas.handlers.presign:handler",
    "list_images": "lambdas.handlers.list_images:handler",
    "detail": "lambdas.handlers.detail:handler",
}
#: API Gateway's payload limit for a request body.
MAX_BODY_BYTES = 10 * 1024 * 1024
_STATIC_HEADERS = (("Cache-Control", "no-cache"),)


def security_headers(upload_origin: str) -> list[tuple[str, str]]:
    """CloudFront's response headers policy of the site, without HSTS (plain HTTP here)."""
    return [
        ("Content-Security-Policy", content_security_policy(upload_origin)),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]


def page_config(pool: UserPool | None) -> dict[str, str]:
    """``/config.json``: what the stack writes for the page (stacks/tricloud_stack.py), with
    moto as the Cognito endpoint."""
    if pool is None:
        return {"access": "public"}
    return {
        "access": "private",
        "region": REGION,
        "user_pool_id": pool.pool_id,
        "client_id": pool.client_id,
        "cognito_endpoint": pool.endpoint,
    }


def upload_origin_from_env(env: Mapping[str, str]) -> str:
    """The origin of the local S3 endpoint (``AWS_ENDPOINT_URL``), where uploads go."""
    url = urlsplit(env.get("AWS_ENDPOINT_URL", ""))
    return f"{url.scheme}://{url.netloc}" if url.scheme and url.netloc else ""


class DevServer(ThreadingHTTPServer):
    """A threading HTTP server carrying the web root and the function hosts."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        functions: Mapping[str, FunctionHost],
        web_root: Path,
        upload_origin: str,
        pool: UserPool | None = None,
    ) -> None:
        super().__init__(address, DevRequestHandler)
        self.functions = dict(functions)
        self.web_root = web_root.resolve()
        self.security_headers = security_headers(upload_origin)
        self.authorizer = CognitoAuthorizer.for_pool(pool) if pool else None
        self.page_config = json.dumps(page_config(pool)).encode()


class DevRequestHandler(BaseHTTPRequestHandler):
    """Answers one request: ``/api/*`` through a handler, anything else from ``web/``."""

    server: DevServer
    protocol_version = "HTTP/1.1"
    server_version = "tricloud-devserver/1"
    # Headers and body go out as separate small writes on a kept-alive connection; with
    # Nagle on, the second waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """API or static file."""
        self._dispatch(static=True)

    def do_HEAD(self) -> None:
        """API or static file, without the body."""
        self._dispatch(static=True)

    def do_POST(self) -> None:
        """API only."""
        self._dispatch(static=False)

    def do_PUT(self) -> None:
        """API only (no route uses it: 403 like API Gateway)."""
        self._dispatch(static=False)

    def do_DELETE(self) -> None:
        """API only (DELETE /api/images/{id})."""
        self._dispatch(static=False)

    def do_PATCH(self) -> None:
        """API only (no route uses it: 403 like API Gateway)."""
        self._dispatch(static=False)

    def _dispatch(self, static: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == "/api" or path.startswith("/api/"):
            self._send(self._api(path, url.query))
        elif static:
            self._send(self._static(path))
        else:
            self._send(_plain(HTTPStatus.METHOD_NOT_ALLOWED, "Method not allowed."))

    def _api(self, path: str, query: str) -> HttpResponse:
        method = "GET" if self.command == "HEAD" else self.command
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return gateway_error(413, "request_rejected", "Request Too Long")
        body = self.rfile.read(length) if length else b""
        match = match_route(method, path)
        if match is None:
            return gateway_error(403, "request_rejected", "Missing Authentication Token")
        event = proxy_event(
            match,
            method=method,
            path=path,
            query=query,
            headers=self.headers,
            body=body,
            source_ip=self.client_address[0],
        )
        if self.server.authorizer and match.route.resource not in OPEN_RESOURCES:
            try:
                claims = self.server.authorizer.claims(self.headers.get("Authorization"))
            except InvalidTokenError as error:
                LOG.info("401 for %s %s: %s", method, path, error)
                return gateway_error(401, "unauthorized", "Unauthorized")
            event["requestContext"]["authorizer"] = {"claims": claims}
        host = self.server.functions[match.route.function]
        try:
            result = host.invoke(event)
        except Exception:
            LOG.exception("%s raised (API Gateway answers 502)", host.function_name)
            return gateway_error(502, "gateway_error", "Internal server error")
        return http_response(result)

    def _static(self, path: str) -> HttpResponse:
        if path == "/config.json":
            headers = [("Content-Type", "application/json"), *_STATIC_HEADERS]
            return HttpResponse(200, headers, self.server.page_config)
        root = self.server.web_root
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return _plain(HTTPStatus.NOT_FOUND, "Not found.")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        headers = [("Content-Type", content_type), *_STATIC_HEADERS]
        return HttpResponse(200, headers, target.read_bytes())

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        own = {name.lower() for name, _ in self.server.security_headers}
        for name, value in response.headers:
            if name.lower() not in {"content-length", "connection", "transfer-encoding", *own}:
                self.send_header(name, value)
        for name, value in self.server.security_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log each request through ``logging``."""
        LOG.info("%s %s", self.address_string(), format % args)


def _plain(status: HTTPStatus, text: str) -> HttpResponse:
    return HttpResponse(
        status.value, [("Content-Type", "text/plain; charset=utf-8")], text.encode()
    )


def load_api_functions(entry_points: Mapping[str, str] = API_FUNCTIONS) -> dict[str, FunctionHost]:
    """Import every API handler once (as a warm container would)."""
    return {
        name: FunctionHost.from_entry_point(name, entry) for name, entry in entry_points.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m offline.devserver", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--web-root", type=Path, default=WEB_ROOT, help="static files")
    args = parser.parse_args(argv)
    configure_logging(LOG)
    stop_on_sigterm()
    try:
        pool = pool_from_env(os.environ)
    except ValueError as error:
        LOG.error("cannot guard the API: %s", error)
        return 1
    functions = load_api_functions()
    try:
        server = DevServer(
            ("127.0.0.1", args.port),
            functions,
            args.web_root,
            upload_origin_from_env(os.environ),
            pool,
        )
    except OSError as error:
        LOG.error("cannot listen on 127.0.0.1:%d: %s", args.port, error)
        return 1
    LOG.info("dev server on http://127.0.0.1:%d serving %s", args.port, args.web_root)
    serve_until_stopped(server, LOG)
    return 0


if __name__ == "__main__":
    sys.exit(main())
