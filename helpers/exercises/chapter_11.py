"""The exercises of chapter 11: Reuters: sparse labels; how far this run's bottleneck's validation loss climbed
above its lowest.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import a_difference, mean_curve
from .core import Exercise, number
from .models import model_checker


def chapter_11(history: pd.DataFrame, bottleneck: str, baseline: str, inputs: int) -> tuple[Exercise, Exercise]:
    """Reuters: sparse labels; how far this run's bottleneck's mean validation loss climbed above its lowest."""
    curve = mean_curve(history, "name", bottleneck, ["val_loss"])["val_loss"]
    expected = float(curve.iloc[-1] - curve.min())
    base = mean_curve(history, "name", baseline, ["val_loss"])["val_loss"]
    return (
        Exercise(
            "Exercise 1",
            model_checker(
                "the baseline for sparse labels",
                inputs=inputs,
                hidden=[64, 64],
                outputs=46,
                optimizer="RMSprop",
                loss="sparse_categorical_crossentropy",
            ),
            "the labels are then topic numbers, not one-hot rows: the loss must be the sparse variant; the rest "
            "is the chapter's baseline, RMSprop included.",
            'sparse = dense_network(settings["num_words"], [64, 64], 46, optimizer="rmsprop", '
            'loss="sparse_categorical_crossentropy")',
        ),
        Exercise(
            "Exercise 2",
            number(
                expected,
                "how far the bottleneck's mean validation loss ended above its lowest",
                tolerance=a_difference(expected),
                near_misses={
                    -expected: "the sign is flipped: take the last epoch's value minus the lowest.",
                    float(curve.iloc[-1] - curve.iloc[0]): "that is the change from epoch 1; the exercise asks "
                    "for the climb above the lowest.",
                    float(base.iloc[-1] - base.min()): "that is the baseline's climb; the exercise asks for the "
                    "bottleneck's.",
                },
            ),
            (
                "result.history holds the validation runs, one row per variant, seed and epoch; keep the "
                'bottleneck\'s rows and average val_loss over the seeds with .groupby("epoch").',
                "in that mean curve, the last value minus the lowest value is the climb.",
            ),
            'curve = result.history[result.history.name == BOTTLENECK].groupby("epoch")["val_loss"].mean()\n'
            "bottleneck_climb = float(curve.iloc[-1] - curve.min())",
        ),
    )
