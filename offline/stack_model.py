"""What the offline stack runs, read from the synthesized template.

:func:`read_stack` turns the template (with a :class:`~offline.cfn.Resolver` that knows the
offline resources) into plain data: the functions (entry point, resolved environment,
timeout, memory), the SQS trigger of the worker (batch size, window, partial batch
responses) and the API (routes with their function, authorization type, request
validation; the gateway responses) and the CloudFront behaviors in front of it (the methods
each path lets through). The dev server and the worker load it from JSON.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from offline.cfn import Resolver, references

#: Handlers of the application live under this package; CDK's own helper functions
#: (bucket notifications, bucket deployment) do not run offline: provisioning does their job.
APP_HANDLER_PACKAGE = "lambdas."


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function of the template."""

    logical_id: str
    name: str
    entry_point: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS event source mapping: which queue feeds which function, and how."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    max_concurrency: int | None


#: API Gateway's integration timeout when the method sets none.
DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class Route:
    """One method on one API resource, its function, authorization and validation."""

    method: str
    resource: str
    function: str
    authorization_type: str = "NONE"
    authorizer: str | None = None
    validate_body: bool = False
    validate_parameters: bool = False
    models: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, bool] = field(default_factory=dict)
    timeout_ms: int = DEFAULT_INTEGRATION_TIMEOUT_MS


@dataclass(frozen=True)
class GatewayResponse:
    """A response API Gateway makes itself (status and body template)."""

    status: int
    template: str


@dataclass(frozen=True)
class AuthorizerSpec:
    """An ``AWS::ApiGateway::Authorizer``: what a route's ``authorizer`` names."""

    type: str
    identity_source: str
    provider_arns: list[str]


@dataclass(frozen=True)
class ApiSpec:
    """The REST API's routes, gateway responses and authorizers."""

    routes: list[Route]
    gateway_responses: dict[str, GatewayResponse]
    authorizers: dict[str, AuthorizerSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class Behavior:
    """A CloudFront cache behavior: the paths it serves and the methods it lets through."""

    path_pattern: str
    allowed_methods: list[str]


@dataclass(frozen=True)
class SiteSpec:
    """The CloudFront distribution's behaviors (the default one last, pattern ``*``)."""

    behaviors: list[Behavior]

    def allowed_methods(self, path: str) -> list[str]:
        """The methods CloudFront passes on for ``path`` (first matching behavior)."""
        for behavior in self.behaviors:
            if fnmatch.fnmatchcase(path, behavior.path_pattern):
                return behavior.allowed_methods
        return list(_CLOUDFRONT_DEFAULT_METHODS)


#: What a CloudFront behavior allows when the template names no methods.
_CLOUDFRONT_DEFAULT_METHODS = ("GET", "HEAD")


@dataclass(frozen=True)
class StackSpec:
    """Everything the offline processes need from the template."""

    functions: dict[str, FunctionSpec]
    triggers: list[QueueTrigger]
    api: ApiSpec
    site: SiteSpec = field(default_factory=lambda: SiteSpec([]))

    def to_json(self) -> str:
        """This spec as JSON (for ``--stack FILE`` of the dev server and the worker)."""
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StackSpec:
        """The spec :meth:`to_json` wrote."""
        data = json.loads(text)
        api = data["api"]
        return cls(
            functions={k: FunctionSpec(**v) for k, v in data["functions"].items()},
            triggers=[QueueTrigger(**t) for t in data["triggers"]],
            api=ApiSpec(
                routes=[Route(**r) for r in api["routes"]],
                gateway_responses={
                    k: GatewayResponse(**v) for k, v in api["gateway_responses"].items()
                },
                authorizers={k: AuthorizerSpec(**v) for k, v in api["authorizers"].items()},
            ),
            site=SiteSpec([Behavior(**b) for b in data["site"]["behaviors"]]),
        )

    @classmethod
    def load(cls, path: Path) -> StackSpec:
        """Read a spec file."""
        return cls.from_json(path.read_text(encoding="utf-8"))


def read_stack(template: dict[str, Any], resolver: Resolver) -> StackSpec:
    """The functions, triggers and API of ``template``, references resolved by ``resolver``."""
    resources: dict[str, Any] = template.get("Resources", {})
    functions = _functions(resources, resolver)
    by_logical_id = {spec.logical_id: spec.name for spec in functions.values()}
    return StackSpec(
        functions=functions,
        triggers=_triggers(resources, resolver, by_logical_id),
        api=read_api(template, resolver),
        site=read_site(template),
    )


def read_site(template: dict[str, Any]) -> SiteSpec:
    """The behaviors of the template's CloudFront distribution (none: every method passes)."""
    for props in _of_type(template.get("Resources", {}), "AWS::CloudFront::Distribution").values():
        config = props.get("DistributionConfig", {})
        behaviors = [
            Behavior(
                str(b["PathPattern"]),
                [str(m) for m in b.get("AllowedMethods", _CLOUDFRONT_DEFAULT_METHODS)],
            )
            for b in config.get("CacheBehaviors", [])
        ]
        default = config.get("DefaultCacheBehavior", {})
        methods = default.get("AllowedMethods", _CLOUDFRONT_DEFAULT_METHODS)
        return SiteSpec([*behaviors, Behavior("*", [str(m) for m in methods])])
    return SiteSpec([Behavior("*", ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"])])


def read_api(template: dict[str, Any], resolver: Resolver | None = None) -> ApiSpec:
    """The REST API of ``template``: routes (function by handler module), gateway responses
    and authorizers (their provider ARNs resolved when a ``resolver`` is given)."""
    resources: dict[str, Any] = template.get("Resources", {})
    by_logical_id = {
        logical_id: str(props["Handler"]).rpartition(".")[0].rsplit(".", 1)[-1]
        for logical_id, props in _of_type(resources, "AWS::Lambda::Function").items()
        if str(props.get("Handler", "")).startswith(APP_HANDLER_PACKAGE)
    }
    return ApiSpec(
        routes=_routes(resources, by_logical_id),
        gateway_responses=_gateway_responses(resources),
        authorizers=_authorizers(resources, resolver),
    )


def _authorizers(resources: dict[str, Any], resolver: Resolver | None) -> dict[str, AuthorizerSpec]:
    authorizers = {}
    for logical_id, props in _of_type(resources, "AWS::ApiGateway::Authorizer").items():
        arns = props.get("ProviderARNs") or []
        authorizers[logical_id] = AuthorizerSpec(
            type=str(props.get("Type", "")),
            identity_source=str(props.get("IdentitySource", "")),
            provider_arns=[str(a) for a in (resolver.resolve(arns) if resolver else arns)],
        )
    return authorizers


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in resources.items()
        if resource.get("Type") == kind
    }


def _functions(resources: dict[str, Any], resolver: Resolver) -> dict[str, FunctionSpec]:
    functions: dict[str, FunctionSpec] = {}
    for logical_id, props in _of_type(resources, "AWS::Lambda::Function").items():
        handler = str(props.get("Handler", ""))
        if not handler.startswith(APP_HANDLER_PACKAGE):
            continue
        module, _, attribute = handler.rpartition(".")
        name = module.rsplit(".", 1)[-1]
        variables = props.get("Environment", {}).get("Variables", {})
        functions[name] = FunctionSpec(
            logical_id=logical_id,
            name=name,
            entry_point=f"{module}:{attribute}",
            environment={k: str(resolver.resolve(v)) for k, v in variables.items()},
            timeout_seconds=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
        )
    return functions


def _triggers(
    resources: dict[str, Any], resolver: Resolver, functions: dict[str, str]
) -> list[QueueTrigger]:
    triggers = []
    for props in _of_type(resources, "AWS::Lambda::EventSourceMapping").values():
        target = references(props.get("FunctionName"))
        source = references(props.get("EventSourceArn"))
        function = next((functions[t] for t in target if t in functions), None)
        queue = next(iter(source), None)
        if function is None or queue is None or queue not in resolver.refs:
            continue
        scaling = props.get("ScalingConfig") or {}
        triggers.append(
            QueueTrigger(
                function=function,
                queue_url=str(resolver.refs[queue]),
                queue_arn=str(resolver.resolve(props["EventSourceArn"])),
                batch_size=int(props.get("BatchSize", 10)),
                batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures"
                in props.get("FunctionResponseTypes", []),
                max_concurrency=scaling.get("MaximumConcurrency"),
            )
        )
    return triggers


def _resource_paths(resources: dict[str, Any]) -> dict[str, str]:
    """Path of every ``AWS::ApiGateway::Resource`` (the root's children hang off ``/``)."""
    api_resources = _of_type(resources, "AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = api_resources[logical_id]
            parent = props["ParentId"]
            parent_id = parent.get("Ref") if isinstance(parent, dict) else None
            prefix = path_of(parent_id) if parent_id in api_resources else ""
            paths[logical_id] = f"{prefix}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in api_resources:
        path_of(logical_id)
    return paths


def _routes(resources: dict[str, Any], functions: dict[str, str]) -> list[Route]:
    paths = _resource_paths(resources)
    validators = _of_type(resources, "AWS::ApiGateway::RequestValidator")
    models = _of_type(resources, "AWS::ApiGateway::Model")
    routes = []
    for props in _of_type(resources, "AWS::ApiGateway::Method").values():
        resource = props.get("ResourceId")
        resource_id = resource.get("Ref") if isinstance(resource, dict) else None
        integration = props.get("Integration", {})
        target = references(integration.get("Uri"))
        function = next((functions[t] for t in target if t in functions), None)
        if function is None:
            continue
        validator = validators.get(_ref(props.get("RequestValidatorId")) or "", {})
        routes.append(
            Route(
                method=str(props["HttpMethod"]),
                resource=paths.get(resource_id or "", "/"),
                function=function,
                authorization_type=str(props.get("AuthorizationType", "NONE")),
                authorizer=_ref(props.get("AuthorizerId")),
                validate_body=bool(validator.get("ValidateRequestBody", False)),
                validate_parameters=bool(validator.get("ValidateRequestParameters", False)),
                models={
                    content_type: models[model_id]["Schema"]
                    for content_type, model in (props.get("RequestModels") or {}).items()
                    if (model_id := _ref(model)) in models
                },
                parameters={k: bool(v) for k, v in (props.get("RequestParameters") or {}).items()},
                timeout_ms=int(integration.get("TimeoutInMillis", DEFAULT_INTEGRATION_TIMEOUT_MS)),
            )
        )
    return sorted(routes, key=lambda route: (route.resource, route.method))


#: API Gateway's own status for each response type (when the template sets none).
DEFAULT_STATUS = {
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "UNAUTHORIZED": 401,
    "ACCESS_DENIED": 403,
    "REQUEST_TOO_LARGE": 413,
    "THROTTLED": 429,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "DEFAULT_4XX": 400,
    "DEFAULT_5XX": 500,
}


def _gateway_responses(resources: dict[str, Any]) -> dict[str, GatewayResponse]:
    responses = {}
    for props in _of_type(resources, "AWS::ApiGateway::GatewayResponse").values():
        kind = str(props["ResponseType"])
        templates = props.get("ResponseTemplates") or {}
        status = props.get("StatusCode") or DEFAULT_STATUS.get(kind, 500)
        responses[kind] = GatewayResponse(int(status), str(templates.get("application/json", "")))
    return responses


def _ref(value: Any) -> str | None:
    return str(value["Ref"]) if isinstance(value, dict) and "Ref" in value else None
