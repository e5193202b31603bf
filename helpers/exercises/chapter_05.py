"""The exercises of chapter 05: Scaling: standardise the test images with the training statistics; how far the
unscaled network's validation loss moved in this run.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._shared import a_difference
from .core import Exercise, Wrong, _kind, number

UNSCALED, SCALED = "unscaled (0-255)", "scaled (0-1)"


def _rises(history: pd.DataFrame, name: str) -> pd.Series:
    """Per seed: the validation loss at the last epoch minus that at epoch 1."""
    rows = history[history["name"] == name]
    if rows.empty:
        raise ValueError(f"no rows for {name!r} in the history given to the exercises.")
    first = rows[rows["epoch"] == 1].set_index("seed")["val_loss"]
    last = rows[rows["epoch"] == rows["epoch"].max()].set_index("seed")["val_loss"]
    return last - first


def chapter_05(x_train: np.ndarray, x_test: np.ndarray, history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """Scaling: standardise the test images; how far this run's unscaled validation loss moved."""
    mean, std = float(x_train.mean()), float(x_train.std())
    expected = (x_test - mean) / std
    own = (x_test - x_test.mean()) / x_test.std()

    def standardised(answer: Any) -> str:
        if not hasattr(answer, "shape") or not hasattr(answer, "dtype"):
            raise Wrong(
                f"your answer is {_kind(answer)}; the exercise asks for an array shaped like raw.x_test {x_test.shape}."
            )
        values = np.asarray(answer, dtype="float64")
        if values.shape != x_test.shape:
            raise Wrong(f"your array has shape {values.shape}; the test images have shape {x_test.shape}.")
        if np.allclose(values, expected, atol=1e-4):
            return (
                f"right: the test images standardised with the training mean {mean:.2f} and "
                f"standard deviation {std:.2f} (their own mean is now {values.mean():.3f}, not exactly 0)."
            )
        if np.allclose(values, own, atol=1e-4):
            raise Wrong(
                "you used the test images' own mean and standard deviation. A model must see "
                "test data prepared exactly like its training data: use x.mean() and x.std()."
            )
        raise Wrong(
            f"your values (mean {values.mean():.3f}, std {values.std():.3f}) are not (raw.x_test - x.mean()) / x.std()."
        )

    rises = _rises(history, UNSCALED)
    rise = float(rises.mean())
    near = {
        -rise: "the sign is flipped: take the last epoch's validation loss minus epoch 1's.",
        float(_rises(history, SCALED).mean()): "that is the scaled network's; the exercise asks for the unscaled one.",
    }
    if len(rises) > 1 and abs(float(rises.iloc[0]) - rise) > a_difference(rise):
        near[float(rises.iloc[0])] = f"that is seed {rises.index[0]} alone; average over all {len(rises)} seeds."
    rose = int((rises > 0).sum())
    return (
        Exercise(
            "Exercise 1",
            standardised,
            "x holds the unscaled training images; x.mean() and x.std() are its statistics.",
            "x_test_std = (raw.x_test - x.mean()) / x.std()",
        ),
        Exercise(
            "Exercise 2",
            number(
                rise,
                f"the mean over seeds of the unscaled network's last-epoch minus epoch-1 validation loss "
                f"(it rose in {rose} of {len(rises)} seeds of this run)",
                tolerance=a_difference(rise),
                near_misses=near,
            ),
            (
                'history has one row per input, seed and epoch: history[history.name == "unscaled (0-255)"] keeps '
                "the unscaled network's rows.",
                "per seed, take val_loss at the last epoch minus val_loss at epoch 1 (index both by seed), "
                "then the mean of those differences.",
            ),
            'unscaled = history[history.name == "unscaled (0-255)"]\n'
            'first = unscaled[unscaled.epoch == 1].set_index("seed")["val_loss"]\n'
            'last = unscaled[unscaled.epoch == unscaled.epoch.max()].set_index("seed")["val_loss"]\n'
            "unscaled_rise = float((last - first).mean())",
        ),
    )
