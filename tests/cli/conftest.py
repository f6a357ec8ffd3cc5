"""Fixtures for the ``tricloud`` command tests: the environment pointing at the local servers,
secrets on moto, a stack whose outputs name them, and an in-process way to run the command.
"""

from __future__ import annotations

import http.server
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from offline.provision import local_gcp_credentials_json, moto_client
from offline.servers import REGION, CosmosServer
from offline.service import serving_in_thread
from tooling.cli import main

#: What a secret holds before `tricloud secrets set-*` runs (CDK generates a random string).
PLACEHOLDER = "placeholder-generated-by-the-stack"
#: The checks of ``tricloud doctor`` without a stack, in the order it reports them.
CHECKS = ("Web site", "API health", "GCP secret", "Cosmos secret", "Cloud Vision", "Cosmos DB")


@dataclass(frozen=True)
class Result:
    """Exit code and output of one ``tricloud`` run."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """stdout and stderr together, for "nothing secret anywhere" assertions."""
        return self.out + self.err

    def status(self, check: str) -> str:
        """The ✓/✗/- mark of a check in the doctor's report."""
        return self.line(check)[0]

    def statuses(self) -> list[str]:
        """The ✓/✗/- mark of each of :data:`CHECKS`, in that order."""
        return [self.status(name) for name in CHECKS]

    def line(self, check: str) -> str:
        """The doctor's report line of a check, with the advice line under it if any."""
        lines = self.out.splitlines()
        for index, line in enumerate(lines):
            if line[2:].startswith(check):
                advice = lines[index + 1] if index + 1 < len(lines) else ""
                return line + ("\n" + advice if advice.startswith("  →") else "")
        raise AssertionError(f"no line for {check!r} in:\n{self.out}")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, moto_server: str, cosmos_server: CosmosServer) -> None:
    """Point boto3 at moto and the Cosmos client at the local server's CA, as the demo does."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "VISION_API_ENDPOINT",
        "GCP_SECRET_ID",
        "COSMOS_SECRET_ID",
        "TRICLOUD_SITE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("COSMOS_CA_BUNDLE", str(cosmos_server.ca_bundle))


@pytest.fixture
def tricloud(cli_env: None, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``tricloud ARGS...`` in this process and return its exit code and output."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def secretsmanager(moto_server: str) -> Any:
    """A Secrets Manager client on moto."""
    return moto_client("secretsmanager", moto_server)


@pytest.fixture
def new_secret(secretsmanager: Any) -> Callable[[str], str]:
    """Create a uniquely named secret holding ``value``; return its ARN."""

    def create(value: str = PLACEHOLDER) -> str:
        name = f"tricloud-cli-test/{uuid.uuid4().hex}"
        arn: str = secretsmanager.create_secret(Name=name, SecretString=value)["ARN"]
        return arn

    return create


@pytest.fixture
def secret_value(secretsmanager: Any) -> Callable[[str], str]:
    """Read the current value of a secret."""

    def read(secret_id: str) -> str:
        value: str = secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"]
        return value

    return read


@pytest.fixture
def placeholder() -> str:
    """What a new secret holds before ``tricloud secrets set-*`` writes it."""
    return PLACEHOLDER


@pytest.fixture
def gcp_key_file(tmp_path: Path) -> Path:
    """A service-account key file shaped exactly as GCP gives it (with a throwaway key)."""
    path = tmp_path / "key.json"
    path.write_text(local_gcp_credentials_json(), encoding="utf-8")
    return path


@pytest.fixture
def database_name() -> str:
    """A fresh Cosmos database name, so tests do not see each other's containers."""
    return f"cli-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_stack(moto_server: str) -> Callable[[dict[str, str]], str]:
    """Create a CloudFormation stack on moto with these outputs; return its name.

    moto cannot create Secrets Manager secrets from a template, so the outputs carry the
    ARNs of secrets created directly; the ``tricloud`` commands only read the outputs.
    """

    def create(outputs: dict[str, str]) -> str:
        name = f"TricloudTest{uuid.uuid4().hex[:10]}"
        template = {
            "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
        moto_client("cloudformation", moto_server).create_stack(
            StackName=name, TemplateBody=json.dumps(template)
        )
        return name

    return create


class _SiteHandler(http.server.BaseHTTPRequestHandler):
    """``/`` answers a page and ``/api/health`` answers ``{"status": "ok"}``."""

    def do_GET(self) -> None:
        if self.path == "/api/health":
            self._send(200, "application/json", b'{"status": "ok"}')
        elif self.path == "/":
            self._send(200, "text/html; charset=utf-8", b"<!doctype html><title>tricloud</title>")
        else:
            self._send(404, "application/json", b'{"error": {"code": "not_found"}}')

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    """A stand-in for the CloudFront site on 127.0.0.1 (page + health route)."""
    with serving_in_thread(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)) as url:
        yield url
