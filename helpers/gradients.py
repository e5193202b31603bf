"""Gradients by the backend's own automatic differentiation: of a function, and of a model's loss per layer.

Keras 3 runs on several backends, and each differentiates in its own way
(``jax.grad``, TensorFlow's ``GradientTape``).  These two functions hide that
difference, so a chapter asks the question it cares
about ("what is the slope of sigmoid at 0?", "how large is the gradient that
reaches the first layer?") the same way on every backend::

    slope = derivative(keras.activations.sigmoid, np.linspace(-6, 6, 121))
    norms = gradient_norms(model, x_batch, y_batch)

Used first in: "Activations, losses and one-hot labels".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._backend import keras
from .models import dense_layers

_BACKENDS = ("jax", "tensorflow")  # the course's two backends (tests run both)


def _backend() -> str:
    name = keras.backend.backend()
    if name not in _BACKENDS:
        raise NotImplementedError(
            f"helpers.gradients knows the {', '.join(_BACKENDS)} backends, not {name!r}: "
            "set KERAS_BACKEND to one of them before importing Keras."
        )
    return name


def derivative(fn: Callable[[Any], Any], z: np.ndarray | list[float]) -> np.ndarray:
    """The derivative of an elementwise function at each point of ``z``, by automatic differentiation.

    ``fn`` must act on each element alone (an activation such as
    ``keras.activations.tanh``, or a loss written with ``keras.ops`` per
    element); then the gradient of ``sum(fn(z))`` holds ``fn'(z_i)`` at
    position ``i``.  Computed in float32, as Keras computes.
    """
    values = np.asarray(z, dtype="float32")
    backend = _backend()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        return np.asarray(jax.grad(lambda v: jnp.sum(fn(v)))(jnp.asarray(values)))
    import tensorflow as tf

    variable = tf.Variable(values)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(fn(variable))
    return tape.gradient(total, variable).numpy()


def _loss_gradients(model: keras.Model, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The gradient of the model's compiled loss (its mean over the batch) for each trainable weight."""
    loss_fn = model.loss
    if loss_fn is None:
        raise ValueError("the model is not compiled: build it with dense_network(...) or call model.compile(loss=...).")
    loss_fn = keras.losses.get(loss_fn) if isinstance(loss_fn, str) else loss_fn
    x = keras.ops.convert_to_tensor(np.asarray(x, dtype="float32"))
    y = keras.ops.convert_to_tensor(np.asarray(y))
    backend = _backend()
    if backend == "jax":
        import jax

        def loss(trainable, non_trainable):
            predictions, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return keras.ops.mean(loss_fn(y, predictions))

        grads = jax.grad(loss)(
            [v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables]
        )
        return [np.asarray(g) for g in grads]
    import tensorflow as tf

    with tf.GradientTape() as tape:
        total = keras.ops.mean(loss_fn(y, model(x, training=False)))
    return [g.numpy() for g in tape.gradient(total, model.trainable_variables)]


def gradient_norms(model: keras.Model, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """How large the loss gradient is at each ``Dense`` layer's kernel, on one batch, without a training step.

    Returns one row per ``Dense`` layer, input side first: ``layer`` (1 for
    the first), ``name``, ``units``, ``gradient_norm`` (the Euclidean norm of
    the loss gradient for that kernel) and ``per_weight`` (the root mean
    square gradient of one weight, comparable between layers of different
    size).  The weights are not changed.
    """
    grads = dict(zip((id(v) for v in model.trainable_variables), _loss_gradients(model, x, y)))
    rows = []
    for number, layer in enumerate(dense_layers(model), start=1):
        g = grads[id(layer.kernel)]
        rows.append(
            {
                "layer": number,
                "name": layer.name,
                "units": layer.units,
                "gradient_norm": float(np.linalg.norm(g)),
                "per_weight": float(np.sqrt(np.mean(np.square(g)))),
            }
        )
    return pd.DataFrame(rows)
