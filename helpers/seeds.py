"""The same network trained from several seeds, side by side in one model where it can be.

A conclusion drawn from one run may be seed luck.  ``train_seeds`` trains
the network that ``build()`` makes once per seed and returns one tidy history
with a ``seed`` column, so a chapter can show the spread and judge an effect
over seeds::

    runs = train_seeds(lambda: dense_network(784, [512], 10), data, seeds=[0, 1, 2], epochs=18, batch_size=128)
    runs.history  # epoch, seed, loss, accuracy, val_loss, val_accuracy

Copy ``s`` starts from exactly the weights ``build()`` gives after
``keras.utils.set_random_seed(s)``, the start a single run with seed ``s``
has.  Where the network allows it (``Dense``, ``Dropout``, ``Activation``
and ``Flatten`` layers, a loss applied per example, an optimizer that updates
each weight on its own: every Keras optimizer the course uses), the copies are
**stacked**: one model holds all of them, each copy's kernels side by side in
one tensor, and one ``fit`` trains them together.  The loss is the sum of the
copies' losses, so each copy gets exactly the gradient, and so the update, it
would get alone; the stacked run is one matrix product per layer instead of
one per seed, which is what makes several seeds cheap.

What the copies share: the order of the batches (one ``fit`` shuffles once per
epoch for all of them).  What differs per copy: the initial weights and the
dropout masks.  Batch normalization (whose statistics would mix the copies)
and anything else the stack does not know fall back to one ``fit`` per seed,
with the same history.

Used first in: "A first network".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._backend import keras
from .curves import remember
from .data import XY, Dataset
from .models import dense_layers
from .training import TrainingRun, data_pairs, signature_for, train

ops = keras.ops

# Losses computed per example and averaged over the batch, as Keras does by default.
_PER_EXAMPLE_LOSSES = {
    "categorical_crossentropy": keras.losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": keras.losses.sparse_categorical_crossentropy,
    "binary_crossentropy": keras.losses.binary_crossentropy,
    "mean_squared_error": keras.losses.mean_squared_error,
    "mse": keras.losses.mean_squared_error,
}
_SHARED = (keras.layers.InputLayer, keras.layers.Flatten)


class NotStackable(ValueError):
    """The network has a part the stacked model does not reproduce exactly; train the seeds one by one."""


@dataclass
class SeedRuns:
    """The runs of one network from several seeds.

    Attributes:
        history: one row per seed and epoch: ``seed``, ``epoch`` and the
            metrics (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``).
        models: each seed's trained network, as ``build()`` made it.
        seconds: wall-clock training time of all seeds together.
        stacked: whether the seeds trained together in one model.
    """

    history: pd.DataFrame
    models: dict[int, keras.Model] = field(default_factory=dict)
    seconds: float = 0.0
    stacked: bool = False

    def as_training_run(self) -> TrainingRun:
        """A ``TrainingRun`` (the first seed's model, every seed's rows), for ``sweep``."""
        first = next(iter(self.models.values()))
        return TrainingRun(first, self.history, self.seconds)


def _loss_name(model: keras.Model) -> str:
    loss = model.loss
    name = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    if name not in _PER_EXAMPLE_LOSSES:
        raise NotStackable(f"the loss {name!r} is not one the stacked model computes per copy")
    if not isinstance(loss, str) and getattr(loss, "get_config", lambda: {})().get("from_logits"):
        raise NotStackable("a loss from logits")
    return name


def _accuracy_kind(loss: str, outputs: int) -> str:
    """Which accuracy Keras reports for ``metrics=["accuracy"]``: by the labels' form and the outputs."""
    if loss == "sparse_categorical_crossentropy":
        return "sparse"
    return "binary" if outputs == 1 else "categorical"


class StackedDense(keras.layers.Layer):
    """``Dense`` for ``copies`` networks at once: kernel (copies, in, out), bias (copies, out)."""

    def __init__(self, kernels: np.ndarray, biases: np.ndarray, activation: Callable, shared_input: bool) -> None:
        super().__init__()
        self.copies, self.fan_in, self.units = kernels.shape
        self.activation, self.shared_input = activation, shared_input
        self.kernel = self.add_weight(shape=kernels.shape, initializer="zeros", name="kernel")
        self.bias = self.add_weight(shape=biases.shape, initializer="zeros", name="bias")
        self.kernel.assign(kernels)
        self.bias.assign(biases)

    def call(self, inputs: Any) -> Any:
        # (batch, in) shared by every copy, or (batch, copies, in): one product for all copies.
        equation = "bi,sio->bso" if self.shared_input else "bsi,sio->bso"
        return self.activation(ops.einsum(equation, inputs, self.kernel) + self.bias)


class StackedNetwork(keras.Model):
    """Several copies of one dense network in one model; outputs (batch, copies, outputs).

    Built from the copies' own (untrained) Keras models, whose weights it takes
    as its starting point; ``unstack`` writes the trained weights back into them.
    """

    is_stack = True  # ``train`` leaves noting its runs to ``train_seeds``: one per copy

    def __init__(self, copies: Sequence[keras.Model]) -> None:
        super().__init__()
        first = copies[0]
        self.count = len(copies)
        self.loss_name = _loss_name(first)
        self.penalties: list[tuple[float, float]] = []
        self.steps: list[Any] = []
        self.flatten = False
        self.tile_input = False
        dense_seen = 0
        for layer in first.layers:
            if isinstance(layer, keras.layers.Flatten):
                self.flatten = True
            elif isinstance(layer, keras.layers.Dense):
                self._add_dense(layer, [dense_layers(m)[dense_seen] for m in copies], shared=not self.steps)
                dense_seen += 1
            elif isinstance(layer, keras.layers.Dropout):
                if not self.steps:  # dropout on the inputs: each copy draws its own mask
                    self.tile_input = True
                self.steps.append(keras.layers.Dropout(layer.rate))
            elif isinstance(layer, keras.layers.Activation):
                self.steps.append(keras.layers.Activation(layer.activation))
            elif not isinstance(layer, _SHARED):
                raise NotStackable(f"a {type(layer).__name__} layer")
        if self.tile_input:
            for step in self.steps:
                if isinstance(step, StackedDense):
                    step.shared_input = False
                    break
        kind = _accuracy_kind(self.loss_name, int(dense_layers(first)[-1].units))
        self.accuracy_kind = kind
        self.copy_loss = [keras.metrics.Mean(name=f"loss_s{i}") for i in range(self.count)]
        self.copy_accuracy = [keras.metrics.Mean(name=f"accuracy_s{i}") for i in range(self.count)]
        self.optimizer_config = first.optimizer.get_config()
        self.optimizer_class = type(first.optimizer)
        self.copy_steps_per_execution = first.steps_per_execution

    def _add_dense(self, layer: keras.layers.Dense, same: list[keras.layers.Dense], shared: bool) -> None:
        regularizer = layer.kernel_regularizer
        if regularizer is not None and not isinstance(
            regularizer, (keras.regularizers.L1, keras.regularizers.L2, keras.regularizers.L1L2)
        ):
            raise NotStackable(f"the regularizer {type(regularizer).__name__}")
        config = regularizer.get_config() if regularizer is not None else {}
        if not layer.use_bias or layer.bias_regularizer is not None or layer.activity_regularizer is not None:
            raise NotStackable("a Dense layer without bias or with a bias or activity penalty")
        kernels = np.stack([np.asarray(d.kernel) for d in same])
        biases = np.stack([np.asarray(d.bias) for d in same])
        self.steps.append(StackedDense(kernels, biases, layer.activation, shared))
        self.penalties.append((float(config.get("l1", 0.0)), float(config.get("l2", 0.0))))

    def compile_like_the_copies(self, **kwargs: Any) -> None:
        """Compile with a fresh optimizer of the copies' kind and settings, and their steps per execution."""
        kwargs.setdefault("steps_per_execution", self.copy_steps_per_execution)
        self.compile(optimizer=self.optimizer_class.from_config(self.optimizer_config), **kwargs)

    def call(self, inputs: Any, training: bool = False) -> Any:
        h = inputs
        if self.flatten:
            h = ops.reshape(h, (ops.shape(h)[0], -1))
        if self.tile_input:
            h = ops.repeat(ops.expand_dims(h, 1), self.count, axis=1)
        for step in self.steps:
            h = step(h, training=training) if isinstance(step, keras.layers.Dropout) else step(h)
        return h

    def _penalty(self) -> Any:
        """Each copy's weight penalty, shape (copies,)."""
        total = ops.zeros((self.count,))
        dense = [step for step in self.steps if isinstance(step, StackedDense)]
        for step, (l1, l2) in zip(dense, self.penalties):
            if l1:
                total = total + l1 * ops.sum(ops.abs(step.kernel), axis=(1, 2))
            if l2:
                total = total + l2 * ops.sum(ops.square(step.kernel), axis=(1, 2))
        return total

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        per_example = _PER_EXAMPLE_LOSSES[self.loss_name]
        if self.accuracy_kind == "sparse":
            y_copies = ops.repeat(ops.expand_dims(y, 1), self.count, axis=1)
        else:
            y = ops.cast(y, y_pred.dtype)
            if len(y.shape) == 1:  # (batch,) targets of a one-output network, as Keras accepts them
                y = ops.expand_dims(y, -1)
            y_copies = ops.repeat(ops.expand_dims(y, 1), self.count, axis=1)
        losses = ops.mean(per_example(y_copies, y_pred), axis=0) + self._penalty()  # (copies,)
        batch = ops.shape(y_pred)[0]
        correct = self._correct(y_copies, y_pred)  # (batch, copies)
        for i in range(self.count):
            self.copy_loss[i].update_state(losses[i], sample_weight=batch)
            self.copy_accuracy[i].update_state(correct[:, i])
        return ops.sum(losses)

    def _correct(self, y: Any, y_pred: Any) -> Any:
        if self.accuracy_kind == "binary":
            guess = ops.cast(y_pred > 0.5, y.dtype)
            return ops.mean(ops.cast(ops.equal(guess, y), "float32"), axis=-1)
        truth = y if self.accuracy_kind == "sparse" else ops.argmax(y, axis=-1)
        return ops.cast(ops.equal(ops.argmax(y_pred, axis=-1), ops.cast(truth, "int32")), "float32")

    def unstack(self, copies: Sequence[keras.Model]) -> None:
        """Write each copy's trained weights back into its own model."""
        dense = [step for step in self.steps if isinstance(step, StackedDense)]
        kernels = [np.asarray(step.kernel) for step in dense]
        biases = [np.asarray(step.bias) for step in dense]
        for i, model in enumerate(copies):
            for layer, kernel, bias in zip(dense_layers(model), kernels, biases):
                layer.set_weights([kernel[i], bias[i]])


def _tidy(history: pd.DataFrame, seeds: Sequence[int]) -> pd.DataFrame:
    """Wide per-copy columns (``loss_s0``, ``val_accuracy_s2``...) to one row per seed and epoch."""
    frames = []
    for i, seed in enumerate(seeds):
        part = pd.DataFrame({"epoch": history["epoch"].to_numpy(), "seed": seed})
        for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
            column = f"{metric}_s{i}"
            if column in history.columns:
                part[metric] = history[column].to_numpy()
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def _build_copies(build: Callable[[], keras.Model], seeds: Sequence[int]) -> list[keras.Model]:
    models = []
    for seed in seeds:
        keras.utils.set_random_seed(int(seed))
        model = build()
        if not isinstance(model, keras.Model) or not model.compiled:
            raise TypeError("train_seeds: build() must return a compiled Keras model (e.g. from dense_network).")
        models.append(model)
    return models


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("train_seeds() needs at least one seed.")
    if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
        raise ValueError(f"seeds must be distinct whole numbers >= 0, not {seeds}.")
    return seeds


def train_seeds(
    build: Callable[[], keras.Model],
    data: Dataset | XY,
    *,
    seeds: Sequence[int],
    epochs: int,
    batch_size: int,
    validation: str | XY | None = "auto",
    stack: bool | None = None,
) -> SeedRuns:
    """Train the network ``build()`` makes once per seed; together in one model where it can be.

    Args:
        build: makes a fresh compiled network, e.g. ``lambda: dense_network(784, [512], 10)``.
        data, epochs, batch_size, validation: as for ``helpers.train``.
        seeds: the seeds, e.g. ``[0, 1, 2]``; seed ``s`` starts from the weights
            ``build()`` gives after ``keras.utils.set_random_seed(s)``.
        stack: ``None`` (stack where the network allows it), ``True`` (stack or
            raise ``NotStackable``), ``False`` (one run per seed).

    Returns:
        A ``SeedRuns`` with one history row per seed and epoch.
    """
    seeds = _check_seeds(seeds)
    start = time.perf_counter()
    if stack is not False:
        copies = _build_copies(build, seeds)
        try:
            stacked_model = StackedNetwork(copies)
        except NotStackable:
            if stack:
                raise
        else:
            stacked_model.compile_like_the_copies()
            keras.utils.set_random_seed(seeds[0])  # the batch order and dropout masks of the stacked run
            run = train(stacked_model, data, epochs=epochs, batch_size=batch_size, validation=validation)
            stacked_model.unstack(copies)
            seconds = time.perf_counter() - start
            history = _tidy(run.history, seeds)
            train_xy, validation_xy = data_pairs(data, validation)
            signature = signature_for(copies[0], train_xy, validation_xy, epochs, batch_size)
            for seed in seeds:
                remember(signature, history[history["seed"] == seed])
            return SeedRuns(history, dict(zip(seeds, copies)), seconds, stacked=True)
    # One run per seed, each exactly as a single run with that seed: seed, build, train.
    frames, models = [], {}
    for seed in seeds:
        (model,) = _build_copies(build, [seed])
        run = train(model, data, epochs=epochs, batch_size=batch_size, validation=validation)
        frames.append(run.history.assign(seed=seed))
        models[seed] = model
    history = pd.concat(frames, ignore_index=True)
    history = history[["epoch", "seed", *[c for c in history.columns if c not in ("epoch", "seed")]]]
    return SeedRuns(history, models, time.perf_counter() - start, stacked=False)
