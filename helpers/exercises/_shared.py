"""Pieces the chapters' exercises share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from ..protocol import CRITERIA, best_epoch
from .core import number


def _epoch_near_misses(history: pd.DataFrame, expected: int, other: str, other_name: str) -> dict[float, str]:
    """Plausible wrong epochs: the row index, the last epoch, the other criterion's best."""
    misses: dict[float, str] = {}
    last = int(history["epoch"].iloc[-1])
    if last != expected:
        misses[last] = "that is the last epoch; the best one came earlier."
    other_best = best_epoch(history, other)
    if other_best != expected:
        misses[other_best] = f"that is the epoch with the {other_name}; the exercise asks for the other criterion."
    if expected - 1 not in misses and expected - 1 >= 0:
        misses[expected - 1] = "off by one: that is the row's position counted from 0; epochs count from 1."
    return misses


def best_epoch_checker(run: pd.DataFrame, criterion: str, what: str) -> Callable[[Any], str]:
    """A checker for "which epoch was best by ``criterion``?", read off this run's history."""
    expected = best_epoch(run, criterion)
    other = "val_accuracy" if criterion == "val_loss" else "val_loss"
    return number(expected, what, whole=True, near_misses=_epoch_near_misses(run, expected, other, CRITERIA[other]))


def mean_curve(history: pd.DataFrame, column: str, value: Any, metrics: Sequence[str]) -> pd.DataFrame:
    """One variant's curves averaged over seeds: a row per epoch, as a student computes them."""
    rows = history[history[column] == value]
    if rows.empty:
        raise ValueError(f"no rows with {column} == {value!r} in the history given to the exercises.")
    return rows.groupby("epoch", as_index=False)[list(metrics)].mean()


def a_difference(expected: float) -> float:
    """The tolerance for a difference recomputed from a run: 0.0005, or 0.1 % of a large value."""
    return max(5e-4, 1e-3 * abs(expected))


def _one_run(history: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
    if name is not None:
        history = history[history["name"] == name]
    if history.empty:
        raise ValueError(f"no rows for run {name!r} in the history given to the exercises.")
    return history.reset_index(drop=True)


def _not_name(answer: Any) -> Any:
    raise TypeError(f"a name is a string, not a {type(answer).__name__}")
