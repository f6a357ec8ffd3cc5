"""Result views that are not the happy path: an image the analysis rejected."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .flows import RESULT_TIMEOUT_MS, screenshot, upload_bytes_directly

pytestmark = pytest.mark.browser


def test_a_failed_analysis_shows_its_reason(page: Page, app_url: str) -> None:
    image_id = upload_bytes_directly(app_url, b"GIF89a this is not a JPEG at all")
    # Opened (and reloaded) while it may still be pending: the page watches until it is failed.
    page.goto(f"{app_url}/#/images/{image_id}")
    page.reload()
    expect(page.get_by_role("heading", name="Analysis failed")).to_be_visible(
        timeout=RESULT_TIMEOUT_MS
    )
    expect(page.locator(".result [role=alert]")).to_contain_text("The analysis failed: The file")
    expect(page.get_by_role("region", name="Labels")).to_have_count(0)
    screenshot(page, "17-analysis-failed")
