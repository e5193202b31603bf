"""Seeded training runs and sweeps over named configurations.

``train`` fits one model and returns its history as a ``pandas.DataFrame``;
``sweep`` runs a function over named configurations, re-seeding before each
one, and stacks the histories into one tidy frame (one row per configuration
and epoch).  Keras' per-batch logs stay off; a compact progress bar shows the
sweep instead (set ``COURSE_PROGRESS=none`` to hide it, as book builds do).

Used first in: "Depth versus sample size".
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ._backend import keras
from .data import XY, Dataset
from .runtime import current_seed, progress_mode
from .session import SESSION

VALIDATION_BATCH = 1024  # the least batch size validation runs at (as summaries' evaluate does)


@dataclass
class TrainingRun:
    """One trained model and how it got there.

    Attributes:
        model: the trained Keras model.
        history: one row per epoch: ``epoch`` (from 1) and every metric Keras
            logged (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``...).
        seconds: wall-clock training time.
    """

    model: keras.Model
    history: pd.DataFrame
    seconds: float

    @property
    def final(self) -> pd.Series:
        """The metrics after the last epoch."""
        return self.history.iloc[-1]


class _EpochProgress(keras.callbacks.Callback):
    """Shows the epoch and latest metrics on a tqdm bar.

    A bar of its own (one model) advances once per epoch; a sweep's bar counts
    models, so there the callback only updates the text beside it.
    """

    SHOWN = ("loss", "accuracy", "val_loss", "val_accuracy")

    def __init__(self, bar: Any, advance: bool) -> None:
        super().__init__()
        self.bar, self.advance = bar, advance

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        shown = {k: f"{v:.3f}" for k, v in (logs or {}).items() if k in self.SHOWN}
        if not self.advance:
            shown = {"epoch": epoch + 1, **shown}
        self.bar.set_postfix(shown, refresh=not self.advance)
        if self.advance:
            self.bar.update(1)


def _pairs(data: Dataset | XY, validation: str | XY | None) -> tuple[XY, XY | None]:
    if isinstance(data, Dataset):
        train_xy: XY = (data.x_train, data.y_train)
        default_validation: XY | None = data.validation
    elif isinstance(data, tuple) and len(data) == 2:
        train_xy, default_validation = data, None
    else:
        raise TypeError(f"train() takes a helpers.Dataset or an (x, y) pair, not {type(data).__name__}.")
    if isinstance(validation, str):
        if validation != "auto":
            raise ValueError(f"validation must be 'auto', None or an (x, y) pair, not {validation!r}.")
        return train_xy, default_validation
    return train_xy, validation


def train(
    model: keras.Model,
    data: Dataset | XY,
    *,
    epochs: int,
    batch_size: int,
    validation: str | XY | None = "auto",
    shuffle: bool = True,
    callbacks: list[keras.callbacks.Callback] | None = None,
    validation_batch_size: int | None = None,
) -> TrainingRun:
    """Fit a compiled model without Keras' per-batch logs.

    Args:
        model: a compiled model (e.g. from ``dense_network``).
        data: a ``Dataset`` (its training arrays) or an ``(x, y)`` pair.
        epochs: passes over the training set.
        batch_size: examples per weight update.
        validation: ``"auto"`` validates on the dataset's hold-out, or on its
            test set when it has none (as the MNIST chapters do); an ``(x, y)``
            pair validates on that; ``None`` skips validation.
        shuffle: reshuffle the training set every epoch (seeded).
        callbacks: extra Keras callbacks.
        validation_batch_size: examples per forward pass when validating;
            ``None`` takes ``batch_size`` or 1024, whichever is larger.
            Validation changes no weight, so its batch size changes no result
            (beyond float rounding in the last digits of ``val_loss``), and
            large batches cost less overhead than Keras' default (the
            training batch size).

    Returns:
        A ``TrainingRun`` with the model, its per-epoch history and the time.
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, not {epochs!r}.")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, not {batch_size!r}.")
    if validation_batch_size is None:
        validation_batch_size = max(int(batch_size), VALIDATION_BATCH)
    elif not isinstance(validation_batch_size, (int, np.integer)) or validation_batch_size < 1:
        raise ValueError(f"validation_batch_size must be a whole number >= 1 or None, not {validation_batch_size!r}.")
    if not model.compiled:
        raise ValueError("The model is not compiled: build it with dense_network(...) or call model.compile().")
    (x, y), validation_data = _pairs(data, validation)
    extra = list(callbacks or [])
    own_bar = None
    if SESSION.bars:
        extra.append(_EpochProgress(SESSION.bars[-1], advance=False))
    elif progress_mode() == "bar":
        own_bar = tqdm(total=int(epochs), desc=model.name, unit="epoch", leave=False)
        extra.append(_EpochProgress(own_bar, advance=True))
    start = time.perf_counter()
    try:
        history = model.fit(
            x,
            y,
            epochs=int(epochs),
            batch_size=int(batch_size),
            validation_data=validation_data,
            validation_batch_size=int(validation_batch_size),
            shuffle=shuffle,
            callbacks=extra,
            verbose=0,
        )
    finally:
        if own_bar is not None:
            own_bar.close()
    seconds = time.perf_counter() - start
    frame = pd.DataFrame(history.history)
    frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
    return TrainingRun(model, frame, seconds)


@dataclass
class Sweep:
    """The results of a sweep.

    Attributes:
        history: one row per configuration (and seed) and epoch: ``name``, the
            configuration's parameters, ``seed`` (with ``seeds=``), ``epoch``
            and the logged metrics.
        models: the trained models by name (only with ``keep_models=True``);
            with several seeds, the first seed's model.
        seed_models: ``{(name, seed): model}`` (with ``keep_models=True``).
        seconds: training time per configuration name, all its seeds together.
    """

    history: pd.DataFrame
    models: dict[str, keras.Model] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    seed_models: dict[tuple[str, int], keras.Model] = field(default_factory=dict)

    @property
    def runs(self) -> list[str]:
        """The columns that tell one run from another: ``name`` (and ``seed``)."""
        return ["name", "seed"] if "seed" in self.history.columns else ["name"]

    def final(self) -> pd.DataFrame:
        """One row per run: the metrics after its last epoch."""
        last = self.history.groupby(self.runs, sort=False)["epoch"].transform("max")
        return self.history[self.history["epoch"] == last].reset_index(drop=True)


def _format_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{seconds:.1f} s"


def sweep(
    configs: Mapping[str, Mapping[str, Any]],
    run: Callable[..., TrainingRun],
    *,
    seed: int | None = None,
    seeds: Sequence[int] | None = None,
    keep_models: bool = False,
) -> Sweep:
    """Call ``run(**params)`` for every named configuration and collect the histories.

    Before each configuration every random generator is re-seeded, so a
    configuration's result does not depend on which ran before it, and two
    configurations with the same layer shapes start from the same weights.

    Args:
        configs: ``{name: {parameter: value}}``, e.g.
            ``{"depth 3": {"depth": 3}, "depth 5": {"depth": 5}}``.
        run: a function taking the parameters as keyword arguments and
            returning the ``TrainingRun`` of ``train``, or the ``SeedRuns``
            of ``train_seeds`` (then every seed's model is kept).
        seed: the seed set before each configuration (default: ``setup``'s).
        seeds: run every configuration once per seed (e.g. ``profile.seeds``),
            re-seeding before each run; the history gets a ``seed`` column.
            A ``run`` whose history already has a ``seed`` column (from
            ``train_seeds``) trains its seeds itself: leave this out then.
        keep_models: keep the trained models in ``Sweep.models``.

    Returns:
        A ``Sweep``.  If you interrupt it, it warns and returns the
        configurations that finished, so no finished work is lost.
    """
    from .seeds import SeedRuns  # here, not at the top: seeds.py builds on this module

    if not configs:
        raise ValueError("sweep() needs at least one configuration.")
    reserved = {"name", "seed", "epoch", "loss", "accuracy"}
    clashes = sorted({p for params in configs.values() for p in params if p in reserved or p.startswith("val_")})
    if clashes:
        raise ValueError(
            f"sweep(): the parameter name(s) {clashes} would clash with the history's own columns "
            f"(name, seed, epoch, loss, accuracy, val_...); rename them, e.g. 'loss_function'."
        )
    if seeds is not None:
        seeds = [int(s) for s in seeds]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"sweep(): seeds must be distinct, and at least one, not {seeds}.")
    seed = current_seed() if seed is None else seed
    jobs = [(name, params, s) for name, params in configs.items() for s in (seeds if seeds is not None else [seed])]
    what = "runs" if seeds is not None else "configurations"
    frames: list[pd.DataFrame] = []
    result = Sweep(pd.DataFrame())
    started = time.perf_counter()
    bar = tqdm(total=len(jobs), unit="model", disable=progress_mode() == "none")
    SESSION.bars.append(bar)
    try:
        for name, params, job_seed in jobs:
            bar.set_description(str(name) if seeds is None else f"{name}, seed {job_seed}")
            keras.utils.set_random_seed(job_seed)
            outcome = run(**params)
            own_seeds = None
            if isinstance(outcome, SeedRuns):  # from train_seeds: every seed's model, one history
                own_seeds, outcome = outcome.models, outcome.as_training_run()
            if not isinstance(outcome, TrainingRun):
                raise TypeError(
                    f"The run function returned {type(outcome).__name__} for {name!r}; "
                    f"it must return the TrainingRun that helpers.train() gives "
                    f"(or the SeedRuns of helpers.train_seeds())."
                )
            frame = outcome.history.copy()
            if seeds is not None:
                frame.insert(0, "seed", job_seed)
            for column, value in reversed(list(params.items())):
                frame.insert(0, column, [value] * len(frame))
            frame.insert(0, "name", name)
            frames.append(frame)
            result.seconds[name] = result.seconds.get(name, 0.0) + outcome.seconds
            if keep_models:
                result.models.setdefault(name, outcome.model)
                for model_seed, model in (own_seeds or {job_seed: outcome.model}).items():
                    result.seed_models[(name, model_seed)] = model
            bar.update(1)
    except KeyboardInterrupt:
        warnings.warn(
            f"Sweep interrupted after {len(frames)} of {len(jobs)} {what}; returning the finished ones.",
            stacklevel=2,
        )
    finally:
        SESSION.bars.pop()
        bar.close()
    result.history = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    epochs = len(result.history)
    runs = result.history.groupby(result.runs, sort=False).ngroups if frames else 0
    print(f"Trained {runs} models ({epochs} epochs in all) in {_format_seconds(time.perf_counter() - started)}.")
    return result
