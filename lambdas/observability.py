"""Powertools Logger, Tracer and Metrics shared by the handlers (one of each per container).

The service name and metrics namespace default to ``tricloud`` / ``Tricloud`` when the
``POWERTOOLS_*`` variables are absent; the variables win when present.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

__all__ = ["logger", "metrics", "tracer"]

_SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "tricloud"

logger = Logger(service=_SERVICE)
tracer = Tracer(service=_SERVICE)
metrics = Metrics(
    service=_SERVICE, namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Tricloud"
)
