"""The exercises of chapter 08: Optimizers: SGD with momentum; the weakest optimizer at default settings.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import _not_name
from .core import Exercise, choice
from .models import model_checker


def chapter_08(summary: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """Optimizers: SGD with momentum; the weakest optimizer at default settings."""
    final = summary["val_accuracy"]
    expected = str(final.idxmin())
    reasons = {
        name: f"it ended at a mean validation accuracy of {acc:.4f}, and one optimizer ended lower."
        for name, acc in final.items()
    }
    return (
        Exercise(
            "Exercise 1",
            model_checker(
                "the network with SGD, rate 0.01 and momentum 0.9",
                inputs=784,
                hidden=[1000],
                outputs=10,
                optimizer="SGD",
                learning_rate=0.01,
                momentum=0.9,
            ),
            "keras.optimizers.SGD(learning_rate=..., momentum=...) is an object; "
            "give it to dense_network(..., optimizer=...).",
            "momentum = dense_network(784, [1000], 10, "
            "optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))",
        ),
        Exercise(
            "Exercise 2",
            choice(
                expected,
                [str(n) for n in final.index],
                "the optimizer with the lowest mean final validation accuracy",
                reasons=reasons,
                normalise=lambda a: str(a).strip().lower() if isinstance(a, str) else _not_name(a),
            ),
            'summary.groupby("name").mean() has one row per optimizer; .idxmin() on its val_accuracy column '
            "names the row with the lowest value.",
            'weakest = summary.groupby("name").mean()["val_accuracy"].idxmin()',
        ),
    )
