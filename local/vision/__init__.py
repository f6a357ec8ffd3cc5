"""A local stand-in for the Google Cloud Vision REST API (``POST /v1/images:annotate``).

It answers what it can compute honestly: image properties (dominant colours) from the
pixels, SafeSearch as UNKNOWN, no localized objects, and labels only when a labeller is
plugged in (see :data:`Labeller`). Run it with ``python -m local.vision --port N``.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

#: Gives up to ``max_results`` ``(description, score)`` pairs for an image, best first.
Labeller = Callable[[Image.Image, int], list[tuple[str, float]]]
