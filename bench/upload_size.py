"""Bytes uploaded for a 1280x720 capture: the page's JPEG against a PNG of the same frame.

Pillow stands in for the browser's canvas encoder (both use libjpeg at the same quality
with 4:2:0 chroma subsampling); the frames are real photos scaled up to 1280x720, which
are smoother than a camera's noisy frames, so both formats come out somewhat smaller.
"""

from __future__ import annotations

from bench.photos import PHOTOS, frame, page_jpeg, page_tunables, png
from bench.report import Row, Section
from bench.stats import median, ratio

__all__ = ["measure", "section"]


def measure() -> dict[str, dict[str, int]]:
    """``{photo: {"jpeg": bytes, "png": bytes}}`` for each shipped photo."""
    encoding = page_tunables()
    sizes = {}
    for name in PHOTOS:
        image = frame(name)
        sizes[name] = {"jpeg": len(page_jpeg(image, encoding)), "png": len(png(image))}
    return sizes


def section() -> Section:
    """Rows: median PNG bytes (baseline) and median JPEG bytes over the photos."""
    encoding = page_tunables()
    sizes = measure()
    jpeg = median([s["jpeg"] for s in sizes.values()])
    png_bytes = median([s["png"] for s in sizes.values()])
    name = "Upload size (1280x720 capture)"
    photos = ", ".join(PHOTOS)
    return Section(
        rows=[
            Row(name, "PNG of the same frame", png_bytes, "bytes", baseline=True),
            Row(
                name,
                f"JPEG as the page sends it (q {encoding.jpeg_quality}, ≤{encoding.max_edge} px)",
                jpeg,
                "bytes",
                ratio(jpeg, png_bytes),
                f"median over {len(PHOTOS)} photos ({photos}); Pillow as the encoder",
            ),
        ],
        details={"bytes": sizes, "encoding": encoding.__dict__},
    )
