"""Cognito offline: the user pool on moto, and the check API Gateway's Cognito authorizer makes.

The demo's pool is the template's (created by :mod:`offline.provision`, found by
:func:`pool_of_stack`); :func:`provision_user_pool` makes one shaped like ``stacks/auth.py``'s
for tests (e-mail as user name, a page client without a secret); :func:`create_user` adds a
user, as ``tricloud users add`` does. :func:`gateway_authorizer` is what the dev server installs
in the gateway's one authorization hook. :class:`CognitoAuthorizer` checks a header value as
API Gateway's Cognito user pool authorizer does: an RS256 signature by a key of the pool's
JWKS (fetched with PyJWT's ``PyJWKClient``), the pool as issuer, the app client as audience,
``token_use`` = ``id``, and expiry; it returns the claims API Gateway passes to the function
(``requestContext.authorizer.claims``, every value a string).

moto signs every pool's tokens with one fixed key of its own, published in its source: offline
tokens are only as secret as the demo. A token from another pool still fails (issuer), as does
one for another client (audience).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from offline.apigateway import Authorizer, Gateway, HttpResponse, Request
from offline.cfn import REGION
from offline.provision import moto_client
from offline.stack_model import Route
from tooling.user_pool import PASSWORD_POLICY

__all__ = [
    "CognitoAuthorizer",
    "InvalidTokenError",
    "UserPool",
    "create_user",
    "ensure_user",
    "gateway_authorizer",
    "pool_environment",
    "pool_from_env",
    "pool_of_stack",
    "provision_user_pool",
]

#: Clock skew tolerated on ``exp`` and ``iat``.
LEEWAY_SECONDS = 5


class InvalidTokenError(Exception):
    """The token is missing, malformed, forged, expired or for another pool or client."""


@dataclass(frozen=True)
class UserPool:
    """A user pool and its page client on a moto server."""

    endpoint: str  # the moto server: Cognito's API, and the JWKS at /<pool>/.well-known/
    pool_id: str
    client_id: str

    @property
    def issuer(self) -> str:
        """The ``iss`` of the pool's tokens (moto uses AWS's form)."""
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool's public signing keys are."""
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"


def pool_environment(pool: UserPool) -> dict[str, str]:
    """The dev server's variables naming ``pool`` (its endpoint is ``AWS_ENDPOINT_URL``)."""
    return {"COGNITO_USER_POOL_ID": pool.pool_id, "COGNITO_CLIENT_ID": pool.client_id}


def pool_from_env(env: Mapping[str, str]) -> UserPool | None:
    """The user pool the dev server guards the API with; None in public mode.

    ``ACCESS_MODE`` private (the default) needs ``COGNITO_USER_POOL_ID``,
    ``COGNITO_CLIENT_ID`` and ``AWS_ENDPOINT_URL`` (the moto server).
    """
    if env.get("ACCESS_MODE", "private") == "public":
        return None
    missing = [
        name
        for name in ("AWS_ENDPOINT_URL", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID")
        if not env.get(name)
    ]
    if missing:
        raise ValueError(f"private mode needs {', '.join(missing)} (or ACCESS_MODE=public)")
    return UserPool(env["AWS_ENDPOINT_URL"], env["COGNITO_USER_POOL_ID"], env["COGNITO_CLIENT_ID"])


def provision_user_pool(endpoint: str, name: str = "tricloud") -> UserPool:
    """A user pool (e-mail user names, admin-created users only) and a page client."""
    cognito = moto_client("cognito-idp", endpoint)
    pool_id = cognito.create_user_pool(
        PoolName=name,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": PASSWORD_POLICY},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        MfaConfiguration="OFF",
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="page",
        GenerateSecret=False,
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    return UserPool(endpoint=endpoint, pool_id=pool_id, client_id=client_id)


def create_user(pool: UserPool, email: str, password: str, *, permanent: bool = True) -> str:
    """Add a user; ``permanent=False`` leaves ``password`` temporary (first sign-in must change
    it). Returns the user's ``sub``."""
    cognito = moto_client("cognito-idp", pool.endpoint)
    user = cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=email,
        TemporaryPassword=password,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )["User"]
    if permanent:
        cognito.admin_set_user_password(
            UserPoolId=pool.pool_id, Username=email, Password=password, Permanent=True
        )
    return next(str(a["Value"]) for a in user["Attributes"] if a["Name"] == "sub")


def ensure_user(pool: UserPool, email: str, password: str) -> None:
    """The user with this permanent password, created or (kept state) reset."""
    cognito = moto_client("cognito-idp", pool.endpoint)
    try:
        create_user(pool, email, password)
    except cognito.exceptions.UsernameExistsException:
        cognito.admin_set_user_password(
            UserPoolId=pool.pool_id, Username=email, Password=password, Permanent=True
        )


class CognitoAuthorizer:
    """Verifies ID tokens of one pool's client, as API Gateway's Cognito authorizer does."""

    def __init__(self, *, issuer: str, jwks_url: str, client_id: str) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True)

    @classmethod
    def for_pool(cls, pool: UserPool) -> CognitoAuthorizer:
        """The authorizer of ``pool``'s page client."""
        return cls(issuer=pool.issuer, jwks_url=pool.jwks_url, client_id=pool.client_id)

    def claims(self, authorization: str | None) -> dict[str, str]:
        """The verified claims of the token in an ``Authorization`` header value."""
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise InvalidTokenError("no token")
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from None
        if claims.get("token_use") != "id":
            raise InvalidTokenError("not an ID token")
        return {name: _claim_text(value) for name, value in claims.items()}


def gateway_authorizer(pool: UserPool, gateway: Gateway) -> Authorizer:
    """The dev server's authorizer for the template's Cognito authorizers of ``pool``.

    A route whose authorizer is not a Cognito user pool authorizer of ``pool`` is refused (the
    offline stack has no other kind); otherwise the token in the authorizer's identity source
    (the ``Authorization`` header) must pass :meth:`CognitoAuthorizer.claims`.
    """
    cognito = CognitoAuthorizer.for_pool(pool)

    def authorize(route: Route, request: Request, event: dict[str, Any]) -> HttpResponse | None:
        spec = gateway.api.authorizers.get(route.authorizer or "")
        if (
            spec is None
            or spec.type != "COGNITO_USER_POOLS"
            or not any(arn.endswith(f"/{pool.pool_id}") for arn in spec.provider_arns)
        ):
            return gateway.error("UNAUTHORIZED")
        header = spec.identity_source.removeprefix("method.request.header.") or "Authorization"
        try:
            claims = cognito.claims(request.headers.get(header))
        except InvalidTokenError:
            return gateway.error("UNAUTHORIZED")
        event["requestContext"]["authorizer"] = {"claims": claims}
        return None

    return authorize


def pool_of_stack(endpoint: str, provider_arns: list[str], client_name: str = "page") -> UserPool:
    """The template's user pool on moto (from an authorizer's provider ARN) and its page client."""
    pool_id = provider_arns[0].rsplit("/", 1)[-1]
    cognito = moto_client("cognito-idp", endpoint)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    client_id = next(
        c["ClientId"] for c in clients["UserPoolClients"] if c["ClientName"] == client_name
    )
    return UserPool(endpoint, pool_id, str(client_id))


def _claim_text(value: Any) -> str:
    """API Gateway hands every claim to the function as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
