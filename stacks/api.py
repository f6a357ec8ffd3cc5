"""The REST API: the app's routes under `/api`, validated, throttled, logged and traced.

CloudFront forwards `/api/*` to the stage (origin path `/<stage>`), so the Lambda functions see
the resource paths `/api/health`, `/api/uploads`, `/api/images`, `/api/images/{id}` unchanged.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

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
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
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
        self._gateway_errors()
        # One validator for every method: a method without a model or declared parameters
        # has nothing to validate, and the API then has validation on (cdk-nag APIG2).
        validator = self.api.add_request_validator(
            "Validate", validate_request_body=True, validate_request_parameters=True
        )

        root = self.api.root.add_resource("api")
        root.add_resource("health").add_method("GET", _integration(functions.presign))
        root.add_resource("uploads").add_method(
            "POST",
            _integration(functions.presign),
            request_validator=validator,
            request_models={"application/json": self._upload_model(config.max_upload_bytes)},
        )
        images = root.add_resource("images")
        images.add_method(
            "GET",
            _integration(functions.list_images),
            request_validator=validator,
            request_parameters={
                "method.request.querystring.limit": False,
                "method.request.querystring.cursor": False,
                "method.request.querystring.label": False,
            },
        )
        images.add_resource("{id}").add_method(
            "GET",
            _integration(functions.detail),
            request_validator=validator,
            request_parameters={"method.request.path.id": True},
        )

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

    def _gateway_errors(self) -> None:
        """Errors API Gateway answers itself, in the API's error shape.

        The API has no authorizer, so "missing authentication token" only ever means an
        unknown route or method: it is answered as a 404.
        """
        responses = [
            (apigw.ResponseType.BAD_REQUEST_BODY, "invalid_request", None),
            (apigw.ResponseType.BAD_REQUEST_PARAMETERS, "invalid_request", None),
            (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "not_found", "404"),
            (apigw.ResponseType.THROTTLED, "throttled", None),
            (apigw.ResponseType.DEFAULT_4_XX, "request_rejected", None),
            (apigw.ResponseType.DEFAULT_5_XX, "gateway_error", None),
        ]
        for response_type, code, status in responses:
            self.api.add_gateway_response(
                response_type.response_type,
                type=response_type,
                status_code=status,
                templates={"application/json": _ERROR_TEMPLATE % code},
            )


def _integration(function: lambda_.IFunction) -> apigw.LambdaIntegration:
    """Lambda proxy integration; the console's test-invoke permission is not granted."""
    return apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False)
