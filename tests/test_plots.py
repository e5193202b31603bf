"""helpers.plots: learning curves, colours, weight histograms and digit grids keep one visual language,
and every figure carries its alt text."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import helpers
from helpers import colors_for, learning_curves

import numpy as np
import pandas as pd
import pytest
from histories import fake_history, seeded_history


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
