"""The exercises of chapter 01: A first network: a narrower model; the best epoch by validation loss.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import best_epoch_checker
from .core import Exercise
from .models import model_checker


def chapter_01(history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """A first network: a narrower model; the best epoch by validation loss."""
    return (
        Exercise(
            "Exercise 1",
            model_checker("a 784-100-10 network", inputs=784, hidden=[100], outputs=10, output_activation="softmax"),
            "dense_network(inputs, [hidden widths], outputs): the chapter's network is dense_network(784, [1000], 10).",
            "narrow = dense_network(784, [100], 10)\n"
            'print(f"{narrow.count_params():,} weights, {model.count_params() - narrow.count_params():,} fewer")',
        ),
        Exercise(
            "Exercise 2",
            best_epoch_checker(history, "val_loss", "the epoch with the lowest validation loss"),
            "mean_curve has one row per epoch; .idxmin() on its val_loss column gives the row, "
            "and that row's epoch column the epoch.",
            'best = int(mean_curve.loc[mean_curve["val_loss"].idxmin(), "epoch"])',
        ),
    )
