"""The offline classifier labels real photos from their pixels (skimage's sample photos)."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from offline.vision.classifier import (
    LABELS_PATH,
    ImageClassifier,
    get_classifier,
    label_image,
    make_labeller,
    preprocess,
)
from offline.vision.label_groups import LABEL_GROUPS

EXIF_ORIENTATION = 0x0112
ROTATE_90_CW_TO_DISPLAY = 6


def photo(name: str) -> Image.Image:
    """One of skimage's sample photos as a PIL image."""
    return Image.fromarray(getattr(data, name)())


@pytest.fixture(scope="module")
def classifier() -> ImageClassifier:
    return get_classifier()


def names(labels: list[tuple[str, float]]) -> list[str]:
    return [name.lower() for name, _ in labels]


def test_the_cat_photo_has_a_cat_label_in_its_top_three(classifier: ImageClassifier) -> None:
    top3 = names(classifier.classify(photo("chelsea"), 3))
    assert any("cat" in name for name in top3), top3


def test_the_coffee_photo_is_espresso_or_a_cup(classifier: ImageClassifier) -> None:
    top3 = names(classifier.classify(photo("coffee"), 3))
    assert any("espresso" in name or "cup" in name for name in top3), top3


def test_scores_are_probabilities_best_first_and_names_unique(
    classifier: ImageClassifier,
) -> None:
    labels = classifier.classify(photo("astronaut"), 10)
    scores = [score for _, score in labels]
    assert labels
    assert all(0.0 < score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(set(names(labels))) == len(labels)


def test_classes_sharing_a_name_are_merged_into_one_label(classifier: ImageClassifier) -> None:
    # ImageNet has two "missile" classes; the rocket photo scores high on both.
    labels = classifier.classify(photo("rocket"), 10)
    missiles = [score for name, score in labels if name == "Missile"]
    assert len(missiles) == 1
    assert missiles[0] == labels[0][1]


def test_max_results_limits_the_answer(classifier: ImageClassifier) -> None:
    assert len(classifier.classify(photo("astronaut"), 2)) == 2
    assert len(classifier.classify(photo("astronaut"), 1)) == 1


def test_max_results_below_one_means_visions_default_of_ten(classifier: ImageClassifier) -> None:
    everything = classifier.classify(photo("astronaut"), 10, min_score=0.0)
    assert classifier.classify(photo("astronaut"), 0, min_score=0.0) == everything
    assert len(everything) == 10


def test_labels_under_the_minimum_score_are_left_out(classifier: ImageClassifier) -> None:
    labels = classifier.classify(photo("coffee"), 10, min_score=0.05)
    assert [name for name, _ in labels] == ["Espresso"]


def test_label_names_are_readable_not_wordnet_ids() -> None:
    lines = LABELS_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1000
    # Capitalised like Vision's labels, except names such as "iPod".
    assert all(line and line == line.strip() and line[:2] != line[:2].lower() for line in lines)
    assert not [line for line in lines if re.fullmatch(r"n\d{8}", line)]
    assert {"Egyptian cat", "Tiger cat", "Tabby cat", "Espresso", "iPod"} <= set(lines)


def test_a_general_label_scores_the_sum_of_its_classes(classifier: ImageClassifier) -> None:
    labels = dict(classifier.classify(photo("chelsea"), 2000, min_score=0.0))
    cats = ["Tabby cat", "Tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"]
    assert next(iter(labels)) == "Cat"
    assert labels["Cat"] == pytest.approx(sum(labels[name] for name in cats), abs=1e-6)


def test_a_general_label_needs_more_than_half_the_probability(
    classifier: ImageClassifier,
) -> None:
    # On a photo of grass the 118 dog classes together get about 0.3: no "Dog" label.
    labels = dict(classifier.classify(photo("grass"), 2000, min_score=0.0))
    assert "Dog" not in labels
    assert labels["Golden Retriever"] > 0


def test_general_labels_name_clear_groups_of_real_classes() -> None:
    lines = LABELS_PATH.read_text(encoding="utf-8").splitlines()
    for group, members in LABEL_GROUPS.items():
        assert group not in lines
        assert len(set(members)) == len(members)
        assert all(0 <= index < len(lines) for index in members)
    assert all(lines[index].endswith(" cat") for index in LABEL_GROUPS["Cat"])
    assert set(LABEL_GROUPS["Snake"]) <= set(LABEL_GROUPS["Reptile"])
    assert set(LABEL_GROUPS["Butterfly"]) <= set(LABEL_GROUPS["Insect"])
    assert [lines[index] for index in LABEL_GROUPS["Dog"][:: len(LABEL_GROUPS["Dog"]) - 1]] == [
        "Chihuahua",
        "Mexican hairless dog (xoloitzcuintli)",
    ]
    assert all("butterfly" in lines[index] for index in LABEL_GROUPS["Butterfly"])


def test_a_general_label_that_clashes_with_a_class_name_is_refused() -> None:
    with pytest.raises(ValueError, match="'Espresso' clashes"):
        ImageClassifier(groups={"Espresso": [967]})


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "CMYK", "I;16"])
def test_any_pillow_mode_becomes_a_normalised_rgb_tensor(mode: str) -> None:
    image = photo("coffee").convert(mode) if mode != "I;16" else Image.new("I;16", (40, 30))
    tensor = preprocess(image)
    assert tensor.shape == (1, 3, 224, 224)
    assert tensor.dtype == np.float32
    assert tensor.flags["C_CONTIGUOUS"]
    assert -1.0 <= tensor.min() <= tensor.max() <= 1.0


@pytest.mark.parametrize("size", [(1, 1), (3000, 20), (20, 3000)])
def test_tiny_and_extreme_shapes_still_give_labels(
    classifier: ImageClassifier, size: tuple[int, int]
) -> None:
    image = Image.new("RGB", size, (200, 30, 30))
    assert preprocess(image).shape == (1, 3, 224, 224)
    assert classifier.classify(image, 3, min_score=0.0)


def test_preprocess_leaves_the_callers_image_untouched() -> None:
    image = photo("chelsea")
    before = (image.mode, image.size, image.tobytes())
    preprocess(image)
    assert (image.mode, image.size, image.tobytes()) == before


def test_exif_orientation_is_honoured() -> None:
    upright = photo("chelsea")
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CW_TO_DISPLAY
    buffer = io.BytesIO()
    # Stored turned a quarter left; the EXIF tag tells viewers to turn it back to the right.
    stored = upright.rotate(90, expand=True)
    stored.save(buffer, "PNG", exif=exif)
    tagged = Image.open(io.BytesIO(buffer.getvalue()))
    turned_back = np.abs(preprocess(tagged) - preprocess(upright)).mean()
    untagged = np.abs(preprocess(stored) - preprocess(upright)).mean()
    assert turned_back < 0.01 < untagged


def test_the_model_loads_once_even_under_concurrent_first_calls() -> None:
    results: list[ImageClassifier] = []
    threads = [threading.Thread(target=lambda: results.append(get_classifier())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result is results[0] for result in results)


def test_concurrent_labelling_gives_the_same_answer_as_serial() -> None:
    image = photo("chelsea")
    expected = label_image(image, 5)
    results: list[list[tuple[str, float]]] = []
    threads = [
        threading.Thread(target=lambda: results.append(label_image(image, 5))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_the_server_factory_returns_the_labeller() -> None:
    labeller = make_labeller()
    assert names(labeller(photo("coffee"), 1)) == ["espresso"]


def test_a_labels_file_that_does_not_match_the_model_is_refused(tmp_path: Path) -> None:
    short = tmp_path / "labels.txt"
    short.write_text("Cat\nDog\n", encoding="utf-8")
    with pytest.raises(ValueError, match="2 names for 1000 classes"):
        ImageClassifier(labels_path=short)
