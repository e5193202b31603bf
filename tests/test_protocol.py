"""The homework protocol: best epoch on the hold-out, retrain on everything, test once."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import helpers
from helpers import COLUMNS, Dataset, best_epoch, dense_network, select_and_retrain

import keras
import numpy as np
import pandas as pd
import pytest


def toy_dataset(seed: int = 0) -> Dataset:
    """A noisy, learnable binary problem: the label is the sign of a sum of features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(700, 20)).astype("float32")
    y = ((x[:, :5].sum(axis=1) + rng.normal(scale=1.5, size=700)) > 0).astype("float32")
    return Dataset(x[200:500], y[200:500], x[500:], y[500:], x_val=x[:200], y_val=y[:200])


def curve(values_loss, values_acc):
    return pd.DataFrame({"epoch": range(1, len(values_loss) + 1), "val_loss": values_loss, "val_accuracy": values_acc})


def test_best_epoch_reads_either_criterion_and_takes_the_first_tie():
    history = curve([0.9, 0.5, 0.4, 0.45, 0.6], [0.6, 0.8, 0.85, 0.87, 0.87])
    assert best_epoch(history) == 3
    assert best_epoch(history, "val_loss") == 3
    assert best_epoch(history, "val_accuracy") == 4
    with pytest.raises(ValueError, match="criterion must be one of"):
        best_epoch(history, "accuracy")
    with pytest.raises(KeyError, match="train with a validation set"):
        best_epoch(history.drop(columns="val_loss"))


def build(hidden):
    return dense_network(20, hidden, 1, optimizer="rmsprop")


@pytest.fixture(scope="module")
def result():
    helpers.setup(seed=0, profile="quick")
    variants = {"base": dict(hidden=[8]), "wide": dict(hidden=[32]), "tiny": dict(hidden=[1])}
    return select_and_retrain(variants, build, toy_dataset(), epochs=6, batch_size=64, baseline="base")


def test_protocol_table_has_one_row_per_variant_and_compares_with_the_baseline(result):
    table = result.table
    assert list(table.index) == ["base", "wide", "tiny"]
    assert table.loc["base", COLUMNS.vs_baseline] == 0.0
    assert np.isclose(
        table.loc["wide", COLUMNS.vs_baseline],
        table.loc["wide", COLUMNS.test] - table.loc["base", COLUMNS.test],
    )
    for name, run in result.history.groupby("name"):
        assert table.loc[name, COLUMNS.best_epoch("val_loss")] == best_epoch(run, "val_loss")
        assert table.loc[name, COLUMNS.best_epoch("val_accuracy")] == best_epoch(run, "val_accuracy")
        chosen = best_epoch(run, "val_loss")
        assert table.loc[name, "validation accuracy at best epoch"] == pytest.approx(
            run.loc[run.epoch == chosen, "val_accuracy"].iloc[0]
        )
    assert ((table[COLUMNS.test] > 0) & (table[COLUMNS.test] <= 1)).all()


def test_retrained_models_are_fresh_trained_on_everything_for_the_best_epochs(result):
    data = toy_dataset()
    full = data.full_training_set()  # 500 examples, hold-out included
    for name, model in result.models.items():
        test = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
        assert test["accuracy"] == pytest.approx(result.table.loc[name, COLUMNS.test])
        # the same as a fresh model of the first seed trained alone on everything for the best epochs
        keras.utils.set_random_seed(result.seeds[0])
        alone = build(**{"base": dict(hidden=[8]), "wide": dict(hidden=[32]), "tiny": dict(hidden=[1])}[name])
        helpers.train(alone, full, epochs=result.best_epochs()[name], batch_size=64, validation=None)
        again = alone.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
        assert again["loss"] == pytest.approx(test["loss"], rel=1e-4)


def test_protocol_is_reproducible(result):
    again = select_and_retrain({"base": dict(hidden=[8])}, build, toy_dataset(), epochs=6, batch_size=64)
    pd.testing.assert_series_equal(again.table.loc["base"], result.table.loc["base"])


def test_protocol_curves_put_the_baseline_in_every_group(result):
    fig = result.curves({"width": ["base", "wide"], "capacity": ["base", "tiny"]}, title="t")
    assert [ax.get_title() for ax in fig.axes[:2]] == ["width", "capacity"]
    circles = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert len(circles) == 2  # one best epoch per run in the panel
    with pytest.raises(KeyError, match="no variant named"):
        result.curves({"x": ["base", "nope"]})


def test_protocol_refuses_bad_input():
    data = toy_dataset()
    no_holdout = Dataset(data.x_train, data.y_train, data.x_test, data.y_test)
    with pytest.raises(ValueError, match="needs a validation hold-out"):
        select_and_retrain({"a": dict(hidden=[4])}, build, no_holdout, epochs=1, batch_size=64)
    with pytest.raises(KeyError, match="baseline 'b' is not among"):
        select_and_retrain({"a": dict(hidden=[4])}, build, data, epochs=1, batch_size=64, baseline="b")
    with pytest.raises(ValueError, match="criterion must be one of"):
        select_and_retrain({"a": dict(hidden=[4])}, build, data, epochs=1, batch_size=64, criterion="loss")


def test_protocol_can_skip_retraining_for_the_other_criterion():
    helpers.setup(seed=0, profile="quick")
    one = select_and_retrain(
        {"base": dict(hidden=[8])}, build, toy_dataset(), epochs=4, batch_size=64, retrain_both=False
    )
    assert COLUMNS.test_by("val_accuracy") not in one.table.columns
    assert COLUMNS.best_epoch("val_accuracy") in one.table.columns


def test_protocol_over_seeds_reads_the_mean_curve_and_compares_seed_by_seed():
    helpers.setup(seed=0, profile="quick")
    variants = {"base": dict(hidden=[8]), "wide": dict(hidden=[32])}
    result = select_and_retrain(variants, build, toy_dataset(), epochs=5, batch_size=64, seeds=[3, 4])
    assert sorted(result.history["seed"].unique()) == [3, 4] and result.seeds == [3, 4]
    mean = result.mean_curves()
    for name in variants:
        assert result.table.loc[name, COLUMNS.best_epoch("val_loss")] == best_epoch(mean[mean.name == name])
    per_seed = result.per_seed
    assert list(per_seed.index) == [("base", 3), ("base", 4), ("wide", 3), ("wide", 4)]
    tests = per_seed[COLUMNS.test]
    assert result.table.loc["wide", COLUMNS.test] == pytest.approx(tests.loc["wide"].mean())
    assert result.table.loc["wide", COLUMNS.lowest] == tests.loc["wide"].min()
    assert result.table.loc["wide", COLUMNS.highest] == tests.loc["wide"].max()
    for seed in (3, 4):  # each seed against the baseline of the same seed
        assert per_seed.loc[("wide", seed), COLUMNS.vs_baseline] == pytest.approx(
            tests[("wide", seed)] - tests[("base", seed)]
        )
    data = toy_dataset()
    for (name, seed), model in result.seed_models.items():
        score = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)["accuracy"]
        assert score == pytest.approx(tests[(name, seed)])
    assert result.models["base"] is result.seed_models[("base", 3)]


def test_protocol_warns_when_the_best_epoch_is_the_last_one_trained():
    helpers.setup(seed=0, profile="quick")
    with pytest.warns(UserWarning, match=r"best epoch .* of \['base'\] is the last one trained"):
        result = select_and_retrain({"base": dict(hidden=[8])}, build, toy_dataset(), epochs=1, batch_size=64)
    assert result.at_last_epoch == ["base"]


def test_protocol_gives_each_variant_its_own_epochs_when_asked():
    helpers.setup(seed=0, profile="quick")
    result = select_and_retrain(
        {"base": dict(hidden=[8]), "slow": dict(hidden=[2])},
        build,
        toy_dataset(),
        epochs={"base": 3, "slow": 5},
        batch_size=64,
        retrain_both=False,
    )
    assert result.history.groupby("name")["epoch"].max().to_dict() == {"base": 3, "slow": 5}
    assert set(result.history["epochs"]) == {3, 5}
    with pytest.raises(KeyError, match="give a number for every variant"):
        select_and_retrain({"a": dict(hidden=[4])}, build, toy_dataset(), epochs={"b": 2}, batch_size=64)
