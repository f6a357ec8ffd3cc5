"""Lambda ``analyze``: an SQS batch of S3 upload events → the configured labeller → documents.

Returns ``{"batchItemFailures": [...]}`` (the function's event source mapping reports batch
item failures) naming only the messages that failed for a transient or unexpected reason, so
SQS delivers just those again; files that are not acceptable images are stored as ``failed``
documents.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas import providers
from lambdas.adapters.secrets import SecretsReader
from lambdas.adapters.storage import Storage, make_s3_client
from lambdas.config import ImageLimits, RetryConfig, StorageConfig
from lambdas.observability import logger, metrics, tracer
from lambdas.services.analysis import Analyzer


@cache
def _analyzer() -> Analyzer:
    """The Analyzer with its clients, built once per container."""
    storage_config = StorageConfig.from_env()
    secrets = SecretsReader()
    return Analyzer(
        Storage(make_s3_client(), storage_config.bucket),
        providers.labeller(secrets),
        providers.image_store(secrets),
        ImageLimits.from_env(),
        max_receive_count=RetryConfig.from_env().max_receive_count,
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Analyze the batch; answer with the SQS messages to deliver again."""
    outcome = _analyzer().run_event(event)
    metrics.add_metric(name="ImagesAnalyzed", unit=MetricUnit.Count, value=outcome.done)
    metrics.add_metric(name="ImagesFailed", unit=MetricUnit.Count, value=outcome.failed)
    metrics.add_metric(
        name="MessagesRetried", unit=MetricUnit.Count, value=len(outcome.retry_message_ids)
    )
    logger.info(
        "Batch finished",
        records=len(event.get("Records") or []),
        done=outcome.done,
        failed=outcome.failed,
        skipped=outcome.skipped,
        dropped=outcome.dropped,
        retry=len(outcome.retry_message_ids),
    )
    return {
        "batchItemFailures": [
            {"itemIdentifier": message_id} for message_id in sorted(outcome.retry_message_ids)
        ]
    }
