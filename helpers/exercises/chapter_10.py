"""The exercises of chapter 10: IMDB: the 64-unit variant's best epoch by validation accuracy; a dropout variant.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import _one_run, best_epoch_checker
from .core import Exercise
from .models import model_checker


def chapter_10(history: pd.DataFrame, inputs: int) -> tuple[Exercise, Exercise]:
    """IMDB: the 64-unit variant's best epoch by validation accuracy; a dropout variant."""
    run = _one_run(history, "64 units")
    return (
        Exercise(
            "Exercise 1",
            best_epoch_checker(
                run, "val_accuracy", "the epoch with the highest mean validation accuracy of the 64-unit variant"
            ),
            'keep the rows of curves whose name is "64 units", then .idxmax() on val_accuracy.',
            'rows = curves[curves.name == "64 units"]\nbest_64 = int(rows.loc[rows["val_accuracy"].idxmax(), "epoch"])',
        ),
        Exercise(
            "Exercise 2",
            model_checker(
                "the baseline with dropout 0.5",
                inputs=inputs,
                hidden=[16, 16],
                outputs=1,
                dropout=0.5,
                optimizer="RMSprop",
                activation="relu",
            ),
            "dense_network(..., dropout=0.5) adds Dropout after each hidden layer; keep the baseline's other settings.",
            'with_dropout = dense_network(settings["num_words"], [16, 16], 1, dropout=0.5, optimizer="rmsprop")',
        ),
    )
