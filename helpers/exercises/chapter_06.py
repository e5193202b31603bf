"""The exercises of chapter 06: Batch size: updates per epoch; a function that counts updates; when this run's
huge batch settled.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._shared import mean_curve
from .core import Exercise, Wrong, _kind, number


def chapter_06(history: pd.DataFrame, huge: str) -> tuple[Exercise, Exercise, Exercise]:
    """Batch size: updates per epoch; a function that counts updates; when this run's huge batch settled."""
    curve = mean_curve(history, "name", huge, ["val_accuracy"]).set_index("epoch")["val_accuracy"]
    settled = int(curve[curve >= curve.max() - 0.01].index[0])
    near = {}
    if int(curve.idxmax()) != settled:
        near[int(curve.idxmax())] = "that is the epoch of its best; the exercise asks for the first within one point."
    if int(curve.index[-1]) not in near and int(curve.index[-1]) != settled:
        near[int(curve.index[-1])] = "that is its last epoch; it came within one point of its best earlier."
    if settled - 1 >= 0 and settled - 1 not in near:
        near[settled - 1] = "off by one: epochs count from 1."
    cases = [(60_000, 32, 1), (60_000, 128, 1), (60_000, 1024, 5), (10_000, 5_000, 30), (1_000, 300, 2)]

    def counter(answer: Any) -> str:
        if not callable(answer):
            raise Wrong(
                f"your answer is {_kind(answer)}; the exercise asks for a function updates(n, batch_size, epochs)."
            )
        for n, batch, epochs in cases:
            want = -(-n // batch) * epochs
            try:
                got = answer(n, batch, epochs)
            except Exception as error:
                raise Wrong(f"updates({n}, {batch}, {epochs}) raised {type(error).__name__}: {error}") from None
            if isinstance(got, float) and got.is_integer():
                got = int(got)
            if got != want:
                extra = " (the last, smaller batch is an update too)" if got == n // batch * epochs else ""
                raise Wrong(f"updates({n}, {batch}, {epochs}) returned {got!r}; it should be {want}{extra}.")
        return f"right on all {len(cases)} cases, partial last batches included."

    return (
        Exercise(
            "Exercise 1",
            number(
                469,
                "the number of updates in one epoch at batch size 128 on 60,000 images",
                whole=True,
                near_misses={468: "rounded down: the last 96 images form a batch of their own, and an update."},
            ),
            "60,000 / 128 is not whole; what happens to the images left over?",
            "updates_128 = -(-60_000 // 128)  # 469: 468 full batches and one of 96 images",
        ),
        Exercise(
            "Exercise 2",
            counter,
            "n / batch_size rounded up is the updates per epoch; np.ceil or -(-n // batch_size) round up.",
            "def updates(n, batch_size, epochs):\n    return -(-n // batch_size) * epochs\n\n",
        ),
        Exercise(
            "Exercise 3",
            number(
                settled,
                f"the first epoch at which the mean test accuracy of {huge} comes within one point of its best",
                whole=True,
                near_misses=near,
            ),
            (
                f'history[history.name == "{huge}"] keeps the huge batch\'s rows; average val_accuracy over the '
                'seeds with .groupby("epoch").',
                "keep the epochs whose mean is at least the best mean minus 0.01; the first of them is the answer.",
            ),
            'huge = history[history.name == big_name].groupby("epoch")["val_accuracy"].mean()\n'
            "settled = int(huge[huge >= huge.max() - 0.01].index[0])",
        ),
    )
