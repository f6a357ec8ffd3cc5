"""Real labels offline: an ImageNet-1k classifier (EfficientNet-Lite0) run by onnxruntime.

The local Vision server calls :func:`label_image` for LABEL_DETECTION (:func:`make_labeller` is
the factory for its ``--labeller offline.vision.classifier:make_labeller`` option). The model file,
its class names and their licences live in ``model/`` beside this module;
``model/export_model.py`` reproduces them. The model is loaded once per process, on first use,
and is safe to share between threads (onnxruntime's ``InferenceSession.run`` is thread-safe).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from PIL import ExifTags, Image, ImageOps

from offline.vision.label_groups import LABEL_GROUPS

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_PATH = MODEL_DIR / "efficientnet_lite0.onnx"
LABELS_PATH = MODEL_DIR / "labels.txt"

INPUT_SIZE = 224  # the network's input: a 224 x 224 RGB crop
RESIZE_SHORT_SIDE = 256  # the image is scaled so its short side is 256, then centre-cropped
PIXEL_MEAN = 127.0  # EfficientNet-Lite's normalisation: (x - 127) / 128
PIXEL_SCALE = 128.0
DEFAULT_MAX_RESULTS = 10  # Vision's default when maxResults is absent or 0
MIN_SCORE = 0.01  # like Vision, leave out labels the model has next to no confidence in
# A general label sums many classes (118 for "Dog"), so it gathers some probability even on a
# photo of grass: report one only when the model finds it more likely than not.
GROUP_MIN_SCORE = 0.5


class ImageClassifier:
    """EfficientNet-Lite0 over ImageNet-1k, with readable, de-duplicated label names."""

    def __init__(
        self,
        model_path: Path = MODEL_PATH,
        labels_path: Path = LABELS_PATH,
        groups: Mapping[str, Sequence[int]] = LABEL_GROUPS,
    ) -> None:
        """Load the ONNX model, one display name per class index and the general labels."""
        options = ort.SessionOptions()
        # One thread per image: a few ms each, and the cores stay free for the rest of the
        # offline stack (more threads were slower whenever the machine was busy).
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._input_name = self._session.get_inputs()[0].name
        self._names = labels_path.read_text(encoding="utf-8").splitlines()
        classes = self._session.get_outputs()[0].shape[-1]
        if len(self._names) != classes:
            raise ValueError(f"{labels_path} has {len(self._names)} names for {classes} classes")
        self._groups = {name: np.array(members, dtype=np.intp) for name, members in groups.items()}
        for name, members in self._groups.items():
            if name in self._names or not all(0 <= index < classes for index in members):
                raise ValueError(f"label group {name!r} clashes with a class or has a bad index")

    def classify(
        self,
        image: Image.Image,
        max_results: int = DEFAULT_MAX_RESULTS,
        min_score: float = MIN_SCORE,
    ) -> list[tuple[str, float]]:
        """Return up to ``max_results`` ``(label, score)`` pairs, best first, scores in 0..1.

        Classes that share a display name (ImageNet has two "Missile" classes, for instance) are
        merged into one label whose score is the sum of theirs; general labels ("Cat", see
        :mod:`offline.vision.label_groups`) score the sum of their classes and are given only from
        ``GROUP_MIN_SCORE`` up. Labels scoring below ``min_score`` are left out.
        ``max_results`` below 1 means Vision's default, 10.
        """
        (logits,) = self._session.run(None, {self._input_name: preprocess(image)})
        probabilities = softmax(logits[0])
        scores: defaultdict[str, float] = defaultdict(float)
        for name, probability in zip(self._names, probabilities, strict=True):
            scores[name] += float(probability)
        for name, members in self._groups.items():
            group_score = float(probabilities[members].sum())
            if group_score >= GROUP_MIN_SCORE:
                scores[name] = group_score
        limit = max_results if max_results >= 1 else DEFAULT_MAX_RESULTS
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [(name, min(score, 1.0)) for name, score in ranked if score >= min_score]


def preprocess(image: Image.Image) -> npt.NDArray[np.float32]:
    """Turn an image into the network's input: ``float32 [1, 3, 224, 224]``.

    Honours the EXIF orientation, converts to RGB, takes the centred square that "scale the short
    side to 256, then crop the centre 224 x 224" would keep, scales it to 224 x 224 in one go
    (so a huge photo never makes a huge intermediate) and normalises to ``(x - 127) / 128``.
    The caller's image is not modified.
    """
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    upright = ImageOps.exif_transpose(image) if orientation != 1 else image
    rgb = upright if upright.mode == "RGB" else upright.convert("RGB")
    width, height = rgb.size
    side = min(width, height) * INPUT_SIZE / RESIZE_SHORT_SIDE
    left, top = (width - side) / 2, (height - side) / 2
    crop = rgb.resize(
        (INPUT_SIZE, INPUT_SIZE),
        Image.Resampling.BILINEAR,
        box=(left, top, left + side, top + side),
        reducing_gap=3.0,  # shrink by whole factors first: 3x faster on a 12 MP photo, same pixels
    )
    pixels = (np.asarray(crop, dtype=np.float32) - PIXEL_MEAN) / PIXEL_SCALE
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis])


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Probabilities from one row of logits."""
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()  # type: ignore[no-any-return]


_classifier: ImageClassifier | None = None
_classifier_lock = threading.Lock()


def get_classifier() -> ImageClassifier:
    """The process-wide classifier, loaded on first call (once, even under concurrent calls)."""
    global _classifier  # noqa: PLW0603 -- a lazily built, process-wide singleton
    if _classifier is None:
        with _classifier_lock:
            if _classifier is None:
                _classifier = ImageClassifier()
    return _classifier


def label_image(image: Image.Image, max_results: int) -> list[tuple[str, float]]:
    """LABEL_DETECTION for the local Vision server: ``(description, score)`` pairs, best first."""
    return get_classifier().classify(image, max_results)


def make_labeller() -> Callable[[Image.Image, int], list[tuple[str, float]]]:
    """Zero-argument factory for the server's ``--labeller``; the model still loads lazily."""
    return label_image
