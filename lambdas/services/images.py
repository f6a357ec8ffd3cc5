"""Check that uploaded bytes are a real, intact JPEG, PNG or WebP image; prepare them for Vision.

The type is decided by the file's magic bytes, never by its name or declared Content-Type.
Pixel dimensions are read from the header and checked *before* decoding, so a small file that
declares a huge canvas (a decompression bomb) is rejected without allocating it. Decoding the
whole image then catches truncated or corrupt files. Images too large for a Vision request are
downscaled and re-encoded as JPEG.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

__all__ = ["ImageRejectedError", "PreparedImage", "prepare_image", "sniff_format"]

# Vision accepts up to 16 images in a request of at most ~10 MB of JSON (base64 inflates by 4/3):
# keeping each image under this many bytes keeps a full batch well inside the limit.
VISION_MAX_BYTES = 400 * 1024
# Longest side sent to Vision; plenty for labels and object boxes (Google suggests 640x480+).
VISION_MAX_SIDE = 1600
_DOWNSCALE_SIDES = (VISION_MAX_SIDE, 1024, 640)
_JPEG_QUALITY = 85
# The gallery's thumbnails: ~320 px on the long edge is sharp on a 2x screen at card size.
THUMB_SIDE = 320
_THUMB_QUALITY = 80

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageRejectedError(ValueError):
    """The bytes are not an acceptable image; the message is a sentence for a person."""


@dataclass(frozen=True)
class PreparedImage:
    """A validated image: its real type and size, and the bytes to send to Vision."""

    format: str  # JPEG, PNG or WEBP
    content_type: str
    width: int
    height: int
    vision_bytes: bytes
    thumbnail: bytes  # JPEG, THUMB_SIDE on the long edge (or less), upright


def sniff_format(data: bytes) -> str | None:
    """JPEG, PNG or WEBP from the leading magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _describe_unsupported(data: bytes) -> str:
    head = data[:256].lstrip().lower()
    if data.startswith((b"GIF87a", b"GIF89a")):
        kind = "a GIF image"
    elif head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        kind = "an SVG drawing"
    else:
        kind = "not an image this service can read"
    return f"The file is {kind}; only JPEG, PNG and WebP images are accepted."


def prepare_image(data: bytes, *, max_bytes: int, max_pixels: int) -> PreparedImage:
    """Validate ``data`` and return it ready for Vision; raise ImageRejectedError otherwise."""
    if not data:
        raise ImageRejectedError("The file is empty.")
    if len(data) > max_bytes:
        raise ImageRejectedError(f"The file is larger than the limit of {max_bytes} bytes.")
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageRejectedError(_describe_unsupported(data))
    with warnings.catch_warnings():
        # Our own pixel limit is checked below; Pillow's bomb warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt])
        except Image.DecompressionBombError:
            raise ImageRejectedError(_too_many_pixels(None, max_pixels)) from None
        except (OSError, SyntaxError, ValueError):
            raise ImageRejectedError(
                "The file is damaged: its image header cannot be read."
            ) from None
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejectedError(_too_many_pixels((width, height), max_pixels))
            downscale = _needs_downscale(data, image)
            if downscale and fmt == "JPEG":
                # Decode at a reduced DCT scale: much faster, still reads the whole stream.
                image.draft("RGB", (VISION_MAX_SIDE, VISION_MAX_SIDE))
            try:
                image.load()
            except (OSError, SyntaxError, ValueError, EOFError):
                raise ImageRejectedError(
                    "The image is truncated or corrupt and cannot be decoded."
                ) from None
            vision_bytes = _shrink(image) if downscale else data
            thumbnail = _thumbnail(image)
    return PreparedImage(
        format=fmt,
        content_type=_MIME[fmt],
        width=width,
        height=height,
        vision_bytes=vision_bytes,
        thumbnail=thumbnail,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent areas become white rather than black."""
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> str:
    declared = f" ({size[0]}x{size[1]})" if size else ""
    return f"The image declares too many pixels{declared}; the limit is {max_pixels} pixels."


def _needs_downscale(data: bytes, image: Image.Image) -> bool:
    return len(data) > VISION_MAX_BYTES or max(image.size) > VISION_MAX_SIDE


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; as stored when that EXIF is unreadable."""
    # Imported here: ImageOps adds ~30 ms to a cold start and only large images need it.
    from PIL import ImageOps  # noqa: PLC0415

    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # corrupt metadata raises many kinds of error; the pixels are fine
        return image


def _thumbnail(image: Image.Image) -> bytes:
    """The gallery thumbnail: upright, THUMB_SIDE on the long edge at most, JPEG."""
    small = image.copy()
    small.thumbnail((THUMB_SIDE * 2, THUMB_SIDE * 2), Image.Resampling.BOX)  # cheap first cut
    small = _flatten(_upright(small))
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=_THUMB_QUALITY, optimize=True)
    return buffer.getvalue()


def _shrink(image: Image.Image) -> bytes:
    """Re-encode upright as JPEG, shrinking the longest side until it fits VISION_MAX_BYTES."""
    rgb = _flatten(_upright(image))
    encoded = b""
    for side in _DOWNSCALE_SIDES:
        copy = rgb.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
        encoded = buffer.getvalue()
        if len(encoded) <= VISION_MAX_BYTES:
            break
    return encoded
