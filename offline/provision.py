"""Create the synthesized template's resources on the offline servers.

Each supported resource type has one provisioner (:data:`PROVISIONERS`): it creates the
resource on moto from the template's properties (references already resolved) and records
what ``Ref``/``Fn::GetAtt`` give for it, so later resources and the functions' environment
resolve to the offline resources. A few types are stand-ins that only answer references
(the functions, the REST API, the CloudFront distribution = the dev server). Supporting a
new resource type is one function and one line in :data:`PROVISIONERS`. Provisioning is
idempotent: it runs again on a moto that already holds the resources (``--data``).

The provider secrets the template has (GCP with labels=google-vision, Cosmos with
store=cosmos) get their values as ``tricloud secrets`` gives them in AWS: throwaway GCP
credentials and the Cosmos settings of cosmosdb-server, whose database and container come
from :func:`tooling.cosmos_setup.ensure_container`. A secret with ``GenerateSecretString``
(the gallery cursor key with store=dynamodb) gets a random value, as CloudFormation does.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from offline.cfn import ACCOUNT_ID, REGION, Resolver, UnresolvedError
from offline.servers.cosmos import CosmosServer
from offline.stack_model import StackSpec, read_stack
from tooling.cosmos_setup import ensure_container

#: Stands for the CloudFormation stack name in generated resource names.
STACK_NAME = "Tricloud"
COSMOS_DATABASE = "tricloud"
COSMOS_CONTAINER = "images"
#: The functions' variables that name the two secrets (the stack sets them to the ARNs).
GCP_SECRET_VARIABLE = "GCP_SECRET_ID"  # noqa: S105 (a variable name)
COSMOS_SECRET_VARIABLE = "COSMOS_SECRET_ID"  # noqa: S105


class ProvisionError(RuntimeError):
    """The template holds something the offline stack cannot create."""


@dataclass(frozen=True)
class AwsResources:
    """Names, URLs and ARNs of the upload pipeline's resources (the template's, offline)."""

    bucket: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    gcp_secret_arn: str | None  # None: labels=rekognition has no GCP secret
    cosmos_secret_arn: str | None  # None: store=dynamodb has no Cosmos secret


@dataclass(frozen=True)
class OfflineStack:
    """The provisioned template: what the processes run, and the resources they use."""

    spec: StackSpec
    resources: AwsResources


@dataclass
class ProvisionContext:
    """What provisioners share: moto clients, the resolver, the site's browser origins."""

    endpoint: str
    resolver: Resolver
    site_origins: list[str]
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """One boto3 client per service on the moto server."""
        if service not in self._clients:
            self._clients[service] = moto_client(service, self.endpoint)
        return self._clients[service]

    @property
    def site_host(self) -> str:
        """The dev server's ``host:port``: what the CloudFront domain name is offline."""
        return urlsplit(self.site_origins[0]).netloc

    def browser_origins(self, origin: str) -> list[str]:
        """An allowed origin of the template, offline.

        CloudFront serves the site over HTTPS; the dev server serves it over plain HTTP on
        127.0.0.1, so ``https://<site>`` stands for every offline site origin.
        """
        return list(self.site_origins) if origin == f"https://{self.site_host}" else [origin]


Provisioner = Callable[[ProvisionContext, str, dict[str, Any]], None]


def moto_client(service: str, endpoint: str) -> Any:
    """A boto3 client for ``service`` on the moto server (region :data:`REGION`)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 (moto's documented dummy credentials)
    )


def provision_template(
    template: dict[str, Any], endpoint: str, *, site_origins: Sequence[str], stack_name: str
) -> Resolver:
    """Create every supported resource of ``template`` on moto; return the resolver.

    Resources are created once their references resolve (dependency order); a resource
    that refers to something the offline stack does not provide raises ProvisionError.
    """
    context = ProvisionContext(endpoint, Resolver(stack_name), list(site_origins))
    pending = {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") in PROVISIONERS
    }
    while pending:
        progress: dict[str, str] = {}
        for logical_id, resource in pending.items():
            try:
                PROVISIONERS[resource["Type"]](context, logical_id, resource.get("Properties", {}))
            except UnresolvedError as error:
                progress[logical_id] = str(error)
                continue
        if len(progress) == len(pending):
            problems = "; ".join(f"{name}: {why}" for name, why in progress.items())
            raise ProvisionError(f"cannot resolve offline: {problems}")
        pending = {name: pending[name] for name in progress}
    return context.resolver


def provision_aws(
    moto_endpoint: str,
    template: dict[str, Any],
    *,
    site_origins: Sequence[str],
    stack_name: str = STACK_NAME,
) -> OfflineStack:
    """The template's resources on moto, the secrets still empty (as after ``cdk deploy``)."""
    resolver = provision_template(
        template, moto_endpoint, site_origins=site_origins, stack_name=stack_name
    )
    spec = read_stack(template, resolver)
    return OfflineStack(spec, _pipeline_resources(spec, moto_endpoint))


def provision_offline(
    moto_endpoint: str,
    cosmos: CosmosServer | None,
    template: dict[str, Any],
    *,
    site_origins: Sequence[str],
    stack_name: str = STACK_NAME,
) -> OfflineStack:
    """:func:`provision_aws`, the provider secrets filled, the Cosmos container created.

    ``cosmos`` is needed only when the template keeps its documents in Cosmos DB.
    """
    stack = provision_aws(moto_endpoint, template, site_origins=site_origins, stack_name=stack_name)
    resources = stack.resources
    manager = moto_client("secretsmanager", moto_endpoint)
    if resources.gcp_secret_arn is not None:
        manager.put_secret_value(
            SecretId=resources.gcp_secret_arn, SecretString=local_gcp_credentials_json()
        )
    if resources.cosmos_secret_arn is not None:
        if cosmos is None:
            raise ProvisionError("the template keeps its documents in Cosmos DB: start it")
        ensure_container(cosmos.client(), COSMOS_DATABASE, COSMOS_CONTAINER)
        manager.put_secret_value(
            SecretId=resources.cosmos_secret_arn,
            SecretString=cosmos_secret_json(cosmos.endpoint, cosmos.key),
        )
    return stack


def _pipeline_resources(spec: StackSpec, endpoint: str) -> AwsResources:
    """The upload pipeline's names, from what the functions and the trigger refer to."""
    variables: dict[str, str] = {}
    for function in spec.functions.values():
        variables.update(function.environment)
    if not spec.triggers:
        raise ProvisionError("the template has no SQS event source mapping")
    trigger = spec.triggers[0]
    sqs = moto_client("sqs", endpoint)
    attributes = sqs.get_queue_attributes(
        QueueUrl=trigger.queue_url, AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    dlq_arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
    dlq_url = sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[-1])["QueueUrl"]
    try:
        return AwsResources(
            bucket=variables["UPLOAD_BUCKET"],
            queue_url=trigger.queue_url,
            queue_arn=trigger.queue_arn,
            dlq_url=dlq_url,
            dlq_arn=dlq_arn,
            gcp_secret_arn=variables.get(GCP_SECRET_VARIABLE),
            cosmos_secret_arn=variables.get(COSMOS_SECRET_VARIABLE),
        )
    except KeyError as error:
        raise ProvisionError(f"no function has the variable {error}") from None


# --- provisioners, one per resource type -------------------------------------------------


def _physical_name(context: ProvisionContext, logical_id: str, limit: int) -> str:
    """The name CloudFormation would generate, without its random suffix."""
    return f"{context.resolver.stack_name}-{logical_id}"[:limit]


def _bucket(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    resolve = context.resolver.resolve
    name = str(resolve(props.get("BucketName") or _physical_name(context, logical_id, 63)))
    name = name.lower()
    cors = resolve(props.get("CorsConfiguration"))
    s3 = context.client("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=name)
    if cors:
        rules = [_cors_rule(context, rule) for rule in cors.get("CorsRules", [])]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    context.resolver.define(
        logical_id,
        name,
        Arn=f"arn:aws:s3:::{name}",
        DomainName=f"{name}.s3.amazonaws.com",
        RegionalDomainName=f"{name}.s3.{REGION}.amazonaws.com",
    )


def _cors_rule(context: ProvisionContext, rule: dict[str, Any]) -> dict[str, Any]:
    renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
    result = {renamed.get(key, key): value for key, value in rule.items()}
    result["AllowedOrigins"] = [
        offline
        for origin in rule.get("AllowedOrigins", [])
        for offline in context.browser_origins(str(origin))
    ]
    return result


def _bucket_notifications(
    context: ProvisionContext, logical_id: str, props: dict[str, Any]
) -> None:
    bucket = str(context.resolver.resolve(props["BucketName"]))
    configuration = context.resolver.resolve(props.get("NotificationConfiguration") or {})
    context.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=configuration
    )
    context.resolver.define(logical_id, f"{bucket}-notifications")


#: SQS attributes that CloudFormation's AWS::SQS::Queue sets under the same name.
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
)


def _queue(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    props = context.resolver.resolve(props)
    name = str(props.get("QueueName") or _physical_name(context, logical_id, 80))
    attributes = {
        key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
        for key in _QUEUE_ATTRIBUTES
        if key in props
    }
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    sqs = context.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    if attributes:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
    context.resolver.define(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)


def _queue_policy(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    props = context.resolver.resolve(props)
    for url in props.get("Queues", []):
        context.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
        )
    context.resolver.define(logical_id, logical_id)


def _secret(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    """A secret, created empty as the stack does (the value is put afterwards), or with a
    random value when the template asks CloudFormation to generate one.

    ``Ref`` gives the ARN in AWS; offline it gives the name, which every Secrets Manager
    call accepts too and which, unlike moto's ARN (random suffix), survives a restore.
    """
    props = context.resolver.resolve(props)
    name = str(props.get("Name") or _physical_name(context, logical_id, 512))
    manager = context.client("secretsmanager")
    try:
        arn = manager.describe_secret(SecretId=name)["ARN"]
    except manager.exceptions.ResourceNotFoundException:
        value = {}
        if "GenerateSecretString" in props:
            value = {"SecretString": secrets.token_urlsafe(48)}
        arn = manager.create_secret(Name=name, Description=props.get("Description", ""), **value)[
            "ARN"
        ]
    context.resolver.define(logical_id, name, Id=arn)


def _table(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    props = context.resolver.resolve(props)
    name = str(props.get("TableName") or _physical_name(context, logical_id, 255))
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in props:
            request[key] = props[key]
    dynamodb = context.client("dynamodb")
    try:
        arn = dynamodb.create_table(**request)["TableDescription"]["TableArn"]
    except dynamodb.exceptions.ResourceInUseException:
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    context.resolver.define(logical_id, name, Arn=arn, StreamArn=f"{arn}/stream/offline")


def _user_pool(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    """A Cognito user pool (moto derives its id from its name: it survives a restore)."""
    props = context.resolver.resolve(props)
    name = str(props.get("UserPoolName") or _physical_name(context, logical_id, 128))
    cognito = context.client("cognito-idp")
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((pool["Id"] for pool in pools if pool["Name"] == name), None)
    if pool_id is None:
        options = {key: props[key] for key in _USER_POOL_OPTIONS if key in props}
        pool_id = cognito.create_user_pool(PoolName=name, **options)["UserPool"]["Id"]
    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    context.resolver.define(
        logical_id,
        pool_id,
        Arn=f"arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{pool_id}",
        ProviderName=provider,
        ProviderURL=f"https://{provider}",
        UserPoolId=pool_id,
    )


#: AWS::Cognito::UserPool properties that CreateUserPool takes under the same name.
_USER_POOL_OPTIONS = (
    "Policies",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "MfaConfiguration",
    "AdminCreateUserConfig",
    "AccountRecoverySetting",
    "UsernameConfiguration",
    "Schema",
)


def _user_pool_client(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    """An app client of a user pool (by name, so provisioning again finds it)."""
    props = context.resolver.resolve(props)
    pool_id = str(props["UserPoolId"])
    name = str(props.get("ClientName") or logical_id)
    cognito = context.client("cognito-idp")
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    client_id = next(
        (c["ClientId"] for c in clients["UserPoolClients"] if c["ClientName"] == name), None
    )
    if client_id is None:
        options = {
            key: props[key]
            for key in ("GenerateSecret", "ExplicitAuthFlows", "SupportedIdentityProviders")
            if key in props
        }
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name, **options)[
            "UserPoolClient"
        ]["ClientId"]
    context.resolver.define(logical_id, client_id, Name=name)


def _function_stand_in(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    """Functions run in the dev server and the worker: only their name and ARN are needed."""
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{logical_id}"
    context.resolver.define(logical_id, logical_id, Arn=arn)


def _rest_api_stand_in(context: ProvisionContext, logical_id: str, props: dict[str, Any]) -> None:
    """The dev server is the REST API."""
    context.resolver.define(logical_id, "offline", RootResourceId="root")


def _distribution_stand_in(
    context: ProvisionContext, logical_id: str, props: dict[str, Any]
) -> None:
    """The dev server is the CloudFront distribution: its domain name is ``host:port``."""
    context.resolver.define(logical_id, "offline", DomainName=context.site_host)


PROVISIONERS: dict[str, Provisioner] = {
    "AWS::S3::Bucket": _bucket,
    "Custom::S3BucketNotifications": _bucket_notifications,
    "AWS::SQS::Queue": _queue,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::DynamoDB::Table": _table,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Lambda::Function": _function_stand_in,
    "AWS::ApiGateway::RestApi": _rest_api_stand_in,
    "AWS::CloudFront::Distribution": _distribution_stand_in,
}


# --- secret values ------------------------------------------------------------------------


def local_gcp_credentials_json() -> str:
    """A ``service_account`` key file for the offline stack, with a fresh throwaway key.

    It has the shape GCP gives; the local Vision server ignores credentials, so it is
    only parsed and validated, never used to sign anything.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    email = "tricloud-local@tricloud-local.iam.gserviceaccount.com"
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "tricloud-local",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": email,
            "client_id": str(secrets.randbelow(10**20)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
            "universe_domain": "googleapis.com",
        }
    )


def cosmos_secret_json(
    endpoint: str, key: str, database: str = COSMOS_DATABASE, container: str = COSMOS_CONTAINER
) -> str:
    """The Cosmos secret as stored in AWS: endpoint, key, database, container."""
    return json.dumps(
        {"endpoint": endpoint, "key": key, "database": database, "container": container}
    )
