"""``tricloud users add|list|remove`` and ``tricloud token`` on a user pool on moto (--env-file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from offline.cognito import CognitoAuthorizer, UserPool, create_user, provision_user_pool
from tooling.env_file import DEMO_EMAIL, DEMO_PASSWORD, write_env_file
from tooling.user_pool import new_password

from .conftest import Result

pytestmark = pytest.mark.integration


def _env_file(path: Path, moto_server: str, pool: UserPool | None, **extra: str) -> Path:
    settings = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "ACCESS_MODE": "private" if pool else "public",
        **(
            {"COGNITO_USER_POOL_ID": pool.pool_id, "COGNITO_CLIENT_ID": pool.client_id}
            if pool
            else {}
        ),
        **extra,
    }
    write_env_file(path, settings)
    return path


def test_users_add_list_remove(
    tricloud: Callable[..., Result], moto_server: str, tmp_path: Path
) -> None:
    pool = provision_user_pool(moto_server)
    env = str(_env_file(tmp_path / "demo.env", moto_server, pool))
    added = tricloud("users", "add", "carol@example.com", "--no-email", "--env-file", env)
    assert added.code == 0, added.err
    assert "temporary password (changed at the first sign-in)" in added.out
    listed = tricloud("users", "list", "--env-file", env)
    assert listed.code == 0
    assert "carol@example.com\tFORCE_CHANGE_PASSWORD\tenabled" in listed.out
    again = tricloud("users", "add", "carol@example.com", "--no-email", "--env-file", env)
    assert (again.code, again.err.strip()) == (
        2,
        "tricloud: error: carol@example.com is already a user",
    )
    assert tricloud("users", "remove", "carol@example.com", "--env-file", env).code == 0
    assert "carol@example.com" not in tricloud("users", "list", "--env-file", env).out
    gone = tricloud("users", "remove", "carol@example.com", "--env-file", env)
    assert (gone.code, "carol@example.com is not a user" in gone.err) == (2, True)


def test_token_prints_an_id_token_the_authorizer_accepts(
    tricloud: Callable[..., Result],
    moto_server: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = provision_user_pool(moto_server)
    password = new_password()
    sub = create_user(pool, "dave@example.com", password)
    env = _env_file(
        tmp_path / "demo.env",
        moto_server,
        pool,
        **{DEMO_EMAIL: "dave@example.com", DEMO_PASSWORD: password},
    )
    printed = tricloud("token", "--env-file", str(env))
    assert printed.code == 0, printed.err
    claims = CognitoAuthorizer.for_pool(pool).claims(printed.out.strip())
    assert (claims["sub"], claims["token_use"]) == (sub, "id")

    monkeypatch.setenv("WRONG_PASSWORD", "Not-the-password-1")
    wrong = tricloud("token", "--env-file", str(env), "--password-env", "WRONG_PASSWORD")
    assert (wrong.code, wrong.err.strip()) == (2, "tricloud: error: wrong e-mail or password")
    assert "Not-the-password-1" not in wrong.text


def test_a_new_user_must_sign_in_on_the_page_first(
    tricloud: Callable[..., Result], moto_server: str, tmp_path: Path
) -> None:
    pool = provision_user_pool(moto_server)
    temporary = new_password()
    create_user(pool, "erin@example.com", temporary, permanent=False)
    env = _env_file(
        tmp_path / "demo.env",
        moto_server,
        pool,
        **{DEMO_EMAIL: "erin@example.com", DEMO_PASSWORD: temporary},
    )
    result = tricloud("token", "--env-file", str(env))
    assert result.code == 1
    assert "NEW_PASSWORD_REQUIRED" in result.err


def test_a_public_demo_has_no_users(
    tricloud: Callable[..., Result], moto_server: str, tmp_path: Path
) -> None:
    env = _env_file(tmp_path / "demo.env", moto_server, None)
    result = tricloud("users", "list", "--env-file", str(env))
    assert result.code == 2
    assert "public-mode demo: it has no users" in result.err
