"""A Cosmos DB client for the ``tricloud`` commands, and plain words for its errors.

``COSMOS_CA_BUNDLE`` (the offline stack) names a PEM file to verify the local server's
TLS certificate with; without it the system's trusted CAs verify Azure's certificate.
"""

from __future__ import annotations

import os

from azure.core.exceptions import ServiceRequestError
from azure.cosmos import CosmosClient, SSLConfiguration
from azure.cosmos.exceptions import CosmosHttpResponseError

from lambdas.credentials import CosmosSettings
from tooling.cli_support import CommandError, first_line

#: Seconds to wait for Cosmos DB per request; a command should fail fast, not hang.
TIMEOUT_SECONDS = 15


def cosmos_client(settings: CosmosSettings) -> CosmosClient:
    """Connect to the account in ``settings``.

    The SDK reads the account while connecting, so this raises the same AzureError (or
    ValueError for a key that is not base64) as any later call; :func:`describe_cosmos_error`
    turns those into a sentence.
    """
    ca_bundle = os.environ.get("COSMOS_CA_BUNDLE", "").strip()
    ssl_config = None
    if ca_bundle:
        if not os.path.isfile(ca_bundle):
            raise CommandError(f"COSMOS_CA_BUNDLE names {ca_bundle}, which is not a file")
        # Without ssl_config the SDK skips verification for 127.0.0.1; with it, it verifies.
        ssl_config = SSLConfiguration()
        ssl_config.SSLCaCerts = ca_bundle
    return CosmosClient(
        settings.endpoint,
        credential=settings.key,
        ssl_config=ssl_config,
        connection_timeout=TIMEOUT_SECONDS,
        retry_total=2,
        retry_connect=1,
        retry_backoff_max=5,
    )


def describe_cosmos_error(error: BaseException, settings: CosmosSettings) -> str:
    """Say in plain words what went wrong talking to Cosmos DB (never quoting the key)."""
    where = settings.endpoint
    if isinstance(error, CosmosHttpResponseError):
        known = {
            401: "refused the key (401): check the key in the secret",
            403: "forbids this (403): check the account's firewall and network settings",
            404: f"has no database {settings.database!r} or container {settings.container!r} "
            "(404): run `tricloud cosmos init`",
        }
        status = error.status_code or 0
        reason = known.get(status, f"answered {status}: {first_line(error)}")
        return f"Cosmos DB at {where} {reason}"
    if isinstance(error, ServiceRequestError):
        return f"cannot reach Cosmos DB at {where}: {first_line(error)}"
    return f"Cosmos DB at {where} failed: {first_line(error)}"
