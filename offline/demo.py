"""``tricloud demo``: the whole app offline on 127.0.0.1, in the foreground.

Starts moto (S3, SQS, Secrets Manager), cosmosdb-server and the local Vision server,
creates on them what the synthesized CDK template declares (:mod:`offline.synth`,
:mod:`offline.provision`), then the analyze worker and the dev server, which run the
template's functions, trigger and API. It prints ``tricloud is running at URL`` only
when every server is up and ``/api/health`` answers, then the command that checks it
(``demo.env``: addresses and secret ids for ``tricloud doctor --env-file``).

While it runs it supervises the servers: one that dies is restarted on the same port,
with one line on stderr. moto and cosmosdb-server journal their writes under
``DIR/state/``, so a restart (of one server, or of the demo with the same ``--data``)
keeps photos, documents and queued messages. Ctrl-C or SIGTERM stops everything.

Private mode (the default, as the stack's) provisions the template's Cognito user pool on
moto and a demo user whose e-mail and password it prints; ``--access public`` synthesizes
the template with ``access=public``: the open demo without sign-in.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from offline.cognito import ensure_user, pool_environment, pool_of_stack
from offline.lambda_env import lambda_environment
from offline.provision import ProvisionError, provision_offline
from offline.servers import ServerGroup, ServerStartError, start_cosmos, start_moto, start_vision
from offline.servers.functions import WORKER_NAME, start_devserver, start_worker
from offline.servers.process import ManagedProcess, port_is_open
from offline.synth import SynthError, synthesized_template
from tooling.env_file import DEMO_EMAIL, DEMO_PASSWORD, FILE_NAME, demo_settings, write_env_file
from tooling.user_pool import new_password

DEFAULT_PORT = 8000
_WATCH_SECONDS = 0.5
_RESTART_ATTEMPTS = 3
LABELS_PROVIDERS = ("google-vision", "rekognition")
IMAGE_STORES = ("cosmos", "dynamodb")
#: The demo user of private mode (example.com never receives mail).
DEMO_USER_EMAIL = "demo@example.com"

HELP = """\
Run tricloud offline: the page and API on http://127.0.0.1:PORT, with moto (S3, SQS,
Secrets Manager, DynamoDB), cosmosdb-server and a local label server (Vision and
Rekognition protocols) behind it, all on 127.0.0.1. What runs (resources, functions,
queue trigger, API routes) is read from the CDK app's template, synthesized without
bundling and cached in build/offline-template/. --labels and --store choose the providers
as the context keys of the same names do: `--labels rekognition --store dynamodb` is the
all-AWS app (no cosmosdb-server, no GCP or Cosmos secret). Stops on Ctrl-C or SIGTERM.

A server that dies is restarted (one line on stderr). Photos, documents and queued
messages are journaled in DIR/state/ and survive a restart of any server; with --data
they also survive a restart of the demo (the same gallery next time), together with the
server logs and the TLS certificate. Without --data, DIR is a temporary folder, removed
on exit.

Private mode (the default) signs in like the deployed stack: the template's Cognito user
pool on moto, a demo user whose e-mail and password are printed with the URL (a new password
each start), and the API's Cognito authorizer enforced by the dev server. --access public is
the open demo (no sign-in).

While it runs, DIR/demo.env holds its connection settings (addresses, secret ids, the
CA bundle path, the user pool and the demo user; no cloud secret): `tricloud doctor
--env-file DIR/demo.env` checks the whole running stack, `tricloud token --env-file
DIR/demo.env` prints an ID token. The file is removed on exit, as its addresses die with
the demo.
"""


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="run the whole app offline on 127.0.0.1",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=_port,
        # A string default goes through ``type`` too, so a bad $PORT is a usage error.
        default=os.environ.get("PORT", str(DEFAULT_PORT)),
        help=f"port of the page and API (default: $PORT or {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--labels",
        choices=LABELS_PROVIDERS,
        default="google-vision",
        help="who labels the photos (the template's `labels`): the local stand-in of Cloud "
        "Vision (default) or of Amazon Rekognition, each through its real SDK",
    )
    parser.add_argument(
        "--store",
        choices=IMAGE_STORES,
        default="cosmos",
        help="where the documents live (the template's `store`): cosmosdb-server (default) "
        "or DynamoDB on moto",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep photos, documents, queues, logs and the TLS certificate here",
    )
    parser.add_argument(
        "--access",
        choices=("private", "public"),
        default="private",
        help="private: sign-in with a demo user (default); public: the open demo",
    )
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    """A TCP port number from the command line or $PORT."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return port


def run(args: argparse.Namespace) -> int:
    """Start the stack, print the URL, supervise it until a signal; returns the exit code.

    SIGINT/SIGTERM only set a flag, checked between start-up steps and while running,
    so a signal can never interrupt the bookkeeping of what has been started.
    """
    started_at = time.monotonic()
    port: int = args.port
    if port_is_open(port):
        print(f"tricloud demo: port {port} is already in use; try --port", file=sys.stderr)
        return 1
    run_dir = args.data.resolve() if args.data else Path(tempfile.mkdtemp(prefix="tricloud-"))
    log_dir = run_dir / "logs"
    env_file = run_dir / FILE_NAME
    running = ServerGroup()
    stop = threading.Event()
    previous = _install_signal_handlers(stop)
    try:
        settings = _start(
            running,
            run_dir,
            log_dir,
            port,
            stop,
            access=args.access,
            providers=(args.labels, args.store),
        )
        if settings is None:
            print("tricloud demo: stopping.", file=sys.stderr)
            return 0
        write_env_file(env_file, settings)
        elapsed = time.monotonic() - started_at
        print(f"tricloud is running at http://127.0.0.1:{port}", flush=True)
        print(f"Check it with: {check_command(env_file)}", flush=True)
        if DEMO_EMAIL in settings:
            print(
                f"Sign in as {settings[DEMO_EMAIL]} with password {settings[DEMO_PASSWORD]}",
                flush=True,
            )
        print(
            f"(started in {elapsed:.1f} s; logs in {log_dir}; Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
        return _supervise(running, stop)
    except (ServerStartError, SynthError, ProvisionError) as error:
        print(f"tricloud demo: {error}", file=sys.stderr)
        print("tricloud demo: stopping the servers that did start.", file=sys.stderr)
        return 1
    finally:
        running.stop_all()
        _restore_signal_handlers(previous)
        env_file.unlink(missing_ok=True)
        if args.data is None:
            shutil.rmtree(run_dir, ignore_errors=True)


def check_command(env_file: Path) -> str:
    """``tricloud doctor --env-file FILE`` as the user can paste it.

    ``make demo`` runs ``.venv/bin/tricloud`` with .venv/bin on make's own PATH only, so the
    command names the ``tricloud`` next to this Python (relative to the current folder when
    it is inside it).
    """
    beside = Path(sys.executable).parent / "tricloud"
    command = "tricloud"
    if beside.is_file():
        try:
            command = str(beside.relative_to(Path.cwd()))
        except ValueError:
            command = str(beside)
    return f"{shlex.quote(command)} doctor --env-file {shlex.quote(str(env_file))}"


def _start(
    running: ServerGroup,
    run_dir: Path,
    log_dir: Path,
    port: int,
    stop: threading.Event,
    *,
    access: str = "private",
    providers: tuple[str, str] = ("google-vision", "cosmos"),
) -> dict[str, str] | None:
    """Start everything; return the demo's connection settings, None when a stop was requested.

    The template (synthesized with ``labels`` and ``store`` from ``providers``) is read while
    the servers start: cosmosdb-server only when the store is Cosmos DB. What started is in
    ``running`` even when this raises.
    """
    labels, store = providers
    state = run_dir / "state"
    starters: list[Callable[[], Any]] = [
        partial(start_moto, log_dir, journal=state / "moto.jsonl"),
        partial(start_vision, log_dir),
    ]
    if store == "cosmos":
        starters.append(partial(start_cosmos, run_dir, log_dir, journal=state / "cosmos.jsonl"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        template = pool.submit(
            synthesized_template, {"access": access, "labels": labels, "store": store}
        )
        started = running.start_together(starters)
        moto, vision = started[0], started[1]
        cosmos = started[2] if store == "cosmos" else None
        if stop.is_set():
            return None
        site = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
        stack = provision_offline(moto.endpoint, cosmos, template.result(), site_origins=site)
    stack_file = run_dir / "stack.json"
    stack_file.write_text(stack.spec.to_json(), encoding="utf-8")
    functions_env = lambda_environment(
        stack.spec.functions.values(),
        aws_endpoint=moto.endpoint,
        vision_endpoint=vision.endpoint,
        cosmos_ca_bundle=cosmos.ca_bundle if cosmos is not None else None,
    )
    published = dict(functions_env)
    authorizers = list(stack.spec.api.authorizers.values())
    if access == "private" and authorizers:
        user_pool = pool_of_stack(moto.endpoint, authorizers[0].provider_arns)
        password = new_password()
        ensure_user(user_pool, DEMO_USER_EMAIL, password)
        functions_env |= pool_environment(user_pool)
        published |= {
            **pool_environment(user_pool),
            DEMO_EMAIL: DEMO_USER_EMAIL,
            DEMO_PASSWORD: password,
        }
    env = {**os.environ, **functions_env, "POWERTOOLS_METRICS_DISABLED": "true"}
    if stop.is_set():
        return None
    running.start_together(
        [
            partial(start_worker, env, stack_file, log_dir),
            partial(start_devserver, env, port, stack_file, log_dir),
        ],
    )
    return None if stop.is_set() else demo_settings(site[0], published)


def _supervise(running: ServerGroup, stop: threading.Event) -> int:
    """Restart a server that dies (one line each) until a signal (exit 0).

    A server that cannot be restarted ends the demo (exit 1, quoting its log). After a
    restart, the worker retries at once what failed while the server was gone.
    """
    while not stop.wait(_WATCH_SECONDS):
        for process in running.processes:
            if process.is_running() or stop.is_set():
                continue
            print(
                f"tricloud demo: {process.name} exited ({_how(process.exit_code())}); "
                "restarting it.",
                file=sys.stderr,
                flush=True,
            )
            if not _restart(process):
                return 1
            for other in running.processes:
                if other is not process and other.name.startswith(WORKER_NAME):
                    other.send_signal(signal.SIGUSR1)
    print("tricloud demo: stopping.", file=sys.stderr)
    return 0


def _restart(process: ManagedProcess) -> bool:
    """Restart ``process``, trying again if it dies while starting; False when it never did."""
    for attempt in range(1, _RESTART_ATTEMPTS + 1):
        try:
            process.restart()
        except ServerStartError as error:
            if attempt == _RESTART_ATTEMPTS:
                print(f"tricloud demo: {error}", file=sys.stderr)
                return False
            print(
                f"tricloud demo: {process.name} failed to restart; trying again.",
                file=sys.stderr,
                flush=True,
            )
        else:
            return True
    return False


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


_Handler = Callable[[int, FrameType | None], Any] | int | None


def _install_signal_handlers(stop: threading.Event) -> dict[int, _Handler]:
    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, _Handler] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, request_stop)
    return previous


def _restore_signal_handlers(previous: dict[int, _Handler]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
