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

# WCAG contrast of every visible text against the first opaque background behind it:
# at least 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
_CONTRAST_JS = """
const channel = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
const rgba = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
const background = (el) => {
  for (let node = el; node; node = node.parentElement) {
    const [r, g, b, a = 1] = rgba(getComputedStyle(node).backgroundColor);
    if (a >= 0.99) return [r, g, b];
  }
  return [255, 255, 255];
};
const contrastProblems = () => {
  const found = [];
  for (const el of document.querySelectorAll("body *:not(svg *)")) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const pair = [luminance(rgba(style.color)), luminance(background(el))];
    const ratio = (Math.max(...pair) + 0.05) / (Math.min(...pair) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const text = el.textContent.trim().slice(0, 30);
    if (ratio < (large ? 3 : 4.5)) found.push(`contrast ${ratio.toFixed(2)} for "${text}"`);
  }
  return found;
};
"""

# Controls without an accessible name, images without alt, more than one visible h1, low
# contrast, and a page wider than the window.
_PROBLEMS_JS = (
    """() => {"""
    + _CONTRAST_JS
    + """
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
  for (const issue of contrastProblems()) problems.push(issue);
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`wider than the window: ${document.documentElement.scrollWidth}px`);
  }
  return problems;
}"""
)


def _tab_to(page: Page, name: str, limit: int = 20) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.textContent?.trim()") == name:
            return
    pytest.fail(f"“{name}” cannot be reached with the Tab key")


def test_keyboard_only_capture_and_upload(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    assert page.evaluate(_PROBLEMS_JS) == []
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page.get_by_role("heading", name="Snap a photo")).to_be_visible()
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
