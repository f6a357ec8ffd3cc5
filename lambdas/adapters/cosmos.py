"""Cosmos DB container of image documents: upsert, point read, paged parameterized query.

The client is built on first use from the Cosmos secret (endpoint, key, database, container)
and kept for the container's life. When Cosmos rejects the key (401/403, e.g. after rotation)
the secret is read again once and the call repeated. Connection problems are retried a few
times by the SDK, then surface as :class:`StoreUnavailableError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from azure.core.exceptions import AzureError
from azure.cosmos import ContainerProxy, CosmosClient, SSLConfiguration
from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceNotFoundError

from lambdas.adapters.secrets import SecretsReader
from lambdas.config import CosmosConfig
from lambdas.credentials import CosmosSettings
from lambdas.services.cursor import InvalidCursorError
from lambdas.services.gallery import Page

__all__ = ["ImageStore", "InvalidContinuationError", "StoreUnavailableError"]

# Load the Cosmos settings; True asks to bypass the secrets cache (after an auth failure).
LoadSettings = Callable[[bool], CosmosSettings]

_AUTH_STATUS = (401, 403)
CONTINUATION_TOKEN_LIMIT_KB = 2
_CLIENT_OPTIONS: dict[str, Any] = {
    "connection_timeout": 5,  # seconds to connect
    "read_timeout": 15,  # seconds to wait for an answer
    "retry_total": 3,
    "retry_backoff_max": 4,
    "retry_connect": 2,
    "retry_read": 2,
}


class StoreUnavailableError(Exception):
    """Cosmos DB could not be reached or failed; the operation may be retried later."""


class InvalidContinuationError(InvalidCursorError):
    """Cosmos DB rejected a continuation token."""


class ImageStore:
    """The image documents container (partition key ``/id``)."""

    def __init__(self, load_settings: LoadSettings, ca_bundle: str | None = None) -> None:
        self._load_settings = load_settings
        self._ca_bundle = ca_bundle
        self._container: ContainerProxy | None = None
        self._settings: CosmosSettings | None = None
        self._lock = threading.Lock()  # the analyzer writes from several threads

    @classmethod
    def from_config(cls, config: CosmosConfig, secrets: SecretsReader | None = None) -> ImageStore:
        """A store whose settings come from the Cosmos secret named in ``config``."""
        reader = secrets or SecretsReader()

        def load(refresh: bool) -> CosmosSettings:
            return CosmosSettings.from_secret(reader.get(config.secret_id, refresh=refresh))

        return cls(load, ca_bundle=config.ca_bundle)

    @property
    def settings(self) -> CosmosSettings:
        """The settings currently in use (read from the secret on first access)."""
        if self._settings is None:
            self._settings = self._load_settings(False)
        return self._settings

    def upsert(self, document: dict[str, Any]) -> None:
        """Create or replace the document with the same id."""
        self._call(lambda c: c.upsert_item(document, no_response=True))

    def get(self, item_id: str) -> dict[str, Any] | None:
        """The document with this id, or None when there is none."""
        try:
            item: dict[str, Any] = self._call(lambda c: c.read_item(item_id, partition_key=item_id))
        except CosmosResourceNotFoundError:
            return None
        return item

    def query_page(
        self,
        query: str,
        parameters: list[dict[str, Any]],
        limit: int,
        continuation: str | None,
    ) -> Page:
        """At most ``limit`` items of a parameterized query, starting at ``continuation``."""

        def run(container: ContainerProxy) -> Page:
            pages: Iterator[Any] = container.query_items(
                query=query,
                parameters=parameters,
                enable_cross_partition_query=True,
                max_item_count=limit,
                # Keep tokens (and so the cursors in URLs) small, whatever the partitioning.
                continuation_token_limit=CONTINUATION_TOKEN_LIMIT_KB,
            ).by_page(continuation)
            try:
                items = list(next(pages))
            except StopIteration:
                return Page(items=[], continuation=None)
            token = getattr(pages, "continuation_token", None)
            return Page(items=items, continuation=token or None)

        try:
            page: Page = self._call(run)
            return page
        except StoreUnavailableError as exc:
            cause = exc.__cause__
            rejected = isinstance(cause, CosmosHttpResponseError) and cause.status_code == 400
            if continuation and rejected:
                raise InvalidContinuationError("continuation token rejected") from None
            raise

    def _call(self, operation: Callable[[ContainerProxy], Any]) -> Any:
        """Run ``operation`` on the container; after a 401/403 re-read the secret once.

        Raises CosmosResourceNotFoundError for a missing item, StoreUnavailableError for
        every other failure of Cosmos DB.
        """
        try:
            try:
                return operation(self._get_container(refresh=False))
            except CosmosHttpResponseError as exc:
                if exc.status_code not in _AUTH_STATUS:
                    raise
                # The key was rotated or revoked: read the secret again and try once more.
                return operation(self._get_container(refresh=True))
        except CosmosResourceNotFoundError:
            raise
        except AzureError as exc:  # includes CosmosHttpResponseError
            raise StoreUnavailableError(_describe(exc)) from exc

    def _get_container(self, refresh: bool) -> ContainerProxy:
        with self._lock:
            if self._container is None or refresh:
                self._container = None
                settings = self._load_settings(refresh)
                self._settings = settings
                client = CosmosClient(
                    settings.endpoint,
                    credential=settings.key,
                    **_tls_options(self._ca_bundle),
                    **_CLIENT_OPTIONS,
                )
                database = client.get_database_client(settings.database)
                self._container = database.get_container_client(settings.container)
            return self._container


def _tls_options(ca_bundle: str | None) -> dict[str, Any]:
    """Verify the server against ``ca_bundle`` when given (offline stack), else the system CAs.

    ``connection_verify=<path>`` is not enough: azure-cosmos turns it into a boolean and skips
    verification for 127.0.0.1 and localhost unless an SSLConfiguration names the CA file.
    """
    if ca_bundle is None:
        return {}
    ssl_config = SSLConfiguration()
    ssl_config.SSLCaCerts = ca_bundle
    return {"ssl_config": ssl_config}


def _describe(exc: BaseException) -> str:
    """Type, status and the first line of the message: enough for logs, no payloads."""
    status = getattr(exc, "status_code", None)
    first_line = (str(exc).splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}{f' {status}' if status else ''}: {first_line}"
