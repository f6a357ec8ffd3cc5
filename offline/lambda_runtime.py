"""Run a Lambda handler in this process the way the Lambda runtime does.

One :class:`FunctionHost` stands for one warm container of one function: the handler is
imported once, invocations run one at a time (a container serves one request at a time),
and each gets a fresh :class:`LambdaContext` with its own request id.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from offline.cfn import ACCOUNT_ID, REGION
from offline.stack_model import FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaContext:
    """The attributes and method of the context object Lambda passes to a Python handler."""

    def __init__(self, function_name: str, timeout_seconds: float, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before this invocation's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(entry_point: str) -> Handler:
    """Import ``package.module:function`` and return the function."""
    module_name, _, function_name = entry_point.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"entry point must look like module:function, got {entry_point!r}")
    handler: Handler = getattr(importlib.import_module(module_name), function_name)
    return handler


class FunctionHost:
    """One function's handler, invoked one event at a time.

    ``timeout_seconds`` feeds ``get_remaining_time_in_millis``; unlike Lambda, an
    invocation that runs longer is not killed.
    """

    def __init__(
        self,
        function_name: str,
        handler: Handler,
        timeout_seconds: float = 30.0,
        memory_mb: int = 512,
    ) -> None:
        self.function_name = function_name
        self._handler = handler
        self._timeout = timeout_seconds
        self._memory = memory_mb
        self._lock = threading.Lock()

    @classmethod
    def from_entry_point(cls, function_name: str, entry_point: str, **kwargs: Any) -> FunctionHost:
        """A host for the handler named by ``module:function``."""
        return cls(function_name, load_handler(entry_point), **kwargs)

    @classmethod
    def from_spec(cls, function: FunctionSpec) -> FunctionHost:
        """A host for a function of the template (its handler, timeout and memory)."""
        return cls.from_entry_point(
            function.name,
            function.entry_point,
            timeout_seconds=function.timeout_seconds,
            memory_mb=function.memory_mb,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        """Call the handler with ``event`` and a new context; exceptions propagate."""
        with self._lock:
            context = LambdaContext(self.function_name, self._timeout, self._memory)
            return self._handler(event, context)
