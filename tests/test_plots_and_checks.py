"""Plots keep one visual language; conclusion checks pass and fail honestly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import helpers
from helpers import ConclusionNotSupported, check_conclusion, colors_for, learning_curves, run_summary

import numpy as np
import pandas as pd
import pytest


def fake_history():
    rows = []
    for depth, rise in ((1, 0.0), (9, 0.5)):
        for dropout in (0.0, 0.2):
            for epoch in range(1, 7):
                val_loss = 1.0 / epoch + (rise * max(0, epoch - 3))
                rows.append(
                    dict(
                        name=f"d{depth} p{dropout}",
                        depth=depth,
                        dropout=dropout,
                        epoch=epoch,
                        loss=1.0 / epoch,
                        accuracy=0.8 + 0.03 * epoch,
                        val_loss=val_loss,
                        val_accuracy=0.75 + 0.01 * epoch,
                    )
                )
    return pd.DataFrame(rows)


def test_learning_curves_layout_and_styles():
    fig = learning_curves(fake_history(), hue="depth", col="dropout", title="t")
    axes = fig.axes
    assert len(axes) == 4  # 2 metrics x 2 dropout values
    assert fig._suptitle.get_text() == "t"
    assert axes[0].get_title() == "dropout = 0.0" and axes[1].get_title() == "dropout = 0.2"
    assert axes[0].get_ylabel() == "loss" and axes[2].get_xlabel() == "epoch"
    lines = axes[0].get_lines()
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
    # one colour per depth, the same in every panel
    assert lines[0].get_color() == lines[1].get_color() == axes[1].get_lines()[0].get_color()
    assert lines[0].get_color() != lines[2].get_color()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["depth = 1", "depth = 9", "training", "validation"]
    by_name = learning_curves(fake_history(), hue="name")
    assert next(t.get_text() for t in by_name.legends[0].get_texts()) == "d1 p0.0"
    assert all(float(t).is_integer() for t in by_name.axes[-1].get_xticks())
    with pytest.raises(KeyError, match="no column"):
        learning_curves(fake_history(), hue="width")


def test_colors_are_stable_and_ordered():
    assert colors_for([9, 1, 5]) == colors_for([1, 5, 9])
    assert list(colors_for(["b", "a"])) == ["b", "a"]


def test_weight_histograms(data_folder, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_folder))
    small = helpers.dense_network(784, [20], 10)
    fig = helpers.weight_histograms({"a": small, "b": helpers.dense_network(784, [20], 10)}, layers="output")
    assert fig.axes[0].get_xlabel() == "weight value"
    assert helpers.kernel_weights(small, "output").shape == (200,)
    assert helpers.kernel_weights(small, "all").shape == (784 * 20 + 200,)
    with pytest.raises(ValueError, match="'all', 'hidden' or 'output'"):
        helpers.kernel_weights(small, "first")


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


def test_conclusion_check_passes_and_fails():
    ok = check_conclusion("a holds", passed=np.bool_(True), evidence="1 > 0")
    assert ok.passed and helpers.checks_table().iloc[-1]["claim"] == "a holds"
    with pytest.raises(ConclusionNotSupported) as info:
        check_conclusion("b holds", passed=False, evidence="gap 0.01 vs 0.20")
    assert "b holds" in str(info.value) and "gap 0.01 vs 0.20" in str(info.value)
    assert not helpers.checks_table().iloc[-1]["passed"]


def test_learning_curves_other_x_axis_and_best_epoch_marks():
    history = fake_history().assign(updates=lambda h: h["epoch"] * 100)
    fig = learning_curves(history, hue="name", x="updates", marks={"d9 p0.0": 3})
    loss_axis = fig.axes[0]
    assert fig.axes[-1].get_xlabel() == "weight updates so far"
    first = loss_axis.get_lines()[0]
    assert list(first.get_xdata()) == [100, 200, 300, 400, 500, 600]
    circles = [line for line in loss_axis.get_lines() if line.get_marker() == "o"]
    assert len(circles) == 1
    assert list(circles[0].get_xdata()) == [300]
    expected = history[(history.name == "d9 p0.0") & (history.epoch == 3)]["val_loss"].iloc[0]
    assert list(circles[0].get_ydata()) == [expected]  # on the dashed validation curve
    assert "best epoch" in [t.get_text() for t in fig.legends[0].get_texts()]
    with pytest.raises(KeyError, match="no column"):
        learning_curves(fake_history(), x="updates")


def test_digit_grid_titles_and_mistakes():
    from helpers import digit_grid

    images = np.random.default_rng(0).random((5, 784))
    fig = digit_grid(images, [1, 2, 3, 4, 5], predictions=[1, 2, 0, 4, 5], columns=4)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:5] == ["1", "2", "3 (model: 0)", "4", "5"] and titles[5:] == ["", "", ""]
    assert fig.axes[2].title.get_color() == "tab:red"
    one_hot = np.eye(10)[[7, 8]]
    assert [ax.get_title() for ax in digit_grid(images[:2], one_hot).axes[:2]] == ["7", "8"]
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        digit_grid(images[:2], [1, 2, 3])


# --------------------------------------------------------------------------
# Several seeds: mean lines with a band; the one rule for effects
# --------------------------------------------------------------------------


def seeded_history():
    frames = []
    for seed, shift in ((0, 0.0), (1, 0.1), (2, 0.2)):
        frame = fake_history()
        frame["seed"] = seed
        frame["val_loss"] += shift
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_learning_curves_draw_the_mean_of_the_seeds_and_a_band_from_lowest_to_highest():
    fig = learning_curves(seeded_history(), hue="depth", col="dropout")
    ax = fig.axes[0]
    validation = ax.get_lines()[1]  # depth 1's dashed validation loss: the mean of the three seeds
    np.testing.assert_allclose(validation.get_ydata(), [1.0 / e + 0.1 for e in range(1, 7)])
    bands = ax.collections
    assert len(bands) == 4  # training and validation band for each depth
    lows = bands[1].get_paths()[0].vertices[:, 1]
    assert lows.min() == pytest.approx(1.0 / 6)  # the band reaches down to seed 0's curve
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "training, mean of 3 seeds" in labels and "band: lowest to highest of 3 seeds" in labels


def test_check_effect_passes_only_when_every_seed_agrees_and_the_mean_clears_the_margin():
    ok = helpers.check_effect("gains a point", {0: 0.012, 1: 0.02}, margin=0.01, what="accuracy gained")
    assert ok.passed and "+0.012 (seed 0), +0.020 (seed 1)" in ok.evidence and "positive in 2 of 2" in ok.evidence
    with pytest.raises(ConclusionNotSupported, match="positive in 1 of 2"):  # one seed contradicts the claim
        helpers.check_effect("gains a point", {0: 0.05, 1: -0.001}, margin=0.01, what="gain")
    with pytest.raises(ConclusionNotSupported, match=r"mean \+0.005 < margin 0.01"):  # real but too small
        helpers.check_effect("gains a point", {0: 0.004, 1: 0.006}, margin=0.01, what="gain")
    with pytest.raises(ConclusionNotSupported):  # a sign flip is a failure, never a success
        helpers.check_effect("gains a point", {0: -0.05, 1: -0.04}, margin=0.01, what="gain")
    with pytest.raises(ValueError, match="margin"):
        helpers.check_effect("x", {0: 1.0}, margin=0, what="gain")
    with pytest.raises(ValueError, match="at least one seed"):
        helpers.check_effect("x", {}, margin=0.1, what="gain")
    by_seed = pd.Series({3: 0.02, 4: 0.03})  # a Series indexed by seed works as the mapping does
    assert "+0.020 (seed 3), +0.030 (seed 4)" in helpers.check_effect("x", by_seed, margin=0.01, what="g").evidence
    with pytest.raises(ValueError, match="at least one seed"):
        helpers.check_effect("x", pd.Series(dtype=float), margin=0.1, what="gain")


def test_over_seeds_shows_mean_and_range_per_setting():
    final = seeded_history().groupby(["name", "seed"]).last().reset_index()
    table = helpers.over_seeds(final, ["val_loss"], digits=3)
    assert table.loc["d1 p0.0", "val_loss"] == "0.267 (0.167 to 0.367)"
    assert table.loc["d1 p0.0", "seeds"] == 3
    with pytest.raises(KeyError, match="no column"):
        helpers.over_seeds(final, ["nothing"])


def test_check_ratio_is_the_same_rule_on_log_ratios():
    ok = helpers.check_ratio("at least 5x", {0: 8.0, 1: 20.0}, at_least=5, what="dead units, 0.1 over 0.001")
    assert ok.passed and "8x (seed 0)" in ok.evidence and "geometric mean 12.6x >= 5x" in ok.evidence
    with pytest.raises(ConclusionNotSupported, match="above 1 in 1 of 2"):
        helpers.check_ratio("at least 2x", {0: 30.0, 1: 0.9}, at_least=2, what="r")
    with pytest.raises(ConclusionNotSupported, match="< 5x"):
        helpers.check_ratio("at least 5x", {0: 3.0, 1: 4.0}, at_least=5, what="r")
    with pytest.raises(ValueError, match="above 1"):
        helpers.check_ratio("x", {0: 2.0}, at_least=1, what="r")


def test_curve_noise_counts_jumps_not_steady_trends():
    assert helpers.curve_noise([1.0, 2.0, 3.0, 4.0]) == 0.0  # a steady climb
    assert helpers.curve_noise([4.0, 3.0, 2.0, 1.0]) == 0.0  # a steady fall
    assert helpers.curve_noise([1.0, 2.0, 1.0, 2.0]) == pytest.approx(1.0)  # each point 1 off its neighbours' midpoint
    assert helpers.curve_noise([1.0, 2.0]) == 0.0


def test_a_figure_is_described_by_its_titles_axes_and_legends():
    history = pd.DataFrame(
        {"name": ["a"] * 3 + ["b"] * 3, "epoch": [1, 2, 3] * 2, "loss": [1.0, 0.5, 0.4] * 2, "val_loss": 0.6}
    ).assign(accuracy=0.9, val_accuracy=0.8)
    fig = learning_curves(history, title="Two runs")
    text = helpers.describe_figure(fig)
    assert text.startswith("Figure: Two runs.") and "Panel 1" in text and "against epoch" in text
    assert "loss" in text and " a" in text and " b" in text


def test_figures_shown_in_a_notebook_carry_their_alt_text():
    """helpers.setup wraps the inline backend's PNG formatter: the output's metadata holds the description."""
    from helpers.plots import _attach_alt_text

    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    shell = InteractiveShell.instance()
    try:
        shell.display_formatter.formatters["image/png"].for_type(Figure, lambda fig: b"\x89PNG fake")
        _attach_alt_text()
        _attach_alt_text()  # a second setup() does not wrap twice
        fig = matplotlib.figure.Figure()
        fig.add_subplot().set(title="weights", xlabel="value", ylabel="count")
        data, metadata = shell.display_formatter.format(fig)
        assert data["image/png"] == b"\x89PNG fake"
        assert metadata["image/png"]["alt"] == "Figure. It shows “weights”; count against value."
    finally:
        InteractiveShell.clear_instance()
