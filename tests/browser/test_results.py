"""Result views that are not the happy path: an image the analysis rejected, and giving up."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .flows import RESULT_TIMEOUT_MS, open_capture, screenshot, upload_bytes_directly

pytestmark = pytest.mark.browser


def test_a_failed_analysis_shows_its_reason(page: Page, app_url: str) -> None:
    image_id = upload_bytes_directly(app_url, b"GIF89a this is not a JPEG at all")
    open_capture(page, app_url)
    # As if this tab had uploaded it and was reloaded while waiting: it keeps polling.
    page.evaluate(
        "async (id) => (await import('/js/pending.js')).markPending(id)",
        image_id,
    )
    page.goto(f"{app_url}/#/images/{image_id}")
    page.reload()
    expect(page.get_by_role("heading", name="Analysis failed")).to_be_visible(
        timeout=RESULT_TIMEOUT_MS
    )
    expect(page.locator(".result [role=alert]")).to_contain_text("The analysis failed: The file")
    expect(page.get_by_role("region", name="Labels")).to_have_count(0)
    screenshot(page, "17-analysis-failed")


def test_polling_gives_up_with_a_message(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    outcome = page.evaluate(
        """async () => {
          const { waitForAnalysis } = await import("/js/poller.js");
          const timing = { initialDelay: 100, factor: 2, maxDelay: 400, giveUpAfter: 1000 };
          const attempts = [];
          try {
            await waitForAnalysis(crypto.randomUUID(), timing, new AbortController().signal,
                                  (n) => attempts.push(n));
            return null;
          } catch (error) {
            return { name: error.name, message: error.message, attempts: attempts.length };
          }
        }"""
    )
    assert outcome == {
        "name": "PollError",
        "message": "The analysis is taking longer than 1 second. Check the gallery later.",
        "attempts": 4,  # at once, then after 100, 200 and 400 ms (the next would pass 1 s)
    }
