"""General labels ("Dog", "Cat", "Bird"...) over groups of ImageNet-1k classes.

Google Cloud Vision answers general labels beside specific ones ("Cat" beside "Tabby cat"), and
the gallery's label filter relies on that. The classifier reports each group below with the
summed probability of its classes, which is the model's probability that the image shows any of
them. Indices are ImageNet-1k class indices (lines of ``model/labels.txt``, counted from 0);
only groups whose members are clear-cut are listed.
"""

from __future__ import annotations


def _span(first: int, last: int) -> tuple[int, ...]:
    """Class indices ``first..last``, both included."""
    return tuple(range(first, last + 1))


#: General label → the ImageNet-1k classes it covers.
LABEL_GROUPS: dict[str, tuple[int, ...]] = {
    "Dog": _span(151, 268),  # Chihuahua .. Mexican hairless dog
    "Cat": _span(281, 285),  # tabby, tiger, Persian, Siamese, Egyptian cat
    "Big cat": (286, *_span(288, 293)),  # cougar, leopard .. cheetah (not the lynx)
    "Bear": _span(294, 297),
    "Primate": _span(365, 384),  # apes, monkeys, lemurs
    "Bird": _span(7, 24) + _span(80, 100) + _span(127, 146),
    "Fish": _span(0, 6) + _span(389, 397),
    "Reptile": _span(33, 50) + _span(52, 68),  # turtles, lizards, crocodilians, snakes
    "Snake": _span(52, 68),
    "Amphibian": _span(25, 32),
    "Spider": _span(72, 77),
    "Insect": _span(300, 326),
    "Butterfly": _span(321, 326),
    "Car": (436, 468, 511, 609, 627, 656, 661, 717, 751, 817),
    "Boat": (403, 472, 484, 510, 554, 576, 625, 628, 724, 780, 814, 833, 871, 914),
    "Musical instrument": (
        *(401, 402, 420, 432, 486, 513, 541, 546, 558, 566, 577, 579, 593, 594),
        *(641, 642, 683, 684, 687, 699, 776, 822, 875, 881, 889),
    ),
    "Fruit": _span(948, 957),
    "Vegetable": _span(936, 946),
    "Fungus": (947, *_span(991, 997)),  # mushroom, coral fungus, agaric .. bolete
}
