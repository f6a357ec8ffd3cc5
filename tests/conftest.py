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
- ``stack_template`` → the CDK app's synthesized template (cached, see ``offline.synth``).
- ``offline_stack`` → :class:`offline.provision.OfflineStack`: the template provisioned once
  on moto (its queue's visibility timeout cut to 2 s, so retries come back quickly), with
  the Cosmos database/container on cosmosdb-server; ``offline_resources`` is its
  :class:`offline.provision.AwsResources`.
- ``offline_stacks`` → ``get((labels, store))``: the template of that provider combination
  (synthesized with its own ``stack_name``, so names never collide) provisioned once on the
  same servers; ``offline_stack`` is the default combination's.
- ``provider_choice`` → ``(labels, store)``: ``("google-vision", "cosmos")`` here;
  tests/integration/conftest.py parametrises it. ``chosen_stack`` is its stack.
- ``lambda_env`` → sets the handler environment of ``chosen_stack`` (``monkeypatch``) and
  returns it; it also resets the label server's faults and request log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from offline.provision import AwsResources, OfflineStack, moto_client, provision_offline
from offline.servers import CosmosServer, VisionServer, start_cosmos, start_moto, start_vision
from offline.synth import synthesized_template
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


#: Tests see a failed message again after this many seconds (the stack says 721).
TEST_VISIBILITY_TIMEOUT_SECONDS = 2


@pytest.fixture(scope="session")
def stack_template() -> dict[str, Any]:
    """The synthesized template of the CDK app with cdk.json's settings."""
    return synthesized_template()


DEFAULT_PROVIDERS = ("google-vision", "cosmos")
#: The stack name each provider combination is synthesized and provisioned with.
STACK_NAMES = {
    DEFAULT_PROVIDERS: "Tricloud",
    ("google-vision", "dynamodb"): "TricloudVisionDynamo",
    ("rekognition", "cosmos"): "TricloudRekCosmos",
    ("rekognition", "dynamodb"): "TricloudAllAws",
}


@pytest.fixture(scope="session")
def offline_stacks(
    moto_server: str, cosmos_server: CosmosServer, stack_template: dict[str, Any]
) -> Callable[[tuple[str, str]], OfflineStack]:
    """The stack of a provider combination: its template's bucket, queues, secrets (and
    table) on moto, the Cosmos container; provisioned on first use, once per session."""
    stacks: dict[tuple[str, str], OfflineStack] = {}

    def get(providers: tuple[str, str]) -> OfflineStack:
        if providers not in stacks:
            name = STACK_NAMES[providers]
            template = stack_template
            if providers != DEFAULT_PROVIDERS:
                labels, store = providers
                settings = {"labels": labels, "store": store, "stack_name": name}
                template = synthesized_template(settings)
            stack = provision_offline(
                moto_server,
                cosmos_server,
                template,
                site_origins=[TEST_SITE_ORIGIN],
                stack_name=name,
            )
            moto_client("sqs", moto_server).set_queue_attributes(
                QueueUrl=stack.resources.queue_url,
                Attributes={"VisibilityTimeout": str(TEST_VISIBILITY_TIMEOUT_SECONDS)},
            )
            stacks[providers] = stack
        return stacks[providers]

    return get


@pytest.fixture(scope="session")
def offline_stack(offline_stacks: Callable[[tuple[str, str]], OfflineStack]) -> OfflineStack:
    """The default combination's stack (Vision + Cosmos DB)."""
    return offline_stacks(DEFAULT_PROVIDERS)


@pytest.fixture
def provider_choice() -> tuple[str, str]:
    """``(labels, store)`` of the handlers: the defaults, unless a conftest parametrises it."""
    return DEFAULT_PROVIDERS


@pytest.fixture
def chosen_stack(
    offline_stacks: Callable[[tuple[str, str]], OfflineStack], provider_choice: tuple[str, str]
) -> OfflineStack:
    """The stack of this test's provider combination."""
    return offline_stacks(provider_choice)


@pytest.fixture(scope="session")
def offline_resources(offline_stack: OfflineStack) -> AwsResources:
    """Names, URLs and ARNs of the upload pipeline of :func:`offline_stack`."""
    return offline_stack.resources


@pytest.fixture
def lambda_env(
    monkeypatch: pytest.MonkeyPatch,
    moto_server: str,
    cosmos_server: CosmosServer,
    vision_server: VisionServer,
    chosen_stack: OfflineStack,
) -> dict[str, str]:
    """Set the handler environment for this test and return it."""
    env = set_handler_env(
        monkeypatch,
        moto_server=moto_server,
        stack=chosen_stack,
        vision_server=vision_server,
        cosmos_server=cosmos_server,
    )
    vision_server.control.reset()
    return env
