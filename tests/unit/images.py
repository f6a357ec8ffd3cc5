"""Test images: real photos from scikit-image, and files that must be rejected."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
from PIL import Image
from skimage import data as skdata


def encode(array: Any, fmt: str = "JPEG", **options: Any) -> bytes:
    """Encode an RGB array with Pillow."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def chelsea_jpeg() -> bytes:
    """A photo of a cat (451x300)."""
    return encode(skdata.chelsea(), "JPEG", quality=90)  # type: ignore[no-untyped-call]


def coffee_png() -> bytes:
    """A photo of a cup of coffee (600x400) as PNG."""
    return encode(skdata.coffee(), "PNG")  # type: ignore[no-untyped-call]


def astronaut_webp() -> bytes:
    """A photo of an astronaut (512x512) as WebP."""
    return encode(skdata.astronaut(), "WEBP", quality=80)  # type: ignore[no-untyped-call]


def noisy_jpeg(width: int, height: int) -> bytes:
    """A large, hard-to-compress JPEG (random noise), for downscaling."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    return encode(pixels, "JPEG", quality=95)


def gif() -> bytes:
    """A small GIF (a format the service does not accept)."""
    return encode(skdata.chelsea()[:64, :64], "GIF")  # type: ignore[no-untyped-call]


def svg() -> bytes:
    """A small SVG drawing."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10" fill="red"/></svg>\n'
    )


def text_file() -> bytes:
    """Plain text (what a ``notes.jpg`` might really contain)."""
    return b"Dear diary, today I renamed a text file to .jpg.\n"


def truncated_jpeg() -> bytes:
    """A real JPEG cut in half."""
    data = chelsea_jpeg()
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
