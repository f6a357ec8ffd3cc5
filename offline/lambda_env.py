"""The environment the handlers get offline: the template's variables plus the endpoints.

Every function's ``Environment.Variables`` come from the synthesized template, resolved to
the offline resources (:mod:`offline.stack_model`). The dev server runs the API functions
in one process and the worker runs analyze, so the functions share one environment: the
union of theirs, which must agree on every variable they have in common.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from offline.cfn import REGION
from offline.stack_model import FunctionSpec


class EnvironmentConflictError(ValueError):
    """Two functions set one variable to different values; one process cannot run both."""


def functions_environment(functions: Iterable[FunctionSpec]) -> dict[str, str]:
    """The union of the functions' variables; EnvironmentConflictError when they disagree."""
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for function in functions:
        for name, value in function.environment.items():
            if name in merged and merged[name] != value:
                raise EnvironmentConflictError(
                    f"{name} is {merged[name]!r} for {owner[name]} but {value!r} for "
                    f"{function.name}"
                )
            merged[name] = value
            owner[name] = function.name
    return merged


def offline_endpoints(
    *, aws_endpoint: str, vision_endpoint: str, cosmos_ca_bundle: Path | None
) -> dict[str, str]:
    """What only the offline stack sets: where the local servers are, dummy credentials.

    The local label server answers both Cloud Vision (``VISION_API_ENDPOINT``) and Amazon
    Rekognition (``AWS_ENDPOINT_URL_REKOGNITION``, read by botocore itself).
    ``cosmos_ca_bundle`` is None without Cosmos DB.
    """
    endpoints = {
        "AWS_ENDPOINT_URL": aws_endpoint,
        # The template sets the regional S3 endpoint (signed URL hosts = the CSP's); boto3
        # prefers this service-specific variable over AWS_ENDPOINT_URL, so moto replaces it.
        "AWS_ENDPOINT_URL_S3": aws_endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # moto's documented dummy credentials: they open nothing.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "VISION_API_ENDPOINT": vision_endpoint,
        "AWS_ENDPOINT_URL_REKOGNITION": vision_endpoint,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    if cosmos_ca_bundle is not None:
        endpoints["COSMOS_CA_BUNDLE"] = str(cosmos_ca_bundle)
    return endpoints


def lambda_environment(
    functions: Iterable[FunctionSpec],
    *,
    aws_endpoint: str,
    vision_endpoint: str,
    cosmos_ca_bundle: Path | None,
) -> dict[str, str]:
    """The template's variables of ``functions`` plus :func:`offline_endpoints` (the label
    server's address only under the name of the labeller the template chose).

    No secret is in here: the handlers read them from (moto's) Secrets Manager.
    """
    variables = functions_environment(functions)
    endpoints = offline_endpoints(
        aws_endpoint=aws_endpoint,
        vision_endpoint=vision_endpoint,
        cosmos_ca_bundle=cosmos_ca_bundle,
    )
    unused = "VISION_API_ENDPOINT"
    if variables.get("LABELS_PROVIDER", "google-vision") == "google-vision":
        unused = "AWS_ENDPOINT_URL_REKOGNITION"
    endpoints.pop(unused)
    return {**variables, **endpoints}
