"""The dev HTTP server: serves ``web/`` and turns ``/api/*`` into API Gateway proxy events.

As ``sam local start-api`` does: each ``/api`` request becomes the event API Gateway's
Lambda proxy integration sends, the function's handler runs in this process (one warm
"container" per function, see :mod:`offline.lambda_runtime`), and its proxy response becomes
the HTTP answer. Everything else is a static file from ``web/``.

Every answer carries the security headers CloudFront adds in AWS (``stacks/site.py``),
with the CSP naming the local S3 endpoint as the upload origin, so the page meets the
same policy offline; HSTS is left out because the demo is plain HTTP on 127.0.0.1.

In private mode (``ACCESS_MODE``, the default) the template's Cognito authorizer is enforced:
a method whose ``AuthorizationType`` is not ``NONE`` needs a valid ID token of the user pool
on moto, checked as API Gateway does (:mod:`offline.cognito`); the claims reach the function
in ``requestContext.authorizer``. ``/config.json`` is the page's runtime config, as the
stack's BucketDeployment writes it.

``python -m offline.devserver --port N --stack FILE`` with the handler environment set;
``FILE`` is the stack spec read from the synthesized template (routes, functions).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import logging
import mimetypes
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from offline.apigateway import (
    Gateway,
    HttpResponse,
    Request,
    bad_gateway,
    http_response,
    proxy_event,
)
from offline.cfn import REGION
from offline.cognito import UserPool, gateway_authorizer, pool_from_env
from offline.lambda_runtime import FunctionHost
from offline.service import configure_logging, serve_until_stopped, stop_on_sigterm
from offline.stack_model import SiteSpec, StackSpec
from stacks.csp import content_security_policy

LOG = logging.getLogger("offline.devserver")
WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
#: API Gateway's payload limit for a request body.
MAX_BODY_BYTES = 10 * 1024 * 1024
#: A connection that sends nothing for this long is closed.
REQUEST_TIMEOUT_SECONDS = 30.0
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
    """A threading HTTP server carrying the web root, the gateway and the function hosts."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        functions: Mapping[str, FunctionHost],
        web_root: Path,
        upload_origin: str,
        *,
        gateway: Gateway,
        site: SiteSpec | None = None,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
        pool: UserPool | None = None,
    ) -> None:
        super().__init__(address, DevRequestHandler)
        self.functions = dict(functions)
        self.web_root = web_root.resolve()
        self.security_headers = security_headers(upload_origin)
        self.gateway = gateway
        if pool is not None:
            # The one authorization hook of the gateway (offline.apigateway.Gateway.authorizer).
            gateway.authorizer = gateway_authorizer(pool, gateway)
        self.page_config = json.dumps(page_config(pool)).encode()
        self.site = site
        self.request_timeout = request_timeout
        #: Invocations run here so that a request can stop waiting at the route's timeout.
        self.invocations = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="invoke")

    def server_close(self) -> None:
        """Close the socket; running invocations are not waited for."""
        super().server_close()
        self.invocations.shutdown(wait=False)


class DevRequestHandler(BaseHTTPRequestHandler):
    """Answers one request: ``/api/*`` through the gateway, anything else from ``web/``.

    Every method reaches :meth:`_dispatch`: CloudFront's behaviors (the template's allowed
    methods per path) refuse some with a 403, API Gateway answers the rest of the unknown
    ones itself; every error, including the ones ``http.server`` makes for a malformed
    request, is JSON with the security headers.
    """

    server: DevServer
    protocol_version = "HTTP/1.1"
    server_version = "tricloud-devserver/1"
    # Headers and body go out as separate small writes on a kept-alive connection; with
    # Nagle on, the second waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """Give the connection a socket timeout (a client that stalls is dropped)."""
        super().setup()
        self.connection.settimeout(self.server.request_timeout)

    def __getattr__(self, name: str) -> Any:
        """``do_<METHOD>`` for every method: the gateway decides what is allowed."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        raw_path = url.path
        site = self.server.site
        if not _printable(unquote(raw_path)) or not _printable(url.query):
            self.close_connection = True
            self._send(_json_error(400, "invalid_request", "The path is not valid."))
        elif site is not None and self.command not in site.allowed_methods(raw_path):
            # CloudFront refuses a method its behavior does not allow; it never reaches the API.
            self._send(_json_error(403, "method_not_allowed", "This method is not allowed here."))
        elif raw_path == "/api" or raw_path.startswith("/api/"):
            self._send(self._api(raw_path, url.query))
        elif self.command in ("GET", "HEAD"):
            self._send(self._static(unquote(raw_path)))
        else:
            self._send(_json_error(405, "method_not_allowed", "The site only answers GET."))

    def _api(self, raw_path: str, query: str) -> HttpResponse:
        gateway = self.server.gateway
        body, refused = self._read_body()
        if refused is not None:
            return refused
        method = "GET" if self.command == "HEAD" else self.command
        request = Request(method, raw_path, query, self.headers, body, self.client_address[0])
        match, answer = gateway.route(request)
        if match is None:
            return answer or gateway.error("MISSING_AUTHENTICATION_TOKEN")
        event = proxy_event(match, request)
        refused = gateway.check(match, request, event)
        if refused is not None:
            return refused
        host = self.server.functions[match.route.function]
        invocation = self.server.invocations.submit(host.invoke, event)
        try:
            result = invocation.result(timeout=match.route.timeout_ms / 1000)
        except concurrent.futures.TimeoutError:
            # API Gateway stops waiting; the function runs on (as Lambda would, to its timeout).
            LOG.warning("%s took longer than the integration timeout", host.function_name)
            return gateway.error("INTEGRATION_TIMEOUT", "Endpoint request timed out")
        except Exception:
            LOG.exception("%s raised (API Gateway answers 502)", host.function_name)
            return bad_gateway(gateway)
        return http_response(result, gateway)

    def _read_body(self) -> tuple[bytes, HttpResponse | None]:
        """The request body, or the gateway's refusal of a bad or too long one."""
        gateway = self.server.gateway
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return b"", _json_error(411, "length_required", "Send the body with Content-Length.")
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isascii() or not raw.isdigit():
            self.close_connection = True
            return b"", _json_error(400, "invalid_request", "Content-Length is not valid.")
        length = int(raw)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return b"", gateway.error("REQUEST_TOO_LARGE")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            return b"", _json_error(400, "invalid_request", "The body is shorter than declared.")
        return body, None

    def _static(self, path: str) -> HttpResponse:
        if path == "/config.json":
            headers = [("Content-Type", "application/json"), *_STATIC_HEADERS]
            return HttpResponse(200, headers, self.server.page_config)
        root = self.server.web_root
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return _json_error(404, "not_found", "Not found.")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        headers = [("Content-Type", content_type), *_STATIC_HEADERS]
        return HttpResponse(200, headers, target.read_bytes())

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """``http.server``'s own errors (malformed request line, headers too long...) as JSON."""
        self.close_connection = True
        # A request line that did not parse leaves HTTP/0.9, which would send no headers.
        self.request_version = self.protocol_version
        text = message or HTTPStatus(code).phrase
        with contextlib.suppress(OSError):
            self._send(_json_error(code, "bad_request" if code < 500 else "server_error", text))

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        own = {name.lower() for name, _ in self.server.security_headers}
        for name, value in response.headers:
            if name.lower() not in {"content-length", "connection", "transfer-encoding", *own}:
                self.send_header(name, value)
        for name, value in self.server.security_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log each request through ``logging``."""
        LOG.info("%s %s", self.address_string(), format % args)


def _printable(text: str) -> bool:
    """False for NUL and other control characters, which no valid URL path holds."""
    return not any(ord(char) < 32 or ord(char) == 127 for char in text)


def _json_error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def load_functions(spec: StackSpec, names: Iterable[str] | None = None) -> dict[str, FunctionHost]:
    """Import each function's handler once (as a warm container would); all API ones by default."""
    wanted = set(names) if names is not None else {route.function for route in spec.api.routes}
    return {
        name: FunctionHost.from_spec(function)
        for name, function in spec.functions.items()
        if name in wanted
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m offline.devserver", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--stack", type=Path, required=True, help="the stack spec (JSON)")
    parser.add_argument("--web-root", type=Path, default=WEB_ROOT, help="static files")
    args = parser.parse_args(argv)
    configure_logging(LOG)
    stop_on_sigterm()
    spec = StackSpec.load(args.stack)
    try:
        pool = pool_from_env(os.environ)
    except ValueError as error:
        LOG.error("cannot guard the API: %s", error)
        return 1
    functions = load_functions(spec)
    try:
        server = DevServer(
            ("127.0.0.1", args.port),
            functions,
            args.web_root,
            upload_origin_from_env(os.environ),
            gateway=Gateway(spec.api),
            site=spec.site,
            pool=pool,
        )
    except OSError as error:
        LOG.error("cannot listen on 127.0.0.1:%d: %s", args.port, error)
        return 1
    LOG.info("dev server on http://127.0.0.1:%d serving %s", args.port, args.web_root)
    serve_until_stopped(server, LOG)
    return 0


if __name__ == "__main__":
    sys.exit(main())
