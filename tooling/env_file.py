"""The running demo's connection settings file: written by ``tricloud demo``, read by doctor.

One ``KEY=VALUE`` line per setting, values shell-quoted, so the same file works with
``tricloud doctor --env-file FILE``, ``tricloud token --env-file FILE`` and with
``set -a; . FILE``. It holds addresses, secret ids, the CA bundle path, the region and the
user pool's ids, never a cloud secret: the only credentials in it are moto's dummy ones and,
in private mode, the throwaway demo user's e-mail and password, which open only this demo.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tooling.cli_support import EXIT_BAD_INPUT, CommandError

#: The site's address; ``tricloud doctor`` reads it when ``--site`` is not given.
SITE_URL = "TRICLOUD_SITE_URL"
#: The demo user of private mode (``tricloud token --env-file`` signs in with them).
DEMO_EMAIL = "TRICLOUD_DEMO_EMAIL"
DEMO_PASSWORD = "TRICLOUD_DEMO_PASSWORD"  # noqa: S105 (a variable name, not a password)

#: Every key the file may hold: the site, plus the functions' own offline variables.
KEYS: tuple[str, ...] = (
    SITE_URL,
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "GCP_SECRET_ID",
    "COSMOS_SECRET_ID",
    "VISION_API_ENDPOINT",
    "COSMOS_CA_BUNDLE",
    "LABELS_PROVIDER",
    "IMAGE_STORE",
    "IMAGES_TABLE",
    "AWS_ENDPOINT_URL_REKOGNITION",
    "ACCESS_MODE",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    DEMO_EMAIL,
    DEMO_PASSWORD,
)

FILE_NAME = "demo.env"


def demo_settings(site_url: str, lambda_env: Mapping[str, str]) -> dict[str, str]:
    """The settings to publish: the site and the :data:`KEYS` of the functions' environment."""
    return {SITE_URL: site_url, **{key: lambda_env[key] for key in KEYS if key in lambda_env}}


def write_env_file(path: Path, settings: Mapping[str, str]) -> None:
    """Write ``settings`` (keys from :data:`KEYS`) as shell-quoted ``KEY=VALUE`` lines."""
    unknown = set(settings) - set(KEYS)
    if unknown:
        raise ValueError(f"not a demo setting: {', '.join(sorted(unknown))}")
    lines = [
        "# tricloud demo connection settings (no secret values); valid while the demo runs.",
        "# Use: tricloud doctor --env-file THIS_FILE",
        *(f"{key}={shlex.quote(value)}" for key, value in settings.items()),
    ]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)  # readers never see half a file


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a file written by :func:`write_env_file`; CommandError names a bad line.

    Blank lines and ``#`` comments are skipped; every other line must be ``KEY=VALUE``
    with a key from :data:`KEYS` and a value that is one shell word.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise CommandError(f"cannot read {path}: {reason}", EXIT_BAD_INPUT) from None
    settings: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, value = _parse_line(stripped)
        if key is None or key not in KEYS:
            what = f"unknown setting {key!r}" if key else "not a KEY=VALUE line"
            raise CommandError(
                f"{path}, line {number}: {what} (expected one of {', '.join(KEYS)})",
                EXIT_BAD_INPUT,
            )
        if value is None:
            raise CommandError(
                f"{path}, line {number}: the value of {key} is not one shell word",
                EXIT_BAD_INPUT,
            )
        settings[key] = value
    return settings


def _parse_line(line: str) -> tuple[str | None, str | None]:
    """``(key, value)``; key None when there is no ``KEY=``, value None when it is malformed."""
    key, equals, raw = line.partition("=")
    if not equals or not key.isidentifier():
        return None, None
    try:
        words = shlex.split(raw)
    except ValueError:  # an unclosed quote
        return key, None
    if len(words) > 1:
        return key, None
    return key, words[0] if words else ""


@contextmanager
def environment(settings: Mapping[str, str]) -> Iterator[None]:
    """Set ``settings`` in ``os.environ`` for the block, as ``set -a; . FILE`` would.

    The previous values come back afterwards, so a caller in the same process (a test)
    sees its environment unchanged.
    """
    previous = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
