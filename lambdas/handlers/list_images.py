"""Lambda ``list_images``: ``GET /api/images``, the gallery newest first, paged by cursor."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.adapters.cosmos import ImageStore, StoreUnavailableError
from lambdas.config import CosmosConfig
from lambdas.errors import ServiceUnavailableError
from lambdas.handlers._api import json_response, make_resolver
from lambdas.observability import logger, tracer
from lambdas.services.cursor import CursorCodec, derive_cursor_key
from lambdas.services.gallery import list_images, parse_list_request

app = make_resolver()


@cache
def _store() -> ImageStore:
    """The Cosmos DB store, built once per container."""
    return ImageStore.from_config(CosmosConfig.from_env())


@app.get("/api/images")
def get_images() -> Any:
    """One page of the gallery; ``next_cursor`` continues it."""
    request = parse_list_request(app.current_event.query_string_parameters)
    store = _store()
    try:
        # Cursors are signed with a key derived from the Cosmos key: no extra secret needed.
        codec = CursorCodec(derive_cursor_key(store.settings.key))
        page = list_images(store, codec, request)
    except StoreUnavailableError as exc:
        raise ServiceUnavailableError("The image database is unavailable; try again.") from exc
    logger.info("Listed images", count=len(page["items"]), label=request.label)
    return json_response(200, page)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler(capture_response=False)  # keep user data out of traces
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out."""
    return app.resolve(event, context)
