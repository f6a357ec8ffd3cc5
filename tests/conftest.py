"""Session-wide local servers for the tests, and the Lambda environment that points at them.

Fixtures (servers start on first use, once per session, on free 127.0.0.1 ports; logs in
``test-output/server-logs/``):

- ``moto_server`` → the moto endpoint URL (S3, SQS, Secrets Manager).
- ``cosmos_server`` → :class:`offline.servers.CosmosServer`: ``endpoint``, ``key``,
  ``ca_bundle`` (the CA that signed its certificate), ``client()`` (a verifying client).
  Note: ``CosmosClient(..., connection_verify=path)`` does NOT verify against ``path`` for
  127.0.0.1; see :func:`offline.servers.cosmos.verified_cosmos_client`.
- ``vision_server`` → :class:`offline.servers.VisionServer` with the offline classifier as
  labeller: ``endpoint`` and ``control``
  (``fail_next``, ``fail_image``, ``requests``, ``reset``).
- ``offline_resources`` → :class:`offline.provision.AwsResources` created once on moto, with
  the Cosmos database/container created on cosmosdb-server.
- ``dynamo_resources`` → :class:`offline.tables.DynamoResources`: the images table and the
  cursor key on moto (for ``store=dynamodb``), created once.
- ``provider_choice`` → ``(labels, store)``: ``("google-vision", "cosmos")`` here;
  tests/integration/conftest.py parametrises it over the combinations.
- ``lambda_env`` → sets the handler environment for ``provider_choice`` (``monkeypatch``) and
  returns it; it also resets the label server's faults and request log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from offline.provision import AwsResources, provision_offline
from offline.servers import CosmosServer, VisionServer, start_cosmos, start_moto, start_vision
from offline.tables import DynamoResources, provision_dynamodb
from tests.handler_env import set_handler_env

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The page origin the upload bucket's CORS rule allows in tests.
TEST_SITE_ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def server_logs() -> Path:
    """Where the local servers write their logs (kept after the run for debugging)."""
    path = REPO_ROOT / "test-output" / "server-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def moto_server(server_logs: Path) -> Iterator[str]:
    """The endpoint URL of a moto server (S3, SQS, Secrets Manager)."""
    server = start_moto(server_logs)
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture(scope="session")
def cosmos_server(
    server_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CosmosServer]:
    """A running cosmosdb-server over HTTPS with its key and CA bundle."""
    server = start_cosmos(tmp_path_factory.mktemp("cosmos"), server_logs)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def vision_server(server_logs: Path) -> Iterator[VisionServer]:
    """The local Vision REST server (labels from the offline classifier) and its controls."""
    server = start_vision(server_logs)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def offline_resources(moto_server: str, cosmos_server: CosmosServer) -> AwsResources:
    """Bucket, queues and secrets on moto, and the Cosmos container, created once."""
    return provision_offline(
        moto_server,
        cosmos_server,
        site_origins=[TEST_SITE_ORIGIN],
        prefix="tricloud-test",
        visibility_timeout_seconds=2,
    )


@pytest.fixture(scope="session")
def dynamo_resources(moto_server: str) -> DynamoResources:
    """The images table and the cursor key secret on moto, created once."""
    return provision_dynamodb(moto_server, prefix="tricloud-test")


@pytest.fixture
def provider_choice() -> tuple[str, str]:
    """``(labels, store)`` of the handlers: the defaults, unless a conftest parametrises it."""
    return ("google-vision", "cosmos")


@pytest.fixture
def lambda_env(
    monkeypatch: pytest.MonkeyPatch,
    moto_server: str,
    cosmos_server: CosmosServer,
    vision_server: VisionServer,
    offline_resources: AwsResources,
    dynamo_resources: DynamoResources,
    provider_choice: tuple[str, str],
) -> dict[str, str]:
    """Set the handler environment for this test and return it."""
    labels, store = provider_choice
    env = set_handler_env(
        monkeypatch,
        moto_server=moto_server,
        resources=offline_resources,
        vision_server=vision_server,
        cosmos_server=cosmos_server,
        labels=labels,
        store=store,
        dynamo=dynamo_resources,
    )
    vision_server.control.reset()
    return env
