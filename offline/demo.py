"""``tricloud demo``: the whole app offline on 127.0.0.1, in the foreground.

Starts moto (S3, SQS, Secrets Manager), cosmosdb-server and the local Vision server,
creates the bucket, queues, secrets and Cosmos container as the CDK stack does in AWS,
then the analyze worker and the dev server. It prints ``tricloud is running at URL`` only
when every server is up and ``/api/health`` answers, then where its connection settings
are (``demo.env``: addresses and secret ids for ``tricloud doctor --env-file``).
Ctrl-C or SIGTERM stops everything.
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
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from offline.lambda_env import lambda_environment
from offline.provision import provision_aws, provision_offline
from offline.servers import ServerGroup, ServerStartError, start_cosmos, start_moto, start_vision
from offline.servers.functions import start_devserver, start_worker
from offline.servers.process import port_is_open
from offline.tables import provision_dynamodb
from tooling.env_file import FILE_NAME, demo_settings, write_env_file

DEFAULT_PORT = 8000
LABELS_PROVIDERS = ("google-vision", "rekognition")
IMAGE_STORES = ("cosmos", "dynamodb")
_WATCH_SECONDS = 0.5

HELP = """\
Run tricloud offline: the page and API on http://127.0.0.1:PORT, with moto (S3, SQS,
Secrets Manager, DynamoDB), cosmosdb-server and a local label server (Vision and
Rekognition protocols) behind it, all on 127.0.0.1. --labels and --store choose the
providers as the stack's context does; `--labels rekognition --store dynamodb` is the
all-AWS app (no cosmosdb-server, no GCP or Cosmos secret). Stops on Ctrl-C or SIGTERM.

Data lives for the run only: moto and cosmosdb-server keep everything in memory, so
uploads and results are gone after a restart even with --data; --data keeps the server
logs and the run's TLS certificate in DIR (default: a temporary folder, removed on exit).

While it runs, DIR/demo.env holds its connection settings (addresses, secret ids, the
CA bundle path; no secret values): `tricloud doctor --env-file DIR/demo.env` checks the
whole running stack. The file is removed on exit, as its addresses die with the demo.
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
        help="who labels the photos: the local stand-in of Cloud Vision (default) or of "
        "Amazon Rekognition, through the real SDK of each",
    )
    parser.add_argument(
        "--store",
        choices=IMAGE_STORES,
        default="cosmos",
        help="where the documents live: cosmosdb-server (default) or DynamoDB on moto",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep server logs and the TLS certificate here (the data itself is in memory)",
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
    """Start the stack, print the URL, wait for a signal; returns the exit code.

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
            running, run_dir, log_dir, port, stop, providers=(args.labels, args.store)
        )
        if settings is None:
            print("tricloud demo: stopping.", file=sys.stderr)
            return 0
        write_env_file(env_file, settings)
        elapsed = time.monotonic() - started_at
        print(f"tricloud is running at http://127.0.0.1:{port}", flush=True)
        print(f"Check it with: tricloud doctor --env-file {shlex.quote(str(env_file))}", flush=True)
        print(
            f"(started in {elapsed:.1f} s; logs in {log_dir}; Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
        return _watch(running, stop)
    except ServerStartError as error:
        print(f"tricloud demo: {error}", file=sys.stderr)
        print("tricloud demo: stopping the servers that did start.", file=sys.stderr)
        return 1
    finally:
        running.stop_all()
        _restore_signal_handlers(previous)
        env_file.unlink(missing_ok=True)
        if args.data is None:
            shutil.rmtree(run_dir, ignore_errors=True)


def _start(
    running: ServerGroup,
    run_dir: Path,
    log_dir: Path,
    port: int,
    stop: threading.Event,
    *,
    providers: tuple[str, str] = ("google-vision", "cosmos"),
) -> dict[str, str] | None:
    """Start everything; return the demo's connection settings, None when a stop was requested.

    Only the chosen providers' servers and resources: no cosmosdb-server (nor Node) and no
    Cosmos secret with ``store=dynamodb``, no GCP secret with ``labels=rekognition``.
    What started is in ``running`` even when this raises.
    """
    labels, store = providers
    starters: list[Callable[[], Any]] = [
        partial(start_moto, log_dir),
        partial(start_vision, log_dir),
    ]
    if store == "cosmos":
        starters.append(partial(start_cosmos, run_dir, log_dir))
    started = running.start_together(starters)
    moto, vision = started[0], started[1]
    if stop.is_set():
        return None
    site = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    dynamo = None
    if store == "cosmos":
        cosmos = started[2]
        resources = provision_offline(
            moto.endpoint, cosmos, site_origins=site, gcp_secret=labels == "google-vision"
        )
        ca_bundle = cosmos.ca_bundle
    else:
        resources = provision_aws(
            moto.endpoint,
            site_origins=site,
            cosmos_secret=None,
            gcp_secret=labels == "google-vision",
        )
        dynamo = provision_dynamodb(moto.endpoint)
        ca_bundle = run_dir / "no-cosmos-ca.pem"  # unused: no Cosmos DB in this demo
    functions_env = lambda_environment(
        aws_endpoint=moto.endpoint,
        resources=resources,
        vision_endpoint=vision.endpoint,
        cosmos_ca_bundle=ca_bundle,
        labels=labels,
        store=store,
        dynamo=dynamo,
    )
    env = {**os.environ, **functions_env, "POWERTOOLS_METRICS_DISABLED": "true"}
    if stop.is_set():
        return None
    running.start_together(
        [
            partial(start_worker, env, resources.queue_url, log_dir),
            partial(start_devserver, env, port, log_dir),
        ],
    )
    return None if stop.is_set() else demo_settings(site[0], functions_env)


def _watch(running: ServerGroup, stop: threading.Event) -> int:
    """Block until a signal (exit 0) or until a server dies (exit 1, naming it)."""
    while not stop.wait(_WATCH_SECONDS):
        for process in running.processes:
            if not process.is_running():
                print(
                    f"tricloud demo: {process.name} stopped unexpectedly.\n{process.log_tail()}",
                    file=sys.stderr,
                )
                return 1
    print("tricloud demo: stopping.", file=sys.stderr)
    return 0


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
