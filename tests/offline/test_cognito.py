"""Sign-in on moto's Cognito and the dev server's Cognito authorizer, as API Gateway's.

Tokens come from real ``InitiateAuth`` calls; the expired one is a real token re-signed with
moto's pool key and an ``exp`` in the past (Cognito never hands out an expired token).
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3
import botocore
import jwt
import moto
import pytest
import requests
from botocore.config import Config

from offline.apigateway import Gateway
from offline.cognito import (
    CognitoAuthorizer,
    InvalidTokenError,
    UserPool,
    create_user,
    provision_user_pool,
)
from offline.devserver import DevServer
from offline.lambda_runtime import FunctionHost
from offline.provision import moto_client
from offline.service import serving_in_thread
from offline.stack_model import read_api
from tooling.user_pool import new_password

pytestmark = pytest.mark.integration

EMAIL = "alice@example.com"


@dataclass
class Signed:
    """A pool with one user, signed in."""

    pool: UserPool
    password: str
    sub: str
    tokens: dict[str, Any]


def _auth(pool: UserPool, email: str, password: str) -> dict[str, Any]:
    answer: dict[str, Any] = moto_client("cognito-idp", pool.endpoint).initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return answer


@pytest.fixture(scope="module")
def signed(moto_server: str) -> Signed:
    pool = provision_user_pool(moto_server)
    password = new_password()
    sub = create_user(pool, EMAIL, password)
    return Signed(pool, password, sub, _auth(pool, EMAIL, password)["AuthenticationResult"])


def _resign(token: str, **changes: Any) -> str:
    """The token's claims with ``changes``, signed with moto's (fixed, public) pool key."""
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    resources = Path(moto.__file__).parent / "cognitoidp" / "resources"
    key = jwt.PyJWK(json.loads(gzip.decompress((resources / "jwks-private.json.gz").read_bytes())))
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": "dummy"})


def test_the_right_password_gives_an_id_token_the_authorizer_accepts(signed: Signed) -> None:
    claims = CognitoAuthorizer.for_pool(signed.pool).claims(signed.tokens["IdToken"])
    assert claims["sub"] == signed.sub
    assert claims["email"] == EMAIL
    assert claims["token_use"] == "id"
    assert all(isinstance(value, str) for value in claims.values())  # as API Gateway passes them
    assert CognitoAuthorizer.for_pool(signed.pool).claims("Bearer " + signed.tokens["IdToken"])


def test_a_wrong_password_is_refused_by_cognito(signed: Signed) -> None:
    with pytest.raises(Exception, match="NotAuthorizedException"):
        _auth(signed.pool, EMAIL, signed.password + "x")


def test_a_new_user_must_choose_a_password_first(signed: Signed) -> None:
    email, temporary = "new@example.com", new_password()
    create_user(signed.pool, email, temporary, permanent=False)
    answer = _auth(signed.pool, email, temporary)
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    result = moto_client("cognito-idp", signed.pool.endpoint).respond_to_auth_challenge(
        ClientId=signed.pool.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=answer["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password()},
    )
    token = result["AuthenticationResult"]["IdToken"]
    assert CognitoAuthorizer.for_pool(signed.pool).claims(token)["email"] == email


def test_refresh_gives_a_new_id_token(signed: Signed) -> None:
    answer = moto_client("cognito-idp", signed.pool.endpoint).initiate_auth(
        ClientId=signed.pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": signed.tokens["RefreshToken"]},
    )
    token = answer["AuthenticationResult"]["IdToken"]
    assert CognitoAuthorizer.for_pool(signed.pool).claims(token)["sub"] == signed.sub


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "00000000-0000-4000-8000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: None, "no token"),
        (lambda s: "", "no token"),
        (lambda s: "not-a-jwt", "Not enough segments"),
        (lambda s: _tampered(s.tokens["IdToken"]), "Signature verification failed"),
        (lambda s: _resign(s.tokens["IdToken"], exp=int(time.time()) - 60), "expired"),
        (lambda s: s.tokens["AccessToken"], "aud"),  # an access token has no audience
        (lambda s: _resign(s.tokens["IdToken"], token_use="access"), "not an ID token"),
        (lambda s: _resign(s.tokens["IdToken"], iss="https://evil.example/"), "issuer"),
    ],
    ids=["missing", "empty", "garbage", "tampered", "expired", "access", "token_use", "issuer"],
)
def test_the_authorizer_refuses(signed: Signed, make: Any, reason: str) -> None:
    with pytest.raises(InvalidTokenError, match=reason):
        CognitoAuthorizer.for_pool(signed.pool).claims(make(signed))


def test_a_token_of_another_pool_or_client_is_refused(signed: Signed, moto_server: str) -> None:
    other_pool = provision_user_pool(moto_server, name="other")
    password = new_password()
    create_user(other_pool, EMAIL, password)
    other_token = _auth(other_pool, EMAIL, password)["AuthenticationResult"]["IdToken"]
    with pytest.raises(InvalidTokenError, match="issuer"):
        CognitoAuthorizer.for_pool(signed.pool).claims(other_token)
    cognito = moto_client("cognito-idp", moto_server)
    other_client = cognito.create_user_pool_client(
        UserPoolId=signed.pool.pool_id,
        ClientName="other",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    other_client_token = _auth(
        UserPool(moto_server, signed.pool.pool_id, other_client), EMAIL, signed.password
    )["AuthenticationResult"]["IdToken"]
    with pytest.raises(InvalidTokenError, match="Audience"):
        CognitoAuthorizer.for_pool(signed.pool).claims(other_client_token)


@dataclass
class Recorder:
    """A function that answers 200 with nothing and records its events."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


@pytest.fixture
def guarded(
    signed: Signed, tmp_path: Path, stack_template: dict[str, Any]
) -> Iterator[tuple[str, Recorder]]:
    """The dev server with the template's API, its Cognito authorizer naming the test pool."""
    recorder = Recorder()
    hosts = {name: FunctionHost(name, recorder) for name in ("presign", "list_images", "detail")}
    api = read_api(stack_template)
    pool_arn = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{signed.pool.pool_id}"
    api = replace(
        api,
        authorizers={
            name: replace(spec, provider_arns=[pool_arn]) for name, spec in api.authorizers.items()
        },
    )
    server = DevServer(
        ("127.0.0.1", 0),
        hosts,
        tmp_path,
        "http://127.0.0.1:1",
        gateway=Gateway(api),
        pool=signed.pool,
    )
    with serving_in_thread(server) as url:
        yield url, recorder


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/uploads"),
        ("GET", "/api/images"),
        ("GET", "/api/images/abc"),
        ("DELETE", "/api/images/abc"),
    ],
)
def test_the_dev_server_answers_401_json_without_a_valid_token(
    guarded: tuple[str, Recorder], signed: Signed, method: str, path: str
) -> None:
    url, recorder = guarded
    for headers in ({}, {"Authorization": _tampered(signed.tokens["IdToken"])}):
        answer = requests.request(method, url + path, headers=headers, timeout=10)
        assert answer.status_code == 401
        assert answer.json() == {"error": {"code": "unauthorized", "message": "Unauthorized"}}
    assert recorder.events == []


def test_the_dev_server_passes_the_claims_like_api_gateway(
    guarded: tuple[str, Recorder], signed: Signed
) -> None:
    url, recorder = guarded
    assert requests.get(f"{url}/api/health", timeout=10).status_code == 200  # no token needed
    headers = {"Authorization": signed.tokens["IdToken"]}
    assert requests.get(f"{url}/api/images", headers=headers, timeout=10).status_code == 200
    health, images = recorder.events
    assert "authorizer" not in health["requestContext"]
    assert images["requestContext"]["authorizer"]["claims"]["sub"] == signed.sub


def test_the_page_learns_the_pool_from_config_json(
    guarded: tuple[str, Recorder], signed: Signed
) -> None:
    url, _ = guarded
    config = requests.get(f"{url}/config.json", timeout=10).json()
    assert config == {
        "access": "private",
        "region": "us-east-1",
        "user_pool_id": signed.pool.pool_id,
        "client_id": signed.pool.client_id,
        "cognito_endpoint": signed.pool.endpoint,
    }
    assert "secret" not in json.dumps(config).lower()


def test_boto3_signs_in_without_credentials(signed: Signed) -> None:
    """The page and `tricloud token` call InitiateAuth unsigned, as Cognito allows."""
    client = boto3.client(
        "cognito-idp",
        endpoint_url=signed.pool.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=botocore.UNSIGNED),
    )
    answer = client.initiate_auth(
        ClientId=signed.pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": signed.password},
    )
    assert "IdToken" in answer["AuthenticationResult"]
