"""The pending document presign stores, for tests that put an object into S3 themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lambdas.services.documents import pending_document


def pending(bucket: str, image_id: str, key: str, owner: str = "public") -> dict[str, Any]:
    """What ``POST /api/uploads`` would have stored for ``key`` just now."""
    return pending_document(
        owner=owner,
        image_id=image_id,
        key=key,
        bucket=bucket,
        content_type="image/jpeg",
        size=1,
        now=datetime.now(UTC),
        upload_url_ttl_seconds=300,
    )
