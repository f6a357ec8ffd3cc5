"""Choosing or dropping a file instead of using the camera, and what happens with bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, Request, expect

from .flows import (
    TIMES,
    drag_file,
    label_names,
    open_capture,
    sample_photo,
    screenshot,
    upload_and_wait_for_result,
    wait_for_photo,
)

pytestmark = pytest.mark.browser


def _save(name: str, path: Path, size: tuple[int, int] | None = None) -> Path:
    """Save a sample photo as JPEG or PNG (by the file's suffix), optionally resized."""
    image = sample_photo(name)
    if size is not None:
        image = image.resize(size, Image.Resampling.LANCZOS)
    if path.suffix == ".jpg":
        image.save(path, "JPEG", quality=92)
    else:
        image.save(path, "PNG")
    return path


def test_file_picker_uploads_a_real_photo(page: Page, app_url: str, tmp_path: Path) -> None:
    photo = _save("chelsea", tmp_path / "chelsea.jpg")
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(photo)
    expect(page.locator("#capture-status")).to_contain_text("“chelsea.jpg” is ready")
    expect(page.get_by_role("img", name="Chosen photo chelsea.jpg")).to_be_visible()
    image_id = upload_and_wait_for_result(page)
    wait_for_photo(page)
    screenshot(page, "07-file-result")
    assert label_names(page), "the result shows no labels"
    facts = page.get_by_role("region", name="File")
    expect(facts).to_contain_text(f"451 {TIMES} 300 px")
    expect(facts).to_contain_text(image_id)


def test_large_png_is_sent_as_a_downscaled_jpeg(page: Page, app_url: str, tmp_path: Path) -> None:
    big = _save("coffee", tmp_path / "coffee.png", size=(2400, 1600))
    posted: list[Request] = []
    page.on("request", lambda r: posted.append(r) if r.url.endswith("/api/uploads") else None)
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(big)
    upload_and_wait_for_result(page)
    assert [json.loads(r.post_data or "{}").get("content_type") for r in posted] == ["image/jpeg"]
    facts = page.get_by_role("region", name="File")
    expect(facts).to_contain_text(f"1600 {TIMES} 1067 px")
    expect(facts).to_contain_text("image/jpeg")


# What became of each file drag over the page, seen after the page's own handlers ran.
_RECORD_DRAGOVERS = """
window.__dragovers = [];
window.addEventListener("dragover", (event) => window.__dragovers.push(
  { taken: event.defaultPrevented, effect: event.dataTransfer.dropEffect }));
"""


def test_dropped_file_becomes_the_photo(page: Page, app_url: str, tmp_path: Path) -> None:
    photo = _save("astronaut", tmp_path / "astronaut.png")
    open_capture(page, app_url)
    drag_file(page, "#drop-zone", photo)
    expect(page.locator("#capture-status")).to_contain_text("“astronaut.png” is ready")
    expect(page.get_by_role("button", name="Upload and analyze")).to_be_focused()


def test_a_file_dropped_beside_the_drop_zone_is_the_photo_too(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    # Not taken, the drop would make the browser open the file instead of the page.
    photo = _save("coffee", tmp_path / "coffee.jpg")
    open_capture(page, app_url)
    drag_file(page, "#capture-title", photo)
    expect(page.locator("#capture-status")).to_contain_text("“coffee.jpg” is ready")
    expect(page).to_have_url(f"{app_url}/#/")


def test_a_file_dropped_on_the_gallery_is_refused_not_opened(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    page.context.add_init_script(_RECORD_DRAGOVERS)
    photo = _save("coffee", tmp_path / "coffee.jpg")
    page.goto(f"{app_url}/#/gallery")
    expect(page.get_by_role("heading", name="Gallery", level=1)).to_be_visible()
    drag_file(page, "#gallery-title", photo, release="cancel")
    # The page takes the drag (the browser does not open the file) and shows "no drop here".
    assert page.evaluate("window.__dragovers") == [{"taken": True, "effect": "none"}]
    drag_file(page, "#gallery-title", photo)
    expect(page.get_by_role("heading", name="Gallery", level=1)).to_be_visible()
    expect(page).to_have_url(f"{app_url}/#/gallery")
    page.get_by_role("link", name="Capture", exact=True).click()
    expect(page.locator("#preview-canvas")).to_be_hidden()


def test_wrong_file_types_get_a_clear_error(page: Page, app_url: str, tmp_path: Path) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/uploads" in r.url else None)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    fake_png = tmp_path / "broken.png"
    fake_png.write_bytes(b"\x89PNG\r\n\x1a\n but nothing else")
    open_capture(page, app_url)

    page.locator("#file-input").set_input_files(notes)
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile("“notes.txt” is not an image"))
    screenshot(page, "08-wrong-file-type")

    page.locator("#file-input").set_input_files(fake_png)
    expect(alert).to_have_text(re.compile("cannot read this file as an image"))
    expect(page.get_by_role("button", name="Upload and analyze")).to_be_hidden()
    assert asked == [], "nothing may be uploaded for a file that is not an image"


def test_any_image_the_browser_reads_becomes_a_jpeg(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    gif = tmp_path / "rocket.gif"
    sample_photo("rocket").save(gif, "GIF")
    posted: list[Request] = []
    page.on("request", lambda r: posted.append(r) if r.url.endswith("/api/uploads") else None)
    open_capture(page, app_url)
    page.locator("#file-input").set_input_files(gif)
    expect(page.locator("#capture-status")).to_contain_text("“rocket.gif” is ready")
    upload_and_wait_for_result(page)
    assert [json.loads(r.post_data or "{}").get("content_type") for r in posted] == ["image/jpeg"]
    expect(page.get_by_role("region", name="File")).to_contain_text("image/jpeg")
