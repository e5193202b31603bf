"""The exercises of "Activations, losses and one-hot labels": a sigmoid network with a larger start; mse's slope;
how far this run's sigmoid network's training loss fell.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._backend import keras
from ..gradients import gradient_norms
from ..models import dense_layers
from ._shared import a_difference, mean_curve
from .core import Exercise, Wrong, number
from .models import model_checker


def _initializer(layer: keras.layers.Dense) -> str:
    initializer = layer.kernel_initializer
    return type(initializer).__name__ if not isinstance(initializer, str) else initializer


def chapter_01b(
    x: np.ndarray, y: np.ndarray, sigmoid_ratios: Mapping[int, float], history: pd.DataFrame, p: float = 0.02
) -> tuple[Exercise, Exercise, Exercise]:
    """Exercise 1 reads the student's network's own gradients on the batch ``x``, ``y`` and compares its ratio
    (first hidden layer's per-weight gradient over the output layer's) with the chapter's sigmoid networks
    (``sigmoid_ratios``, per seed).  Exercise 2 asks how many times smaller mse's slope is than
    cross-entropy's at a sigmoid output of ``p`` for the true class.  Exercise 3 asks how far the sigmoid
    network's mean training loss fell in this run (``history``: one row per variant ``name``, seed and epoch)."""
    if not 0 < p < 1:
        raise ValueError(f"p is a probability strictly between 0 and 1, not {p!r}.")
    architecture = model_checker(
        "a 10-layer sigmoid network", inputs=784, hidden=[64] * 10, outputs=10, activation="sigmoid"
    )
    glorot = float(np.exp(np.mean(np.log(list(sigmoid_ratios.values())))))

    def check_network(model: Any) -> str:
        architecture(model)
        first = dense_layers(model)[0]
        if _initializer(first) != "HeNormal":
            raise Wrong(
                f"your first layer starts from {_initializer(first)}; the exercise asks for "
                "kernel_initializer='he_normal'."
            )
        norms = gradient_norms(model, x, y)["per_weight"].to_numpy()
        ratio = norms[0] / norms[-1]
        verdict = "still vanishes" if ratio < 1e-2 else "no longer vanishes"
        return (
            f"right. In your network the first layer's gradient per weight is {ratio:.1e} of the output "
            f"layer's (Glorot's start in this chapter: {glorot:.1e}). The larger start helps by a factor of "
            f"{ratio / glorot:.0f}, and the gradient {verdict}: each sigmoid layer still multiplies it by "
            "a slope of at most 1/4."
        )

    curves = {name: mean_curve(history, "name", name, ["loss"])["loss"] for name in ("sigmoid", "relu, He start")}
    drops = {name: float(curve.iloc[0] - curve.iloc[-1]) for name, curve in curves.items()}
    sigmoid, drop = curves["sigmoid"], drops["sigmoid"]
    bce_slope = p - 1.0
    mse_slope = -2.0 * (1.0 - p) * p * (1.0 - p)
    return (
        Exercise(
            "Exercise 1",
            check_network,
            "dense_network(784, [64] * 10, 10, activation=..., kernel_initializer=...): the checker computes "
            "the gradients of your network itself.",
            'he_sigmoid = dense_network(784, [64] * 10, 10, activation="sigmoid", kernel_initializer="he_normal")',
        ),
        Exercise(
            "Exercise 2",
            number(
                bce_slope / mse_slope,
                f"how many times larger cross-entropy's slope is than mse's at p = {p}",
                tolerance=0.01 * abs(bce_slope / mse_slope),
                near_misses={
                    mse_slope / bce_slope: "that is mse's slope over cross-entropy's; the question asks how many "
                    "times larger cross-entropy's is.",
                },
            ),
            f"Take z = log(p / (1 - p)) for p = {p}, then derivative(bce_of_z, [z]) and derivative(mse_of_z, [z]) "
            "(the functions of the loss section); divide.",
            f"z_at_p = np.log({p} / (1 - {p}))\n"
            "times_larger = float(derivative(bce_of_z, [z_at_p])[0] / derivative(mse_of_z, [z_at_p])[0])",
        ),
        Exercise(
            "Exercise 3",
            number(
                drop,
                "how far the sigmoid network's mean training loss fell from epoch 1 to the last epoch",
                tolerance=a_difference(drop),
                near_misses={
                    -drop: "the sign is flipped: take epoch 1's loss minus the last epoch's.",
                    drops["relu, He start"]: "that is the relu network with He's start; the exercise asks for sigmoid.",
                    float(sigmoid.iloc[-1]): "that is the last epoch's loss itself, not how far it fell.",
                },
            ),
            (
                'history[history.name == "sigmoid"] keeps the sigmoid network\'s rows, one per seed and epoch; '
                '.groupby("epoch")["loss"].mean() averages its training loss over the seeds.',
                "epoch 1's mean loss minus the last epoch's mean loss is how far it fell.",
            ),
            'sigmoid_loss = history[history.name == "sigmoid"].groupby("epoch")["loss"].mean()\n'
            "sigmoid_drop = float(sigmoid_loss.iloc[0] - sigmoid_loss.iloc[-1])",
        ),
    )
