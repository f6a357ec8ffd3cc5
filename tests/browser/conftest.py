"""Browser end-to-end fixtures: the real offline stack (`tricloud demo`) and Debian's Chromium.

- ``app_url``: starts ``tricloud demo --access public --port N`` once per session (in its own
  process group, stopped with SIGTERM at the end) and returns its URL once it printed "tricloud
  is running at". Set ``TRICLOUD_BROWSER_URL`` to run the tests against a demo that is already
  running instead (a public one).
- ``private_demo``: the same in private mode (sign-in): its URL and its demo.env settings.
- ``browser``: Chromium driven by Playwright, with a fake camera that films a real photo (a cat,
  1280 by 720) and auto-accepts the camera prompt.
- ``page``: a fresh browser context per test. The page is served with the CSP that CloudFront
  sends in production (``stacks.csp.content_security_policy`` for the demo's bucket origin),
  and the test fails when the page logs a console error, throws, or violates the CSP (tests
  that provoke errors on purpose call ``page_log.allow``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from offline.cognito import UserPool
from offline.servers import ManagedProcess, free_port
from stacks.csp import content_security_policy
from tooling.env_file import read_env_file

from .flows import SCREENSHOTS, PageLog, sample_photo

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
READY_LINE = re.compile(r"tricloud is running at (http://\S+)")
DEMO_START_TIMEOUT_SECONDS = 180.0

#: Chromium flags for a headless test run; the fake cameras are added by ``launch_chromium``.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Collects CSP violations in the page; Playwright injects it (CSP does not apply to it).
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def _tricloud_command() -> str:
    beside_python = Path(sys.executable).with_name("tricloud")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("tricloud")
    if found is None:
        pytest.fail("the `tricloud` command is not installed: run `make install`")
    return found


@contextmanager
def running_demo(access: str, data_dir: Path, *options: str) -> Iterator[str]:
    """``tricloud demo --access ACCESS --data DATA_DIR [options]`` until the block ends; yields
    its URL."""
    name = "-".join((access, *(o.lstrip("-") for o in options)))
    log_path = REPO_ROOT / "test-output" / "server-logs" / f"browser-demo-{name}.log"
    port = free_port()
    demo = ManagedProcess(
        f"tricloud demo ({access})",
        [
            _tricloud_command(),
            "demo",
            "--port",
            str(port),
            "--access",
            access,
            "--data",
            str(data_dir),
            *options,
        ],
        log_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=REPO_ROOT,
    )
    demo.start()
    try:
        demo.wait_ready(
            lambda: READY_LINE.search(log_path.read_text(errors="replace")) is not None,
            timeout=DEMO_START_TIMEOUT_SECONDS,
        )
        match = READY_LINE.search(log_path.read_text(errors="replace"))
        assert match is not None
        yield match.group(1).rstrip("/")
    finally:
        demo.stop()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a running public offline stack (unless TRICLOUD_BROWSER_URL is set)."""
    override = os.environ.get("TRICLOUD_BROWSER_URL")
    if override:
        yield override.rstrip("/")
        return
    with running_demo("public", tmp_path_factory.mktemp("demo-public")) as url:
        yield url


@pytest.fixture(scope="session")
def all_aws_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the all-AWS offline stack (public): Rekognition labels, DynamoDB documents."""
    options = ("--labels", "rekognition", "--store", "dynamodb")
    with running_demo("public", tmp_path_factory.mktemp("demo-all-aws"), *options) as url:
        yield url


@dataclass(frozen=True)
class PrivateDemo:
    """A running private-mode demo: its URL and its demo.env (pool ids, the demo user)."""

    url: str
    settings: dict[str, str]

    @property
    def pool(self) -> UserPool:
        """The demo's user pool on moto."""
        return UserPool(
            self.settings["AWS_ENDPOINT_URL"],
            self.settings["COGNITO_USER_POOL_ID"],
            self.settings["COGNITO_CLIENT_ID"],
        )


@pytest.fixture(scope="session")
def private_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateDemo]:
    """A private-mode (sign-in) offline stack, started once per session."""
    data_dir = tmp_path_factory.mktemp("demo-private")
    with running_demo("private", data_dir) as url:
        yield PrivateDemo(url, read_env_file(data_dir / "demo.env"))


@pytest.fixture(scope="session")
def page_csp(app_url: str) -> str:
    """The production CSP, with the origin the demo's pre-signed uploads go to as the bucket."""
    return demo_csp(app_url)


def demo_csp(app_url: str) -> str:
    """The production CSP for a running public demo (its upload origin as the bucket)."""
    request = urllib.request.Request(
        f"{app_url}/api/uploads",
        data=json.dumps({"content_type": "image/jpeg", "size": 1}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        upload_url = urlsplit(json.load(response)["upload"]["url"])
    return content_security_policy(f"{upload_url.scheme}://{upload_url.netloc}")


@pytest.fixture(scope="session")
def fake_camera_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-frame 1280 by 720 Y4M video of a real photo for Chromium's fake camera."""
    width, height = 1280, 720
    photo = sample_photo("chelsea")
    scale = max(width / photo.width, height / photo.height)
    photo = photo.resize(
        (round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS
    )
    left, top = (photo.width - width) // 2, (photo.height - height) // 2
    frame = photo.crop((left, top, left + width, top + height)).convert("YCbCr")
    y, cb, cr = frame.split()
    half = (width // 2, height // 2)
    path = tmp_path_factory.mktemp("camera") / "cat-1280x720.y4m"
    with path.open("wb") as out:
        # C420jpeg: full-range YCbCr (what Pillow's YCbCr is) with 4:2:0 chroma.
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n")
        out.write(np.asarray(y).tobytes())
        out.write(np.asarray(cb.resize(half, Image.Resampling.BILINEAR)).tobytes())
        out.write(np.asarray(cr.resize(half, Image.Resampling.BILINEAR)).tobytes())
    return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver for the session."""
    with sync_playwright() as driver:
        yield driver


def launch_chromium(
    playwright: Playwright, *extra_args: str, camera_allowed: bool = True, cameras: int = 1
) -> Browser:
    """Debian's Chromium with fake cameras whose permission prompt is answered at once."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    device = "--use-fake-device-for-media-stream" + (
        f"=device-count={cameras}" if cameras > 1 else ""
    )
    prompt = "--use-fake-ui-for-media-stream" + ("" if camera_allowed else "=deny")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, device, prompt, *extra_args]
    )


@pytest.fixture(scope="session")
def browser(playwright: Playwright, fake_camera_video: Path) -> Iterator[Browser]:
    """Chromium whose fake camera films the cat photo."""
    chromium = launch_chromium(playwright, f"--use-file-for-fake-video-capture={fake_camera_video}")
    try:
        yield chromium
    finally:
        chromium.close()


def open_context(
    browser: Browser, app_url: str, csp: str, viewport: dict[str, int]
) -> BrowserContext:
    """A fresh context whose page documents are served with the given CSP."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    # A document that Playwright fulfils no longer counts as loaded from 127.0.0.1, so Chromium's
    # Local Network Access check would ask before it reaches the bucket on 127.0.0.1; say yes.
    context.grant_permissions(["local-network-access"])
    context.add_init_script(_CSP_LISTENER)

    def with_csp(route: Route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": csp}
        route.fulfill(response=response, headers=headers)

    context.route(re.compile(re.escape(app_url) + r"/(index\.html)?(\?.*)?$"), with_csp)
    return context


@pytest.fixture
def page_log() -> PageLog:
    """Console errors, page exceptions and CSP violations of this test's page."""
    return PageLog()


@pytest.fixture
def page(browser: Browser, app_url: str, page_csp: str, page_log: PageLog) -> Iterator[Page]:
    """A new tab in a fresh context; fails the test if the page logged an unexpected error."""
    context = open_context(browser, app_url, page_csp, {"width": 1280, "height": 900})
    tab = context.new_page()
    page_log.attach(tab)
    try:
        yield tab
        page_log.collect_csp_violations(tab)
    finally:
        context.close()
    page_log.assert_clean()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_folder() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def private_page(browser: Browser, private_demo: PrivateDemo, page_log: PageLog) -> Iterator[Page]:
    """A new tab on the private demo, under the production CSP (uploads and Cognito: moto)."""
    moto = urlsplit(private_demo.settings["AWS_ENDPOINT_URL"])
    origin = f"{moto.scheme}://{moto.netloc}"
    csp = content_security_policy(origin, origin)
    context = open_context(browser, private_demo.url, csp, {"width": 1280, "height": 900})
    tab = context.new_page()
    page_log.attach(tab)
    try:
        yield tab
        page_log.collect_csp_violations(tab)
    finally:
        context.close()
    page_log.assert_clean()
