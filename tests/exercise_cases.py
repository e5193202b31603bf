"""Small stand-ins for each chapter's results, for the exercise tests.

Each case gives the chapter's exercise factory, the context it is built
from, the names a chapter's solution code expects, the variable each
solution assigns, and plausible wrong answers with the message each must get.
"""

from __future__ import annotations

from helpers import dense_network, derivative
from helpers import exercises as ex

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import keras
import numpy as np
import pandas as pd


def one_run(name: str, val_loss: list[float], val_accuracy: list[float]) -> pd.DataFrame:
    epochs = len(val_loss)
    return pd.DataFrame(
        {
            "name": name,
            "epoch": range(1, epochs + 1),
            "loss": np.linspace(0.5, 0.05, epochs),
            "accuracy": np.linspace(0.85, 0.99, epochs),
            "val_loss": val_loss,
            "val_accuracy": val_accuracy,
        }
    )


HISTORY = one_run("run", [0.50, 0.40, 0.35, 0.37, 0.40, 0.45], [0.80, 0.85, 0.86, 0.87, 0.86, 0.85])


def _summary() -> pd.DataFrame:
    rows = []
    for n in (1000, 3000):
        for dropout in (0.0, 0.2):
            for depth, excess in ((1, 0.05), (5, 0.30), (9, 0.20)):
                rows.append(dict(n=n, dropout=dropout, depth=depth, val_loss_excess=excess / (n / 1000) + dropout))
    return pd.DataFrame(rows)


def _table03(c_gaps: tuple[float, ...] = (0.0402, 0.0422, 0.0121, 0.0141)) -> pd.DataFrame:
    rows = [
        (experiment, model, seed)
        for experiment, rate in (("A", 0.5), ("B", 0.4), ("C", 0.75))
        for model in ("dropout 0.0", f"dropout {rate}")
        for seed in (0, 1)
    ]
    index = pd.MultiIndex.from_tuples(rows, names=["experiment", "model", "seed"])
    gap = [0.02, 0.02, 0.01, 0.01, 0.03, 0.03, 0.015, 0.015, *c_gaps]  # C by default: means 0.0412, 0.0131
    return pd.DataFrame({"gap": gap, "train_accuracy": 0.99, "test_accuracy": 0.97}, index=index)


def bce_of_z(z):
    output = keras.ops.sigmoid(z)[:, None]
    return keras.losses.binary_crossentropy(keras.ops.ones_like(output), output)


def mse_of_z(z):
    output = keras.ops.sigmoid(z)[:, None]
    return keras.losses.mean_squared_error(keras.ops.ones_like(output), output)


_rng = np.random.default_rng(0)
BATCH_X = _rng.random((32, 784)).astype("float32")
BATCH_Y = np.eye(10, dtype="float32")[_rng.integers(0, 10, 32)]
X_TRAIN = (_rng.random((60, 784)) ** 3 * 255 * (_rng.random((60, 784)) > 0.6)).round().astype("uint8")
X_TRAIN[:, :5] = 255
X_TEST = (_rng.random((20, 784)) ** 2 * 255 * (_rng.random((20, 784)) > 0.5)).round().astype("uint8")


def seeded(name: str, column: str = "name", **curves: list[float]) -> pd.DataFrame:
    """A sweep's history for one variant: ``curves`` maps a metric to one list per seed (seeds 0, 1...)."""
    frames = []
    lists = {metric: values for metric, values in curves.items()}
    for seed in range(len(next(iter(lists.values())))):
        epochs = len(next(iter(lists.values()))[seed])
        frame = pd.DataFrame({column: name, "seed": seed, "epoch": range(1, epochs + 1)})
        for metric, values in lists.items():
            frame[metric] = values[seed]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


HISTORY01B = pd.concat(  # the sigmoid network's mean loss falls 2.31 -> 2.30 (0.01); relu with He's 0.9 -> 0.2
    [
        seeded("sigmoid", loss=[[2.31, 2.305, 2.30], [2.31, 2.305, 2.30]]),
        seeded("relu, He start", loss=[[0.9, 0.3, 0.2], [0.9, 0.3, 0.2]]),
    ],
    ignore_index=True,
)
HISTORY05 = pd.concat(  # unscaled: rises 0.30 and -0.10 (mean 0.10); scaled: falls 0.20 in both seeds
    [
        seeded("unscaled (0-255)", val_loss=[[1.0, 0.9, 1.3], [1.0, 0.8, 0.9]]),
        seeded("scaled (0-1)", val_loss=[[0.5, 0.4, 0.3], [0.5, 0.35, 0.3]]),
    ],
    ignore_index=True,
)
HISTORY06 = pd.concat(  # the huge batch's mean: 0.50, 0.70, 0.80, 0.85, 0.855, 0.86: within 0.01 from epoch 4
    [
        seeded("batch 32", val_accuracy=[[0.95, 0.96], [0.95, 0.97]]),
        seeded(
            "batch 5,000",
            val_accuracy=[[0.49, 0.69, 0.79, 0.84, 0.85, 0.86], [0.51, 0.71, 0.81, 0.86, 0.86, 0.86]],
        ),
    ],
    ignore_index=True,
)
HISTORY07 = pd.concat(  # rate 0.01's mean validation loss is lowest at epoch 2; rate 0.001's at epoch 4
    [
        seeded(0.001, "rate", val_loss=[[0.5, 0.4, 0.3, 0.25], [0.5, 0.4, 0.3, 0.27]], val_accuracy=[[0.9] * 4] * 2),
        seeded(
            0.01,
            "rate",
            val_loss=[[0.3, 0.2, 0.25, 0.3], [0.3, 0.22, 0.21, 0.3]],
            val_accuracy=[[0.93, 0.95, 0.96, 0.94], [0.93, 0.95, 0.96, 0.94]],
        ),
    ],
    ignore_index=True,
)
HISTORY08 = pd.concat(  # mean climbs above the lowest: SGD 0, Adam 0.05, RMSprop 0.10
    [
        seeded("SGD", val_loss=[[0.5, 0.4, 0.3], [0.5, 0.4, 0.3]]),
        seeded("Adam", val_loss=[[0.2, 0.1, 0.15], [0.2, 0.1, 0.15]]),
        seeded("RMSprop", val_loss=[[0.2, 0.1, 0.2], [0.2, 0.1, 0.2]]),
    ],
    ignore_index=True,
)
GAMMA09 = np.array([0.8] * 600 + [1.2] * 400)  # 60 % of the scales below 1
HISTORY11 = pd.concat(  # the bottleneck's mean: 2.0, 1.5, 1.2, 1.4, 1.7 (climb 0.5); the baseline's climb 0.1
    [
        seeded("baseline: 2 x 64", val_loss=[[1.0, 0.8, 0.9], [1.0, 0.8, 0.9]]),
        seeded("bottleneck: 64 -> 4", val_loss=[[2.0, 1.5, 1.2, 1.4, 1.7], [2.0, 1.5, 1.2, 1.4, 1.7]]),
    ],
    ignore_index=True,
)
HISTORY10 = pd.concat(
    [
        one_run("baseline", [0.3, 0.28, 0.29], [0.87, 0.88, 0.885]),
        one_run("64 units", [0.30, 0.27, 0.28, 0.33], [0.87, 0.885, 0.89, 0.88]),
    ],
    ignore_index=True,
)


def tilted(history: pd.DataFrame, column: str, slope: float, **only: Any) -> pd.DataFrame:
    """Another run's history: ``column`` plus ``slope`` per epoch after the first (in the rows ``only`` selects)."""
    other = history.copy()
    rows = np.ones(len(other), dtype=bool)
    for key, value in only.items():
        rows &= (other[key] == value).to_numpy()
    other.loc[rows, column] = other.loc[rows, column] + slope * (other.loc[rows, "epoch"] - 1)
    return other


@dataclass
class Case:
    chapter: str
    factory: Callable[..., tuple]
    context: dict[str, Any]
    namespace: dict[str, Any]  # what the chapter's solution code reads
    answers: tuple[str | tuple[str, ...], str]  # the variable(s) each solution assigns
    wrong: tuple[list[tuple[Any, str]], list[tuple[Any, str]]] = field(default_factory=lambda: ([], []))
    # Which exercise is answered from the chapter's own run, and another run's results for it:
    # (overrides of context, overrides of namespace).  Its answer must change with the run.
    from_run: int | None = None
    other_run: tuple[dict[str, Any], dict[str, Any]] = field(default_factory=lambda: ({}, {}))

    def exercises(self):
        return self.factory(**self.context)


BASE = {"dense_network": dense_network, "keras": keras, "np": np, "pd": pd}

CASES = [
    Case(
        "01_first_network",
        ex.chapter_01,
        {"history": HISTORY},
        {"mean_curve": HISTORY, "model": dense_network(784, [1000], 10)},
        (("narrow", "fewer"), "best"),
        (
            [
                ((dense_network(784, [1000], 10), 715_500), "your hidden layers have [1000] units, the exercise asks"),
                ((dense_network(784, [100, 100], 10), 715_500), "your model has 2 hidden layers, the exercise asks"),
                (
                    (dense_network(784, [100], 10, output_activation="sigmoid"), 715_500),
                    "your output layer's activation is sigmoid; the exercise asks for softmax",
                ),
                ((dense_network(784, [100], 10), 79_510), "how many weights the narrow network has"),
                ((dense_network(784, [100], 10), 714_600), "the biases are weights too"),
                (("dense_network(784, [100], 10)", 715_500), "the exercise asks for a Keras model"),
                (dense_network(784, [100], 10), "asks for two values, (narrow, fewer)"),
            ],
            [
                (2, "off by one"),
                (6, "that is the last epoch"),
                (4, "highest validation accuracy"),
                ("3", "Write it without quotes"),
                (3.5, "not a whole number"),
            ],
        ),
        from_run=1,
        other_run=({"history": tilted(HISTORY, "val_loss", -0.05)}, {"mean_curve": tilted(HISTORY, "val_loss", -0.05)}),
    ),
    Case(
        "01b_activations_and_losses",
        ex.chapter_01b,
        {"x": BATCH_X, "y": BATCH_Y, "sigmoid_ratios": {0: 1.4e-7, 1: 1.8e-7}, "history": HISTORY01B},
        {"derivative": derivative, "bce_of_z": bce_of_z, "mse_of_z": mse_of_z, "history": HISTORY01B},
        ("he_sigmoid", "times_larger", "sigmoid_drop"),
        (
            [
                (dense_network(784, [64] * 10, 10, activation="sigmoid"), "kernel_initializer='he_normal'"),
                (
                    dense_network(784, [64] * 10, 10, kernel_initializer="he_normal"),
                    "the exercise asks for sigmoid everywhere",
                ),
                (dense_network(784, [64] * 9, 10, activation="sigmoid"), "9 hidden layers, the exercise asks for 10"),
            ],
            [
                (1 / 25.51, "that is mse's slope over cross-entropy's"),
                (50.5, "too high"),
                ("25.5", "Write it without quotes"),
            ],
            [(-0.01, "the sign is flipped"), (0.7, "relu network with He's start"), (2.30, "last epoch's loss itself")],
        ),
        from_run=2,
        other_run=(
            {"history": tilted(HISTORY01B, "loss", -0.1, name="sigmoid")},
            {"history": tilted(HISTORY01B, "loss", -0.1, name="sigmoid")},
        ),
    ),
    Case(
        "02_depth_vs_sample_size",
        ex.chapter_02,
        {"summary": _summary(), "n": 1000, "width": 512, "depth": 9},
        {"mean_summary": _summary(), "small": 1000, "WIDTH": 512, "DEPTHS": [1, 5, 9]},
        ("most_overfit", "deep_dropout"),
        (
            [(9, "val_loss_excess is 0.200"), (7, "not among the choices"), ("deep", "your answer is a str")],
            [
                (dense_network(784, [512] * 9, 10, dropout=0.2), "the exercise asks for 0.5 after each"),
                (dense_network(784, [512] * 5, 10, dropout=0.5), "5 hidden layers, the exercise asks for 9"),
            ],
        ),
        from_run=0,
        other_run=(
            {"summary": _summary().assign(val_loss_excess=lambda t: t.val_loss_excess + (t.depth == 1))},
            {"mean_summary": _summary().assign(val_loss_excess=lambda t: t.val_loss_excess + (t.depth == 1))},
        ),
    ),
    Case(
        "03_dropout",
        ex.chapter_03,
        {"gaps": {"A": (0.02, 0.01), "B": (0.03, 0.015), "C": (0.0412, 0.0131)}},
        {"table": _table03()},
        ("input_dropout", "narrowing_c"),
        (
            [
                (dense_network((28, 28), [128, 128], 10, dropout=0.5), "no Dropout before its first Dense layer"),
                (dense_network((28, 28), [128, 128], 10, dropout=0.2), "no Dropout before its first Dense layer"),
                (
                    keras.Sequential(
                        [
                            keras.Input(shape=(28, 28)),
                            keras.layers.Flatten(),
                            keras.layers.Dropout(0.2),
                            keras.layers.Dense(128),
                            keras.layers.Dropout(0.5),
                            keras.layers.Dense(128),
                            keras.layers.Dropout(0.5),
                            keras.layers.Dense(10, activation="softmax"),
                        ]
                    ),
                    "your hidden activations are ['linear', 'linear']; the exercise asks for relu everywhere",
                ),
            ],
            [(-0.0281, "the sign is flipped"), (2.81, "percentage points"), (0.0412, "gap without dropout")],
        ),
        from_run=1,
        other_run=(
            {"gaps": {"A": (0.02, 0.01), "B": (0.03, 0.015), "C": (0.05, 0.01)}},
            {"table": _table03((0.05, 0.05, 0.01, 0.01))},
        ),
    ),
    Case(
        "04_overfitting_l1_l2",
        ex.chapter_04,
        {"history": HISTORY},
        {"long_mean": HISTORY},
        ("rise", "mild"),
        (
            [(0.1, "that is the difference"), (0.7778, "the other way round"), (3, "too high"), ("1.29", "quotes")],
            [
                (dense_network(784, [1000], 10, l2=0.1), "your L2 penalty is 0.1; the exercise asks for 0.001"),
                (dense_network(784, [1000], 10, l1=0.001), "have no L2 penalty"),
            ],
        ),
        from_run=0,
        other_run=({"history": tilted(HISTORY, "val_loss", 0.1)}, {"long_mean": tilted(HISTORY, "val_loss", 0.1)}),
    ),
    Case(
        "05_scaling_and_inversion",
        ex.chapter_05,
        {"x_train": X_TRAIN, "x_test": X_TEST, "history": HISTORY05},
        {"x": X_TRAIN, "raw": SimpleNamespace(x_test=X_TEST), "history": HISTORY05},
        ("x_test_std", "unscaled_rise"),
        (
            [
                ((X_TEST - X_TEST.mean()) / X_TEST.std(), "test images' own mean"),
                (X_TEST / 255.0, "are not (raw.x_test - x.mean()) / x.std()"),
                ([1, 2], "asks for an array"),
            ],
            [
                (-0.10, "the sign is flipped"),
                (-0.20, "the scaled network's"),
                (0.30, "that is seed 0 alone"),
                (0.5, "too high"),
                ("0.1", "without quotes"),
            ],
        ),
        from_run=1,
        other_run=(
            {"history": tilted(HISTORY05, "val_loss", -0.2, name="unscaled (0-255)")},
            {"history": tilted(HISTORY05, "val_loss", -0.2, name="unscaled (0-255)")},
        ),
    ),
    Case(
        "06_batch_size",
        ex.chapter_06,
        {"history": HISTORY06, "huge": "batch 5,000"},
        {"history": HISTORY06, "big_name": "batch 5,000"},
        ("updates_128", "updates", "settled"),
        (
            [(468, "rounded down"), (468.75, "not a whole number"), ("469", "without quotes")],
            [
                (lambda n, b, e: n // b * e, "the last, smaller batch is an update too"),
                (lambda n, b: n // b, "raised TypeError"),
                (1875, "asks for a function"),
            ],
            [(6, "the epoch of its best"), (3, "off by one"), (5, "too high"), (4.5, "not a whole number")],
        ),
        from_run=2,
        other_run=(
            {"history": tilted(HISTORY06, "val_accuracy", 0.05, name="batch 5,000")},
            {"history": tilted(HISTORY06, "val_accuracy", 0.05, name="batch 5,000")},
        ),
    ),
    Case(
        "07_learning_rate",
        ex.chapter_07,
        {"history": HISTORY07},
        {"history": HISTORY07},
        ("slow", "best_01"),
        (
            [
                (dense_network(784, [1000], 10), "learning rate 0.001; the exercise asks for 0.0001"),
                (dense_network(784, [1000], 10, optimizer="sgd", learning_rate=1e-4), "trains with SGD"),
            ],
            [
                (4, "that is the last epoch"),
                (1, "off by one"),
                (3, "highest validation accuracy"),
                ("2", "without quotes"),
            ],
        ),
        from_run=1,
        other_run=({"history": tilted(HISTORY07, "val_loss", -0.1)}, {"history": tilted(HISTORY07, "val_loss", -0.1)}),
    ),
    Case(
        "08_optimizers",
        ex.chapter_08,
        {"history": HISTORY08},
        {"history": HISTORY08},
        ("momentum", "overfit_most"),
        (
            [
                (dense_network(784, [1000], 10, optimizer="sgd", learning_rate=0.01), "momentum 0"),
                (dense_network(784, [1000], 10), "trains with Adam; the exercise asks for SGD"),
            ],
            [
                ("Adam", "ended 0.0500 above its lowest; RMSprop's ended 0.1000"),
                ("adamw", "not among the choices"),
                (3, "your answer is an int"),
            ],
        ),
        from_run=1,
        other_run=(
            {"history": tilted(HISTORY08, "val_loss", 0.2, name="Adam")},
            {"history": tilted(HISTORY08, "val_loss", 0.2, name="Adam")},
        ),
    ),
    Case(
        "09_batch_normalization",
        ex.chapter_09,
        {"gamma": GAMMA09},
        {"bn_layer": SimpleNamespace(gamma=GAMMA09)},
        ("bn_plain", "bn_weights", "scaled_down"),
        (
            [
                (
                    dense_network(784, [1000], 10, batch_norm=True, batch_norm_position="after_activation", l2=0.01),
                    "still have an L2 penalty",
                ),
                (dense_network(784, [1000], 10), "0 BatchNormalization layers"),
                (
                    dense_network(784, [1000], 10, batch_norm=True),  # the builder's default: the paper's place
                    "your batch normalization sits between the Dense layer and its activation",
                ),
            ],
            [
                ((2000, 2000), "only gamma and beta"),
                ((4000, 0), "moving mean and variance are weights too"),
                (4000, "asks for two values"),
            ],
            [(0.4, "the share at 1 or above"), (600, "that is a count"), (60.0, "percentage"), (0.61, "too high")],
        ),
        from_run=2,
        other_run=({"gamma": 1.3 * GAMMA09}, {"bn_layer": SimpleNamespace(gamma=1.3 * GAMMA09)}),
    ),
    Case(
        "10_imdb",
        ex.chapter_10,
        {"history": HISTORY10, "inputs": 10000},
        {"curves": HISTORY10, "settings": {"num_words": 10000}},
        ("best_64", "with_dropout"),
        (
            [(2, "lowest validation loss"), (4, "last epoch")],
            [
                (dense_network(10000, [16, 16], 1, optimizer="rmsprop"), "the exercise asks for 0.5 after each"),
                (dense_network(10000, [16, 16], 1, dropout=0.5), "trains with Adam"),
            ],
        ),
        from_run=0,
        other_run=(
            {"history": tilted(HISTORY10, "val_accuracy", 0.02, name="64 units")},
            {"curves": tilted(HISTORY10, "val_accuracy", 0.02, name="64 units")},
        ),
    ),
    Case(
        "11_reuters",
        ex.chapter_11,
        {"history": HISTORY11, "bottleneck": "bottleneck: 64 -> 4", "baseline": "baseline: 2 x 64", "inputs": 10000},
        {
            "result": SimpleNamespace(history=HISTORY11),
            "BOTTLENECK": "bottleneck: 64 -> 4",
            "settings": {"num_words": 10000},
        },
        ("sparse", "bottleneck_climb"),
        (
            [
                (
                    dense_network(10000, [64, 64], 46, optimizer="rmsprop"),
                    "the exercise asks for 'sparse_categorical_crossentropy'",
                ),
                (
                    dense_network(10000, [64, 64], 46, loss="sparse_categorical_crossentropy"),
                    "trains with Adam; the exercise asks for RMSprop",
                ),
            ],
            [
                (-0.5, "the sign is flipped"),
                (-0.3, "change from epoch 1"),
                (0.1, "the baseline's climb"),
                (0.4, "too low"),
            ],
        ),
        from_run=1,
        other_run=(
            {"history": tilted(HISTORY11, "val_loss", 0.3, name="bottleneck: 64 -> 4")},
            {"result": SimpleNamespace(history=tilted(HISTORY11, "val_loss", 0.3, name="bottleneck: 64 -> 4"))},
        ),
    ),
]
