"""Create the Cosmos DB database and container that tricloud writes to, idempotently.

Used by ``tricloud cosmos init`` (a real Azure account), the offline stack and the tests
(the local cosmosdb-server). Running it again changes nothing, except that an existing
container whose indexing policy or default TTL differs is brought in line.

The partition key is ``/owner``: every API request reads one owner's images (a point read by
``(owner, id)`` or the gallery query by owner), so each is a single-partition operation, and
owners spread the data. A container made with another partition key (``/id`` before owners
existed) cannot be changed: use a new container name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey
from azure.cosmos.exceptions import CosmosResourceNotFoundError

PARTITION_KEY_PATH = "/owner"

# Opt-in indexing: the documents carry large arrays (labels, objects, colors) and the
# safe_search map, none of which any query filters or sorts on, so indexing them would
# only make every upsert cost more request units. Index exactly what the gallery query uses:
#   WHERE c.owner = @owner AND NOT IS_DEFINED(c.upload_expires_at)
#     AND ARRAY_CONTAINS(c.label_prefixes, @p0) ...
#   ORDER BY c.uploaded_at DESC, c.id DESC          (the composite index below)
# (status is indexed so the gallery can filter on it without a scan) and exclude everything
# else. ``id`` is always indexed by Cosmos DB itself.
INCLUDED_PATHS: tuple[str, ...] = (
    "/owner/?",
    "/uploaded_at/?",
    "/upload_expires_at/?",
    "/label_prefixes/[]/?",
    "/status/?",
)
EXCLUDED_PATHS: tuple[str, ...] = ("/*", '/"_etag"/?')
COMPOSITE_INDEXES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("/uploaded_at", "descending"), ("/id", "descending")),
)
# Per-item TTL on, no default expiry: only a pending upload's document carries a ``ttl``.
DEFAULT_TTL = -1

INDEXING_POLICY: dict[str, Any] = {
    "indexingMode": "consistent",
    "automatic": True,
    "includedPaths": [{"path": path} for path in INCLUDED_PATHS],
    "excludedPaths": [{"path": path} for path in EXCLUDED_PATHS],
    "compositeIndexes": [
        [{"path": path, "order": order} for path, order in composite]
        for composite in COMPOSITE_INDEXES
    ],
}


@dataclass(frozen=True)
class SetupResult:
    """What :func:`setup_container` found and did."""

    container: ContainerProxy
    database_created: bool
    container_created: bool
    policy_updated: bool


def ensure_container(
    client: CosmosClient,
    database: str,
    container: str,
    *,
    throughput: int | None = None,
) -> ContainerProxy:
    """Return the container, creating the database and container first if needed.

    ``throughput`` (RU/s) applies only when the container is created; leave it ``None``
    for a serverless account, which rejects provisioned throughput.
    """
    return setup_container(client, database, container, throughput=throughput).container


def setup_container(
    client: CosmosClient,
    database: str,
    container: str,
    *,
    throughput: int | None = None,
) -> SetupResult:
    """Like :func:`ensure_container`, and also report what was created or changed."""
    database_created = not _database_exists(client, database)
    database_proxy = client.create_database_if_not_exists(id=database)
    try:
        properties = database_proxy.get_container_client(container).read()
    except CosmosResourceNotFoundError:
        created = database_proxy.create_container_if_not_exists(
            id=container,
            partition_key=PartitionKey(path=PARTITION_KEY_PATH),
            indexing_policy=INDEXING_POLICY,
            default_ttl=DEFAULT_TTL,
            offer_throughput=throughput,
        )
        return SetupResult(created, database_created, container_created=True, policy_updated=False)

    _check_partition_key(container, properties)
    ttl_matches = properties.get("defaultTtl") == DEFAULT_TTL
    if ttl_matches and policy_matches(properties.get("indexingPolicy", {})):
        proxy = database_proxy.get_container_client(container)
        return SetupResult(proxy, database_created, container_created=False, policy_updated=False)
    replaced = database_proxy.replace_container(
        container,
        partition_key=PartitionKey(path=PARTITION_KEY_PATH),
        indexing_policy=INDEXING_POLICY,
        default_ttl=DEFAULT_TTL,
    )
    return SetupResult(replaced, database_created, container_created=False, policy_updated=True)


def policy_matches(policy: dict[str, Any]) -> bool:
    """True when ``policy`` indexes exactly the paths and composites of :data:`INDEXING_POLICY`.

    Cosmos DB may add ``/"_etag"/?`` to the excluded paths and index details to each
    path, so only the sets of paths and the indexing mode are compared.
    """

    def paths(key: str) -> set[str]:
        return {str(entry.get("path")) for entry in policy.get(key, [])} - {'/"_etag"/?'}

    def composites() -> set[tuple[tuple[str, str], ...]]:
        return {
            tuple((str(e.get("path")), str(e.get("order", "ascending")).lower()) for e in entry)
            for entry in policy.get("compositeIndexes", [])
        }

    mode = str(policy.get("indexingMode", "consistent")).lower()
    return (
        mode == "consistent"
        and paths("includedPaths") == set(INCLUDED_PATHS)
        and paths("excludedPaths") == set(EXCLUDED_PATHS) - {'/"_etag"/?'}
        and composites() == set(COMPOSITE_INDEXES)
    )


def _database_exists(client: CosmosClient, database: str) -> bool:
    try:
        client.get_database_client(database).read()
    except CosmosResourceNotFoundError:
        return False
    return True


def _check_partition_key(container: str, properties: dict[str, Any]) -> None:
    paths = properties.get("partitionKey", {}).get("paths", [])
    if paths != [PARTITION_KEY_PATH]:
        raise ValueError(
            f"container {container!r} exists with partition key {paths}, but tricloud needs "
            f"[{PARTITION_KEY_PATH!r}]; a partition key cannot be changed, so delete the "
            "container or choose another name"
        )
