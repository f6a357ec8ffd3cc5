"""Private mode's cost in latency offline: the Cognito authorizer path vs public mode.

Two dev servers in this process run the same API handlers on the same offline stack: one
has the private template's API (Cognito authorizer on every route but health, the user
pool provisioned on the same moto, tokens checked as API Gateway does), one the public
template's. Rounds alternate between them (``ACCESS_MODE`` is switched between rounds,
never during one), so both see the same machine state; the baseline is public mode.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

from bench.offline import SITE_ORIGIN, OfflineStack
from bench.report import Row, Section
from bench.stats import median, p95, time_calls
from offline.apigateway import Gateway
from offline.cognito import CognitoAuthorizer, create_user, pool_of_stack
from offline.devserver import DevServer, load_functions
from offline.provision import moto_client, provision_offline
from offline.service import serving_in_thread
from offline.synth import synthesized_template
from tooling.user_pool import new_password

NAME = "access"
WEB_ROOT = Path(__file__).resolve().parents[1] / "web"


def section(stack: OfflineStack, rounds: int, calls: int) -> Section:
    """Rows: GET /api/images median in public mode (baseline) and private mode, and the
    token check alone."""
    # The private template on the same servers: the same resources, plus the user pool.
    private = provision_offline(
        stack.moto.endpoint, stack.cosmos, synthesized_template(), site_origins=[SITE_ORIGIN]
    )
    authorizer_spec = next(iter(private.spec.api.authorizers.values()))
    pool = pool_of_stack(stack.moto.endpoint, authorizer_spec.provider_arns)
    password = new_password()
    create_user(pool, "bench@example.com", password)
    token = moto_client("cognito-idp", stack.moto.endpoint).initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bench@example.com", "PASSWORD": password},
    )["AuthenticationResult"]["IdToken"]
    previous = {name: os.environ.get(name) for name in stack.env}
    os.environ.update(stack.env)
    timings: dict[str, list[float]] = {"public": [], "private": []}
    try:
        functions = load_functions(stack.spec)
        upload_origin = stack.moto.endpoint
        with ExitStack() as servers:
            public = DevServer(
                ("127.0.0.1", 0),
                functions,
                WEB_ROOT,
                upload_origin,
                gateway=Gateway(stack.spec.api),
            )
            guarded = DevServer(
                ("127.0.0.1", 0),
                functions,
                WEB_ROOT,
                upload_origin,
                gateway=Gateway(private.spec.api),
                pool=pool,
            )
            urls = {
                "public": servers.enter_context(serving_in_thread(public)),
                "private": servers.enter_context(serving_in_thread(guarded)),
            }
            headers = {"public": {}, "private": {"Authorization": token}}
            session = requests.Session()
            for _ in range(rounds):
                for mode in ("public", "private"):
                    os.environ["ACCESS_MODE"] = mode
                    url = f"{urls[mode]}/api/images?limit=20"

                    def call(url: str = url, mode: str = mode) -> None:
                        answer = session.get(url, headers=headers[mode], timeout=30)
                        answer.raise_for_status()

                    call()  # warm the connection and the handler
                    timings[mode] += time_calls(call, calls)
        authorizer = CognitoAuthorizer.for_pool(pool)
        authorizer.claims(token)  # fetches the JWKS once, as a warm dev server has
        check = time_calls(lambda: authorizer.claims(token), 200)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    public_ms = median(timings["public"]) * 1000
    private_ms = median(timings["private"]) * 1000
    details: dict[str, Any] = {
        "public_s": timings["public"],
        "private_s": timings["private"],
        "token_check_s": check,
    }
    return Section(
        rows=[
            Row(NAME, "GET /api/images, public mode (median)", public_ms, "ms", 1.0, baseline=True),
            Row(
                NAME,
                "GET /api/images, private mode: token checked (median)",
                private_ms,
                "ms",
                private_ms / public_ms,
                note=f"p95 {p95(timings['private']) * 1000:.1f} ms; "
                f"extra {private_ms - public_ms:+.1f} ms",
            ),
            Row(
                NAME,
                "ID token check alone (RS256, cached JWKS, median)",
                median(check) * 1000,
                "ms",
                median(check) * 1000 / public_ms,
            ),
        ],
        details=details,
    )
