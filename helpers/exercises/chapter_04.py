"""The exercises of chapter 04: L1 and L2: the long run's best epoch; a milder L2 penalty.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import _one_run, best_epoch_checker
from .core import Exercise
from .models import model_checker


def chapter_04(history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """L1 and L2: the long run's best epoch (its curves averaged over seeds); a milder L2 penalty."""
    run = _one_run(history)
    return (
        Exercise(
            "Exercise 1",
            best_epoch_checker(run, "val_loss", "the epoch of the lowest mean validation loss in the long run"),
            "long_mean has one row per epoch; .idxmin() on its val_loss column gives the row, "
            "and that row's epoch column the epoch.",
            'best_long = int(long_mean.loc[long_mean["val_loss"].idxmin(), "epoch"])',
        ),
        Exercise(
            "Exercise 2",
            model_checker("the wide network with l2=0.001", inputs=784, hidden=[1000], outputs=10, l2=0.001, l1=0.0),
            "dense_network takes the penalty as a keyword: l2=...",
            "mild = dense_network(784, [1000], 10, l2=0.001)",
        ),
    )
