"""Seeded training runs: ``train`` fits one model and returns its history as a ``pandas.DataFrame``.

Keras' per-batch logs stay off; a compact progress bar shows the epochs
instead (set ``COURSE_PROGRESS=none`` to hide it, as book builds do).
Sweeps over named configurations are in ``helpers.sweeps``.

Used first in: "Batch normalization".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ._backend import keras
from .curves import data_summary, remember, settings_signature
from .data import XY, Dataset
from .runtime import progress_mode
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


def data_pairs(data: Dataset | XY, validation: str | XY | None) -> tuple[XY, XY | None]:
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
    (x, y), validation_data = data_pairs(data, validation)
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
    if not getattr(model, "is_stack", False):  # a stack of seeds: train_seeds notes each seed's run
        remember(signature_for(model, (x, y), validation_data, int(epochs), int(batch_size)), frame)
    return TrainingRun(model, frame, seconds)


def signature_for(model: keras.Model, train_xy: XY, validation: XY | None, epochs: int, batch_size: int) -> str:
    """The settings signature of a run (``helpers.curves``): the model, the epochs, batch size and data sizes."""
    n_validation = 0 if validation is None else len(validation[0])
    data = [data_summary(train_xy[0]), data_summary(validation[0]) if validation is not None else []]
    return settings_signature(
        model,
        epochs=epochs,
        batch_size=batch_size,
        n_train=len(train_xy[0]),
        n_validation=n_validation,
        data=data,
    )
