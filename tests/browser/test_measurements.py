"""Numbers for the report (written to test-output/browser-metrics.json), never timed assertions."""

from __future__ import annotations

import statistics
import time

import pytest
from playwright.sync_api import Page, expect

from .flows import RESULT_TIMEOUT_MS, open_capture, record_metric, start_camera

pytestmark = pytest.mark.browser

RUNS = 5

_ENCODE_BOTH_JS = """async () => {
  const { config } = await import("/js/config.js");
  const { captureFrame, encodeCanvas } = await import("/js/encode.js");
  const canvas = document.createElement("canvas");
  captureFrame(document.getElementById("camera-video"), canvas, config.maxEdge);
  const jpeg = await encodeCanvas(canvas, "image/jpeg", config.jpegQuality);
  const png = await encodeCanvas(canvas, "image/png");
  return { width: canvas.width, height: canvas.height, jpeg: jpeg.size, png: png.size };
}"""


def test_uploaded_bytes_for_a_1280x720_capture(page: Page, app_url: str) -> None:
    open_capture(page, app_url)
    start_camera(page)
    sizes = page.evaluate(_ENCODE_BOTH_JS)
    assert (sizes["width"], sizes["height"]) == (1280, 720)
    assert sizes["jpeg"] < sizes["png"]
    record_metric("capture_1280x720_bytes", {"jpeg_uploaded": sizes["jpeg"], "png": sizes["png"]})


def test_time_from_capture_to_result(page: Page, app_url: str) -> None:
    seconds = []
    for _ in range(RUNS):
        open_capture(page, app_url)
        start_camera(page)
        started = time.perf_counter()
        page.get_by_role("button", name="Take photo").click()
        page.get_by_role("button", name="Upload and analyze").click()
        expect(page.locator(".result")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
        seconds.append(time.perf_counter() - started)
        expect(page.locator("#image-status")).to_contain_text("Analysis done")
    record_metric(
        "capture_to_result_seconds",
        {"runs": [round(s, 2) for s in seconds], "median": round(statistics.median(seconds), 2)},
    )
