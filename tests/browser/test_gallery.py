"""The gallery pages through the real API with its cursor, newest first."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from .flows import (
    RESULT_TIMEOUT_MS,
    open_capture,
    sample_photo,
    screenshot,
    upload_and_wait_for_result,
    upload_bytes_directly,
)

pytestmark = pytest.mark.browser


def _total_images(app_url: str) -> int:
    with urllib.request.urlopen(f"{app_url}/api/images?limit=100", timeout=10) as response:
        return len(json.load(response)["items"])


def test_load_more_follows_the_cursor_newest_first(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    uploaded = []
    for name in ("coffee", "rocket"):
        photo = tmp_path / f"{name}.jpg"
        sample_photo(name).save(photo, "JPEG", quality=90)
        open_capture(page, app_url)
        page.locator("#file-input").set_input_files(photo)
        uploaded.append(upload_and_wait_for_result(page))
    total = _total_images(app_url)
    assert total >= 2

    # Ask the real API for one image per page, so that every "Load more" follows a cursor.
    def one_per_page(route: Route) -> None:
        route.continue_(url=re.sub(r"limit=\d+", "limit=1", route.request.url))

    page.route(re.compile(r"/api/images\?"), one_per_page)
    page.get_by_role("link", name="Gallery", exact=True).click()
    cards = page.locator("#gallery-grid .card-link")
    expect(cards).to_have_count(1)
    load_more = page.get_by_role("button", name="Load more")
    for shown in range(2, total + 1):
        load_more.click()
        expect(cards).to_have_count(shown)
    expect(load_more).to_be_hidden()
    expect(page.locator("#gallery-status")).to_have_text(f"{total} images.")
    newest_first = [f"#/images/{image_id}" for image_id in reversed(uploaded)]
    assert [cards.nth(i).get_attribute("href") for i in range(2)] == newest_first
    screenshot(page, "15-gallery-all-pages")


def test_a_photo_that_cannot_be_shown_gets_a_placeholder(page: Page, app_url: str) -> None:
    image_id = upload_bytes_directly(app_url, b"GIF89a not a photo a browser can draw")
    page.goto(f"{app_url}/#/images/{image_id}")
    expect(page.get_by_role("heading", name="Analysis failed")).to_be_visible(
        timeout=RESULT_TIMEOUT_MS
    )
    page.get_by_role("link", name="Back to the gallery").click()
    card = page.locator("#gallery-grid .card").filter(
        has=page.locator(f'a[href="#/images/{image_id}"]')
    )
    # Its stored bytes are no picture: a "No photo" placeholder, not a broken-image icon.
    expect(card).to_have_class(re.compile(r"\bno-photo\b"))
