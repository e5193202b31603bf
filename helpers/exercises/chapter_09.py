"""The exercises of chapter 09: Batch normalization: without the penalty; what a BatchNormalization layer stores;
what share of its scales this run's layer learned to shrink.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import numpy as np

from ._shared import a_difference
from .core import Exercise, number, pair
from .models import model_checker


def chapter_09(gamma: np.ndarray, width: int = 1000) -> tuple[Exercise, Exercise, Exercise]:
    """Batch normalization: without the penalty; what the layer stores; the share of this run's scales below 1."""
    import keras

    gamma = np.asarray(gamma, dtype="float64").ravel()
    shrunk = float(np.mean(gamma < 1))

    layer = keras.layers.BatchNormalization()
    layer.build((None, width))
    total, frozen = layer.count_params(), sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
    return (
        Exercise(
            "Exercise 1",
            model_checker(
                "the source's batch-normalised network without the L2 penalty",
                inputs=784,
                hidden=[1000],
                outputs=10,
                batch_norm=True,
                batch_norm_position="after_activation",
                l2=0.0,
            ),
            "the chapter's run() passes l2=0.01 to dense_network; leave it out, keep batch_norm=True.",
            'bn_plain = dense_network(784, [1000], 10, batch_norm=True, batch_norm_position="after_activation")',
        ),
        Exercise(
            "Exercise 2",
            pair(
                number(
                    total,
                    f"the parameter count of a BatchNormalization layer on {width} units",
                    whole=True,
                    near_misses={
                        total / 2: "that counts only gamma and beta (or only the moving mean and "
                        "variance); the layer stores all four vectors."
                    },
                ),
                number(
                    frozen,
                    "the number of those the optimizer never changes",
                    whole=True,
                    near_misses={
                        0: "the moving mean and variance are weights too, updated by averaging, not by the optimizer.",
                        total: "gamma and beta are trained.",
                    },
                ),
                ("total", "not trained"),
            ),
            "a BatchNormalization layer keeps gamma, beta, a moving mean and a moving variance, one of each per unit.",
            "layer = keras.layers.BatchNormalization()\n"
            "layer.build((None, 1000))\n"
            "bn_weights = (layer.count_params(), sum(w.shape[0] for w in layer.non_trainable_weights))",
        ),
        Exercise(
            "Exercise 3",
            number(
                shrunk,
                "the share of the layer's units whose learned gamma is below 1",
                tolerance=min(a_difference(shrunk), 0.5 / len(gamma)),
                near_misses={
                    1 - shrunk: "that is the share at 1 or above; the exercise asks for the share below 1.",
                    float(np.sum(gamma < 1)): f"that is a count; give it as a share of the {len(gamma)} units.",
                    100 * shrunk: "that is a percentage; give a fraction between 0 and 1.",
                },
            ),
            (
                "bn_layer.gamma holds one scale per unit; np.asarray(bn_layer.gamma) turns it into an array.",
                "compare the array with 1 (< 1) and take np.mean of the result: True counts as 1.",
            ),
            "scaled_down = float(np.mean(np.asarray(bn_layer.gamma) < 1))",
        ),
    )
