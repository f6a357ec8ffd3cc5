"""The same frames encoded by Chromium with the page's own ``web/js/encode.js``.

``web/`` is served on 127.0.0.1 by a small static server; Chromium (Debian's, driven by
Playwright) loads each frame as a PNG, draws it with ``drawScaled`` and encodes it with
``encodeCanvas`` at the page's settings, exactly as a capture is encoded before upload.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.bundles import REPO_ROOT
from offline.service import serving_in_thread

__all__ = ["CHROMIUM", "encode_in_chromium"]

CHROMIUM = Path("/usr/bin/chromium")
WEB_DIR = REPO_ROOT / "web"
_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
_BLANK = b"<!doctype html><meta charset=utf-8><title>bench</title>"

_ENCODE_JS = """async (png) => {
  const { config } = await import("/js/config.js");
  const { drawScaled, encodeCanvas } = await import("/js/encode.js");
  const image = new Image();
  image.src = `data:image/png;base64,${png}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  drawScaled(image, image.naturalWidth, image.naturalHeight, canvas, config.maxEdge);
  const jpeg = await encodeCanvas(canvas, "image/jpeg", config.jpegQuality);
  const asPng = await encodeCanvas(canvas, "image/png");
  return { jpeg: jpeg.size, png: asPng.size };
}"""


class _WebHandler(SimpleHTTPRequestHandler):
    """Files from ``web/``, plus an empty page at ``/bench.html``; no request logging."""

    def do_GET(self) -> None:
        if self.path == "/bench.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(_BLANK)))
            self.end_headers()
            self.wfile.write(_BLANK)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


def encode_in_chromium(pngs: Mapping[str, bytes]) -> dict[str, dict[str, int]]:
    """``{name: {"jpeg": bytes, "png": bytes}}`` as Chromium encodes each PNG frame."""
    sizes: dict[str, dict[str, int]] = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_WebHandler, directory=str(WEB_DIR)))
    with serving_in_thread(server) as origin, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{origin}/bench.html")
            for name, png in pngs.items():
                encoded = base64.b64encode(png).decode("ascii")
                sizes[name] = page.evaluate(_ENCODE_JS, encoded)
        finally:
            browser.close()
    return sizes
