"""Per-run numbers read off learning curves: gap, best epoch, rise, noise; tables over seeds.

Used first in: "A first network"; the regularization and homework
chapters read the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .data import Dataset


def curve_noise(values: Sequence[float] | np.ndarray) -> float:
    """Mean distance of each inner point of a curve from the midpoint of its two neighbours.

    A straight or gently bending curve scores near 0 however fast it rises or
    falls; a zigzag scores about its jump size.  0 for fewer than three points.
    """
    v = np.asarray(values, dtype=float)
    if len(v) < 3:
        return 0.0
    return float(np.mean(np.abs(v[1:-1] - (v[:-2] + v[2:]) / 2)))


def run_summary(history: pd.DataFrame, by: Sequence[str] = ("name",), metric: str = "accuracy") -> pd.DataFrame:
    """Summarise each run of a tidy history (``Sweep.history``) in one row.

    Columns of the result, besides ``by``:

    * ``train_<metric>``, ``val_<metric>``: after the last epoch;
    * ``peak_train_<metric>``: the best training value over all epochs;
    * ``gap``: ``train_<metric> - val_<metric>``, the overfitting gap;
    * ``val_loss``: after the last epoch; ``best_epoch``: the epoch of the
      lowest validation loss, and ``min_val_loss`` that loss;
    * ``val_loss_rise``: ``val_loss - min_val_loss``, how far the validation
      loss climbed back up after its best epoch (0 when it never did);
    * ``late_val_loss``: the mean validation loss over the second half of
      training, steadier than the last epoch's value when the curve is noisy;
    * ``val_loss_excess``: ``late_val_loss - min_val_loss``: how far above its best the validation
      loss sits late in training, whether it climbed steadily or jumps about;
    * ``val_loss_noise``: how far, on average, the validation loss of an epoch
      in the second half of training sits off the midpoint of its two
      neighbours (``curve_noise``): near 0 for a curve that falls or climbs
      steadily, large for one that jumps up and down.  Unlike the mean change
      from epoch to epoch, it does not count steady overfitting as noise.
    """
    needed = [*by, "epoch", metric, f"val_{metric}", "loss", "val_loss"]
    missing = [c for c in needed if c not in history.columns]
    if missing:
        raise KeyError(f"run_summary: the history has no column {missing}; it has {list(history.columns)}.")

    def one(run: pd.DataFrame) -> pd.Series:
        run = run.sort_values("epoch")
        val_loss = run["val_loss"].to_numpy()
        half = val_loss[len(val_loss) // 2 :]
        late = float(half.mean())
        best = int(np.argmin(val_loss))
        return pd.Series(
            {
                f"train_{metric}": run[metric].iloc[-1],
                f"val_{metric}": run[f"val_{metric}"].iloc[-1],
                f"peak_train_{metric}": run[metric].max(),
                "gap": run[metric].iloc[-1] - run[f"val_{metric}"].iloc[-1],
                "val_loss": val_loss[-1],
                "best_epoch": int(run["epoch"].iloc[best]),
                "min_val_loss": val_loss[best],
                "val_loss_rise": val_loss[-1] - val_loss[best],
                "late_val_loss": late,
                "val_loss_excess": late - float(val_loss[best]),
                "val_loss_noise": curve_noise(val_loss[max(len(val_loss) // 2 - 1, 0) :]),
            }
        )

    rows = [one(run).rename(None) for _, run in history.groupby(list(by), sort=False)]
    keys = history.groupby(list(by), sort=False).size().index.to_frame(index=False)
    return pd.concat([keys, pd.DataFrame(rows).reset_index(drop=True)], axis=1).astype({"best_epoch": int})


def evaluation_table(models: Mapping[str, Any], data: Dataset, metric: str = "accuracy") -> pd.DataFrame:
    """Evaluate trained models on the training and the test set, one row each.

    Evaluation runs in inference mode (dropout off, batch normalization with
    its running averages), so the training numbers are comparable with the
    test numbers, unlike the running averages Keras logs during an epoch.

    Args:
        models: ``{name: trained keras model}``, or ``{(name, seed): model}``
            (``Sweep.seed_models``) for one row per model and seed.
        data: the ``Dataset`` the models were trained on.
        metric: the metric compared (its name in ``model.evaluate``).

    Returns:
        A frame indexed by name with ``train_loss``, ``train_<metric>``,
        ``test_loss``, ``test_<metric>`` and ``gap`` (train minus test metric).
    """
    rows = {}
    for name, model in models.items():
        train = model.evaluate(data.x_train, data.y_train, batch_size=1024, verbose=0, return_dict=True)
        test = model.evaluate(data.x_test, data.y_test, batch_size=1024, verbose=0, return_dict=True)
        if metric not in train:
            raise KeyError(f"The model {name!r} does not report {metric!r}; it reports {list(train)}.")
        rows[name] = {
            "train_loss": train["loss"],
            f"train_{metric}": train[metric],
            "test_loss": test["loss"],
            f"test_{metric}": test[metric],
            "gap": train[metric] - test[metric],
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    seeded = bool(rows) and all(isinstance(key, tuple) for key in rows)
    return table.rename_axis(["model", "seed"] if seeded else "model")


def over_seeds(
    frame: pd.DataFrame, values: Sequence[str], by: str | Sequence[str] = "name", digits: int = 4
) -> pd.DataFrame:
    """Each value as its mean over seeds with the range, one row per ``by`` group: "0.9212 (0.9180 to 0.9240)".

    Args:
        frame: one row per run and seed (e.g. ``Sweep.final()``, ``run_summary`` by name and seed,
            or ``evaluation_table(sweep.seed_models, ...)`` with its index reset).
        values: the numeric columns to summarise.
        by: the column(s) that name a setting; the rows of each group are its seeds.
        digits: decimals shown (a column of whole numbers, such as a count, shows its mean
            to one decimal and its range as whole numbers).

    Returns:
        A frame of strings for the reader, indexed by ``by``, with a column ``seeds`` (how many).
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, *values] if c not in frame.columns]
    if missing:
        raise KeyError(f"over_seeds: no column {missing}; the frame has {list(frame.columns)}.")
    grouped = frame.groupby(keys, sort=False)
    mean, low, high = grouped[list(values)].mean(), grouped[list(values)].min(), grouped[list(values)].max()
    out = pd.DataFrame(index=mean.index)
    for column in values:
        if pd.api.types.is_integer_dtype(frame[column]):  # counts: whole numbers, the mean to one decimal
            out[column] = [f"{m:.1f} ({lo} to {hi})" for m, lo, hi in zip(mean[column], low[column], high[column])]
            continue
        out[column] = [
            f"{m:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"
            for m, lo, hi in zip(mean[column], low[column], high[column])
        ]
    out["seeds"] = grouped.size()
    return out


def beside_the_source(
    rows: Mapping[str, tuple[float | None, Mapping[Any, float] | Sequence[float]]], digits: int = 4
) -> pd.DataFrame:
    """The source's reported numbers beside this run's, over seeds, and whether the seeds' range holds them.

    The source reports one run per setting; this book runs several seeds.  A
    source's number inside the range of this run's seeds is a reproduction as
    far as the seeds can tell; one outside it is a disagreement the chapter
    has to discuss (its settings differ, or its run was unusual).

    Args:
        rows: ``{what: (the source's number or None if it reported none, this run's value per seed)}``.
        digits: decimals shown.

    Returns:
        A frame of strings for the reader, indexed by ``what``: ``the source``,
        ``this run (mean)``, ``lowest seed``, ``highest seed`` and ``the source's
        number`` (inside the seeds' range, or above or below all of them by how much).
    """
    table = {}
    for what, (source, per_seed) in rows.items():
        values = np.asarray(list(per_seed.values() if isinstance(per_seed, Mapping) else per_seed), dtype=float)
        if not len(values):
            raise ValueError(f"beside_the_source: no value of this run for {what!r}.")
        low, high = values.min(), values.max()
        if source is None:
            verdict = "not reported"
        elif source > high:
            verdict = f"above every seed, by {source - high:.{digits}f}"
        elif source < low:
            verdict = f"below every seed, by {low - source:.{digits}f}"
        else:
            verdict = "inside the seeds' range"
        table[what] = {
            "the source (one run)": "" if source is None else f"{source:.{digits}f}",
            "this run (mean)": f"{values.mean():.{digits}f}",
            "lowest seed": f"{low:.{digits}f}",
            "highest seed": f"{high:.{digits}f}",
            "the source's number": verdict,
        }
    return pd.DataFrame.from_dict(table, orient="index").rename_axis(index="result")
