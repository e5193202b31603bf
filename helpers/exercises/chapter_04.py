"""The exercises of chapter 04: L1 and L2: how far the long run's validation loss climbs; a milder L2 penalty.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import _one_run
from .core import Exercise, number
from .models import model_checker


def chapter_04(history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """L1 and L2: how far the long run's mean validation loss ends above its lowest; a milder L2 penalty."""
    run = _one_run(history)
    lowest, last = float(run["val_loss"].min()), float(run["val_loss"].iloc[-1])
    return (
        Exercise(
            "Exercise 1",
            number(
                last / lowest,
                "how many times its lowest mean validation loss the long run ends at",
                tolerance=0.005,
                near_misses={
                    last - lowest: "that is the difference; the exercise asks for the ratio, last over lowest.",
                    lowest / last: "that is the ratio the other way round: divide the last by the lowest.",
                },
            ),
            "long_mean has one row per epoch: its val_loss column's .iloc[-1] is the last value, .min() the lowest.",
            'rise = long_mean["val_loss"].iloc[-1] / long_mean["val_loss"].min()',
        ),
        Exercise(
            "Exercise 2",
            model_checker("the wide network with l2=0.001", inputs=784, hidden=[1000], outputs=10, l2=0.001, l1=0.0),
            "dense_network takes the penalty as a keyword: l2=...",
            "mild = dense_network(784, [1000], 10, l2=0.001)",
        ),
    )
