"""helpers.gradients: slopes and per-layer loss gradients by the backend's automatic differentiation."""

from __future__ import annotations

from helpers import dense_network, derivative, gradient_norms

import keras
import numpy as np
import pytest


def test_derivative_matches_the_formulas_of_the_activations():
    z = np.linspace(-5, 5, 100)
    sigmoid = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(derivative(keras.activations.sigmoid, z), sigmoid * (1 - sigmoid), atol=1e-6)
    np.testing.assert_allclose(derivative(keras.activations.tanh, z), 1 - np.tanh(z) ** 2, atol=1e-6)
    np.testing.assert_array_equal(derivative(keras.activations.relu, z), (z > 0).astype("float32"))


def test_gradient_norms_equal_the_hand_derived_gradient_and_leave_the_weights_alone():
    # One linear layer under mse: the loss is mean((x W + b - y)^2) over examples and outputs, so
    # dL/dW = 2 / (n K) * x^T (x W + b - y).
    keras.utils.set_random_seed(0)
    model = dense_network(3, [], 2, output_activation="linear", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    w, b = (keras.ops.convert_to_numpy(v) for v in (model.layers[0].kernel, model.layers[0].bias))
    expected = 2 / (8 * 2) * x.T @ (x @ w + b - y)

    norms = gradient_norms(model, x, y)

    assert list(norms["layer"]) == [1] and list(norms["units"]) == [2]
    assert norms.loc[0, "gradient_norm"] == pytest.approx(np.linalg.norm(expected), rel=1e-5)
    assert norms.loc[0, "per_weight"] == pytest.approx(np.sqrt(np.mean(expected**2)), rel=1e-5)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.layers[0].kernel), w)


def test_gradient_norms_give_one_row_per_dense_layer_input_side_first():
    model = dense_network(784, [32, 16], 10, activation="sigmoid")
    x = np.random.default_rng(1).random((16, 784)).astype("float32")
    y = np.eye(10, dtype="float32")[np.arange(16) % 10]
    norms = gradient_norms(model, x, y)
    assert list(norms["layer"]) == [1, 2, 3] and list(norms["units"]) == [32, 16, 10]
    assert (norms["gradient_norm"] > 0).all()


def test_an_uncompiled_model_gets_a_clear_error():
    model = dense_network(4, [3], 2, compile=False)
    with pytest.raises(ValueError, match="not compiled"):
        gradient_norms(model, np.zeros((2, 4)), np.zeros((2, 2)))
