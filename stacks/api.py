"""The REST API: the routes under `/api`, validated, throttled, logged and traced.

CloudFront forwards `/api/*` to the stage (origin path `/<stage>`), so the Lambda functions see
the resource paths `/api/health`, `/api/uploads`, `/api/images`, `/api/images/{id}` unchanged.
In private mode a Cognito user pool authorizer guards every route but `/api/health`: a request
without a valid ID token of the pool's page client is answered 401 before any function runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.auth import Auth
from stacks.config import TricloudConfig
from stacks.functions import Functions, log_retention

STAGE_NAME = "prod"
CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
# Gateway-made errors use the API's error shape; messageString is already a quoted JSON string.
_ERROR_TEMPLATE = '{"error": {"code": "%s", "message": $context.error.messageString}}'


class Api(Construct):
    """API Gateway REST API with one Lambda integration per route group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: TricloudConfig,
        functions: Functions,
        auth: Auth | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=log_retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{config.stack_name}-api",
            description="tricloud API, reached through CloudFront /api/*",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Access and execution logs need the account's API Gateway CloudWatch role.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=config.api_throttle_rate_limit,
                throttling_burst_limit=config.api_throttle_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # would log request bodies
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        self._gateway_errors(private=auth is not None)
        guard = self._guard(auth)
        # One validator for every method: a method without a model or declared parameters
        # has nothing to validate, and the API then has validation on (cdk-nag APIG2).
        validator = self.api.add_request_validator(
            "Validate", validate_request_body=True, validate_request_parameters=True
        )

        root = self.api.root.add_resource("api")
        # Liveness answers without sign-in in both modes; it returns no data.
        self.health = root.add_resource("health").add_method("GET", _integration(functions.presign))
        root.add_resource("uploads").add_method(
            "POST",
            _integration(functions.presign),
            authorization_type=guard.authorization_type,
            authorizer=guard.authorizer,
            request_validator=validator,
            request_models={"application/json": self._upload_model(config.max_upload_bytes)},
        )
        images = root.add_resource("images")
        images.add_method(
            "GET",
            _integration(functions.list_images),
            authorization_type=guard.authorization_type,
            authorizer=guard.authorizer,
            request_validator=validator,
            request_parameters={
                "method.request.querystring.limit": False,
                "method.request.querystring.cursor": False,
                "method.request.querystring.label": False,
            },
        )
        image = images.add_resource("{id}")
        for method in ("GET", "DELETE"):
            image.add_method(
                method,
                _integration(functions.detail),
                authorization_type=guard.authorization_type,
                authorizer=guard.authorizer,
                request_validator=validator,
                request_parameters={"method.request.path.id": True},
            )

    def _guard(self, auth: Auth | None) -> _Guard:
        """How a signed-in route is guarded: the Cognito authorizer, or nothing in public mode."""
        if auth is None:
            return _Guard(None, None)
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "Authorizer",
            cognito_user_pools=[auth.user_pool],
            identity_source=apigw.IdentitySource.header("Authorization"),
            results_cache_ttl=Duration.minutes(5),
        )
        return _Guard(apigw.AuthorizationType.COGNITO, authorizer)

    def _upload_model(self, max_upload_bytes: int) -> apigw.Model:
        """JSON schema of the `POST /api/uploads` body."""
        return self.api.add_model(
            "UploadRequest",
            content_type="application/json",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4,
                title="UploadRequest",
                type=apigw.JsonSchemaType.OBJECT,
                required=["content_type", "size"],
                additional_properties=False,
                properties={
                    "content_type": apigw.JsonSchema(
                        type=apigw.JsonSchemaType.STRING, enum=list(CONTENT_TYPES)
                    ),
                    "size": apigw.JsonSchema(
                        type=apigw.JsonSchemaType.INTEGER, minimum=1, maximum=max_upload_bytes
                    ),
                },
            ),
        )

    def _gateway_errors(self, *, private: bool) -> None:
        """Errors API Gateway answers itself, in the API's error shape.

        "Missing authentication token" is what API Gateway says for an unknown route or method
        (the Cognito authorizer answers UNAUTHORIZED for a missing token): it is a 404.
        """
        responses = [
            (apigw.ResponseType.BAD_REQUEST_BODY, "invalid_request", None),
            (apigw.ResponseType.BAD_REQUEST_PARAMETERS, "invalid_request", None),
            (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "not_found", "404"),
            (apigw.ResponseType.THROTTLED, "throttled", None),
            (apigw.ResponseType.DEFAULT_4_XX, "request_rejected", None),
            (apigw.ResponseType.DEFAULT_5_XX, "gateway_error", None),
        ]
        if private:
            responses += [
                (apigw.ResponseType.UNAUTHORIZED, "unauthorized", "401"),
                (apigw.ResponseType.EXPIRED_TOKEN, "unauthorized", "401"),
                (apigw.ResponseType.ACCESS_DENIED, "forbidden", "403"),
            ]
        for response_type, code, status in responses:
            self.api.add_gateway_response(
                response_type.response_type,
                type=response_type,
                status_code=status,
                templates={"application/json": _ERROR_TEMPLATE % code},
            )


@dataclass(frozen=True)
class _Guard:
    """The authorization options of a method that needs a signed-in user."""

    authorization_type: apigw.AuthorizationType | None
    authorizer: apigw.IAuthorizer | None


def _integration(function: lambda_.IFunction) -> apigw.LambdaIntegration:
    """Lambda proxy integration; the console's test-invoke permission is not granted."""
    return apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False)
