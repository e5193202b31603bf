"""The exercises of chapter 08: Optimizers: SGD with momentum; whether any optimizer's validation loss climbed
above its lowest in this run, and which climbed most.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from ._shared import _not_name
from .core import Exercise, choice
from .models import model_checker


def chapter_08(history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """Optimizers: SGD with momentum; the optimizer whose mean validation loss climbed most above its lowest.

    Where no mean climbs at all (each ends at its lowest, as in a short run), the answer is ``"none"``:
    ``idxmax`` over climbs that are all 0 names the first optimizer alphabetically, which is no finding.
    """
    mean_loss = history.groupby(["name", "epoch"])["val_loss"].mean()
    climb = mean_loss.groupby("name").last() - mean_loss.groupby("name").min()
    expected = str(climb.idxmax()) if climb.max() > 0 else "none"
    most = (
        f"{expected}'s ended {climb[expected]:.4f} above."
        if expected != "none"
        else 'none ended above its lowest: no optimizer overfits in this run, the answer is "none".'
    )
    reasons = {
        name: f"its mean validation loss ended {value:.4f} above its lowest; {most}" for name, value in climb.items()
    }
    reasons["none"] = f"{climb.idxmax()}'s mean validation loss ended {climb.max():.4f} above its lowest."

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
                [str(n) for n in climb.index] + ["none"],
                'the optimizer whose mean validation loss climbed most above its lowest ("none" if none climbed)',
                reasons=reasons,
                normalise=lambda a: str(a).strip().lower() if isinstance(a, str) else _not_name(a),
            ),
            (
                'history.groupby(["name", "epoch"])["val_loss"].mean() is each optimizer\'s validation loss '
                "averaged over the seeds, epoch by epoch.",
                'group that by "name" again: .last() minus .min() is how far each ended above its lowest; '
                ".idxmax() names the largest, and .max() > 0 says whether any climbed at all.",
            ),
            'mean_loss = history.groupby(["name", "epoch"])["val_loss"].mean()\n'
            'climb = mean_loss.groupby("name").last() - mean_loss.groupby("name").min()\n'
            'overfit_most = climb.idxmax() if climb.max() > 0 else "none"',
        ),
    )
