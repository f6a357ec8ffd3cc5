"""Cosmos DB container of image documents (partition key ``/owner``): the ImageStore port.

Point reads and writes address ``(owner, id)``; the gallery is a single-partition query by
owner, ordered by ``uploaded_at`` then ``id`` (a composite index), filtered with one
index-backed ``ARRAY_CONTAINS(c.label_prefixes, @pN)`` per search word. User input only ever
travels as a query parameter.

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
from lambdas.ports import GalleryQuery, InvalidCursorError, Page, StoreUnavailableError

__all__ = ["CosmosImageStore", "InvalidContinuationError", "build_query"]

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


# The projection keeps list pages small: no objects, colors, safe_search or prefixes.
_SELECT = (
    "SELECT c.id, c.owner, c.image_fname, c.thumb_fname, c.status, c.error, c.uploaded_at,"
    " c.analyzed_at, c.labels FROM c"
)


class InvalidContinuationError(InvalidCursorError):
    """Cosmos DB rejected a continuation token."""


def build_query(query: GalleryQuery) -> tuple[str, list[dict[str, Any]]]:
    """The gallery SQL and its parameters.

    Uploads whose photo has not arrived (``upload_expires_at`` still set) are left out.
    """
    conditions = ["c.owner = @owner", "NOT IS_DEFINED(c.upload_expires_at)"]
    parameters: list[dict[str, Any]] = [{"name": "@owner", "value": query.owner}]
    for index, prefix in enumerate(query.label_prefixes):
        conditions.append(f"ARRAY_CONTAINS(c.label_prefixes, @p{index})")
        parameters.append({"name": f"@p{index}", "value": prefix})
    where = " AND ".join(conditions)
    return f"{_SELECT} WHERE {where} ORDER BY c.uploaded_at DESC, c.id DESC", parameters


class CosmosImageStore:
    """The image documents container (partition key ``/owner``)."""

    def __init__(self, load_settings: LoadSettings, ca_bundle: str | None = None) -> None:
        self._load_settings = load_settings
        self._ca_bundle = ca_bundle
        self._container: ContainerProxy | None = None
        self._settings: CosmosSettings | None = None
        self._lock = threading.Lock()  # the analyzer writes from several threads

    @classmethod
    def from_config(
        cls, config: CosmosConfig, secrets: SecretsReader | None = None
    ) -> CosmosImageStore:
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

    def create_pending(self, document: dict[str, Any]) -> None:
        """Store a new upload's pending document (its id is fresh: a plain create)."""
        self._call(lambda c: c.create_item(document, no_response=True))

    def put(self, document: dict[str, Any]) -> None:
        """Create or replace the document with the same ``(owner, id)``."""
        self._call(lambda c: c.upsert_item(document, no_response=True))

    def get(self, owner: str, image_id: str) -> dict[str, Any] | None:
        """The document, or None when there is none."""
        try:
            item: dict[str, Any] = self._call(lambda c: c.read_item(image_id, partition_key=owner))
        except CosmosResourceNotFoundError:
            return None
        return item

    def delete(self, owner: str, image_id: str) -> None:
        """Remove the document; nothing happens when there is none."""
        try:
            self._call(lambda c: c.delete_item(image_id, partition_key=owner))
        except CosmosResourceNotFoundError:
            return

    def list_page(self, query: GalleryQuery) -> Page:
        """One page of the owner's gallery, newest upload first, from ``query.continuation``."""
        sql, parameters = build_query(query)
        continuation = query.continuation

        def run(container: ContainerProxy) -> Page:
            pages: Iterator[Any] = container.query_items(
                query=sql,
                parameters=parameters,
                partition_key=query.owner,
                max_item_count=query.limit,
                # Keep tokens (and so the cursors in URLs) small.
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
