"""Uploads that do not go well: cancelled, refused by storage, or without a network."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from .flows import PageLog, open_capture, screenshot, start_camera

pytestmark = pytest.mark.browser

# What S3 answers to a pre-signed POST whose policy has expired.
EXPIRED_POLICY = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    "<Message>Invalid according to Policy: Policy expired.</Message></Error>"
)


def _photo_ready(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    start_camera(page)
    page.get_by_role("button", name="Take photo").click()


def test_upload_shows_progress_and_can_be_cancelled(page: Page, app_url: str) -> None:
    _photo_ready(page, app_url)
    # Slow the upload down (Chromium's network emulation) so that it can be watched and cancelled.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 16_000},
    )
    page.get_by_role("button", name="Upload and analyze").click()
    progress = page.locator("#upload-progress-bar")
    expect(progress).to_be_visible()
    expect(progress).not_to_have_js_property("value", 0)
    expect(page.locator("#upload-progress-text")).to_have_text(re.compile(r"\d+% of \d+\.\d kB"))
    screenshot(page, "10-uploading")
    page.get_by_role("button", name="Cancel upload").click()
    expect(page.locator("#capture-status")).to_have_text("Upload cancelled. You can upload again.")
    expect(progress).to_be_hidden()
    expect(page.get_by_role("button", name="Upload and analyze")).to_be_focused()
    assert "#/images/" not in page.url


def test_storage_refusal_is_explained(page: Page, app_url: str, page_log: PageLog) -> None:
    page_log.allow(r"status of 403")

    def refuse(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=403, content_type="application/xml", body=EXPIRED_POLICY)
        else:
            route.continue_()

    # The bucket is another origin than the page: refuse posts to it as S3 would.
    page.route(lambda url: not url.startswith(app_url), refuse)
    _photo_ready(page, app_url)
    page.get_by_role("button", name="Upload and analyze").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The upload link expired before the upload finished. Please try again."
    )
    screenshot(page, "11-storage-refused")


def test_network_failure_is_explained(page: Page, app_url: str, page_log: PageLog) -> None:
    page_log.allow(r"ERR_INTERNET_DISCONNECTED")
    _photo_ready(page, app_url)
    page.context.set_offline(True)
    page.get_by_role("button", name="Upload and analyze").click()
    expect(page.get_by_role("alert")).to_contain_text("The server cannot be reached")
    page.context.set_offline(False)
