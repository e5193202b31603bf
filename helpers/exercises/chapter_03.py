"""The exercises of chapter 03: Dropout: dropout on the inputs; how much dropout narrowed experiment C's gap.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

from collections.abc import Mapping

from .core import Exercise, number
from .models import model_checker


def chapter_03(gaps: Mapping[str, tuple[float, float]]) -> tuple[Exercise, Exercise]:
    """Dropout: dropout on the inputs; how much dropout narrowed experiment C's gap."""
    without, with_ = gaps["C"]
    expected = float(without - with_)
    return (
        Exercise(
            "Exercise 1",
            model_checker(
                "experiment A's network with dropout 0.2 on the inputs",
                inputs=784,
                hidden=[128, 128],
                activation="relu",
                outputs=10,
                output_activation="softmax",
                input_dropout=0.2,
                dropout=0.5,
            ),
            "a Dropout layer placed after Flatten and before the first Dense layer drops input pixels.",
            "input_dropout = keras.Sequential(\n"
            "    [\n"
            "        keras.Input(shape=(28, 28)),\n"
            "        keras.layers.Flatten(),\n"
            "        keras.layers.Dropout(0.2),\n"
            '        keras.layers.Dense(128, activation="relu"),\n'
            "        keras.layers.Dropout(0.5),\n"
            '        keras.layers.Dense(128, activation="relu"),\n'
            "        keras.layers.Dropout(0.5),\n"
            '        keras.layers.Dense(10, activation="softmax"),\n'
            "    ]\n"
            ")",
        ),
        Exercise(
            "Exercise 2",
            number(
                expected,
                "how much dropout narrowed experiment C's mean gap",
                tolerance=5e-4,
                near_misses={
                    -expected: "the sign is flipped: take the gap without dropout minus the gap with it.",
                    100 * expected: "that is in percentage points; give it as a fraction, like the table.",
                    float(without): "that is the mean gap without dropout, not how much it narrowed.",
                },
            ),
            'table.loc["C"] has one row per model and seed: average the gap per model with .groupby("model"), '
            "then subtract the mean with dropout from the mean without.",
            'mean_gap_c = table.loc["C"].groupby("model")["gap"].mean()\n'
            'narrowing_c = mean_gap_c["dropout 0.0"] - mean_gap_c["dropout 0.75"]',
        ),
    )
