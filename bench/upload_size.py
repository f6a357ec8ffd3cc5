"""Bytes uploaded for a 1280x720 capture: the page's JPEG against a PNG of the same frame.

The frames are real photos scaled up to 1280x720 (smoother than a camera's noisy frames,
so both formats come out somewhat smaller than from a real camera). Chromium encodes them
with the page's own ``web/js/encode.js`` when ``/usr/bin/chromium`` exists; Pillow at the
same settings is shown as well, as a proxy that needs no browser.
"""

from __future__ import annotations

from bench.browser_encode import CHROMIUM, encode_in_chromium
from bench.photos import PHOTOS, frame, page_jpeg, page_tunables, png
from bench.report import Row, Section
from bench.stats import median

__all__ = ["measure", "section"]


def measure() -> dict[str, dict[str, dict[str, int]]]:
    """``{"pillow"|"chromium": {photo: {"jpeg": bytes, "png": bytes}}}``."""
    tunables = page_tunables()
    pillow = {}
    pngs = {}
    for name in PHOTOS:
        image = frame(name)
        pngs[name] = png(image)
        pillow[name] = {"jpeg": len(page_jpeg(image, tunables)), "png": len(pngs[name])}
    sizes = {"pillow": pillow}
    if CHROMIUM.exists():
        sizes["chromium"] = encode_in_chromium(pngs)
    return sizes


def section() -> Section:
    """Rows: the PNG (baseline) and the page's JPEG, by Chromium when present and by Pillow."""
    tunables = page_tunables()
    sizes = measure()
    encoder = "chromium" if "chromium" in sizes else "pillow"
    name = "Upload size (1280x720 capture)"
    base = median([s["png"] for s in sizes[encoder].values()])
    photos = f"median over {len(PHOTOS)} photos ({', '.join(PHOTOS)})"
    settings = f"q {tunables.jpeg_quality}, max edge {tunables.max_edge} px"
    rows = [
        Row(name, f"PNG of the same frame ({encoder.capitalize()})", base, "bytes", baseline=True)
    ]
    if encoder == "chromium":
        jpeg = median([s["jpeg"] for s in sizes["chromium"].values()])
        rows.append(
            Row(
                name,
                "JPEG as the page sends it (Chromium, web/js/encode.js)",
                jpeg,
                "bytes",
                jpeg / base,
                f"{settings}; {photos}",
            )
        )
    pillow = median([s["jpeg"] for s in sizes["pillow"].values()])
    note = f"{settings}; proxy without a browser" + (
        "" if encoder == "chromium" else f" (Chromium not found at {CHROMIUM}); {photos}"
    )
    rows.append(
        Row(name, "JPEG, Pillow at the same settings", pillow, "bytes", pillow / base, note)
    )
    return Section(rows, {"bytes": sizes, "tunables": tunables.__dict__})
