"""Looking inside a trained network: its dead relu units, and which classes it actually predicts.

Two chapters count dead units (activations, learning rate) and the scaling
chapter asks whether an unscaled network learned anything or gave one class
all the probability; the counting is the same each time, so it lives here.

Used first in: "Activations, losses and one-hot labels".
"""

from __future__ import annotations

import numpy as np

from ._backend import keras

#: How many images the counts look at by default: enough that a unit that fires
#: for some digit fires for one of them, few enough to stay quick.
IMAGES = 2000


def _is_relu(layer: keras.layers.Layer) -> bool:
    activation = getattr(layer, "activation", None)
    if isinstance(layer, keras.layers.ReLU):
        return True
    return activation is not None and getattr(activation, "__name__", "") == "relu"


def dead_units(model: keras.Model, x: np.ndarray, images: int = IMAGES) -> list[int]:
    """For each relu layer of ``model`` but the output, the units whose output is 0 for every one of ``x[:images]``.

    A relu unit whose weighted sum is negative for every input outputs 0 and
    gets no gradient: it is dead.  The layers run in inference mode (dropout
    off, batch normalization on its moving statistics).

    Returns:
        One count per relu layer, from the input side; an empty list for a
        network without relu layers.
    """
    if not model.layers:
        raise ValueError("dead_units() needs a built model with layers, e.g. one from dense_network().")
    h = np.asarray(x[:images], dtype="float32")
    counts = []
    for layer in model.layers[:-1]:
        h = keras.ops.convert_to_numpy(layer(h, training=False))
        if _is_relu(layer):
            counts.append(int(np.sum(h.reshape(len(h), -1).max(axis=0) <= 0)))
    return counts


def predicted_classes(model: keras.Model, x: np.ndarray) -> dict[str, float | int]:
    """Which classes ``model`` predicts for ``x``: how many different ones, and the commonest one's share.

    A network that gives one class all the probability predicts that class for
    every image: 1 class, share 1.0, whatever its inputs.

    Returns:
        ``{"classes predicted": int, "commonest class": int, "its share": float}``.
    """
    predicted = np.asarray(model.predict(x, batch_size=1024, verbose=0)).argmax(axis=1)
    counts = np.bincount(predicted)
    return {
        "classes predicted": int(np.count_nonzero(counts)),
        "commonest class": int(counts.argmax()),
        "its share": float(counts.max() / len(predicted)),
    }
