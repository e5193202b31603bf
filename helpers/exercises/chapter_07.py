"""The exercises of chapter 07: Learning rate: a slower Adam; which toy rate converges.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from .core import Exercise, as_number, choice
from .models import model_checker


def chapter_07(toy: Callable[[float], pd.DataFrame], rates: Sequence[float] = (0.4, 0.47)) -> tuple[Exercise, Exercise]:
    """Learning rate: a slower Adam; which toy rate converges."""
    finals = {rate: toy(rate)["loss"] for rate in rates}
    converging = [rate for rate, loss in finals.items() if loss.iloc[-1] < loss.iloc[0]]
    if len(converging) != 1:
        raise ValueError(f"expected exactly one converging rate among {list(rates)}, found {converging}.")
    reasons = {
        rate: f"its loss went from {loss.iloc[0]:.3f} to {loss.iloc[-1]:.3g} in {len(loss) - 1} steps."
        for rate, loss in finals.items()
    }
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
            choice(
                converging[0],
                list(rates),
                "the rate that converges",
                reasons=reasons,
                normalise=lambda a: round(as_number(a, "a learning rate such as 0.4"), 6),
            ),
            "descend(rate, analytic_gradient) returns the path; compare its first and last loss.",
            'paths = {rate: descend(rate, analytic_gradient)["loss"] for rate in (0.4, 0.47)}\n'
            "converges = next(rate for rate, loss in paths.items() if loss.iloc[-1] < loss.iloc[0])",
        ),
    )
