"""The exercises of chapter 09: Batch normalization: without the penalty; what a BatchNormalization layer stores.

See ``helpers.exercises`` for how a chapter's exercises are built from its results.
"""

from __future__ import annotations

import numpy as np

from .core import Exercise, number, pair
from .models import model_checker


def chapter_09(width: int = 1000) -> tuple[Exercise, Exercise]:
    """Batch normalization: without the penalty; what a BatchNormalization layer stores."""
    import keras

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
    )
