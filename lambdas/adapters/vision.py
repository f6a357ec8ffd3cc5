"""Google Cloud Vision: one ``batch_annotate_images`` call for up to 16 images.

Credentials come from the GCP secret (a service-account key or a Workload Identity Federation
``external_account`` config). With ``VISION_API_ENDPOINT`` set (offline stack) the client talks
REST to that endpoint with anonymous credentials. Throttling (429) and unavailability (503,
connection errors) are retried with exponential backoff inside an overall deadline; what still
fails raises :class:`VisionUnavailableError`. Results come back as plain dicts (snake_case
field names, enum names), one per image, in request order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import requests
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.api_core.retry import Retry, if_exception_type
from google.auth import aws, identity_pool
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.exceptions import GoogleAuthError
from google.cloud import vision
from google.oauth2 import service_account

from lambdas.config import VisionConfig
from lambdas.ports import ImageResult

__all__ = ["MAX_BATCH", "ImageResult", "VisionAnnotator", "VisionUnavailableError"]

MAX_BATCH = 16  # images per batch_annotate_images request (Vision's limit)
SCOPES = ("https://www.googleapis.com/auth/cloud-vision",)

# google.rpc.Code values of a per-image error that may succeed on a later attempt:
# DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE.
TRANSIENT_RPC_CODES = frozenset({4, 8, 13, 14})

_RETRYABLE = if_exception_type(
    gexc.TooManyRequests, gexc.ServiceUnavailable, requests.exceptions.ConnectionError
)
_AUTH_ERRORS = (gexc.Unauthenticated, gexc.PermissionDenied, GoogleAuthError)

# Load the GCP credential info; True asks to bypass the secrets cache (after an auth failure).
LoadCredentialInfo = Callable[[bool], dict[str, Any]]


class VisionUnavailableError(Exception):
    """Vision could not be reached or kept failing; the whole batch may be retried later."""


def credentials_from_info(info: dict[str, Any]) -> Credentials:
    """google-auth credentials for a service-account key or an external-account config."""
    if info.get("type") == "service_account":
        factory = service_account.Credentials.from_service_account_info
        creds: Credentials = factory(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
        return creds
    # external_account (Workload Identity Federation): no long-lived key. Use the loader of
    # the expected source type rather than google.auth's generic loader, which accepts any
    # type (e.g. running an executable) and is deprecated for configs from outside.
    source = info.get("credential_source") or {}
    if str(source.get("environment_id", "")).startswith("aws"):
        from_info = aws.Credentials.from_info
    elif "file" in source or "url" in source:
        from_info = identity_pool.Credentials.from_info
    else:
        raise ValueError("external_account credential_source must be AWS, a file or a URL")
    creds = from_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    return creds


class VisionAnnotator:
    """Annotates batches of image bytes with the configured features."""

    name = "Vision"

    def __init__(self, config: VisionConfig, load_info: LoadCredentialInfo | None = None) -> None:
        if config.api_endpoint is None and load_info is None:
            raise ValueError("either an API endpoint or a credential loader is needed")
        self._config = config
        self._load_info = load_info
        self._client: vision.ImageAnnotatorClient | None = None
        self._features = [
            vision.Feature(type_=getattr(vision.Feature.Type, name), max_results=config.max_results)
            for name in config.features
        ]
        self._retry = Retry(
            predicate=_RETRYABLE,
            initial=0.5,
            maximum=4.0,
            multiplier=2.0,
            timeout=config.timeout_seconds,
        )

    def _build_client(self, refresh: bool) -> vision.ImageAnnotatorClient:
        if self._config.api_endpoint is not None:
            return vision.ImageAnnotatorClient(
                credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                transport="rest",
                client_options=ClientOptions(api_endpoint=self._config.api_endpoint),
            )
        assert self._load_info is not None
        credentials = credentials_from_info(self._load_info(refresh))
        return vision.ImageAnnotatorClient(credentials=credentials, transport="rest")

    def annotate(self, images: Sequence[bytes]) -> list[ImageResult]:
        """One result per image, in order. Raises VisionUnavailableError for the whole batch."""
        if not images:
            return []
        if len(images) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} images per batch")
        requests_ = [
            vision.AnnotateImageRequest(image=vision.Image(content=data), features=self._features)
            for data in images
        ]
        try:
            try:
                response = self._call(requests_, refresh=False)
            except _AUTH_ERRORS:
                # Rotated or revoked credentials: read the secret again and try once more.
                response = self._call(requests_, refresh=True)
        except (*_AUTH_ERRORS, gexc.GoogleAPIError, requests.exceptions.RequestException) as exc:
            raise VisionUnavailableError(_describe(exc)) from exc
        if len(response.responses) != len(images):
            raise VisionUnavailableError("Vision answered with a different number of results")
        return [_to_result(r) for r in response.responses]

    def _call(
        self, requests_: list[vision.AnnotateImageRequest], *, refresh: bool
    ) -> vision.BatchAnnotateImagesResponse:
        if self._client is None or refresh:
            self._client = self._build_client(refresh)
        return self._client.batch_annotate_images(
            requests=requests_, retry=self._retry, timeout=self._config.timeout_seconds
        )


def _to_result(response: vision.AnnotateImageResponse) -> ImageResult:
    if response.error.code:
        return ImageResult(
            error=response.error.message or f"Vision error code {response.error.code}",
            transient=response.error.code in TRANSIENT_RPC_CODES,
        )
    annotation = vision.AnnotateImageResponse.to_dict(
        response, preserving_proto_field_name=True, use_integers_for_enums=False
    )
    return ImageResult(annotation=annotation)


def _describe(exc: BaseException) -> str:
    """A short description of a Vision failure for logs (type and message, no payloads)."""
    if isinstance(exc, gexc.RetryError) and exc.cause is not None:
        exc = exc.cause
    return f"{type(exc).__name__}: {str(exc)[:200]}"
