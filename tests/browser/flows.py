"""What the browser tests do on the page, in the words of a user, and what they watch for."""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import requests
from PIL import Image
from playwright.sync_api import ConsoleMessage, Page, expect
from skimage import data

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
METRICS = REPO_ROOT / "test-output" / "browser-metrics.json"

#: The sign between width and height in the page's "1280 x 720 px".
TIMES = "\N{MULTIPLICATION SIGN}"
#: The offline analysis takes about a second; allow for a busy machine.
RESULT_TIMEOUT_MS = 60_000
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass
class PageLog:
    """Console errors, uncaught exceptions and CSP violations seen on a page."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Start listening on ``page``."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def allow(self, pattern: str) -> None:
        """Accept console errors matching ``pattern`` (for tests that provoke them)."""
        self.allowed.append(re.compile(pattern))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        text = f"console error: {message.text} ({url})"
        if not any(pattern.search(text) for pattern in self.allowed):
            self.problems.append(text)

    def collect_csp_violations(self, page: Page) -> None:
        """Add the CSP violations the page recorded (see conftest)."""
        if page.is_closed():
            return
        violations = page.evaluate("window.__cspViolations || []")
        self.problems.extend(f"CSP violation: {v}" for v in violations)

    def assert_clean(self) -> None:
        """Fail with every problem seen."""
        assert not self.problems, "the page reported problems:\n" + "\n".join(self.problems)


def sample_photo(name: str) -> Image.Image:
    """One of skimage's real sample photos (chelsea, coffee, astronaut, rocket)."""
    return Image.fromarray(getattr(data, name)())


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot as test-output/screenshots/<name>.png."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def record_metric(name: str, value: Any) -> None:
    """Merge one measured value into test-output/browser-metrics.json."""
    metrics = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    metrics[name] = value
    METRICS.parent.mkdir(parents=True, exist_ok=True)
    METRICS.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")


def open_capture(page: Page, app_url: str) -> None:
    """Open the capture view."""
    page.goto(f"{app_url}/#/")
    expect(page.get_by_role("heading", name="Snap a photo", level=1)).to_be_visible()


def start_camera(page: Page) -> None:
    """Start the camera and wait for the live picture."""
    page.get_by_role("button", name="Start camera").click()
    expect(page.get_by_role("button", name="Take photo")).to_be_visible()
    expect(page.locator("#camera-video")).not_to_have_js_property("videoWidth", 0)


def upload_and_wait_for_result(page: Page) -> str:
    """Upload the previewed photo, wait for its result view, and return the image id."""
    page.get_by_role("button", name="Upload and analyze").click()
    page.wait_for_url(re.compile(rf"#/images/{UUID}$"), timeout=RESULT_TIMEOUT_MS)
    expect(page.locator(".result")).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    return page.url.rsplit("/", 1)[-1]


def label_names(page: Page) -> list[str]:
    """The label names shown in the result view, in order."""
    return page.locator("#labels-title + .bars .bar-name").all_text_contents()


def wait_for_photo(page: Page) -> None:
    """Wait until the result photo has loaded from the bucket."""
    # (Not page.wait_for_function: it evaluates strings, which the page's CSP rightly forbids.)
    expect(page.locator(".photo")).not_to_have_js_property("naturalWidth", 0)


def upload_bytes_directly(app_url: str, body: bytes) -> str:
    """Upload through the real pre-signed POST, as a client that bypasses the page would."""
    request = urllib.request.Request(
        f"{app_url}/api/uploads",
        data=json.dumps({"content_type": "image/jpeg", "size": len(body)}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        ticket = json.load(response)
    stored = requests.post(
        ticket["upload"]["url"],
        data=ticket["upload"]["fields"],
        files={"file": ("photo.jpg", body, "image/jpeg")},
        timeout=10,
    )
    stored.raise_for_status()
    image_id: str = ticket["id"]
    return image_id


def drag_file(
    page: Page, target: str, path: Path, *, release: Literal["drop", "cancel"] = "drop"
) -> None:
    """Drag a file from the desktop over the element ``target`` and drop it there (or give up).

    The events are trusted ones, as a real drag makes them (Chromium's DevTools protocol), so the
    browser's own handling of a drop that the page does not take is part of the test.
    """
    box = page.locator(target).bounding_box()
    assert box is not None, f"{target} is not visible"
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}  # 1: copy
    session = page.context.new_cdp_session(page)
    try:
        for kind in ("dragEnter", "dragOver", "drop" if release == "drop" else "dragCancel"):
            session.send("Input.dispatchDragEvent", {"type": kind, **point, "data": data})
    finally:
        session.detach()
