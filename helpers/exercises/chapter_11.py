"""The exercises of chapter 11: Reuters: sparse labels; the accuracy of always guessing the most common topic.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import numpy as np

from .core import Exercise, number
from .models import model_checker


def chapter_11(train_topics: np.ndarray, test_topics: np.ndarray, inputs: int) -> tuple[Exercise, Exercise]:
    """Reuters: sparse labels; the accuracy of always guessing the most common topic."""
    common = int(np.bincount(train_topics).argmax())
    expected = float(np.mean(test_topics == common))
    return (
        Exercise(
            "Exercise 1",
            model_checker(
                "the baseline for sparse labels",
                inputs=inputs,
                hidden=[64, 64],
                outputs=46,
                loss="sparse_categorical_crossentropy",
            ),
            "the labels are then topic numbers, not one-hot rows: the loss must be the sparse variant.",
            'sparse = dense_network(settings["num_words"], [64, 64], 46, loss="sparse_categorical_crossentropy")',
        ),
        Exercise(
            "Exercise 2",
            number(
                expected,
                f"the test accuracy of always guessing topic {common}",
                tolerance=5e-4,
                near_misses={
                    float(np.mean(train_topics == common)): "that is the topic's share of the training "
                    "wires; the guess is scored on the test wires.",
                    100 * expected: "that is a percentage; give a fraction between 0 and 1.",
                },
            ),
            "the most common training topic is np.bincount(train_topics).argmax(); score it on test_topics.",
            "common = np.bincount(train_topics).argmax()\nalways_common = float(np.mean(test_topics == common))",
        ),
    )
