"""The exercises of chapter 07: Learning rate: a slower Adam; the epoch of rate 0.01's lowest validation loss in
this run.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import best_epoch_checker, mean_curve
from .core import Exercise
from .models import model_checker


def chapter_07(history: pd.DataFrame, rate: float = 0.01) -> tuple[Exercise, Exercise]:
    """Learning rate: a slower Adam; the epoch of this run's lowest mean validation loss at ``rate``."""
    curve = mean_curve(history, "rate", rate, ["val_loss", "val_accuracy"])
    return (
        Exercise(
            "Exercise 1",
            model_checker(
                "the network with Adam at rate 0.0001",
                inputs=784,
                hidden=[1000],
                outputs=10,
                optimizer="Adam",
                learning_rate=1e-4,
            ),
            "dense_network(..., learning_rate=...) sets the rate of the default Adam.",
            "slow = dense_network(784, [1000], 10, learning_rate=0.0001)",
        ),
        Exercise(
            "Exercise 2",
            best_epoch_checker(curve, "val_loss", f"the epoch of rate {rate}'s lowest mean validation loss"),
            (
                f"history[history.rate == {rate}] keeps that rate's rows, one per seed and epoch; average them "
                'over the seeds with .groupby("epoch", as_index=False)[["val_loss", "val_accuracy"]].mean().',
                "in that mean curve, .idxmin() on the val_loss column gives the row; its epoch column the epoch.",
            ),
            "rate_01 = history[history.rate == 0.01]\n"
            'curve = rate_01.groupby("epoch", as_index=False)[["val_loss", "val_accuracy"]].mean()\n'
            'best_01 = int(curve.loc[curve["val_loss"].idxmin(), "epoch"])',
        ),
    )
