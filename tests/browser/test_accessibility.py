"""Keyboard use, names for every control and image, and a layout that fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import open_context
from .flows import (
    PageLog,
    open_capture,
    screenshot,
    start_camera,
    upload_and_wait_for_result,
    wait_for_photo,
)

pytestmark = pytest.mark.browser

# Controls without an accessible name, images without alt, and more than one visible h1.
_PROBLEMS_JS = """() => {
  const visible = (el) => el.getClientRects().length > 0;
  const problems = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type !== "hidden" && !el.labels?.length && !el.getAttribute("aria-label")) {
      problems.push(`unlabelled ${el.tagName.toLowerCase()}#${el.id}`);
    }
  }
  for (const el of document.querySelectorAll("button, a")) {
    if (visible(el) && !el.textContent.trim() && !el.getAttribute("aria-label")) {
      problems.push(`nameless ${el.tagName.toLowerCase()}`);
    }
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  const headings = [...document.querySelectorAll("h1")].filter(visible);
  if (headings.length !== 1) problems.push(`${headings.length} visible h1`);
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`wider than the window: ${document.documentElement.scrollWidth}px`);
  }
  return problems;
}"""


def _tab_to(page: Page, name: str, limit: int = 20) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.textContent?.trim()") == name:
            return
    pytest.fail(f"“{name}” cannot be reached with the Tab key")


def test_keyboard_only_capture_and_upload(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    assert page.evaluate(_PROBLEMS_JS) == []
    _tab_to(page, "Start camera")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Take photo")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Upload and analyze")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".result")).to_be_visible(timeout=60_000)
    expect(page.locator("#image-title")).to_be_focused()
    wait_for_photo(page)
    assert page.evaluate(_PROBLEMS_JS) == []
    expect(page.locator("#image-status")).to_have_attribute("aria-live", "polite")


def test_every_view_fits_a_phone(
    browser: Browser, app_url: str, page_csp: str, page_log: PageLog
) -> None:
    context = open_context(browser, app_url, page_csp, {"width": 360, "height": 740})
    page = context.new_page()
    page_log.attach(page)
    try:
        open_capture(page, app_url)
        start_camera(page)
        assert page.evaluate(_PROBLEMS_JS) == []
        screenshot(page, "12-phone-camera")
        page.get_by_role("button", name="Take photo").click()
        upload_and_wait_for_result(page)
        wait_for_photo(page)
        assert page.evaluate(_PROBLEMS_JS) == []
        screenshot(page, "13-phone-result")
        page.get_by_role("link", name="Gallery", exact=True).click()
        expect(page.locator("#gallery-grid .card").first).to_be_visible()
        assert page.evaluate(_PROBLEMS_JS) == []
        screenshot(page, "14-phone-gallery")
        page_log.collect_csp_violations(page)
    finally:
        context.close()
    page_log.assert_clean()
