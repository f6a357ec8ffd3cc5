"""Lambda ``presign``: ``POST /api/uploads`` (a pending image and its pre-signed POST), health."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas import providers
from lambdas.adapters.storage import Storage, make_s3_client
from lambdas.adapters.usage import UsageCounters, UsageUnavailableError, make_dynamodb_client
from lambdas.config import StorageConfig, UsageConfig
from lambdas.errors import ServiceUnavailableError
from lambdas.handlers._api import is_public, json_body, json_response, make_resolver, request_owner
from lambdas.observability import logger, tracer
from lambdas.ports import ImageStore
from lambdas.services.documents import pending_document
from lambdas.services.quota import DailyCap
from lambdas.services.uploads import new_upload_key, parse_upload_request

app = make_resolver()


@cache
def _config() -> StorageConfig:
    """Bucket, size limit and URL lifetimes, read once per container."""
    return StorageConfig.from_env()


@cache
def _storage() -> Storage:
    """The S3 client, built once per container."""
    return Storage(make_s3_client(), _config().bucket)


@cache
def _store() -> ImageStore:
    """The image store, built once per container."""
    return providers.image_store()


@cache
def _cap() -> DailyCap:
    """The daily cap on the usage table, built once per container."""
    config = UsageConfig.from_env()
    counters = UsageCounters(make_dynamodb_client(), config.table)
    per_user = None if is_public() else config.daily_limit_per_user
    return DailyCap(counters, config.daily_limit, per_user)


@app.get("/api/health")
def health() -> dict[str, str]:
    """Liveness: answers without touching any other service."""
    return {"status": "ok"}


@app.post("/api/uploads")
def create_upload() -> Any:
    """Count the upload against the daily caps (429 over them), store the image's ``pending``
    document, then answer 201 with its id and pre-signed POST.

    The document exists before the URL does, so the uploader never gets a 404 for its upload;
    analyze skips any object without one, which is how it enforces the cap too.
    """
    owner = request_owner(app)
    config = _config()
    request = parse_upload_request(json_body(app), config.max_upload_bytes)
    try:
        _cap().take(owner, datetime.now(UTC))
    except UsageUnavailableError as exc:
        raise ServiceUnavailableError("The usage counter is unavailable; try again.") from exc
    image_id, key = new_upload_key(owner, request.content_type)
    _store().create_pending(
        pending_document(
            owner=owner,
            image_id=image_id,
            key=key,
            bucket=config.bucket,
            content_type=request.content_type,
            size=request.size,
            now=datetime.now(UTC),
            upload_url_ttl_seconds=config.upload_url_ttl_seconds,
        )
    )
    post = _storage().presign_upload(
        key, request.content_type, config.max_upload_bytes, config.upload_url_ttl_seconds
    )
    logger.info("Issued an upload URL", image_id=image_id, content_type=request.content_type)
    return json_response(
        201,
        {
            "id": image_id,
            "status": "pending",
            "upload": {"url": post.url, "fields": post.fields},
            "expires_in": config.upload_url_ttl_seconds,
        },
    )


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@tracer.capture_lambda_handler(capture_response=False)  # responses hold signed URLs
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out."""
    return app.resolve(event, context)
