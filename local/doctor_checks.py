"""The individual checks of ``tricloud doctor``; each returns a :class:`Check` and never raises.

A check that fails says what it saw and what to do about it, in plain words, and never
quotes a secret.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import requests
from azure.core.exceptions import AzureError
from google.api_core import exceptions as google_exceptions
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_exceptions
from google.auth import load_credentials_from_dict
from google.auth.credentials import AnonymousCredentials, Credentials
from google.cloud import vision

from lambdas.credentials import CosmosSettings, CredentialsError
from local.cli_support import CommandError
from local.cosmos_access import cosmos_client, describe_cosmos_error
from local.cosmos_setup import policy_matches
from local.secret_store import read_secret

HTTP_TIMEOUT_SECONDS = 10
VISION_TIMEOUT_SECONDS = 20
_CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# A 1x1 red PNG: the smallest image Cloud Vision will analyse.
_PROBE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC"
)

T = TypeVar("T")


class Status(Enum):
    """The outcome of one check."""

    OK = "✓"
    FAILED = "✗"
    SKIPPED = "-"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report, and what to do when it is not OK."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def check_site(url: str) -> Check:
    """The page loads: the site URL answers 2xx with HTML."""
    name = "Web site"
    try:
        status, content_type, _ = _http_get(url)
    except _HttpGetError as problem:
        return Check(name, Status.FAILED, f"{url}: {problem}", problem.fix)
    if "html" not in content_type:
        return Check(
            name,
            Status.FAILED,
            f"{url} answered {status} with {content_type or 'no content type'}, not a web page",
            "check that the site bucket holds index.html (redeploy with `npx cdk deploy`)",
        )
    return Check(name, Status.OK, f"{url} answered {status}")


def check_health(api_url: str) -> Check:
    """The API answers ``GET /api/health`` with ``{"status": "ok"}``."""
    name = "API health"
    url = f"{api_url.rstrip('/')}/health"
    try:
        status, _, body = _http_get(url)
    except _HttpGetError as problem:
        return Check(name, Status.FAILED, f"{url}: {problem}", problem.fix)
    try:
        healthy = json.loads(body).get("status") == "ok"
    except (ValueError, AttributeError):
        healthy = False
    if not healthy:
        return Check(
            name,
            Status.FAILED,
            f'{url} answered {status} without {{"status": "ok"}}',
            "the /api/* route may not reach API Gateway: check the CloudFront behaviour",
        )
    return Check(name, Status.OK, f"{url} answered {status} ok")


def check_secret(
    name: str,
    secretsmanager: Any,
    secret_id: str,
    parse: Callable[[str], T],
    fix: str,
) -> tuple[Check, T | None]:
    """Read ``secret_id`` and parse it; return the check and the parsed value (or None)."""
    try:
        value = parse(read_secret(secretsmanager, secret_id))
    except CommandError as error:
        return Check(name, Status.FAILED, str(error), fix), None
    except CredentialsError as error:
        return Check(name, Status.FAILED, f"{secret_id}: {error}", fix), None
    return Check(name, Status.OK, f"{secret_id} is well-formed"), value


def check_vision(credentials_info: dict[str, Any] | None) -> Check:
    """Cloud Vision answers a tiny annotate call made with the GCP credentials.

    With ``VISION_API_ENDPOINT`` set (the offline stack) the call goes to that endpoint
    with anonymous credentials, as the analyze function does.
    """
    name = "Cloud Vision"
    where = os.environ.get("VISION_API_ENDPOINT", "").strip() or "vision.googleapis.com"
    try:
        chosen = _vision_credentials(credentials_info)
        if isinstance(chosen, str):
            return Check(name, Status.SKIPPED, chosen)
        answer = _annotate_probe(*chosen)
    except (
        auth_exceptions.GoogleAuthError,
        ValueError,
        google_exceptions.GoogleAPIError,
        requests.RequestException,
    ) as error:
        detail, fix = _vision_problem(error)
        return Check(name, Status.FAILED, f"{where}: {detail}", fix)
    if answer.error.code:
        return Check(
            name, Status.FAILED, f"{where} could not analyse a test image: {answer.error.message}"
        )
    return Check(name, Status.OK, f"{where} analysed a 1x1 test image")


def check_cosmos(settings: CosmosSettings | None) -> Check:
    """Cosmos DB accepts the key and the container exists with tricloud's indexing policy."""
    name = "Cosmos DB"
    if settings is None:
        return Check(name, Status.SKIPPED, "not checked: needs a well-formed Cosmos secret")
    where = f"{settings.database}/{settings.container} at {settings.endpoint}"
    try:
        client = cosmos_client(settings)
        properties = (
            client.get_database_client(settings.database)
            .get_container_client(settings.container)
            .read()
        )
    except CommandError as error:
        return Check(name, Status.FAILED, str(error), _cosmos_fix(str(error)))
    except AzureError as error:
        message = describe_cosmos_error(error, settings)
        return Check(name, Status.FAILED, message, _cosmos_fix(message))
    if not policy_matches(properties.get("indexingPolicy", {})):
        return Check(
            name,
            Status.FAILED,
            f"{where}: the indexing policy is not tricloud's, so gallery queries may fail",
            "run `tricloud cosmos init` to update it",
        )
    return Check(name, Status.OK, f"{where} is reachable and set up")


class _HttpGetError(Exception):
    """An HTTP GET that did not answer 2xx; ``fix`` says what to try."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _http_get(url: str) -> tuple[int, str, bytes]:
    """GET ``url``; return status, content type and body, or raise :class:`_HttpGetError`."""
    if not url.startswith(("https://", "http://")):
        raise _HttpGetError("not an http(s) URL", "give the full URL, e.g. https://example.com")
    request = urllib.request.Request(url, headers={"User-Agent": "tricloud-doctor"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(65536)
            return response.status, response.headers.get("Content-Type", ""), body
    except urllib.error.HTTPError as error:
        raise _HttpGetError(
            f"answered {error.code} {error.reason}",
            "a new CloudFront distribution can take a few minutes; otherwise see the "
            "troubleshooting table in the README",
        ) from None
    except urllib.error.URLError as error:
        raise _HttpGetError(
            f"cannot connect ({error.reason})",
            "check the address; is the stack deployed (or `tricloud demo` running)?",
        ) from None
    except (TimeoutError, OSError) as error:
        raise _HttpGetError(
            f"cannot connect ({error})", "check the address and your network"
        ) from None


def _vision_problem(error: Exception) -> tuple[str, str]:
    """What went wrong calling Vision, and what to do about it."""
    if isinstance(error, requests.RequestException):
        return "cannot connect", "check your network (or that `tricloud demo` is running)"
    if isinstance(error, auth_exceptions.GoogleAuthError | ValueError):
        return (
            f"the GCP credentials do not work: {_first_line(error)}",
            "the key may be deleted or disabled: create a new one and run "
            "`tricloud secrets set-gcp --key-file KEY.json`",
        )
    if isinstance(error, google_exceptions.PermissionDenied):
        return (
            f"permission denied: {_first_line(error)}",
            "enable the API (`gcloud services enable vision.googleapis.com`) in the key's "
            "project and check its billing",
        )
    return _first_line(error), "try again later; if it persists, check Google's status page"


def _vision_credentials(info: dict[str, Any] | None) -> tuple[Credentials, str | None] | str:
    """The credentials and endpoint to call Vision with, or why the check is skipped."""
    endpoint = os.environ.get("VISION_API_ENDPOINT", "").strip()
    if endpoint:
        return AnonymousCredentials(), endpoint  # type: ignore[no-untyped-call]
    if info is None:
        return "not checked: needs a well-formed GCP secret"
    if info.get("type") == "external_account":
        return (
            "not checked: a Workload Identity Federation config works only from the Lambda "
            "role; upload a photo and look at its result instead"
        )
    credentials, _ = load_credentials_from_dict(  # type: ignore[no-untyped-call]
        info, scopes=[_CLOUD_PLATFORM_SCOPE]
    )
    return credentials, None


def _annotate_probe(credentials: Credentials, endpoint: str | None) -> Any:
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    client = vision.ImageAnnotatorClient(
        credentials=credentials, transport="rest", client_options=options
    )
    request = vision.AnnotateImageRequest(
        image=vision.Image(content=_PROBE_PNG),
        features=[vision.Feature(type_=vision.Feature.Type.IMAGE_PROPERTIES)],
    )
    response = client.batch_annotate_images(
        requests=[request], retry=None, timeout=VISION_TIMEOUT_SECONDS
    )
    return response.responses[0]


def _cosmos_fix(message: str) -> str:
    if "cosmos init" in message:
        return ""
    if "refused the key" in message:
        return "copy the primary key again and run `tricloud secrets set-cosmos`"
    return "check the endpoint in the secret and the account's network settings"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
