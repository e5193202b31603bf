"""One builder for every dense network of the course.

A chapter states its model in one line, e.g.::

    dense_network(784, [512] * 5, 10, dropout=0.2)

Used first in: "A first network".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ._backend import keras

Position = Literal["after_activation", "before_activation"]


def _regularizer(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    if l1 < 0 or l2 < 0:
        raise ValueError(f"l1 and l2 must be zero or positive, got l1={l1}, l2={l2}.")
    if l1 and l2:
        return keras.regularizers.L1L2(l1=l1, l2=l2)
    if l1:
        return keras.regularizers.L1(l1)
    if l2:
        return keras.regularizers.L2(l2)
    return None


def _default_head(outputs: int) -> tuple[str, str]:
    """Output activation and loss that go with ``outputs`` units."""
    if outputs == 1:
        return "sigmoid", "binary_crossentropy"
    return "softmax", "categorical_crossentropy"


def dense_network(
    inputs: int | Sequence[int],
    hidden: Sequence[int],
    outputs: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    dropout_position: Position = "after_activation",
    l1: float = 0.0,
    l2: float = 0.0,
    batch_norm: bool = False,
    batch_norm_position: Position = "before_activation",
    output_activation: str | None = None,
    regularize_output: bool = True,
    loss: str | keras.losses.Loss | None = None,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float | None = None,
    metrics: Sequence[str] = ("accuracy",),
    kernel_initializer: str = "glorot_uniform",
    name: str | None = None,
    compile: bool = True,
    steps_per_execution: int = 16,
) -> keras.Model:
    """Build (and compile) a fully connected network.

    The layers, in order: optional ``Flatten`` (when ``inputs`` is a shape such
    as ``(28, 28)``); for each width in ``hidden`` a ``Dense`` layer with its
    activation, optional ``BatchNormalization`` and ``Dropout`` where their
    positions say; a ``Dense`` output layer.

    Args:
        inputs: number of input features, or an input shape to flatten.
        hidden: width of each hidden layer, e.g. ``[512] * 3``; empty for none.
        outputs: output units (1 for a binary task).
        activation: hidden activation (``"relu"``, ``"tanh"``, ``"sigmoid"``...).
        dropout: dropout rate after each hidden layer (0 for none).
        dropout_position: ``"after_activation"`` (the usual place) or
            ``"before_activation"`` (dropout on the pre-activations).
        l1, l2: weight penalties on the kernels of every hidden layer (and of
            the output layer when ``regularize_output``).
        batch_norm: add ``BatchNormalization`` to each hidden layer.
        batch_norm_position: ``"before_activation"`` (between ``Dense`` and its
            activation, as in Ioffe and Szegedy's paper) or ``"after_activation"``
            (normalising the activations, as some Keras tutorials do).
        output_activation: default softmax for several outputs, sigmoid for one.
        regularize_output: whether ``l1``/``l2`` also apply to the output layer.
        loss: default categorical cross-entropy (several outputs) or binary
            cross-entropy (one output).
        optimizer: a Keras optimizer or its name.
        learning_rate: sets the learning rate of an optimizer given by name;
            ``None`` keeps Keras' default (0.001 for Adam and RMSprop).
        metrics: metrics to track.
        kernel_initializer: initializer of every kernel (biases start at zero).
        name: model name shown by ``summary()``.
        compile: compile the model (Keras' own defaults, but for
            ``steps_per_execution``) before returning it.
        steps_per_execution: batches Keras' training loop runs before it hands
            back to Python (callbacks then see every 16th batch).  It changes no
            number, only the time between batches: one epoch at batch 32 on
            MNIST takes about 13% less than with Keras' default of 1
            (``benchmarks/README.md``).

    Returns:
        A ``keras.Sequential`` model, compiled unless ``compile=False``.
    """
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout is a rate in [0, 1), got {dropout}.")
    for argument, value in (("dropout_position", dropout_position), ("batch_norm_position", batch_norm_position)):
        if value not in ("after_activation", "before_activation"):
            raise ValueError(f"{argument} must be 'after_activation' or 'before_activation', not {value!r}.")
    widths = list(hidden)
    if any(int(w) != w or w < 1 for w in widths):
        raise ValueError(f"hidden widths must be positive whole numbers, got {widths}.")
    default_activation, default_loss = _default_head(outputs)
    regularizer = _regularizer(l1, l2)

    shape = (inputs,) if isinstance(inputs, int) else tuple(inputs)
    layers: list[keras.layers.Layer] = [keras.Input(shape=shape)]
    if len(shape) > 1:
        layers.append(keras.layers.Flatten())
    # The activation goes in the Dense layer itself unless something has to
    # sit between the two (batch normalization, or dropout before it).
    bn_before = batch_norm and batch_norm_position == "before_activation"
    bn_after = batch_norm and batch_norm_position == "after_activation"
    separate_activation = bn_before or (dropout and dropout_position == "before_activation")
    for width in widths:
        layers.append(
            keras.layers.Dense(
                int(width),
                activation=None if separate_activation else activation,
                kernel_initializer=kernel_initializer,
                kernel_regularizer=regularizer,
            )
        )
        if bn_before:
            layers.append(keras.layers.BatchNormalization())
        if dropout and dropout_position == "before_activation":
            layers.append(keras.layers.Dropout(dropout))
        if separate_activation:
            layers.append(keras.layers.Activation(activation))
        if bn_after:
            layers.append(keras.layers.BatchNormalization())
        if dropout and dropout_position == "after_activation":
            layers.append(keras.layers.Dropout(dropout))
    layers.append(
        keras.layers.Dense(
            outputs,
            activation=output_activation or default_activation,
            kernel_initializer=kernel_initializer,
            kernel_regularizer=regularizer if regularize_output else None,
        )
    )
    model = keras.Sequential(layers, name=name)
    if compile:
        if isinstance(optimizer, str):
            optimizer = keras.optimizers.get(optimizer)
            if learning_rate is not None:
                optimizer.learning_rate = learning_rate
        elif learning_rate is not None:
            raise ValueError("Give learning_rate only with an optimizer given by name.")
        if not isinstance(steps_per_execution, (int, np.integer)) or steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be a whole number >= 1, not {steps_per_execution!r}.")
        model.compile(
            optimizer=optimizer,
            loss=loss or default_loss,
            metrics=list(metrics),
            steps_per_execution=int(steps_per_execution),
        )
    return model


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The ``Dense`` layers of a model, input side first (the output layer last)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def hidden_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The hidden ``Dense`` layers of a model (all but the output layer)."""
    return dense_layers(model)[:-1]


def layer_table(model: keras.Model) -> pd.DataFrame:
    """``model.summary()`` as a plain table, one row per layer and a total: readable on the site and in any
    notebook, where Keras' coloured summary fails contrast on a light page."""
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        shape = tuple(shape.shape) if shape is not None and hasattr(shape, "shape") else None
        activation = getattr(layer, "activation", None)
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output shape": "(" + ", ".join("batch" if d is None else f"{d:,}" for d in shape) + ")"
                if shape
                else "",
                "activation": getattr(activation, "__name__", "") if activation is not None else "",
                "weights": layer.count_params(),
            }
        )
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    rows.append(
        {
            "layer": "all layers",
            "type": f"{model.count_params() - trainable:,} not trained" if model.count_params() > trainable else "",
            "output shape": "",
            "activation": "",
            "weights": model.count_params(),
        }
    )
    return pd.DataFrame(rows).set_index("layer")
