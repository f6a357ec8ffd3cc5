"""The page's small modules, run in the real browser (they are ES modules served by the demo)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .flows import PageLog, open_capture

pytestmark = pytest.mark.browser


def _run(page: Page, app_url: str, script: str, arg: Any = None) -> Any:
    if not page.url.startswith(app_url):
        open_capture(page, app_url)
    return page.evaluate(script, arg)


def test_downscale_keeps_the_aspect_ratio_and_never_upscales(page: Page, app_url: str) -> None:
    sizes = _run(
        page,
        app_url,
        """async () => {
          const { fitWithin } = await import("/js/encode.js");
          return [
            fitWithin(4032, 3024, 1600), fitWithin(720, 1280, 1600), fitWithin(3000, 10, 1600),
          ];
        }""",
    )
    assert sizes == [
        {"width": 1600, "height": 1200},
        {"width": 720, "height": 1280},
        {"width": 1600, "height": 5},
    ]


def test_backoff_grows_to_a_ceiling_and_stays_there(page: Page, app_url: str) -> None:
    delays = _run(
        page,
        app_url,
        """async () => {
          const { nextDelay } = await import("/js/poller.js");
          const backoff = { initialDelay: 500, factor: 2, maxDelay: 3000 };
          const delays = [nextDelay(null, backoff)];
          while (delays.length < 7) delays.push(nextDelay(delays.at(-1), backoff));
          return delays;
        }""",
    )
    assert delays == [500, 1000, 2000, 3000, 3000, 3000, 3000]  # never gives up


def test_routes(page: Page, app_url: str) -> None:
    routes = _run(
        page,
        app_url,
        """async () => {
          const { parseHash, galleryHash } = await import("/js/router.js");
          return [parseHash(""), parseHash("#/gallery?label=tabby%20cat"),
                  parseHash("#/images/abc"), parseHash("#/x"), galleryHash("a&b")];
        }""",
    )
    assert routes == [
        {"name": "capture"},
        {"name": "gallery", "label": "tabby cat"},
        {"name": "image", "id": "abc"},
        {"name": "missing", "path": "/x"},
        "#/gallery?label=a%26b",
    ]


def test_storage_errors_are_read_as_text(page: Page, app_url: str) -> None:
    messages = _run(
        page,
        app_url,
        """async () => {
          const { describeUploadFailure } = await import("/js/uploader.js");
          const s3 = (code, message) =>
            `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
          return [
            describeUploadFailure(400, s3("EntityTooLarge", "Your upload exceeds the maximum")),
            describeUploadFailure(403, s3("AccessDenied", "Invalid: Policy expired.")),
            describeUploadFailure(403, "<html>not xml"),
            describeUploadFailure(503, ""),
          ];
        }""",
    )
    assert messages == [
        "The photo is too big to upload. Choose a smaller one.",
        "The upload link expired before the upload finished. Please try again.",
        "Storage refused the upload (the link may have expired or the file does not match). "
        "Please try again.",
        "Storage failed to save the photo (503). Please try again in a moment.",
    ]


def test_api_errors_carry_the_servers_message(page: Page, app_url: str, page_log: PageLog) -> None:
    page_log.allow(r"status of 400")
    error = _run(
        page,
        app_url,
        """async () => {
          const { createUpload } = await import("/js/api.js");
          try { await createUpload("image/gif", 1000); return null; }
          catch (error) {
            return { name: error.name, status: error.status, message: error.message };
          }
        }""",
    )
    assert error is not None
    assert error["name"] == "ApiError"
    assert error["status"] == 400
    assert error["message"], "the API's readable message is shown"
    assert not error["message"].startswith("The server answered")


def test_a_dismissed_notice_leaves_focus_on_the_page(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    page.evaluate(
        """async () => {
          const { Notice } = await import("/js/notice.js");
          new Notice().show("Done.", { text: "See it", href: "#/gallery" });
        }"""
    )
    notice = page.locator("#notice")
    expect(notice.get_by_role("link", name="See it")).to_have_attribute("href", "#/gallery")
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_be_hidden()
    expect(notice).to_be_empty()
    expect(page.locator("#main")).to_be_focused()


# A document whose strings try to be markup: they must end up as text, never as elements.
HOSTILE_DOCUMENT = {
    "id": "7c9e6679-7425-40de-944b-e07fc1f0b20a",
    "status": "done",
    "image_url": "/favicon.svg",
    "width": 200,
    "height": 100,
    "size": 1234,
    "content_type": "image/jpeg",
    "labels": [{"description": "<img src=x onerror=alert(1)>", "score": 0.9}],
    "objects": [
        {
            "name": "<b>box</b>",
            "score": 0.8,
            "box": [[0.1, 0.2], [0.5, 0.2], [0.5, 0.6], [0.1, 0.6]],
        }
    ],
    "safe_search": {"adult": "VERY_UNLIKELY", "racy": "<script>"},
    "colors": [{"hex": "#ff0000", "pixel_fraction": 0.5}, {"hex": "red;background:url(x)"}],
}


def test_result_view_renders_boxes_and_never_markup(page: Page, app_url: str) -> None:
    found = _run(
        page,
        app_url,
        """async (doc) => {
          const { renderResult } = await import("/js/result-view.js");
          const node = renderResult(doc);
          const photo = node.querySelector(".photo");
          const loaded = new Promise((done) => photo.addEventListener("load", done));
          document.body.append(node);
          await loaded;
          const size = [photo.naturalWidth || doc.width, photo.naturalHeight || doc.height];
          return {
            size,
            images: node.querySelectorAll("img").length,
            bold: node.querySelectorAll("b, script").length,
            label: node.querySelector(".bar-name").textContent,
            polygon: node.querySelector("polygon")?.getAttribute("points") ?? null,
            boxText: node.querySelector(".photo-boxes text")?.textContent ?? null,
            swatches: [...node.querySelectorAll(".swatch-chip")]
              .map((chip) => chip.style.backgroundColor),
          };
        }""",
        HOSTILE_DOCUMENT,
    )
    assert found["images"] == 1
    assert found["bold"] == 0
    assert found["label"] == "<img src=x onerror=alert(1)>"
    assert found["boxText"] == "<b>box</b> 80%"
    assert found["swatches"] == ["rgb(255, 0, 0)"]
    width, height = found["size"]
    corners = [(0.1, 0.2), (0.5, 0.2), (0.5, 0.6), (0.1, 0.6)]
    expected = " ".join(f"{x * width:g},{y * height:g}" for x, y in corners)
    assert found["polygon"] == expected
