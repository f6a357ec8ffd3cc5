"""The page's fixed bugs, each shown in a browser: last choice wins, feedback while reading a
huge image, a warning before leaving an upload, Back keeps the gallery, a visible focus ring,
labels that link to the filter, and results that appear by themselves in any tab."""

from __future__ import annotations

import io
import json
import re
import struct
import time
import urllib.request
import zlib
from pathlib import Path

import pytest
import requests
from PIL import Image
from playwright.sync_api import Browser, Dialog, Page, Route, expect

from .conftest import open_context
from .flows import (
    RESULT_TIMEOUT_MS,
    TIMES,
    PageLog,
    open_capture,
    sample_photo,
    screenshot,
    upload_and_wait_for_result,
    upload_bytes_directly,
)

pytestmark = pytest.mark.browser

# Holds back Chromium's decoding of a file named "slow-*" until the test releases it, so that
# "a large photo is still being read" is a state the test controls instead of a race.
_HOLD_SLOW_DECODES = """
(() => {
  const decode = window.createImageBitmap.bind(window);
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  window.__releaseSlowDecode = () => release();
  let done = 0;
  window.createImageBitmap = async (source, ...rest) => {
    if (source instanceof File && source.name.startsWith("slow-")) {
      await released;
      try { return await decode(source, ...rest); }
      finally { document.documentElement.dataset.slowDecodesDone = String(++done); }
    }
    return decode(source, ...rest);
  };
})();
"""


def _jpeg(name: str, path: Path) -> Path:
    sample_photo(name).save(path, "JPEG", quality=90)
    return path


def _huge_png(path: Path, side: int = 20_000) -> Path:
    """A valid side x side grey PNG, written row by row (400 MP, about 0.5 MB on disk)."""
    if path.exists():
        return path

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * side  # filter byte 0, then mid-grey pixels
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def _phone_screenshot(page: Page, name: str) -> None:
    """The same state at phone width, then back to the desktop size."""
    desktop = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, name)
    if desktop is not None:
        page.set_viewport_size(desktop)


def test_the_last_chosen_photo_wins_while_a_large_one_is_being_read(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    page.add_init_script(_HOLD_SLOW_DECODES)
    slow = _jpeg("rocket", tmp_path / "slow-rocket.jpg")
    chosen = _jpeg("coffee", tmp_path / "coffee.jpg")
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(slow)
    page.locator("#file-input").set_input_files(chosen)
    expect(page.locator("#capture-status")).to_contain_text("“coffee.jpg” is ready")
    # Now the first photo finishes reading: it must not replace the one chosen after it.
    page.evaluate("window.__releaseSlowDecode()")
    expect(page.locator("html")).to_have_attribute("data-slow-decodes-done", "1")
    page.evaluate("new Promise((resolve) => setTimeout(resolve, 0))")  # let the page react
    expect(page.get_by_role("img", name="Chosen photo coffee.jpg")).to_be_visible()
    expect(page.locator("#capture-status")).to_contain_text("“coffee.jpg” is ready")
    upload_and_wait_for_result(page)
    expect(page.get_by_role("region", name="File")).to_contain_text(f"600 {TIMES} 400 px")


def test_reading_a_huge_png_says_so_at_once(
    page: Page, app_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    huge = _huge_png(tmp_path_factory.getbasetemp() / "huge-20000x20000.png")
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(huge)
    status = page.locator("#capture-status")
    expect(status).to_contain_text("Reading “huge-20000x20000.png”")
    expect(page.locator("#reading-progress")).to_be_visible()
    screenshot(page, "30-reading-a-huge-png")
    _phone_screenshot(page, "30-reading-a-huge-png-phone")
    # Then it is ready (downscaled) or refused with a reason, never left hanging.
    expect(page.locator("#reading-progress")).to_be_hidden(timeout=RESULT_TIMEOUT_MS)
    expect(status).to_contain_text("“huge-20000x20000.png” is ready")


def test_leaving_during_an_upload_asks_first(page: Page, app_url: str, tmp_path: Path) -> None:
    held: list[Route] = []
    page.route(
        re.compile(r"^http://127\.0\.0\.1:\d+/tricloud-uploads-"),
        lambda route: held.append(route),  # noqa: PLW0108 (Playwright needs a Python function)
    )
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(_jpeg("coffee", tmp_path / "coffee.jpg"))
    # A real click (Chromium asks before leaving only a page the user has interacted with);
    # the upload request being sent (and held by the route) proves the upload is in flight.
    with page.expect_request(re.compile(r"/tricloud-uploads-")):
        page.get_by_role("button", name="Upload and analyze").click()
    expect(page.get_by_role("button", name="Cancel upload")).to_be_visible()
    dialogs: list[str] = []

    def stay(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    # The reload runs after evaluate returns and the dialog arrives later still: wait for it.
    with page.expect_event("dialog"):
        page.evaluate("setTimeout(() => location.reload(), 0)")
    expect(page.get_by_role("button", name="Cancel upload")).to_be_visible()
    assert dialogs == ["beforeunload"]
    page.remove_listener("dialog", stay)
    page.get_by_role("button", name="Cancel upload").click()
    for route in held:
        route.abort()
    expect(page.locator("#capture-status")).to_contain_text("Upload cancelled")
    # Nothing in flight: leaving now asks nothing.
    page.reload()
    expect(page.get_by_role("heading", name="Snap a photo")).to_be_visible()


def _analysed_images(app_url: str, count: int) -> None:
    """Make sure at least ``count`` analysed images exist (uploaded like any client)."""
    with urllib.request.urlopen(f"{app_url}/api/images?limit=100", timeout=10) as response:
        done = [i for i in json.load(response)["items"] if i["status"] == "done"]
    names = ["coffee", "rocket", "astronaut", "chelsea"]
    uploaded = []
    for n in range(len(done), count):
        buffer = io.BytesIO()
        sample_photo(names[n % len(names)]).save(buffer, "JPEG", quality=85)
        uploaded.append(upload_bytes_directly(app_url, buffer.getvalue()))
    for image_id in uploaded:  # bounded wait until each is analysed
        for _ in range(600):
            detail = requests.get(f"{app_url}/api/images/{image_id}", timeout=10).json()
            if detail["status"] != "pending":
                break
            time.sleep(0.1)


def test_back_from_a_photo_keeps_the_scroll_position_and_loaded_pages(
    browser: Browser, app_url: str, page_csp: str, page_log: PageLog
) -> None:
    _analysed_images(app_url, 6)
    context = open_context(browser, app_url, page_csp, {"width": 390, "height": 700})
    page = context.new_page()
    page_log.attach(page)
    try:
        # Two cards per page, so that three pages need "Load more" twice.
        page.route(
            re.compile(r"/api/images\?"),
            lambda route: route.continue_(url=re.sub(r"limit=\d+", "limit=2", route.request.url)),
        )
        page.goto(f"{app_url}/#/gallery")
        cards = page.locator("#gallery-grid .card-link")
        expect(cards).to_have_count(2)
        for shown in (4, 6):
            page.get_by_role("button", name="Load more").click()
            expect(cards).to_have_count(shown)
        # The last analysed one (a pending card's result view would only wait).
        target = page.locator("#gallery-grid .card:not(.is-pending) .card-link").last
        target.scroll_into_view_if_needed()
        scrolled = page.evaluate("window.scrollY")
        assert scrolled > 0
        href = target.get_attribute("href")
        target.click()
        expect(page.locator(".result")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
        page.go_back()
        expect(page.get_by_role("heading", name="Gallery")).to_be_visible()
        expect(cards).to_have_count(6)
        assert page.evaluate("window.scrollY") == scrolled
        assert page.locator(f'#gallery-grid .card-link[href="{href}"]').count() == 1
        screenshot(page, "31-gallery-back-keeps-place-phone", full_page=False)
        page_log.collect_csp_violations(page)
    finally:
        context.close()
    page_log.assert_clean()


def test_a_gallery_card_shows_a_focus_ring(page: Page, app_url: str) -> None:
    _analysed_images(app_url, 1)
    page.goto(f"{app_url}/#/gallery")
    card = page.locator("#gallery-grid .card").first
    expect(card).to_be_visible()
    page.locator("#filter-form button[type=submit]").focus()
    page.keyboard.press("Tab")  # from the filter to the first card, as a keyboard user would
    expect(card.locator(".card-link")).to_be_focused()
    box = card.bounding_box()
    assert box is not None
    margin = 6
    shot = page.screenshot(
        clip={
            "x": box["x"] - margin,
            "y": box["y"] - margin,
            "width": box["width"] + 2 * margin,
            "height": box["height"] + 2 * margin,
        }
    )
    ring = (180, 83, 9)  # --focus: #b45309
    with Image.open(io.BytesIO(shot)) as picture:
        pixels = picture.convert("RGB").getdata()
        orange = sum(1 for p in pixels if _near(p, ring))
    # A ring around the card is at least its perimeter long (the old one was clipped away).
    assert orange >= 2 * (box["width"] + box["height"])
    screenshot(page, "32-gallery-focus-ring", full_page=False)


def _near(pixel: tuple[int, ...], color: tuple[int, int, int]) -> bool:
    return sum(abs(a - b) for a, b in zip(pixel, color, strict=True)) < 60


def test_labels_on_a_result_link_to_the_gallery_filter(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(_jpeg("chelsea", tmp_path / "cat.jpg"))
    image_id = upload_and_wait_for_result(page)
    link = page.locator("#labels-title + .bars .bar-name a").first
    expect(link).to_be_visible()
    name = link.text_content() or ""
    assert name
    screenshot(page, "33-result-label-links")
    _phone_screenshot(page, "33-result-label-links-phone")
    link.click()
    expect(page).to_have_url(re.compile(r"#/gallery\?label="))
    expect(page.locator("#filter-label")).to_have_value(name)
    expect(page.locator(f'#gallery-grid a[href="#/images/{image_id}"]')).to_be_visible()


def test_a_pending_image_appears_by_itself_in_another_tab(page: Page, app_url: str) -> None:
    """The result link opened before the photo is even posted: it waits, says so, and shows it."""
    ticket = requests.post(
        f"{app_url}/api/uploads", json={"content_type": "image/jpeg", "size": 1}, timeout=10
    ).json()
    page.goto(f"{app_url}/#/images/{ticket['id']}")
    expect(page.get_by_role("heading", name="Analyzing…")).to_be_visible()
    expect(page.locator("#image-status")).to_contain_text("still being analysed")
    screenshot(page, "34-pending-result")
    _phone_screenshot(page, "34-pending-result-phone")
    buffer = io.BytesIO()
    sample_photo("chelsea").save(buffer, "JPEG", quality=85)
    photo = buffer.getvalue()
    fields = {**ticket["upload"]["fields"]}
    posted = requests.post(
        ticket["upload"]["url"],
        data=fields,
        files={"file": ("cat.jpg", photo, "image/jpeg")},
        timeout=10,
    )
    assert posted.status_code == 204, posted.text
    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(page.get_by_role("region", name="Labels")).to_be_visible()


def test_a_late_image_says_why_and_keeps_watching(page: Page, app_url: str) -> None:
    """A pending image the API marks stale (here its answer is given by the test: reaching that
    state for real takes minutes) shows the API's reason and keeps being watched."""
    image_id = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
    reason = (
        "The analysis failed 3 times (Vision is unavailable: 503); the upload is in the "
        "dead-letter queue until an operator redrives it."
    )
    asked: list[str] = []

    def late(route: Route) -> None:
        asked.append(route.request.url)
        body = {"id": image_id, "status": "pending", "stale": True, "error": reason}
        route.fulfill(status=200, json={**body, "image_url": None, "thumb_url": None})

    page.route(f"**/api/images/{image_id}", late)
    page.goto(f"{app_url}/#/images/{image_id}")
    expect(page.get_by_role("heading", name="Analysis delayed")).to_be_visible()
    expect(page.locator("#image-status")).to_contain_text(reason)
    expect(page.locator("#image-status")).to_contain_text("keeps checking")
    screenshot(page, "35-late-result")
    _phone_screenshot(page, "35-late-result-phone")
    for _ in range(100):  # bounded wait (no timing asserted): it keeps asking while pending
        if len(asked) >= 3:
            break
        page.wait_for_timeout(100)
    assert len(asked) >= 3
