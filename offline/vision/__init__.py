"""A local stand-in for the Google Cloud Vision REST API (``POST /v1/images:annotate``).

It answers what it can compute honestly: image properties (dominant colours) from the
pixels, SafeSearch as UNKNOWN, no localized objects, and labels from a pluggable labeller
(see :data:`Labeller`; by default the offline classifier).
Run it with ``python -m offline.vision --port N``.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

#: Gives up to ``max_results`` ``(description, score)`` pairs for an image, best first.
Labeller = Callable[[Image.Image, int], list[tuple[str, float]]]

#: The default labeller, as ``module:factory``: the offline ImageNet classifier.
CLASSIFIER_LABELLER = "offline.vision.classifier:make_labeller"
