"""The exercises of chapter 01: A first network: a narrower model; the best epoch by validation loss.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import itertools

import pandas as pd

from ._shared import best_epoch_checker
from .core import Exercise, number, pair
from .models import model_checker


def _weights(widths: list[int]) -> int:
    """Weights and biases of a dense network with these layer widths, inputs first."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(widths))


def chapter_01(history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """A first network: a narrower model and how many weights it saves; the best epoch by validation loss."""
    baseline, narrow = _weights([784, 1000, 10]), _weights([784, 100, 10])
    return (
        Exercise(
            "Exercise 1",
            pair(
                model_checker(
                    "a 784-100-10 network", inputs=784, hidden=[100], outputs=10, output_activation="softmax"
                ),
                number(
                    baseline - narrow,
                    "how many fewer weights it has than the chapter's network",
                    whole=True,
                    near_misses={
                        narrow: "that is how many weights the narrow network has, not how many fewer.",
                        784 * 1000 + 1000 * 10 - (784 * 100 + 100 * 10): "close: the biases are weights too.",
                    },
                ),
                ("narrow", "fewer"),
            ),
            "dense_network(inputs, [hidden widths], outputs): the chapter's network is dense_network(784, [1000], 10). "
            "A Dense layer from a inputs to b units has (a + 1) * b weights: one per connection, one bias per unit.",
            "narrow = dense_network(784, [100], 10)\nfewer = model.count_params() - narrow.count_params()",
        ),
        Exercise(
            "Exercise 2",
            best_epoch_checker(history, "val_loss", "the epoch with the lowest validation loss"),
            "mean_curve has one row per epoch; .idxmin() on its val_loss column gives the row, "
            "and that row's epoch column the epoch.",
            'best = int(mean_curve.loc[mean_curve["val_loss"].idxmin(), "epoch"])',
        ),
    )
