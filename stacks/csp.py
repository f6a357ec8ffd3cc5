"""The page's Content-Security-Policy: one definition for CloudFront and the local dev server.

Plain Python with no aws_cdk import, so the offline stack can use it without loading CDK.
"""

from __future__ import annotations


def content_security_policy(upload_origin: str, auth_origin: str | None = None) -> str:
    """CSP for the camera page: own scripts only; images and uploads also from the bucket.

    ``auth_origin`` is Cognito's API endpoint in private mode: the page signs in with fetch.

    The page needs no `blob:`, `data:` or `mediastream:` sources: the snapshot preview is a
    canvas and the live video a `srcObject`, which no fetch directive governs.
    """
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' {upload_origin}",
        "connect-src": " ".join(
            dict.fromkeys(o for o in ("'self'", upload_origin, auth_origin) if o)
        ),
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())
