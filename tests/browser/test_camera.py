"""The camera: retake, switching between cameras, a denied camera, one without a picture."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Playwright, expect

from .conftest import launch_chromium, open_context
from .flows import PageLog, open_capture, screenshot, start_camera

pytestmark = pytest.mark.browser

# Keeps every camera request of the page, to check afterwards that each stream was stopped.
_RECORD_CAMERA_REQUESTS = """
window.__cameraRequests = [];
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  const request = getUserMedia(constraints);
  window.__cameraRequests.push(request);
  return request;
};
"""

# How many camera tracks the page's requests left running.
_LIVE_TRACKS = """async () => {
  const streams = await Promise.all(window.__cameraRequests);
  return streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState !== "ended").length;
}"""

# The first play() of the preview fails, as when the browser cannot show the camera's picture.
_PLAY_FAILS_ONCE = """
const play = HTMLMediaElement.prototype.play;
let broken = 1;
HTMLMediaElement.prototype.play = function () {
  if (broken-- > 0) return Promise.reject(new DOMException("No picture.", "NotSupportedError"));
  return play.call(this);
};
"""

# The first play() never settles, as with a camera that sends no frames.
_PLAY_HANGS_ONCE = """
const play = HTMLMediaElement.prototype.play;
let broken = 1;
HTMLMediaElement.prototype.play = function () {
  if (broken-- > 0) return new Promise(() => {});
  return play.call(this);
};
"""


def test_retake_returns_to_the_live_picture(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    start_camera(page)
    page.get_by_role("button", name="Take photo").click()
    page.get_by_role("button", name="Retake").click()
    expect(page.locator("#camera-video")).to_be_visible()
    expect(page.get_by_role("button", name="Take photo")).to_be_focused()
    expect(page.get_by_role("button", name="Upload and analyze")).to_be_hidden()


def test_a_double_click_on_start_leaves_no_camera_running(page: Page, app_url: str) -> None:
    page.context.add_init_script(_RECORD_CAMERA_REQUESTS)
    open_capture(page, app_url)
    # Two clicks before the first camera request is answered (an impatient double click).
    page.evaluate(
        "() => { const b = document.getElementById('start-camera'); b.click(); b.click(); }"
    )
    expect(page.locator("#capture-status")).to_have_text(re.compile("^Camera on"))
    page.evaluate("() => Promise.allSettled(window.__cameraRequests)")
    page.get_by_role("link", name="Gallery", exact=True).click()
    expect(page.get_by_role("heading", name="Gallery", level=1)).to_be_visible()
    assert page.evaluate(_LIVE_TRACKS) == 0


@pytest.mark.parametrize(
    ("broken_play", "message"),
    [
        (_PLAY_FAILS_ONCE, "The camera picture cannot be shown"),
        (_PLAY_HANGS_ONCE, "The camera sent no picture within"),
    ],
    ids=["play-fails", "no-frames"],
)
def test_a_camera_without_a_picture_is_released_and_can_be_tried_again(
    page: Page, app_url: str, broken_play: str, message: str
) -> None:
    page.context.add_init_script(_RECORD_CAMERA_REQUESTS)
    page.context.add_init_script(broken_play)
    open_capture(page, app_url)
    page.get_by_role("button", name="Start camera").click()
    # The page waits a few seconds for a first picture (web/js/config.js): allow well over that.
    expect(page.locator("#camera-message")).to_contain_text(message, timeout=30_000)
    expect(page.locator("#capture-status")).to_have_text("")
    expect(page.locator("#file-input")).to_be_focused()
    expect(page.locator("label[for=file-input]")).to_be_visible()
    assert page.evaluate(_LIVE_TRACKS) == 0
    # Trying again works (this time the picture plays).
    page.get_by_role("button", name="Start camera").click()
    expect(page.locator("#capture-status")).to_have_text(re.compile("^Camera on"))
    expect(page.locator("#camera-message")).to_be_hidden()


def test_switching_between_two_cameras(
    playwright: Playwright, app_url: str, page_csp: str, page_log: PageLog
) -> None:
    browser = launch_chromium(playwright, cameras=2)
    try:
        page = open_context(browser, app_url, page_csp, {"width": 1280, "height": 900}).new_page()
        page_log.attach(page)
        open_capture(page, app_url)
        start_camera(page)
        switch = page.get_by_label("Camera", exact=True)
        expect(switch.locator("option")).to_have_count(2)
        first, second = (o.get_attribute("value") for o in switch.locator("option").all())
        expect(switch).to_have_value(first or "")
        switch.select_option(second)
        # The switch shows "Starting the camera…" at once, then this when the new camera runs.
        expect(page.locator("#capture-status")).to_have_text(re.compile("^Camera on"))
        expect(page.get_by_role("button", name="Take photo")).to_be_focused()
        track = "document.getElementById('camera-video').srcObject.getVideoTracks()[0]"
        assert page.evaluate(f"{track}.getSettings().deviceId") == second
        screenshot(page, "16-camera-switch")
        page_log.collect_csp_violations(page)
    finally:
        browser.close()
    page_log.assert_clean()


def test_denied_camera_offers_the_file_picker(
    playwright: Playwright, app_url: str, page_csp: str, page_log: PageLog
) -> None:
    browser = launch_chromium(playwright, camera_allowed=False)
    try:
        context = open_context(browser, app_url, page_csp, {"width": 1280, "height": 900})
        page = context.new_page()
        page_log.attach(page)
        open_capture(page, app_url)
        page.get_by_role("button", name="Start camera").click()
        expect(page.locator("#camera-message")).to_have_text(re.compile("Camera access was denied"))
        expect(page.locator("#file-input")).to_be_focused()
        expect(page.locator("label[for=file-input]")).to_be_visible()
        screenshot(page, "09-camera-denied")
        page_log.collect_csp_violations(page)
    finally:
        browser.close()
    page_log.assert_clean()
