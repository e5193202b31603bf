"""The exercises of chapter 02: Depth versus sample size: which depth overfits most; a deep network with more dropout.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import pandas as pd

from .core import Exercise, as_number, choice
from .models import model_checker


def chapter_02(summary: pd.DataFrame, n: int, width: int, depth: int) -> tuple[Exercise, Exercise]:
    """Depth versus sample size: which depth overfits most; a deep network with more dropout."""
    plain = summary[(summary["n"] == n) & (summary["dropout"] == 0)].set_index("depth")["val_loss_excess"]
    expected = int(plain.idxmax())
    reasons = {
        int(d): f"at n = {n} without dropout its val_loss_excess is {v:.3f}, and one depth has more."
        for d, v in plain.items()
    }
    return (
        Exercise(
            "Exercise 1",
            choice(
                expected,
                [int(d) for d in plain.index],
                "the depth that overfits most",
                reasons=reasons,
                normalise=lambda a: int(as_number(a, "a depth such as 5")),
            ),
            f'mean_summary.query("n == {n} and dropout == 0") keeps the runs asked about; '
            "look for the largest val_loss_excess.",
            'plain = mean_summary.query("n == @small and dropout == 0")\n'
            'most_overfit = int(plain.loc[plain["val_loss_excess"].idxmax(), "depth"])',
        ),
        Exercise(
            "Exercise 2",
            model_checker(
                f"the depth-{depth} network with dropout 0.5",
                inputs=784,
                hidden=[width] * depth,
                outputs=10,
                dropout=0.5,
            ),
            "the chapter's network(depth, dropout) calls dense_network(784, [WIDTH] * depth, 10, dropout=dropout).",
            "deep_dropout = dense_network(784, [WIDTH] * max(DEPTHS), 10, dropout=0.5)",
        ),
    )
