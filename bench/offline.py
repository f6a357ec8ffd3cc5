"""The offline stack for the measurements: moto, cosmosdb-server and the local Vision server.

Started with ``offline.servers`` and provisioned from the synthesized template with
``offline.provision`` exactly as ``tricloud demo`` does; everything started is stopped
when the ``with`` block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from offline.lambda_env import lambda_environment
from offline.provision import (
    COSMOS_CONTAINER,
    COSMOS_DATABASE,
    AwsResources,
    provision_offline,
)
from offline.servers import (
    CosmosServer,
    MotoServer,
    ServerGroup,
    VisionServer,
    start_cosmos,
    start_moto,
    start_vision,
)
from offline.stack_model import StackSpec
from offline.synth import synthesized_template

__all__ = ["SITE_ORIGIN", "OfflineStack", "offline_stack"]

#: The page origin the upload bucket's CORS rule allows.
SITE_ORIGIN = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class OfflineStack:
    """Running servers, the resources on them and the handlers' environment."""

    moto: MotoServer
    cosmos: CosmosServer
    vision: VisionServer
    resources: AwsResources
    spec: StackSpec
    env: dict[str, str]
    log_dir: Path

    def stack_file(self) -> Path:
        """The spec as the dev server and the worker read it (``--stack FILE``)."""
        path = self.log_dir.parent / "stack.json"
        path.write_text(self.spec.to_json(), encoding="utf-8")
        return path

    def container(self) -> Any:
        """The Cosmos container of image documents (a verifying client)."""
        client = self.cosmos.client()
        return client.get_database_client(COSMOS_DATABASE).get_container_client(COSMOS_CONTAINER)


@contextmanager
def offline_stack(work_dir: Path) -> Iterator[OfflineStack]:
    """Start the three servers in parallel, provision them, yield, then stop them all."""
    log_dir = work_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    servers = ServerGroup()
    try:
        moto, cosmos, vision = servers.start_together(
            [
                partial(start_moto, log_dir),
                partial(start_cosmos, work_dir, log_dir),
                partial(start_vision, log_dir),
            ]
        )
        # Public mode: the pipeline's numbers need no sign-in (bench/access.py compares modes).
        stack = provision_offline(
            moto.endpoint,
            cosmos,
            synthesized_template({"access": "public"}),
            site_origins=[SITE_ORIGIN],
        )
        env = lambda_environment(
            stack.spec.functions.values(),
            aws_endpoint=moto.endpoint,
            vision_endpoint=vision.endpoint,
            cosmos_ca_bundle=cosmos.ca_bundle,
        )
        yield OfflineStack(moto, cosmos, vision, stack.resources, stack.spec, env, log_dir)
    finally:
        servers.stop_all()
