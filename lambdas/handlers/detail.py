"""Lambda ``detail``: ``GET /api/images/{id}``, one image (pending, done or failed) with URLs,
and ``DELETE /api/images/{id}``, which removes the photo, its thumbnail and its document."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from lambdas import providers
from lambdas.adapters.storage import Storage, make_s3_client
from lambdas.config import StorageConfig
from lambdas.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from lambdas.handlers._api import json_response, make_resolver, request_owner
from lambdas.observability import logger, tracer
from lambdas.ports import ImageStore
from lambdas.services.documents import detail_view
from lambdas.services.lifecycle import is_abandoned, with_lifecycle

app = make_resolver()


@cache
def _config() -> StorageConfig:
    """Bucket and URL lifetimes, read once per container."""
    return StorageConfig.from_env()


@cache
def _storage() -> Storage:
    """The S3 client (signs URLs locally), built once per container."""
    return Storage(make_s3_client(), _config().bucket)


@cache
def _store() -> ImageStore:
    """The image store, built once per container."""
    return providers.image_store()


_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _image_id(raw: str) -> str:
    """The UUID in lower case; BadRequestError for anything else."""
    if not _UUID.fullmatch(raw):  # not match + $: "$" also matches before a final newline
        raise BadRequestError("The image id must be a UUID.", code="invalid_id")
    return raw.lower()


@app.get("/api/images/<image_id>")
def get_image(image_id: str) -> Any:
    """The document (``pending`` until analysed) with its photo and thumbnail URLs."""
    image_id = _image_id(image_id)
    now = datetime.now(UTC)
    document = _store().get(request_owner(app), image_id)
    if document is None or is_abandoned(document, now):
        raise NotFoundError("No image has this id.")
    document = with_lifecycle(document, now)
    image_url = thumb_url = None
    ttl = _config().image_url_ttl_seconds
    if document.get("status") != "pending":
        # Served with the type its bytes were verified to be (failed uploads: as a download).
        verified = document.get("content_type") if document.get("status") == "done" else None
        image_url = _storage().presign_download(str(document["image_fname"]), ttl, verified)
    if isinstance(document.get("thumb_fname"), str) and document["thumb_fname"]:
        thumb_url = _storage().presign_download(document["thumb_fname"], ttl, "image/jpeg")
    logger.info("Served an image", image_id=image_id, status=document.get("status"))
    return json_response(200, detail_view(document, image_url, thumb_url))


@app.delete("/api/images/<image_id>")
def delete_image(image_id: str) -> Response[Any]:
    """204 after removing the photo, its thumbnail and its document; 404 when there is none
    (deleting twice is harmless). Another user's id is a 404 too: the store is read by owner.

    The objects go first: a failure in between leaves the document, so the image stays listed
    and the delete can be repeated, instead of leaving photos nobody can see or remove.
    """
    image_id = _image_id(image_id)
    owner = request_owner(app)
    document = _store().get(owner, image_id)
    if document is None:
        raise NotFoundError("No image has this id.")
    keys = [str(document[name]) for name in ("image_fname", "thumb_fname") if document.get(name)]
    try:
        for key in keys:
            _storage().delete(key)
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailableError("The photo storage is unavailable; try again.") from exc
    _store().delete(owner, image_id)
    logger.info("Deleted an image", image_id=image_id, objects=len(keys))
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler(capture_response=False)  # responses hold signed URLs
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out."""
    return app.resolve(event, context)
