"""Training runs and sweeps: tidy results, determinism, bad input."""

from __future__ import annotations

import helpers
from helpers import dense_network, load_mnist, sweep, train

import re

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def tiny(data_folder):
    import os

    os.environ["COURSE_DATA_DIR"] = str(data_folder)
    return load_mnist(n_train=256, n_test=128)


def small_sweep(data, seed):
    def run(width, dropout):
        return train(dense_network(784, [width], 10, dropout=dropout), data, epochs=3, batch_size=32)

    configs = {f"w{w} p{p}": dict(width=w, dropout=p) for w in (16, 32) for p in (0.0, 0.5)}
    return sweep(configs, run, seed=seed, keep_models=True)


def test_sweep_returns_a_tidy_frame(tiny, capsys):
    helpers.setup(seed=0, profile="quick")
    result = small_sweep(tiny, seed=0)
    h = result.history
    assert list(h.columns[:4]) == ["name", "width", "dropout", "epoch"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(h.columns)
    assert len(h) == 4 * 3 and h.groupby("name").size().eq(3).all()
    assert list(h["epoch"].unique()) == [1, 2, 3]
    final = result.final()
    assert len(final) == 4 and (final["epoch"] == 3).all()
    assert set(result.models) == set(h["name"]) and set(result.seconds) == set(h["name"])
    assert "Trained 4 models (12 epochs in all)" in capsys.readouterr().out


def test_same_seed_same_numbers(tiny):
    first = small_sweep(tiny, seed=7).history
    second = small_sweep(tiny, seed=7).history
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    other = small_sweep(tiny, seed=8).history
    assert not other["loss"].equals(first["loss"])


def test_configuration_result_does_not_depend_on_order(tiny):
    def run(width):
        return train(dense_network(784, [width], 10), tiny, epochs=2, batch_size=64)

    forward = sweep({"a": {"width": 8}, "b": {"width": 24}}, run, seed=3).history
    backward = sweep({"b": {"width": 24}, "a": {"width": 8}}, run, seed=3).history
    pd.testing.assert_frame_equal(
        forward.set_index(["name", "epoch"]).sort_index(),
        backward.set_index(["name", "epoch"]).sort_index(),
        check_exact=True,
    )


def test_train_without_validation_and_with_pairs(tiny):
    run = train(dense_network(784, [8], 10), (tiny.x_train, tiny.y_train), epochs=2, batch_size=64)
    assert list(run.history.columns) == ["epoch", "accuracy", "loss"]
    assert run.final["epoch"] == 2 and run.seconds > 0
    run = train(dense_network(784, [8], 10), tiny, epochs=1, batch_size=64, validation=None)
    assert "val_loss" not in run.history


def test_models_compile_with_keras_defaults_and_train_as_plain_fit_does(tiny):
    """Two visible departures from plain Keras, and neither changes a number: dense_network runs 16 batches per
    execution, and train() validates at batch 1024.  A plain keras.Sequential of the same layers, compiled with
    Keras' defaults (one batch per execution) and fitted with Keras' default validation batch, learns exactly the
    same."""
    import keras

    model = dense_network(784, [8], 10)
    reference = keras.Sequential([keras.Input((784,)), keras.layers.Dense(8), keras.layers.Dense(10)])
    reference.compile(optimizer="adam", loss="categorical_crossentropy")
    assert model.jit_compile == reference.jit_compile
    assert (model.steps_per_execution, reference.steps_per_execution) == (16, 1)
    assert dense_network(784, [8], 10, steps_per_execution=1).steps_per_execution == 1
    keras.utils.set_random_seed(0)
    ours = train(dense_network(784, [8], 10), tiny, epochs=2, batch_size=64).history
    keras.utils.set_random_seed(0)
    plain = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(10, activation="softmax")]
    )
    plain.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    theirs = plain.fit(tiny.x_train, tiny.y_train, epochs=2, batch_size=64, validation_data=tiny.validation, verbose=0)
    for metric in ("loss", "accuracy", "val_accuracy"):
        assert list(ours[metric]) == theirs.history[metric], metric
    np.testing.assert_allclose(ours["val_loss"], theirs.history["val_loss"], rtol=1e-6)
    assert len(tiny.validation[0]) > 64  # so validation ran in more batches in the plain fit than in train()


def test_validation_batch_size(tiny):
    import keras

    runs = {}
    for size in (None, 32, len(tiny.validation[0])):
        keras.utils.set_random_seed(0)
        runs[size] = train(dense_network(784, [8], 10), tiny, epochs=2, batch_size=64, validation_batch_size=size)
    for size in (32, len(tiny.validation[0])):
        assert list(runs[size].history["val_accuracy"]) == list(runs[None].history["val_accuracy"])
        np.testing.assert_allclose(runs[size].history["val_loss"], runs[None].history["val_loss"], rtol=1e-6)
    with pytest.raises(ValueError, match="validation_batch_size must be"):
        train(dense_network(784, [8], 10), tiny, epochs=1, batch_size=32, validation_batch_size=0)
    with pytest.raises(ValueError, match="steps_per_execution must be"):
        dense_network(784, [8], 10, steps_per_execution=0)


def test_bad_input_gets_clear_errors(tiny):
    model = dense_network(784, [8], 10)
    with pytest.raises(ValueError, match="epochs must be"):
        train(model, tiny, epochs=0, batch_size=32)
    with pytest.raises(TypeError, match=r"helpers\.Dataset or an"):
        train(model, tiny.x_train, epochs=1, batch_size=32)
    with pytest.raises(ValueError, match="not compiled"):
        train(dense_network(784, [8], 10, compile=False), tiny, epochs=1, batch_size=32)
    with pytest.raises(TypeError, match="must return the TrainingRun"):
        sweep({"x": {}}, lambda: dense_network(784, [8], 10))
    with pytest.raises(ValueError, match="at least one configuration"):
        sweep({}, lambda: None)


def test_evaluation_table(tiny):
    run = train(dense_network(784, [16], 10, dropout=0.5), tiny, epochs=3, batch_size=32)
    table = helpers.evaluation_table({"m": run.model}, tiny)
    row = table.loc["m"]
    test = run.model.evaluate(tiny.x_test, tiny.y_test, verbose=0, return_dict=True)
    assert row["test_accuracy"] == pytest.approx(test["accuracy"])
    assert row["gap"] == pytest.approx(row["train_accuracy"] - row["test_accuracy"])
    with pytest.raises(KeyError, match="does not report"):
        helpers.evaluation_table({"m": run.model}, tiny, metric="auc")


def test_sweep_refuses_parameter_names_that_clash_with_metrics():
    with pytest.raises(ValueError, match=r"\['loss'\] would clash"):
        sweep({"a": {"loss": "mse"}}, lambda loss: None)


# --------------------------------------------------------------------------
# What a student sees: the live progress bar (the default outside the book)
# --------------------------------------------------------------------------


def test_train_shows_a_progress_bar_per_epoch_and_no_keras_logs(tiny, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "bar")
    helpers.setup(seed=0, profile="quick")
    capsys.readouterr()
    train(dense_network(784, [16], 10, name="bar_model"), tiny, epochs=3, batch_size=32)
    out, err = capsys.readouterr()
    shown = out + err
    # tqdm's bar, named after the model, counts epochs (it redraws at most 10 times a second: any count of 3)
    assert re.search(r"bar_model: .*\d/3 \[.*epoch/s", shown), shown
    assert "val_accuracy=" in shown  # the latest metrics beside it
    assert "/step" not in shown and "Epoch 1/3" not in shown  # none of Keras' own per-batch or per-epoch logs


def test_sweep_shows_one_bar_over_models_with_the_epoch_beside_it(tiny, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "bar")
    helpers.setup(seed=0, profile="quick")
    capsys.readouterr()
    small_sweep(tiny, seed=0)
    out, err = capsys.readouterr()
    shown = out + err
    assert re.search(r"\d/4 \[.*model/s", shown) and "epoch=" in shown, shown
    assert "/step" not in shown and "Epoch 1/3" not in shown
    assert not helpers.SESSION.bars  # the sweep's bar is closed and forgotten


def test_no_progress_bar_in_book_builds(tiny, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "none")
    train(dense_network(784, [16], 10, name="quiet_model"), tiny, epochs=2, batch_size=32)
    out, err = capsys.readouterr()
    assert "quiet_model" not in out + err and "epoch" not in out + err


def test_an_interrupted_sweep_returns_the_runs_that_finished(tiny, capsys):
    helpers.setup(seed=0, profile="quick")
    started = []

    def run(width):
        started.append(width)
        if len(started) == 3:  # Ctrl-C while the third configuration trains
            raise KeyboardInterrupt
        return train(dense_network(784, [width], 10), tiny, epochs=2, batch_size=32)

    configs = {f"w{w}": {"width": w} for w in (8, 16, 32, 64)}
    with pytest.warns(UserWarning, match="interrupted after 2 of 4 configurations"):
        result = sweep(configs, run)
    assert started == [8, 16, 32]  # the fourth never started
    assert list(result.history["name"].unique()) == ["w8", "w16"]
    assert set(result.seconds) == {"w8", "w16"} and len(result.history) == 2 * 2
    assert "Trained 2 models" in capsys.readouterr().out
    assert not helpers.SESSION.bars


def test_a_sweep_over_seeds_runs_every_configuration_once_per_seed(tiny):
    helpers.setup(seed=0, profile="quick")

    def run(width):
        return train(dense_network(784, [width], 10), tiny, epochs=2, batch_size=64)

    result = sweep({"w8": {"width": 8}, "w16": {"width": 16}}, run, seeds=[5, 6], keep_models=True)
    h = result.history
    assert list(h.columns[:4]) == ["name", "width", "seed", "epoch"]
    assert len(h) == 2 * 2 * 2 and result.runs == ["name", "seed"] and len(result.final()) == 4
    assert set(result.seed_models) == {("w8", 5), ("w8", 6), ("w16", 5), ("w16", 6)}
    assert result.models["w8"] is result.seed_models[("w8", 5)]
    # each run is the single run with its seed
    import keras

    keras.utils.set_random_seed(6)
    alone = run(16).history
    assert list(h[(h.name == "w16") & (h.seed == 6)]["val_loss"]) == list(alone["val_loss"])
    with pytest.raises(ValueError, match="distinct"):
        sweep({"w8": {"width": 8}}, run, seeds=[1, 1])


def test_profile_seeds_follow_the_base_seed():
    assert helpers.setup(seed=0, profile="quick").seeds == [0, 1]
    assert helpers.setup(seed=100, profile="full").seeds == [100, 101, 102]
