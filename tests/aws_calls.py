"""Record the AWS calls the handlers make, as IAM will authorize them, with botocore event hooks.

Each call becomes an IAM action, a resource ARN and the condition keys IAM sees: SDK calls
(`before-parameter-build`), pre-signed URLs and POSTs, which the browser later uses with the
function's credentials (`before-sign` for POSTs), and the `s3:ListBucket` check S3 makes
implicitly when a GetObject finds no key (`after-call` with 404). Calls are attributed to the
function whose handler is running (`AwsCallRecorder.attributed`), threads included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# S3 operations whose IAM action has another name.
_S3_ACTIONS = {
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadObject": "GetObject",
}
_PARAMS = "tricloud_recorded_params"


@dataclass(frozen=True)
class AwsCall:
    """One authorization IAM makes for a function: action, resource, condition keys."""

    function: str
    action: str
    resource: str
    conditions: tuple[tuple[str, str], ...] = ()
    how: str = "sdk"  # sdk | presigned | implied


class AwsCallRecorder:
    """botocore hooks on one session that record every call made while a handler runs."""

    def __init__(self) -> None:
        self.calls: list[AwsCall] = []
        self._function: str | None = None

    def install(self, events: Any) -> None:
        """Register the hooks on a botocore event emitter (a session's `events`)."""
        events.register("before-parameter-build", self._on_parameters)
        events.register("before-sign.s3.PutObject", self._on_post_signature)
        events.register("after-call.s3.GetObject", self._on_get_object)

    @contextmanager
    def attributed(self, function: str) -> Iterator[None]:
        """Attribute the calls made in this block (any thread) to `function`."""
        previous, self._function = self._function, function
        try:
            yield
        finally:
            self._function = previous

    def for_function(self, function: str) -> set[AwsCall]:
        return {call for call in self.calls if call.function == function}

    def _record(self, action: str, resource: str, how: str, **conditions: str) -> None:
        if self._function is not None:
            keys = tuple(sorted(conditions.items()))
            self.calls.append(AwsCall(self._function, action, resource, keys, how))

    def _on_parameters(self, params: dict[str, Any], model: Any, context: Any, **_: Any) -> None:
        presigned = bool(context.get("is_presign_request"))
        if presigned and model.name == "CreateBucket":
            return  # the URL of a pre-signed POST; recorded when the POST policy is signed
        context[_PARAMS] = dict(params)
        service = model.service_model.signing_name
        action = _S3_ACTIONS.get(model.name, model.name) if service == "s3" else model.name
        resource, conditions = _resource(service, params)
        self._record(
            f"{service}:{action}", resource, "presigned" if presigned else "sdk", **conditions
        )

    def _on_post_signature(self, request: Any, **_: Any) -> None:
        fields = request.context.get("s3-presign-post-fields")
        policy = request.context.get("s3-presign-post-policy")
        if fields is None or policy is None:
            return
        bucket = next(
            c["bucket"] for c in policy["conditions"] if isinstance(c, dict) and "bucket" in c
        )
        self._record("s3:PutObject", f"arn:aws:s3:::{bucket}/{fields['key']}", "presigned")

    def _on_get_object(self, http_response: Any, context: Any, **_: Any) -> None:
        params = context.get(_PARAMS, {})
        if http_response.status_code == 404 and "Bucket" in params:
            self._record(
                "s3:ListBucket",
                f"arn:aws:s3:::{params['Bucket']}",
                "implied",
                **{"s3:prefix": params["Key"]},
            )


def _resource(service: str, params: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The ARN and condition keys IAM evaluates for one call's parameters."""
    if service == "s3" and "Bucket" in params:
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        if "Key" in params:
            return f"{bucket}/{params['Key']}", {}
        return bucket, ({"s3:prefix": params["Prefix"]} if "Prefix" in params else {})
    if service == "secretsmanager" and "SecretId" in params:
        return str(params["SecretId"]), {}
    if service == "dynamodb" and "TableName" in params:
        # Region and account do not matter here: the test maps the table to the template's.
        table = f"arn:aws:dynamodb:::table/{params['TableName']}"
        # A query of an index is authorised against the index's ARN.
        index = params.get("IndexName")
        return (f"{table}/index/{index}" if index else table), {}
    return "*", {}
