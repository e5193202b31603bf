"""helpers.summaries: what a run's curves say (gap, best epoch, rise, noise), per run and over seeds."""

from __future__ import annotations

import helpers
from helpers import run_summary

import numpy as np
import pandas as pd
import pytest
from histories import fake_history, seeded_history


def test_run_summary_reads_the_curves():
    s = run_summary(fake_history(), by=["depth", "dropout"]).set_index(["depth", "dropout"])
    assert s.loc[(1, 0.0), "val_loss_rise"] == pytest.approx(0.0)
    assert s.loc[(9, 0.0), "best_epoch"] == 3
    assert s.loc[(9, 0.0), "val_loss_rise"] == pytest.approx((1 / 6 + 1.5) - 1 / 3)
    assert s.loc[(1, 0.0), "gap"] == pytest.approx((0.8 + 0.18) - (0.75 + 0.06))
    assert s.loc[(1, 0.0), "peak_train_accuracy"] == pytest.approx(0.98)
    # depth 9's validation loss climbs steadily: overfitting, not noise
    assert s.loc[(9, 0.0), "val_loss_noise"] == pytest.approx(0.0, abs=0.02)
    late = [1 / e + 0.5 * max(0, e - 3) for e in (4, 5, 6)]  # the second half: epochs 4-6
    assert s.loc[(9, 0.0), "late_val_loss"] == pytest.approx(np.mean(late))
    assert s.loc[(9, 0.0), "val_loss_excess"] == pytest.approx(np.mean(late) - 1 / 3)


def test_over_seeds_shows_mean_and_range_per_setting():
    final = seeded_history().groupby(["name", "seed"]).last().reset_index()
    table = helpers.over_seeds(final, ["val_loss"], digits=3)
    assert table.loc["d1 p0.0", "val_loss"] == "0.267 (0.167 to 0.367)"
    assert table.loc["d1 p0.0", "seeds"] == 3
    with pytest.raises(KeyError, match="no column"):
        helpers.over_seeds(final, ["nothing"])


def test_over_seeds_prints_counts_as_whole_numbers():
    frame = pd.DataFrame({"name": ["a", "a", "a"], "seed": [0, 1, 2], "dead units": [3, 4, 8]})
    assert helpers.over_seeds(frame, ["dead units"]).loc["a", "dead units"] == "5.0 (3 to 8)"


def test_beside_the_source_says_whether_the_seeds_range_holds_the_sources_number():
    table = helpers.beside_the_source(
        {"inside": (0.95, {0: 0.94, 1: 0.96}), "above": (0.99, [0.94, 0.96]), "below": (0.5, [0.94, 0.96])}
    )
    assert table.loc["inside", "the source's number"] == "inside the seeds' range"
    assert table.loc["above", "the source's number"] == "above every seed, by 0.0300"
    assert table.loc["below", "the source's number"] == "below every seed, by 0.4400"
    assert table.loc["inside", "this run (mean)"] == "0.9500" and table.loc["inside", "lowest seed"] == "0.9400"
    assert helpers.beside_the_source({"none": (None, [1.0])}).loc["none", "the source's number"] == "not reported"
    with pytest.raises(ValueError, match="no value of this run"):
        helpers.beside_the_source({"empty": (0.9, [])})


def test_curve_noise_counts_jumps_not_steady_trends():
    assert helpers.curve_noise([1.0, 2.0, 3.0, 4.0]) == 0.0  # a steady climb
    assert helpers.curve_noise([4.0, 3.0, 2.0, 1.0]) == 0.0  # a steady fall
    assert helpers.curve_noise([1.0, 2.0, 1.0, 2.0]) == pytest.approx(1.0)  # each point 1 off its neighbours' midpoint
    assert helpers.curve_noise([1.0, 2.0]) == 0.0
