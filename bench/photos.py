"""1280x720 "captures" made from real photos, encoded the way the page encodes them.

The photos ship with scikit-image (an astronaut, a cat, a cup of coffee, a rocket).
Each is scaled to cover 1280x720 and centre-cropped, as a camera frame of that size. The
page's tunables (longest edge, JPEG quality) are read from ``web/js/config.js``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image
from skimage import data

from bench.bundles import REPO_ROOT

__all__ = ["PHOTOS", "PageTunables", "frame", "page_jpeg", "page_tunables", "png"]

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
FRAME_SIZE = (1280, 720)
CONFIG_JS = REPO_ROOT / "web" / "js" / "config.js"


@dataclass(frozen=True)
class PageTunables:
    """The page's tunables that the measurements use (encoding, watch back-off, gallery)."""

    max_edge: int
    jpeg_quality: float
    poll_initial_ms: int
    poll_factor: float
    poll_max_ms: int
    gallery_page_size: int


def page_tunables(config_js: str | None = None) -> PageTunables:
    """The tunables in ``web/js/config.js`` (or the given text); ValueError if one is missing."""
    text = CONFIG_JS.read_text() if config_js is None else config_js

    def number(name: str) -> float:
        match = re.search(rf"\b{name}\s*:\s*([0-9.]+)", text)
        if match is None:
            raise ValueError(f"{name} not found in web/js/config.js")
        return float(match.group(1))

    return PageTunables(
        max_edge=int(number("maxEdge")),
        jpeg_quality=number("jpegQuality"),
        poll_initial_ms=int(number("watchInitialDelayMs")),
        poll_factor=number("watchBackoffFactor"),
        poll_max_ms=int(number("watchMaxDelayMs")),
        gallery_page_size=int(number("galleryPageSize")),
    )


@cache
def frame(name: str) -> Image.Image:
    """The photo ``name`` as a 1280x720 RGB frame (scaled to cover, centre-cropped)."""
    pixels = np.asarray(getattr(data, name)())
    photo = Image.fromarray(pixels).convert("RGB")
    width, height = FRAME_SIZE
    scale = max(width / photo.width, height / photo.height)
    scaled = photo.resize(
        (round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS
    )
    left = (scaled.width - width) // 2
    top = (scaled.height - height) // 2
    return scaled.crop((left, top, left + width, top + height))


def page_jpeg(image: Image.Image, encoding: PageTunables) -> bytes:
    """JPEG bytes as the page makes them: fit within ``max_edge`` (never upscale), encode."""
    scale = min(1.0, encoding.max_edge / max(image.width, image.height))
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=round(encoding.jpeg_quality * 100))
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    """PNG bytes of the same frame (zlib's default level, as a browser canvas uses)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
