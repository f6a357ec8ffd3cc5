"""Image validation by content (magic bytes, pixel limits, integrity) and Vision preparation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from lambdas.services.images import (
    VISION_MAX_BYTES,
    VISION_MAX_SIDE,
    ImageRejectedError,
    prepare_image,
    sniff_format,
)

from . import images

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000}


@pytest.mark.parametrize(
    ("data", "fmt", "content_type", "size"),
    [
        (images.chelsea_jpeg(), "JPEG", "image/jpeg", (451, 300)),
        (images.coffee_png(), "PNG", "image/png", (600, 400)),
        (images.astronaut_webp(), "WEBP", "image/webp", (512, 512)),
    ],
)
def test_accepts_real_photos(
    data: bytes, fmt: str, content_type: str, size: tuple[int, int]
) -> None:
    prepared = prepare_image(data, **LIMITS)
    assert (prepared.format, prepared.content_type) == (fmt, content_type)
    assert (prepared.width, prepared.height) == size
    if len(data) <= VISION_MAX_BYTES:
        assert prepared.vision_bytes == data  # small images go to Vision untouched


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty."),
        (images.text_file(), "not an image this service can read"),
        (images.svg(), "an SVG drawing"),
        (images.gif(), "a GIF image"),
        (images.truncated_jpeg(), "truncated or corrupt"),
        (images.png_declaring(50_000, 50_000), "too many pixels"),
        (images.png_declaring(7_000, 7_000), r"too many pixels \(7000x7000\)"),
        (b"\xff\xd8\xff" + b"\x00" * 40, "damaged"),
    ],
    ids=["empty", "text", "svg", "gif", "truncated", "bomb", "over-limit", "bad-header"],
)
def test_rejects_with_a_readable_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejectedError, match=reason):
        prepare_image(data, **LIMITS)


def test_rejects_files_over_the_byte_limit() -> None:
    data = images.chelsea_jpeg()
    with pytest.raises(ImageRejectedError, match="larger than the limit of 1000 bytes"):
        prepare_image(data, max_bytes=1000, max_pixels=LIMITS["max_pixels"])


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(ImageRejectedError, match="limit is 100000 pixels"):
        prepare_image(images.chelsea_jpeg(), max_bytes=LIMITS["max_bytes"], max_pixels=100_000)


def test_the_name_or_declared_type_does_not_matter() -> None:
    # A PNG is a PNG whatever it was called: the type comes from the bytes only.
    assert sniff_format(images.coffee_png()) == "PNG"
    assert sniff_format(images.text_file()) is None
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_large_images_are_downscaled_for_vision() -> None:
    data = images.noisy_jpeg(3000, 2000)
    assert len(data) > VISION_MAX_BYTES
    prepared = prepare_image(data, **LIMITS)
    assert (prepared.width, prepared.height) == (3000, 2000)  # the original's size
    assert len(prepared.vision_bytes) <= VISION_MAX_BYTES
    with Image.open(io.BytesIO(prepared.vision_bytes)) as sent:
        assert sent.format == "JPEG"
        assert max(sent.size) <= VISION_MAX_SIDE
        assert sent.size[0] > sent.size[1]  # aspect ratio kept


def test_transparent_images_are_flattened_on_white() -> None:
    rgba = np.zeros((2000, 1000, 4), dtype=np.uint8)  # fully transparent, taller than wide
    rgba[:, :, :3] = np.random.default_rng(1).integers(0, 256, (2000, 1000, 3))
    data = images.encode(rgba, "PNG")
    prepared = prepare_image(data, **LIMITS)
    assert (prepared.width, prepared.height) == (1000, 2000)
    with Image.open(io.BytesIO(prepared.vision_bytes)) as sent:
        assert sent.mode == "RGB"
        assert sent.size[1] == VISION_MAX_SIDE
        darkest, _ = sent.convert("L").getextrema()
        assert isinstance(darkest, int)
        assert darkest > 240  # white, not black


def test_unreadable_exif_does_not_stop_a_large_photo() -> None:
    """A WebP whose EXIF block is corrupt still decodes: it goes to Vision as it is stored."""
    photo = Image.fromarray(skdata.chelsea()).resize((1800, 1200))  # type: ignore[no-untyped-call]
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    buffer = io.BytesIO()
    photo.save(buffer, format="WEBP", exif=exif.tobytes())
    data = bytearray(buffer.getvalue())
    tiff_header = max(data.rfind(b"MM\x00*"), data.rfind(b"II*\x00"))
    assert tiff_header > 0
    data[tiff_header + 1] = ord("&")  # no longer a TIFF byte-order mark
    prepared = prepare_image(bytes(data), **LIMITS)
    assert (prepared.width, prepared.height) == (1800, 1200)
    with Image.open(io.BytesIO(prepared.vision_bytes)) as sent:
        assert sent.size == (VISION_MAX_SIDE, round(1200 * VISION_MAX_SIDE / 1800))
