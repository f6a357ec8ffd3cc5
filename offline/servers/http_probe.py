"""Tiny HTTP(S) helpers used to tell whether a local server answers."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request


def answers(url: str, ssl_context: ssl.SSLContext | None = None, timeout: float = 2.0) -> bool:
    """True when ``url`` answers a GET with any status below 500."""
    request = urllib.request.Request(url, method="GET")  # noqa: S310 (local http/https URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl_context) as response:  # noqa: S310
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status < 500
