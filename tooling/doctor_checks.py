"""The individual checks of ``tricloud doctor``; each returns a :class:`Check` and never raises.

A check that fails says what it saw and what to do about it, in plain words, and never
quotes a secret.
"""

from __future__ import annotations

import base64
import io
import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import requests
from azure.core.exceptions import AzureError
from botocore.exceptions import BotoCoreError, ClientError
from google.api_core import exceptions as google_exceptions
from google.auth import exceptions as auth_exceptions
from PIL import Image

from lambdas.adapters.cosmos import CosmosImageStore
from lambdas.adapters.dynamodb import INDEX_NAME, DynamoImageStore
from lambdas.adapters.rekognition import RekognitionLabeller
from lambdas.adapters.vision import VisionAnnotator, VisionUnavailableError
from lambdas.config import LabelsConfig, VisionConfig
from lambdas.credentials import CosmosSettings, CredentialsError
from lambdas.ports import StoreUnavailableError
from tooling.cli_support import CommandError, aws_error_code, describe_aws_error, first_line
from tooling.cosmos_access import cosmos_client, describe_cosmos_error
from tooling.cosmos_setup import DEFAULT_TTL, PARTITION_KEY_PATH, policy_matches
from tooling.secret_store import SecretAccessError, read_secret

HTTP_TIMEOUT_SECONDS = 10
#: Overall deadline of the Vision probe, retries of 429/503 and connection errors included.
VISION_TIMEOUT_SECONDS = 10
# A 1x1 red PNG: the smallest image Cloud Vision will analyse.
_PROBE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC"
)
T = TypeVar("T")
# SQS's error codes for a caller without the permission (JSON and query protocols).
_DENIED = {"AccessDenied", "AccessDeniedException", "AWS.SimpleQueueService.AccessDenied"}
#: What to do when AWS cannot be asked at all (no credentials, no network, access denied).
AWS_ACCESS_FIX = (
    "sign in to AWS first (`aws configure`, `aws sso login` or AWS_PROFILE) as someone who "
    "may read the stack and its secrets, and check --region / AWS_REGION"
)


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
    except SecretAccessError as error:
        # Not the secret's fault: setting it again would not help.
        return Check(name, Status.FAILED, str(error), AWS_ACCESS_FIX), None
    except CommandError as error:
        return Check(name, Status.FAILED, str(error), fix), None
    except CredentialsError as error:
        return Check(name, Status.FAILED, f"{secret_id}: {error}", fix), None
    return Check(name, Status.OK, f"{secret_id} is well-formed"), value


def check_dead_letters(sqs: Any, queue_url: str) -> Check:
    """The dead-letter queue is empty: no upload failed its analysis for good."""
    name = "Dead letters"
    try:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
    except (ClientError, BotoCoreError) as error:
        if aws_error_code(error) in _DENIED:
            # e.g. the CI deploy role, which may read the stack and its secrets only.
            return Check(name, Status.SKIPPED, "not checked: sqs:GetQueueAttributes is not allowed")
        return Check(name, Status.FAILED, f"cannot read {queue_url}: {describe_aws_error(error)}")
    parked = sum(int(value) for value in attributes.values())
    if parked:
        noun = "upload" if parked == 1 else "uploads"
        return Check(
            name,
            Status.FAILED,
            f"{parked} {noun} failed analysis for good and wait in the dead-letter queue",
            "fix what the other checks name, then run `tricloud redrive`",
        )
    return Check(name, Status.OK, "the dead-letter queue is empty")


def check_vision(credentials_info: dict[str, Any] | None) -> Check:
    """Cloud Vision answers a tiny annotate call, made by the analyze function's adapter.

    With ``VISION_API_ENDPOINT`` set (the offline stack) the call goes to that endpoint
    with anonymous credentials, as the analyze function does.
    """
    name = "Cloud Vision"
    endpoint = os.environ.get("VISION_API_ENDPOINT", "").strip() or None
    where = endpoint or "vision.googleapis.com"
    if endpoint is None and credentials_info is None:
        return Check(name, Status.SKIPPED, "not checked: needs a well-formed GCP secret")
    if endpoint is None and credentials_info and credentials_info["type"] == "external_account":
        return Check(
            name,
            Status.SKIPPED,
            "not checked: a Workload Identity Federation config works only from the Lambda "
            "role; upload a photo and look at its result instead",
        )
    config = VisionConfig(
        features=("IMAGE_PROPERTIES",),
        max_results=1,
        timeout_seconds=VISION_TIMEOUT_SECONDS,
        secret_id=None,
        api_endpoint=endpoint,
    )
    annotator = VisionAnnotator(config, load_info=lambda _refresh: credentials_info or {})
    try:
        (result,) = annotator.annotate([_PROBE_PNG])
    except (VisionUnavailableError, ValueError) as error:
        detail, fix = _vision_problem(error.__cause__ or error)
        return Check(name, Status.FAILED, f"{where}: {detail}", fix)
    if result.error:
        return Check(name, Status.FAILED, f"{where} could not analyse a test image: {result.error}")
    return Check(name, Status.OK, f"{where} analysed a 1x1 test image")


def check_cosmos(settings: CosmosSettings | None) -> Check:
    """Cosmos DB accepts the key, the container is set up, and a point read works."""
    name = "Cosmos DB"
    if settings is None:
        return Check(name, Status.SKIPPED, "not checked: needs a well-formed Cosmos secret")
    where = f"{settings.database}/{settings.container} at {settings.endpoint}"
    try:
        properties = (
            cosmos_client(settings)
            .get_database_client(settings.database)
            .get_container_client(settings.container)
            .read()
        )
        # The same point read the detail function makes (a missing id is not an error).
        store = CosmosImageStore(lambda _refresh: settings, ca_bundle=_ca_bundle())
        store.get("public", str(uuid.uuid4()))
    except CommandError as error:
        return Check(name, Status.FAILED, str(error))
    except (AzureError, ValueError, StoreUnavailableError) as error:
        cause = error.__cause__ if isinstance(error, StoreUnavailableError) else error
        cause = cause or error
        return Check(
            name, Status.FAILED, describe_cosmos_error(cause, settings), _cosmos_fix(cause)
        )
    problem = _setup_problem(properties)
    if problem is not None:
        return Check(name, Status.FAILED, f"{where}: {problem[0]}", problem[1])
    return Check(name, Status.OK, f"{where} is reachable and set up")


def _setup_problem(properties: dict[str, Any]) -> tuple[str, str] | None:
    """What is wrong with how the container is set up, and the fix; None when all is well."""
    if properties.get("partitionKey", {}).get("paths") != [PARTITION_KEY_PATH]:
        return (
            f"the partition key is not {PARTITION_KEY_PATH}",
            "a partition key cannot change: run `tricloud cosmos init` with a new container name",
        )
    if properties.get("defaultTtl") != DEFAULT_TTL:
        return (
            "per-item time to live is off, so abandoned uploads are never removed",
            "run `tricloud cosmos init` to turn it on",
        )
    if not policy_matches(properties.get("indexingPolicy", {})):
        return (
            "the indexing policy is not tricloud's, so gallery queries may fail",
            "run `tricloud cosmos init` to update it",
        )
    return None


def check_rekognition() -> Check:
    """Amazon Rekognition answers DetectLabels on a small test image, made by the analyze
    function's adapter with this machine's AWS credentials (offline: the local label server,
    through ``AWS_ENDPOINT_URL_REKOGNITION``)."""
    name = "Rekognition"
    where = os.environ.get("AWS_ENDPOINT_URL_REKOGNITION", "").strip() or "Amazon Rekognition"
    config = LabelsConfig(
        features=("LABEL_DETECTION",), max_results=1, timeout_seconds=VISION_TIMEOUT_SECONDS
    )
    (result,) = RekognitionLabeller(config).annotate([_probe_jpeg()])
    if result.error:
        fix = (
            "check your AWS credentials and region, and that Rekognition is offered in it"
            if result.transient
            else ""
        )
        return Check(name, Status.FAILED, f"{where}: {result.error}", fix)
    return Check(name, Status.OK, f"{where} labelled a small test image")


def check_dynamodb(dynamodb: Any, table: str | None) -> Check:
    """The images table exists, is active, has the gallery index, and answers a point read."""
    name = "DynamoDB"
    if table is None:
        return Check(name, Status.SKIPPED, "not checked: the images table is not known")
    try:
        description = dynamodb.describe_table(TableName=table)["Table"]
        DynamoImageStore(table, dynamodb).get("public", str(uuid.uuid4()))
    except StoreUnavailableError as error:
        return Check(name, Status.FAILED, f"{table}: {error}")
    except Exception as error:  # botocore's errors: missing table, no access, unreachable
        return Check(
            name,
            Status.FAILED,
            f"{table}: {first_line(error)}",
            "deploy the stack with -c store=dynamodb, or pass --images-table",
        )
    indexes = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes") or []}
    if INDEX_NAME not in indexes:
        return Check(
            name, Status.FAILED, f"{table} has no {INDEX_NAME} index", "deploy the stack again"
        )
    status = description.get("TableStatus")
    if status != "ACTIVE":
        return Check(name, Status.FAILED, f"{table} is {status}, not ACTIVE", "wait and retry")
    return Check(name, Status.OK, f"{table} is active with its {INDEX_NAME} index")


def _probe_jpeg() -> bytes:
    """A 96x64 grey JPEG (Rekognition refuses images under 80 pixels a side)."""
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (128, 128, 128)).save(buffer, "JPEG")
    return buffer.getvalue()


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


def _vision_problem(error: BaseException) -> tuple[str, str]:
    """What went wrong calling Vision, and what to do about it."""
    if isinstance(error, google_exceptions.RetryError) and error.cause is not None:
        error = error.cause  # retried until the deadline: report the last failure
    if isinstance(error, requests.Timeout):
        return (
            f"no answer within {VISION_TIMEOUT_SECONDS} s",
            "check the address and your network, then try again (offline: restart `tricloud demo`)",
        )
    if isinstance(error, requests.RequestException):
        return "cannot connect", "check your network (or that `tricloud demo` is running)"
    credentials_refused = (
        auth_exceptions.GoogleAuthError,
        google_exceptions.Unauthenticated,
        ValueError,
    )
    if isinstance(error, credentials_refused):
        return (
            f"the GCP credentials do not work: {first_line(error)}",
            "the key may be deleted or disabled: create a new one and run "
            "`tricloud secrets set-gcp --key-file KEY.json`",
        )
    if isinstance(error, google_exceptions.PermissionDenied):
        return (
            f"permission denied: {first_line(error)}",
            "enable the API (`gcloud services enable vision.googleapis.com`) in the key's "
            "project and check its billing",
        )
    return first_line(error), "try again later; if it persists, check Google's status page"


def _ca_bundle() -> str | None:
    """COSMOS_CA_BUNDLE, the local server's CA (offline stack), when set."""
    return os.environ.get("COSMOS_CA_BUNDLE", "").strip() or None


def _cosmos_fix(error: BaseException) -> str:
    """What to do about a Cosmos DB failure (a 404 message already names the command)."""
    status = getattr(error, "status_code", None)
    if status == 404:
        return ""
    if status == 401 or isinstance(error, ValueError):
        return "copy the primary key again and run `tricloud secrets set-cosmos`"
    return "check the endpoint in the secret and the account's network settings"
