"""Lambda ``list_images``: ``GET /api/images``, the gallery newest upload first, with thumbnails."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas import providers
from lambdas.adapters.storage import Storage, make_s3_client
from lambdas.config import StorageConfig
from lambdas.handlers._api import json_response, make_resolver, request_owner
from lambdas.observability import logger, tracer
from lambdas.ports import ImageStore
from lambdas.services.gallery import list_images, parse_list_request

app = make_resolver()


@cache
def _config() -> StorageConfig:
    """Bucket and URL lifetimes, read once per container."""
    return StorageConfig.from_env()


@cache
def _storage() -> Storage:
    """The S3 client (signs thumbnail URLs locally), built once per container."""
    return Storage(make_s3_client(), _config().bucket)


@cache
def _store() -> ImageStore:
    """The image store, built once per container."""
    return providers.image_store()


def _thumb_url(document: dict[str, Any]) -> str | None:
    """A short-lived GET URL of the document's thumbnail; None when it has none."""
    key = document.get("thumb_fname")
    if not isinstance(key, str) or not key:
        return None
    return _storage().presign_download(key, _config().image_url_ttl_seconds, "image/jpeg")


@app.get("/api/images")
def get_images() -> Any:
    """One page of the caller's gallery; ``next_cursor`` continues it."""
    request = parse_list_request(app.current_event.query_string_parameters)
    store = _store()
    page = list_images(
        store,
        providers.cursor_codec(store),
        request,
        owner=request_owner(app),
        now=datetime.now(UTC),
        thumb_url=_thumb_url,
    )
    logger.info("Listed images", count=len(page["items"]), label=request.label)
    return json_response(200, page)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler(capture_response=False)  # keep user data out of traces
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out."""
    return app.resolve(event, context)
