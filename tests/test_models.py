"""The model builder: parameter counts, layers, penalties, heads, bad input."""

from __future__ import annotations

from helpers import dense_network, hidden_layers

import keras
import pytest


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_first_network_has_795010_parameters():
    model = dense_network(784, [1000], 10)
    assert model.count_params() == 785_000 + 10_010 == 795_010


@pytest.mark.parametrize("depth", [1, 3, 9])
def test_depth_blocks_parameter_count(depth):
    model = dense_network(784, [512] * depth, 10, dropout=0.2)
    expected = 784 * 512 + 512 + (depth - 1) * (512 * 512 + 512) + 512 * 10 + 10
    assert model.count_params() == expected
    assert layer_types(model).count("Dropout") == depth
    assert len(hidden_layers(model)) == depth


def test_image_input_is_flattened():
    model = dense_network((28, 28), [128, 128], 10)
    assert layer_types(model)[0] == "Flatten"
    assert model.count_params() == 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10


def test_batch_norm_and_dropout_positions():
    bn = dense_network(784, [1000], 10, batch_norm=True)
    assert layer_types(bn) == ["Dense", "BatchNormalization", "Activation", "Dense"]
    before = dense_network(784, [100], 10, dropout=0.5, dropout_position="before_activation")
    assert layer_types(before) == ["Dense", "Dropout", "Activation", "Dense"]
    after = dense_network(784, [100], 10, dropout=0.5)
    assert layer_types(after) == ["Dense", "Dropout", "Dense"]
    assert after.layers[0].activation is keras.activations.relu


def test_penalties_reach_the_kernels():
    model = dense_network(784, [200, 100], 10, activation="tanh", l2=0.0003)
    kernels = [layer.kernel_regularizer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert all(isinstance(r, keras.regularizers.L2) for r in kernels) and len(kernels) == 3
    assert kernels[0].get_config()["l2"] == pytest.approx(0.0003)
    hidden_only = dense_network(784, [100], 10, l1=0.01, regularize_output=False)
    assert isinstance(hidden_only.layers[0].kernel_regularizer, keras.regularizers.L1)
    assert hidden_only.layers[-1].kernel_regularizer is None


def test_heads_and_losses_follow_the_outputs():
    binary = dense_network(10000, [16, 16], 1, optimizer="rmsprop")
    assert binary.layers[-1].activation is keras.activations.sigmoid
    assert binary.loss == "binary_crossentropy"
    multi = dense_network(10000, [64, 64], 46, optimizer="rmsprop", learning_rate=0.01)
    assert multi.loss == "categorical_crossentropy"
    assert float(multi.optimizer.learning_rate) == pytest.approx(0.01)
    assert isinstance(multi.optimizer, keras.optimizers.RMSprop)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(dropout=1.0), "dropout is a rate"),
        (dict(dropout_position="middle"), "dropout_position must be"),
        (dict(l2=-1.0), "zero or positive"),
        (dict(hidden=[0]), "positive whole numbers"),
    ],
)
def test_bad_arguments_get_clear_errors(kwargs, message):
    args = dict(inputs=784, hidden=[10], outputs=10) | kwargs
    with pytest.raises(ValueError, match=message):
        dense_network(**args)


def test_batch_norm_after_the_activation():
    model = dense_network(784, [1000], 10, batch_norm=True, batch_norm_position="after_activation", l2=0.01)
    assert layer_types(model) == ["Dense", "BatchNormalization", "Dense"]
    assert model.layers[0].activation is keras.activations.relu
    with pytest.raises(ValueError, match="batch_norm_position must be"):
        dense_network(784, [10], 10, batch_norm=True, batch_norm_position="inside")


def test_layer_table_is_the_summary_as_a_plain_table():
    from helpers import layer_table

    table = layer_table(dense_network(784, [100], 10, batch_norm=True))
    assert table.index.name == "layer" and table.index[-1] == "all layers"
    assert table["weights"].iloc[-1] == 78_500 + 400 + 1_010 == table["weights"].iloc[:-1].sum()
    assert table.loc[table.index[0], "output shape"] == "(batch, 100)"
    assert "200 not trained" in table["type"].iloc[-1] and list(table["activation"].iloc[:-1]).count("relu") == 1
