"""Seeds trained together: each stacked copy is exactly the network it stands for."""

from __future__ import annotations

import helpers
from helpers import Dataset, dense_network, load_mnist
from helpers.seeds import NotStackable, StackedNetwork, train_seeds

import keras
import numpy as np
import pytest


@pytest.fixture(scope="module")
def digits(data_folder):
    import os

    os.environ["COURSE_DATA_DIR"] = str(data_folder)
    return load_mnist(n_train=600, n_test=300)


def _copies(build, seeds):
    models = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        models.append(build())
    return models


@pytest.mark.parametrize(
    "settings",
    [dict(), dict(l2=0.001), dict(optimizer="sgd"), dict(l1=0.0001, activation="tanh")],
    ids=["adam", "adam+l2", "sgd", "l1+tanh"],
)
def test_a_stacked_copy_matches_a_plain_keras_model_given_the_same_start_and_batches(digits, settings):
    """Same initial weights, same batches (no shuffling): the same weights and the same logs, to float tolerance."""

    def build():
        return dense_network(784, [32, 16], 10, **settings)

    seeds = [3, 5, 7]
    copies = _copies(build, seeds)
    stacked = StackedNetwork(copies)
    stacked.compile_like_the_copies()
    (plain,) = _copies(build, [5])  # the network seed 5 gives, trained on its own
    fit = dict(epochs=2, batch_size=100, shuffle=False, validation_data=digits.validation, verbose=0)
    together = stacked.fit(digits.x_train, digits.y_train, **fit).history
    alone = plain.fit(digits.x_train, digits.y_train, **fit).history
    stacked.unstack(copies)
    for ours, theirs in zip(copies[1].get_weights(), plain.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=2e-6)
    for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(together[f"{metric}_s1"], alone[metric], rtol=1e-5, atol=1e-6)


def test_each_copy_starts_where_a_single_run_with_its_seed_starts():
    def build():
        return dense_network(20, [8], 3)

    copies = _copies(build, [0, 1])
    stacked = StackedNetwork(copies)
    (alone,) = _copies(build, [1])
    first = stacked.steps[0]
    np.testing.assert_array_equal(np.asarray(first.kernel)[1], np.asarray(alone.layers[0].kernel))
    assert not np.array_equal(np.asarray(first.kernel)[0], np.asarray(first.kernel)[1])  # seeds differ


def test_train_seeds_gives_a_tidy_history_and_trained_models(digits):
    helpers.setup(seed=0, profile="quick")
    runs = train_seeds(lambda: dense_network(784, [32], 10), digits, seeds=[0, 1, 2], epochs=3, batch_size=64)
    assert runs.stacked
    h = runs.history
    assert list(h.columns) == ["epoch", "seed", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(h) == 3 * 3 and list(h["seed"].unique()) == [0, 1, 2] and list(h["epoch"].unique()) == [1, 2, 3]
    assert set(runs.models) == {0, 1, 2}
    for seed, model in runs.models.items():  # the unstacked model is the one the last validation saw
        last = h[(h["seed"] == seed) & (h["epoch"] == 3)].iloc[0]
        scores = model.evaluate(*digits.validation, verbose=0, return_dict=True)
        assert scores["accuracy"] == pytest.approx(last["val_accuracy"], abs=1e-6)
        assert scores["loss"] == pytest.approx(last["val_loss"], rel=1e-4)
    assert h.groupby("seed")["val_loss"].last().nunique() == 3  # three different runs
    run = runs.as_training_run()
    assert run.model is runs.models[0] and run.history is h


@pytest.mark.parametrize(
    "labels, outputs, loss",
    [("sparse", 10, "sparse_categorical_crossentropy"), ("binary", 1, "binary_crossentropy"), ("mse", 1, "mse")],
)
def test_sparse_and_binary_tasks_stack_too(digits, labels, outputs, loss):
    x, digit = digits.x_train, np.argmax(digits.y_train, axis=1)
    y = digit if labels == "sparse" else (digit % 2).astype("float32")
    vx, vdigit = digits.x_test, np.argmax(digits.y_test, axis=1)
    vy = vdigit if labels == "sparse" else (vdigit % 2).astype("float32")
    data = Dataset(x, y, vx, vy)
    runs = train_seeds(
        lambda: dense_network(784, [16], outputs, loss=loss), data, seeds=[4, 9], epochs=2, batch_size=50
    )
    assert runs.stacked
    for seed, model in runs.models.items():
        last = runs.history[(runs.history["seed"] == seed) & (runs.history["epoch"] == 2)].iloc[0]
        scores = model.evaluate(vx, vy, verbose=0, return_dict=True)
        assert scores["accuracy"] == pytest.approx(last["val_accuracy"], abs=1e-6)


def test_dropout_on_inputs_and_units_stacks_with_a_mask_per_copy(digits):
    seq = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    seq.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    stacked = StackedNetwork([seq, keras.models.clone_model(seq)])
    assert stacked.tile_input and not stacked.steps[1].shared_input  # each copy draws its own input mask
    x = np.ones((4, 784), dtype="float32")
    out = np.asarray(stacked(x, training=True))
    assert out.shape == (4, 2, 10)


def test_what_cannot_stack_falls_back_to_one_run_per_seed(digits):
    def build():
        return dense_network(784, [16], 10, batch_norm=True)

    with pytest.raises(NotStackable, match="BatchNormalization"):
        train_seeds(build, digits, seeds=[0, 1], epochs=1, batch_size=100, stack=True)
    runs = train_seeds(build, digits, seeds=[0, 1], epochs=2, batch_size=100)
    assert not runs.stacked and len(runs.history) == 4
    assert list(runs.history.columns[:2]) == ["epoch", "seed"]
    # each seed's run is the single run with that seed: seed, build, train
    keras.utils.set_random_seed(1)
    alone = helpers.train(build(), digits, epochs=2, batch_size=100).history
    np.testing.assert_allclose(runs.history[runs.history["seed"] == 1]["val_loss"], alone["val_loss"], rtol=1e-6)


def test_bad_seeds_get_clear_errors(digits):
    def build():
        return dense_network(784, [4], 10)

    for bad in ([], [1, 1], [-1]):
        with pytest.raises(ValueError, match="seed"):
            train_seeds(build, digits, seeds=bad, epochs=1, batch_size=100)
    with pytest.raises(TypeError, match="compiled Keras model"):
        train_seeds(lambda: dense_network(784, [4], 10, compile=False), digits, seeds=[0], epochs=1, batch_size=100)


def test_sweep_of_train_seeds_keeps_every_seeds_model(digits):
    helpers.setup(seed=0, profile="quick")

    def run(width):
        return train_seeds(lambda: dense_network(784, [width], 10), digits, seeds=[3, 5], epochs=1, batch_size=100)

    result = helpers.sweep({"w8": dict(width=8), "w16": dict(width=16)}, run, keep_models=True)
    assert set(result.seed_models) == {("w8", 3), ("w8", 5), ("w16", 3), ("w16", 5)}
    assert result.runs == ["name", "seed"] and len(result.final()) == 4
    assert result.seed_models[("w16", 5)].layers[0].units == 16
    assert result.models["w8"] is result.seed_models[("w8", 3)]
