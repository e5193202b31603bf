"""helpers.inspection: dead relu units per layer, and which classes a network predicts."""

from __future__ import annotations

import helpers
from helpers import dense_network

import keras
import numpy as np
import pytest


def _network_with_dead_units(dead: int) -> keras.Model:
    """A 4-8-8-3 relu network whose first ``dead`` units of the first layer never fire on non-negative inputs."""
    model = dense_network(4, [8, 8], 3)
    first = model.layers[0]
    kernel, bias = first.get_weights()
    kernel[:, :dead] = -1.0  # every input is >= 0, so these sums are <= -1
    bias[:dead] = -1.0
    kernel[:, dead:] = np.abs(kernel[:, dead:]) + 0.1  # the others fire on every input
    bias[dead:] = 0.1
    first.set_weights([kernel, bias])
    return model


def test_dead_units_counts_the_units_that_never_fire_layer_by_layer():
    x = np.random.default_rng(0).uniform(0, 1, size=(50, 4)).astype("float32")
    counts = helpers.dead_units(_network_with_dead_units(3), x)
    assert len(counts) == 2 and counts[0] == 3  # two hidden relu layers; the output layer is not counted
    assert helpers.dead_units(_network_with_dead_units(0), x)[0] == 0


def test_dead_units_runs_the_layers_in_inference_mode_and_needs_layers():
    """With dropout active, one image would lose about half its units; in inference mode none is dropped."""
    model = dense_network(4, [64], 3, dropout=0.5)
    x = np.ones((1, 4), dtype="float32")
    kernel, bias = model.layers[0].get_weights()
    by_hand = int(np.sum(np.maximum(x @ kernel + bias, 0).max(axis=0) <= 0))
    assert helpers.dead_units(model, x) == [by_hand]
    with pytest.raises(ValueError, match="needs a built model"):
        helpers.dead_units(keras.Sequential(), x)


def test_predicted_classes_sees_a_network_that_gives_one_class_everything():
    model = dense_network(4, [8], 3)
    out = model.layers[-1]
    kernel = out.get_weights()[0]
    out.set_weights([np.zeros_like(kernel), np.array([0.0, 50.0, 0.0], dtype=kernel.dtype)])
    x = np.random.default_rng(1).normal(size=(40, 4)).astype("float32")
    assert helpers.predicted_classes(model, x) == {"classes predicted": 1, "commonest class": 1, "its share": 1.0}
