"""``@vercel/cosmosdb-server`` (from node_modules) over HTTPS on 127.0.0.1.

The server accepts any account key; each run makes a random one so that clients still
sign requests the way they do against Azure. Its TLS certificate comes from
:mod:`offline.servers.tls`; clients verify it with ``ca_bundle`` (``COSMOS_CA_BUNDLE``).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import ssl
from dataclasses import dataclass
from pathlib import Path

from azure.cosmos import CosmosClient, SSLConfiguration

from offline.servers.http_probe import answers
from offline.servers.process import (
    DEFAULT_START_TIMEOUT_SECONDS,
    LocalServer,
    ManagedProcess,
    ServerStartError,
    free_port,
)
from offline.servers.tls import make_tls_files

REPO_ROOT = Path(__file__).resolve().parents[2]
_LAUNCHER = Path(__file__).with_name("cosmos_server.js")
_PACKAGE = Path("@vercel") / "cosmosdb-server"


@dataclass
class CosmosServer(LocalServer):
    """A running cosmosdb-server: its endpoint, the account key and the CA to trust."""

    key: str
    ca_bundle: Path

    @property
    def endpoint(self) -> str:
        """The account endpoint, e.g. ``https://127.0.0.1:8081/``."""
        return f"https://127.0.0.1:{self.port}/"

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this server's certificate authority."""
        return ssl.create_default_context(cafile=str(self.ca_bundle))

    def client(self) -> CosmosClient:
        """An azure-cosmos client that verifies this server's certificate."""
        return verified_cosmos_client(self.endpoint, self.key, self.ca_bundle)


def verified_cosmos_client(endpoint: str, key: str, ca_bundle: Path) -> CosmosClient:
    """A CosmosClient that checks the server's certificate against ``ca_bundle``.

    ``CosmosClient(..., connection_verify=path)`` is not enough: azure-cosmos turns that
    argument into a boolean, and it skips verification for 127.0.0.1 and localhost unless a
    ``ssl_config`` names the CA file.
    """
    ssl_config = SSLConfiguration()
    ssl_config.SSLCaCerts = str(ca_bundle)
    return CosmosClient(endpoint, credential=key, ssl_config=ssl_config)


def node_modules_dir() -> Path:
    """The ``node_modules`` folder that holds cosmosdb-server (``npm ci`` at the repo root)."""
    candidate = REPO_ROOT / "node_modules"
    if not (candidate / _PACKAGE).is_dir():
        raise ServerStartError(
            f"cosmosdb-server: {candidate / _PACKAGE} is missing; run `npm ci` in {REPO_ROOT}."
        )
    return candidate


def start_cosmos(
    work_dir: Path,
    log_dir: Path,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
    *,
    journal: Path | None = None,
) -> CosmosServer:
    """Start cosmosdb-server on a free port; wait until it answers.

    Its certificate is made once per ``work_dir`` and reused (a restarted server must be
    trusted by clients that loaded the CA already). With a ``journal`` its writes are kept
    there and replayed on every start (see ``cosmos_server.js``).
    """
    node = shutil.which("node")
    if node is None:
        raise ServerStartError("cosmosdb-server: the `node` command is not installed.")
    modules = node_modules_dir()
    tls = make_tls_files(work_dir / "cosmos-tls", reuse=True)
    port = free_port()
    env = {**os.environ, "NODE_PATH": str(modules)}
    process = ManagedProcess(
        "cosmosdb-server (Azure Cosmos DB)",
        [
            node,
            str(_LAUNCHER),
            str(port),
            str(tls.server_cert),
            str(tls.server_key),
            *([str(journal)] if journal is not None else []),
        ],
        log_dir / "cosmosdb-server.log",
        env=env,
        cwd=REPO_ROOT,
    )
    key = base64.b64encode(secrets.token_bytes(64)).decode("ascii")
    server = CosmosServer(process, port, key, tls.ca_cert)
    context = server.ssl_context()
    process.start_and_wait_ready(lambda: answers(server.endpoint, ssl_context=context), timeout)
    return server
