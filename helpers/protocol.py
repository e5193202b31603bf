"""The homework protocol: pick the number of epochs on a hold-out, retrain, test.

1. Train every variant on the training set from several seeds, validating
   on the hold-out.
2. Read each variant's best epoch off its validation curve averaged over the
   seeds, by the lowest validation loss and by the highest validation accuracy.
   A best epoch that is the last one trained is warned about: the curve had
   not turned yet, so the run was too short to find the best.
3. Train a fresh model of the variant from every seed on the whole training
   set (hold-out included) for the best number of epochs.
4. Evaluate each once on the test set; compare variants seed by seed.

The test set plays no part in choosing anything, so its accuracy is an honest
estimate of how the chosen model does on new data.

Used first in: "Homework: IMDB sentiment".
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ._backend import keras
from .data import Dataset
from .plots import learning_curves
from .runtime import current_seed
from .seeds import train_seeds
from .sweeps import sweep

CRITERIA = {
    "val_loss": "lowest validation loss",
    "val_accuracy": "highest validation accuracy",
}


@dataclass(frozen=True)
class Columns:
    """The names of the protocol table's columns, defined here and nowhere else.

    ``COLUMNS.test`` reads "test accuracy after retraining" (the mean over seeds; ``lowest`` and
    ``highest`` the range);
    ``COLUMNS.best_epoch("val_loss")`` reads "best epoch (lowest validation loss)".
    """

    validation: str = "validation accuracy at best epoch"
    test: str = "test accuracy after retraining"
    lowest: str = "lowest seed"
    highest: str = "highest seed"
    vs_baseline: str = "vs baseline"

    def best_epoch(self, criterion: str) -> str:
        """The column of the best epoch by ``criterion`` (``"val_loss"`` or ``"val_accuracy"``)."""
        return f"best epoch ({CRITERIA[criterion]})"

    def test_by(self, criterion: str) -> str:
        """The column of the test accuracy when the epochs come from ``criterion``'s best epoch."""
        return f"test accuracy, epochs by {CRITERIA[criterion]}"


COLUMNS = Columns()


def best_epoch(history: pd.DataFrame, criterion: str = "val_loss") -> int:
    """The epoch (from 1) a validation curve rates best; the first one on a tie.

    Args:
        history: one run's per-epoch frame (an ``epoch`` column and the metric).
        criterion: ``"val_loss"`` (lowest wins) or ``"val_accuracy"`` (highest wins).
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {list(CRITERIA)}, not {criterion!r}.")
    if criterion not in history.columns or history.empty:
        raise KeyError(
            f"best_epoch: the history has no {criterion!r} values (columns: {list(history.columns)}); "
            f"train with a validation set."
        )
    values = history[criterion].to_numpy()
    position = values.argmin() if criterion == "val_loss" else values.argmax()
    return int(history["epoch"].iloc[int(position)])


def _mean_curves(history: pd.DataFrame) -> pd.DataFrame:
    """A sweep's curves averaged over seeds: one row per variant and epoch."""
    metrics = [c for c in history.columns if c in ("loss", "accuracy", "val_loss", "val_accuracy")]
    return history.groupby(["name", "epoch"], sort=False, as_index=False)[metrics].mean()


@dataclass
class ProtocolResult:
    """What ``select_and_retrain`` found.

    Attributes:
        history: the validation runs, one row per variant, seed and epoch (as ``sweep`` gives).
        table: one row per variant: best epochs by both criteria (off the
            validation curve averaged over seeds), the mean validation accuracy
            there, the test accuracy after retraining (mean over seeds, and
            the lowest and highest seed) and its difference from the baseline.
        per_seed: one row per variant and seed: the test accuracy after
            retraining, and its difference from the baseline *of the same seed*.
        models: the retrained models, by variant (the first seed's; chosen criterion).
        seed_models: ``{(variant, seed): retrained model}``.
        criterion: the criterion that chose the epochs for the comparison.
        baseline: the name of the baseline variant.
        seeds: the seeds every variant was trained from.
        at_last_epoch: the variants whose best epoch (by the criterion) was the
            last one trained: their runs were too short to find the best.
        seconds: training time of the validation runs and of the retraining.
    """

    history: pd.DataFrame
    table: pd.DataFrame
    models: dict[str, keras.Model]
    criterion: str
    baseline: str
    seeds: list[int] = field(default_factory=list)
    per_seed: pd.DataFrame = field(default_factory=pd.DataFrame)
    seed_models: dict[tuple[str, int], keras.Model] = field(default_factory=dict)
    at_last_epoch: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def mean_curves(self) -> pd.DataFrame:
        """The validation runs averaged over seeds: one row per variant and epoch."""
        return _mean_curves(self.history)

    def best_epochs(self, criterion: str | None = None) -> dict[str, int]:
        """``{variant: best epoch}`` by a criterion (default: the chosen one)."""
        column = COLUMNS.best_epoch(criterion or self.criterion)
        return {name: int(epoch) for name, epoch in self.table[column].items()}

    def curves(
        self,
        groups: Mapping[str, Sequence[str]],
        *,
        title: str | None = None,
        metrics: Sequence[str] = ("loss", "accuracy"),
    ) -> Figure:
        """Validation-run curves, one column of panels per group of variants.

        The baseline is drawn in every group it is listed in, so each column
        compares one knob against it; each run's best epoch is circled.  With
        several seeds, each line is their mean and a band their range.  Pass
        ``metrics=("accuracy",)`` for variants whose losses differ in kind
        (mse and cross-entropy have no common scale).
        """
        unknown = sorted({n for names in groups.values() for n in names} - set(self.history["name"]))
        if unknown:
            raise KeyError(f"curves: no variant named {unknown}; the variants are {list(self.table.index)}.")
        parts = [self.history[self.history["name"].isin(names)].assign(group=group) for group, names in groups.items()]
        frame = pd.concat(parts, ignore_index=True)
        return learning_curves(
            frame, hue="name", col="group", col_label="", title=title, marks=self.best_epochs(), metrics=metrics
        )


def select_and_retrain(
    variants: Mapping[str, Mapping[str, Any]],
    build: Callable[..., keras.Model],
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    criterion: str = "val_loss",
    baseline: str | None = None,
    seeds: Sequence[int] | None = None,
    retrain_both: bool = True,
) -> ProtocolResult:
    """Run the protocol for every variant, from every seed, and tabulate the results.

    Args:
        variants: ``{name: parameters}``; ``build(**parameters)`` must return a
            fresh compiled model that reports ``accuracy``.
        build: makes the model of a variant.
        data: a ``Dataset`` with a validation hold-out (``load_imdb``, ``load_reuters``).
        epochs: epochs of the validation runs.
        batch_size: batch size of every run.
        criterion: ``"val_loss"`` or ``"val_accuracy"``: which best epoch the
            retrained models use.  The table shows both epochs; where they
            differ and ``retrain_both`` is true, the models are retrained for
            both and both test accuracies are shown.
        baseline: the variant the others are compared with (default: the first).
        seeds: the seeds every variant trains from (e.g. ``profile.seeds``;
            default: ``setup``'s seed alone).  The seeds of one variant train
            together (``train_seeds``); the best epoch is read off their mean curve.
        retrain_both: also retrain for the other criterion's epochs (costs up
            to twice the retraining time); ``False`` skips that column.

    Returns:
        A ``ProtocolResult``.  A variant whose best epoch is the last one
        trained is listed in ``at_last_epoch``, with a warning.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {list(CRITERIA)}, not {criterion!r}.")
    if not variants:
        raise ValueError("select_and_retrain() needs at least one variant.")
    baseline = next(iter(variants)) if baseline is None else baseline
    if baseline not in variants:
        raise KeyError(f"The baseline {baseline!r} is not among the variants {list(variants)}.")
    if data.x_val is None:
        raise ValueError(
            "select_and_retrain() needs a validation hold-out: load the data with load_imdb() or "
            "load_reuters(), or cut one with dataset.with_validation_split(fraction)."
        )
    seeds = [current_seed()] if seeds is None else [int(s) for s in seeds]
    epochs_of = dict(epochs) if isinstance(epochs, Mapping) else dict.fromkeys(variants, epochs)
    if set(epochs_of) != set(variants):
        raise KeyError(f"epochs: give a number for every variant {list(variants)}, not for {list(epochs_of)}.")
    if any("epochs" in params for params in variants.values()):
        raise ValueError("a variant's parameters may not be called 'epochs': pass epochs={variant: n} instead.")

    def validate(epochs: int, **params: Any):
        return train_seeds(lambda: build(**params), data, seeds=seeds, epochs=epochs, batch_size=batch_size)

    validated = sweep({name: {**params, "epochs": epochs_of[name]} for name, params in variants.items()}, validate)
    history = validated.history
    other = "val_accuracy" if criterion == "val_loss" else "val_loss"
    if "val_accuracy" not in history.columns:
        raise KeyError(f"The models must report 'accuracy'; the history has {list(history.columns)}.")
    curves = _mean_curves(history)

    rows: dict[str, dict[str, Any]] = {}
    to_train: dict[str, dict[str, Any]] = {}
    at_last: list[str] = []
    for name in variants:
        run = curves[curves["name"] == name]
        chosen, alternative = best_epoch(run, criterion), best_epoch(run, other)
        if chosen == epochs_of[name]:
            at_last.append(name)
        rows[name] = {
            COLUMNS.best_epoch("val_loss"): chosen if criterion == "val_loss" else alternative,
            COLUMNS.best_epoch("val_accuracy"): chosen if criterion == "val_accuracy" else alternative,
            COLUMNS.validation: float(run.loc[run["epoch"] == chosen, "val_accuracy"].iloc[0]),
        }
        for epochs_wanted in dict.fromkeys([chosen, alternative] if retrain_both else [chosen]):
            to_train[f"{name} @ {epochs_wanted}"] = {"variant": name, "epochs_wanted": epochs_wanted}
    if at_last:
        warnings.warn(
            f"select_and_retrain: the best epoch ({CRITERIA[criterion]}) of {at_last} is the last one trained "
            f"({', '.join(str(epochs_of[name]) for name in at_last)}): the validation curve had not turned yet. "
            f"Train those variants for more epochs (epochs={{variant: epochs}}) to find their best.",
            stacklevel=2,
        )

    full_x, full_y = data.full_training_set()

    def retrain(variant: str, epochs_wanted: int):
        return train_seeds(
            lambda: build(**variants[variant]),
            (full_x, full_y),
            seeds=seeds,
            epochs=epochs_wanted,
            batch_size=batch_size,
            validation=None,
        )

    retrained = sweep(to_train, retrain, keep_models=True)
    test = {
        key: model.evaluate(data.x_test, data.y_test, batch_size=1024, verbose=0, return_dict=True)["accuracy"]
        for key, model in retrained.seed_models.items()
    }
    per_seed_rows = []
    for name, row in rows.items():
        chosen, alternative = row[COLUMNS.best_epoch(criterion)], row[COLUMNS.best_epoch(other)]
        for seed in seeds:
            entry = {"variant": name, "seed": seed, COLUMNS.test: test[(f"{name} @ {chosen}", seed)]}
            if retrain_both:
                entry[COLUMNS.test_by(other)] = test[(f"{name} @ {alternative}", seed)]
            per_seed_rows.append(entry)
    per_seed = pd.DataFrame(per_seed_rows).set_index(["variant", "seed"])
    base = per_seed.loc[baseline, COLUMNS.test]
    per_seed[COLUMNS.vs_baseline] = [value - base[seed] for (_, seed), value in per_seed[COLUMNS.test].items()]
    grouped = per_seed.groupby(level="variant", sort=False)
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("variant")
    table[COLUMNS.test] = grouped[COLUMNS.test].mean()
    table[COLUMNS.lowest] = grouped[COLUMNS.test].min()
    table[COLUMNS.highest] = grouped[COLUMNS.test].max()
    if retrain_both:
        table[COLUMNS.test_by(other)] = grouped[COLUMNS.test_by(other)].mean()
    table[COLUMNS.vs_baseline] = grouped[COLUMNS.vs_baseline].mean()
    seed_models = {
        (name, seed): retrained.seed_models[(f"{name} @ {row[COLUMNS.best_epoch(criterion)]}", seed)]
        for name, row in rows.items()
        for seed in seeds
    }
    models = {name: seed_models[(name, seeds[0])] for name in rows}
    seconds = {"validation runs": sum(validated.seconds.values()), "retraining": sum(retrained.seconds.values())}
    return ProtocolResult(history, table, models, criterion, baseline, seeds, per_seed, seed_models, at_last, seconds)
