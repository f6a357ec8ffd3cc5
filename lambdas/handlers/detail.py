"""Lambda ``detail``: ``GET /api/images/{id}``, one analyzed image with a short-lived image URL."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.adapters.cosmos import ImageStore, StoreUnavailableError
from lambdas.adapters.storage import Storage, make_s3_client
from lambdas.config import CosmosConfig, StorageConfig
from lambdas.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from lambdas.handlers._api import json_response, make_resolver
from lambdas.observability import logger, tracer
from lambdas.services.documents import detail_view

app = make_resolver()


@cache
def _dependencies() -> tuple[StorageConfig, Storage, ImageStore]:
    """Configuration, S3 and Cosmos DB clients, built once per container."""
    storage_config = StorageConfig.from_env()
    store = ImageStore.from_config(CosmosConfig.from_env())
    return storage_config, Storage(make_s3_client(), storage_config.bucket), store


_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _image_id(raw: str) -> str:
    """The UUID in lower case; BadRequestError for anything else."""
    if not _UUID.fullmatch(raw):  # not match + $: "$" also matches before a final newline
        raise BadRequestError("The image id must be a UUID.", code="invalid_id")
    return raw.lower()


@app.get("/api/images/<image_id>")
def get_image(image_id: str) -> Any:
    """The document plus ``image_url``; 404 until the image has been analyzed."""
    image_id = _image_id(image_id)
    config, storage, store = _dependencies()
    try:
        document = store.get(image_id)
    except StoreUnavailableError as exc:
        raise ServiceUnavailableError("The image database is unavailable; try again.") from exc
    if document is None:
        raise NotFoundError("No analyzed image has this id (yet).")
    # Served with the type its bytes were verified to be (failed uploads: as a download).
    verified_type = document.get("content_type") if document.get("status") == "done" else None
    url = storage.presign_download(
        str(document["image_fname"]), config.image_url_ttl_seconds, verified_type
    )
    logger.info("Served an image", image_id=image_id)
    return json_response(200, detail_view(document, url))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler(capture_response=False)  # responses hold signed URLs
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out."""
    return app.resolve(event, context)
