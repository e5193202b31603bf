"""The book's published runs behind a student's curves: found by settings, drawn only where they match.

The published bands here are stand-ins, made from a run of the test itself:
what is tested is that a student's run with the same settings gets the band,
and a run with another setting does not.
"""

from __future__ import annotations

import helpers
from helpers import curves, dense_network, train_seeds
from helpers.session import SESSION

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

SEEDS = [0, 1]


@pytest.fixture
def pairs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 96)]
    return (x[:64], y[:64]), (x[64:], y[64:])


def _fit(pairs, epochs=3, units=6, seeds=SEEDS, inputs=None, **network):
    """``train_seeds`` of a small network on ``pairs`` (``inputs`` in place of the training x, if given)."""
    ((x, y), validation) = pairs
    return train_seeds(
        lambda: dense_network(8, [units], 3, steps_per_execution=1, **network),
        (x if inputs is None else inputs, y),
        seeds=seeds,
        epochs=epochs,
        batch_size=16,
        validation=validation,
    )


def _band_from(history, profile="quick"):
    """A stand-in for the published file: the band of ``history``'s own seeds."""
    signature = curves.signature_of(history)
    run = {"base": 0, "label": "stand-in", "seeds": curves.curves_of(history)}
    return {profile: {signature: curves.band_over([run])}}


def _bands(fig):
    return [c for ax in fig.axes for c in ax.collections if c.get_gid() == "published-band"]


@pytest.fixture
def student(monkeypatch):
    """A student's run at the quick profile: checks report, no base seed."""
    monkeypatch.delenv("COURSE_CHECKS", raising=False)
    monkeypatch.delenv("COURSE_BASE_SEED", raising=False)
    monkeypatch.setitem(SESSION.run, "profile", "quick")


def test_the_signature_names_settings_not_seeds():
    def signature(seed, **changed):
        import keras

        keras.utils.set_random_seed(seed)
        settings = dict(epochs=3, batch_size=16, n_train=64, n_validation=32) | changed
        model = dense_network(8, [changed.pop("units", 6)], 3, learning_rate=changed.pop("rate", None))
        return curves.settings_signature(model, **{k: v for k, v in settings.items() if k not in ("units", "rate")})

    same = signature(0)
    assert signature(1) == same
    for changed in (dict(epochs=4), dict(batch_size=32), dict(n_train=65), dict(units=7), dict(rate=0.01)):
        assert signature(0, **changed) != same, changed


def test_other_inputs_or_another_start_are_other_settings(pairs):
    """Scaled, unscaled and inverted pixels train the same network; Glorot's and He's starts too."""
    (x, _), _ = pairs
    runs = [_fit(pairs, 1, seeds=[0], inputs=inputs) for inputs in (x, 255 * x, 1 - x)]
    runs.append(_fit(pairs, 1, seeds=[0], kernel_initializer="he_normal"))
    signatures = {curves.signature_of(run.history) for run in runs}
    assert len(signatures) == 4 and None not in signatures


def test_stacked_and_one_by_one_runs_of_the_same_settings_share_a_signature(pairs):
    stacked = _fit(pairs)
    assert stacked.stacked
    signature = curves.signature_of(stacked.history)
    assert signature is not None
    (train_xy, validation) = pairs
    alone = train_seeds(
        lambda: dense_network(8, [6], 3, steps_per_execution=1),
        train_xy,
        seeds=[5],
        epochs=3,
        batch_size=16,
        validation=validation,
        stack=False,
    )
    assert curves.signature_of(alone.history) == signature
    # Table work keeps the link: a filtered, renamed copy is still found.
    assert curves.signature_of(stacked.history[stacked.history.seed == 1].assign(name="x")) == signature
    # A curve no run made is not.
    assert curves.signature_of(stacked.history.assign(loss=stacked.history.loss + 1e-9)) is None


def test_a_students_run_with_the_books_settings_is_drawn_over_the_books_band(pairs, student, monkeypatch):
    book = _fit(pairs, seeds=[10, 11, 12])
    monkeypatch.setattr(curves, "_published", lambda: _band_from(book.history))
    mine = _fit(pairs)
    fig = helpers.learning_curves(mine.history.assign(name="mine"), title="t")
    bands = _bands(fig)
    assert len(bands) == 4  # loss and accuracy panels, training and validation each
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("the book's runs (quick): 3 seeds" in t for t in texts)
    plt.close(fig)


def test_no_band_where_a_setting_or_the_profile_differs_or_in_the_books_own_build(pairs, student, monkeypatch):
    book = _fit(pairs)
    monkeypatch.setattr(curves, "_published", lambda: _band_from(book.history))
    other = _fit(pairs, epochs=4)  # an exercise's change
    fig = helpers.learning_curves(other.history.assign(name="other"))
    assert not _bands(fig)
    plt.close(fig)
    same = _fit(pairs)
    monkeypatch.setitem(SESSION.run, "profile", "full")  # another profile
    fig = helpers.learning_curves(same.history.assign(name="same"))
    assert not _bands(fig)
    plt.close(fig)
    monkeypatch.setitem(SESSION.run, "profile", "quick")
    monkeypatch.setenv("COURSE_CHECKS", "strict")  # the book build
    fig = helpers.learning_curves(same.history.assign(name="same"))
    assert not _bands(fig)
    plt.close(fig)


def test_a_robustness_run_notes_each_curve_it_draws(pairs, monkeypatch):
    noted = []
    monkeypatch.setenv("COURSE_BASE_SEED", "100")
    monkeypatch.setattr(curves, "record", noted.append)
    runs = _fit(pairs)
    fig = helpers.learning_curves(runs.history.assign(name="a run"))
    plt.close(fig)
    ((signature, entry),) = noted[0].items()
    assert signature == curves.signature_of(runs.history)
    assert entry["label"] == "a run" and set(entry["seeds"]) == {"0", "1"}
    assert entry["seeds"]["1"]["val_loss"] == pytest.approx(
        runs.history[runs.history.seed == 1]["val_loss"].tolist(), rel=1e-3
    )


def test_a_band_spans_every_seed_of_every_base():
    def run(base, values):
        return {"base": base, "label": "l", "seeds": {str(i): {"loss": v} for i, v in enumerate(values)}}

    band = curves.band_over([run(0, [[3, 2, 1], [4, 1, 0.5]]), run(100, [[2, 2, 2]])])
    assert band["seeds"] == 3 and band["bases"] == [0, 100]
    assert band["low"]["loss"] == [2, 1, 0.5] and band["high"]["loss"] == [4, 2, 2]


def test_the_published_curves_ship_small():
    """The bands that ship with ``helpers`` (written by ``make student``) stay under 1 MB."""
    from importlib import resources

    path = resources.files("helpers").joinpath(curves.PUBLISHED_CURVES_FILE)
    if not path.is_file():
        pytest.skip("no robustness run has published curves yet")
    assert len(path.read_bytes()) < 1_000_000
    for profile, bands in json.loads(path.read_text()).items():
        assert profile in ("quick", "full")
        for band in bands.values():
            assert set(band["low"]) == set(band["high"]) and band["seeds"] >= 2
