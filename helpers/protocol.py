"""The homework protocol: pick the number of epochs on a hold-out, retrain, test.

1. Train every variant on the training set, validating on the hold-out.
2. Read each variant's best epoch off its validation curve, by the lowest
   validation loss and by the highest validation accuracy.
3. Train a fresh model of the variant, from the same seed, on the whole
   training set (hold-out included) for the best number of epochs.
4. Evaluate it once on the test set.

The test set plays no part in choosing anything, so its accuracy is an honest
estimate of how the chosen model does on new data.

Used first in: "Homework: IMDB sentiment".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ._backend import keras
from .data import Dataset
from .plots import learning_curves
from .runtime import current_seed
from .training import sweep, train

CRITERIA = {
    "val_loss": "lowest validation loss",
    "val_accuracy": "highest validation accuracy",
}


@dataclass(frozen=True)
class Columns:
    """The names of the protocol table's columns, defined here and nowhere else.

    ``COLUMNS.test`` reads "test accuracy after retraining";
    ``COLUMNS.best_epoch("val_loss")`` reads "best epoch (lowest validation loss)".
    """

    validation: str = "validation accuracy at best epoch"
    test: str = "test accuracy after retraining"
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


@dataclass
class ProtocolResult:
    """What ``select_and_retrain`` found.

    Attributes:
        history: the validation runs, one row per variant and epoch (as ``sweep`` gives).
        table: one row per variant: best epochs by both criteria, the
            validation accuracy there, the test accuracy after retraining
            and its difference from the baseline.
        models: the retrained models, by variant (chosen criterion).
        criterion: the criterion that chose the epochs for the comparison.
        baseline: the name of the baseline variant.
        seconds: training time of the validation runs and of the retraining.
    """

    history: pd.DataFrame
    table: pd.DataFrame
    models: dict[str, keras.Model]
    criterion: str
    baseline: str
    seconds: dict[str, float] = field(default_factory=dict)

    def best_epochs(self, criterion: str | None = None) -> dict[str, int]:
        """``{variant: best epoch}`` by a criterion (default: the chosen one)."""
        column = COLUMNS.best_epoch(criterion or self.criterion)
        return {name: int(epoch) for name, epoch in self.table[column].items()}

    def curves(self, groups: Mapping[str, Sequence[str]], *, title: str | None = None) -> Figure:
        """Validation-run curves, one column of panels per group of variants.

        The baseline is drawn in every group it is listed in, so each column
        compares one knob against it; each run's best epoch is circled.
        """
        unknown = sorted({n for names in groups.values() for n in names} - set(self.history["name"]))
        if unknown:
            raise KeyError(f"curves: no variant named {unknown}; the variants are {list(self.table.index)}.")
        parts = [self.history[self.history["name"].isin(names)].assign(group=group) for group, names in groups.items()]
        frame = pd.concat(parts, ignore_index=True)
        return learning_curves(frame, hue="name", col="group", col_label="", title=title, marks=self.best_epochs())


def select_and_retrain(
    variants: Mapping[str, Mapping[str, Any]],
    build: Callable[..., keras.Model],
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    criterion: str = "val_loss",
    baseline: str | None = None,
    seed: int | None = None,
    retrain_both: bool = True,
) -> ProtocolResult:
    """Run the protocol for every variant and tabulate the results.

    Args:
        variants: ``{name: parameters}``; ``build(**parameters)`` must return a
            fresh compiled model that reports ``accuracy``.
        build: makes the model of a variant.
        data: a ``Dataset`` with a validation hold-out (``load_imdb``, ``load_reuters``).
        epochs: epochs of the validation runs.
        batch_size: batch size of every run.
        criterion: ``"val_loss"`` or ``"val_accuracy"``: which best epoch the
            retrained model uses.  The table shows both epochs; where they
            differ and ``retrain_both`` is true, the model is retrained for
            both and both test accuracies are shown.
        baseline: the variant the others are compared with (default: the first).
        seed: the seed before every run (default: ``setup``'s).
        retrain_both: also retrain for the other criterion's epochs (costs up
            to twice the retraining time); ``False`` skips that column.

    Returns:
        A ``ProtocolResult``.
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
    seed = current_seed() if seed is None else seed
    validated = sweep(
        variants,
        lambda **params: train(build(**params), data, epochs=epochs, batch_size=batch_size),
        seed=seed,
    )
    history = validated.history
    other = "val_accuracy" if criterion == "val_loss" else "val_loss"
    if "val_accuracy" not in history.columns:
        raise KeyError(f"The models must report 'accuracy'; the history has {list(history.columns)}.")

    rows: dict[str, dict[str, Any]] = {}
    to_train: dict[str, dict[str, Any]] = {}
    for name in variants:
        run = history[history["name"] == name]
        chosen, alternative = best_epoch(run, criterion), best_epoch(run, other)
        rows[name] = {
            COLUMNS.best_epoch("val_loss"): chosen if criterion == "val_loss" else alternative,
            COLUMNS.best_epoch("val_accuracy"): chosen if criterion == "val_accuracy" else alternative,
            COLUMNS.validation: float(run.loc[run["epoch"] == chosen, "val_accuracy"].iloc[0]),
        }
        for epochs_wanted in dict.fromkeys([chosen, alternative] if retrain_both else [chosen]):
            to_train[f"{name} @ {epochs_wanted}"] = {"variant": name, "epochs_wanted": epochs_wanted}

    full_x, full_y = data.full_training_set()

    def retrain(variant: str, epochs_wanted: int):
        return train(
            build(**variants[variant]), (full_x, full_y), epochs=epochs_wanted, batch_size=batch_size, validation=None
        )

    retrained = sweep(to_train, retrain, seed=seed, keep_models=True)
    test = {
        key: model.evaluate(data.x_test, data.y_test, batch_size=1024, verbose=0, return_dict=True)["accuracy"]
        for key, model in retrained.models.items()
    }
    models: dict[str, keras.Model] = {}
    for name, row in rows.items():
        chosen = row[COLUMNS.best_epoch(criterion)]
        alternative = row[COLUMNS.best_epoch(other)]
        row[COLUMNS.test] = test[f"{name} @ {chosen}"]
        if retrain_both:
            row[COLUMNS.test_by(other)] = test[f"{name} @ {alternative}"]
        models[name] = retrained.models[f"{name} @ {chosen}"]
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("variant")
    table[COLUMNS.vs_baseline] = table[COLUMNS.test] - table.loc[baseline, COLUMNS.test]
    seconds = {"validation runs": sum(validated.seconds.values()), "retraining": sum(retrained.seconds.values())}
    return ProtocolResult(history, table, models, criterion, baseline, seconds)
