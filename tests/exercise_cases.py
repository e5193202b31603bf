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


def _table03() -> pd.DataFrame:
    rows = [
        (experiment, model, seed)
        for experiment, rate in (("A", 0.5), ("B", 0.4), ("C", 0.75))
        for model in ("dropout 0.0", f"dropout {rate}")
        for seed in (0, 1)
    ]
    index = pd.MultiIndex.from_tuples(rows, names=["experiment", "model", "seed"])
    gap = [0.02, 0.02, 0.01, 0.01, 0.03, 0.03, 0.015, 0.015, 0.0402, 0.0422, 0.0121, 0.0141]  # C: means 0.0412, 0.0131
    return pd.DataFrame({"gap": gap, "train_accuracy": 0.99, "test_accuracy": 0.97}, index=index)


TOY_X = np.linspace(0.0, 2.0, 21)


def toy_loss(w, b):
    return np.mean((w * TOY_X + b - 2.0 * TOY_X) ** 2)


def analytic_gradient(w, b):
    error = w * TOY_X + b - 2.0 * TOY_X
    return 2 * np.mean(error * TOY_X), 2 * np.mean(error)


def descend(rate, gradient, steps=30):
    w, b = 1.477, 0.0
    path = [(0, w, b, toy_loss(w, b))]
    for step in range(1, steps + 1):
        dw, db = gradient(w, b)
        w, b = w - rate * dw, b - rate * db
        path.append((step, w, b, toy_loss(w, b)))
    return pd.DataFrame(path, columns=["epoch", "w", "b", "loss"])


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
TRAIN_TOPICS = np.array([3] * 40 + [4] * 25 + [1] * 10 + [0] * 5)
TEST_TOPICS = np.array([3] * 9 + [4] * 8 + [1] * 3)
SUMMARY08 = pd.DataFrame({"val_accuracy": [0.94, 0.979, 0.978, 0.86]}, index=["SGD", "Adam", "RMSprop", "Adadelta"])
SUMMARY08_SEEDS = pd.DataFrame(  # one row per optimizer and seed; its mean over seeds is SUMMARY08
    {"val_accuracy": [0.93, 0.95, 0.978, 0.98, 0.977, 0.979, 0.85, 0.87]},
    index=pd.MultiIndex.from_product([["SGD", "Adam", "RMSprop", "Adadelta"], [0, 1]], names=["name", "seed"]),
)
HISTORY10 = pd.concat(
    [
        one_run("baseline", [0.3, 0.28, 0.29], [0.87, 0.88, 0.885]),
        one_run("64 units", [0.30, 0.27, 0.28, 0.33], [0.87, 0.885, 0.89, 0.88]),
    ],
    ignore_index=True,
)


@dataclass
class Case:
    chapter: str
    factory: Callable[..., tuple]
    context: dict[str, Any]
    namespace: dict[str, Any]  # what the chapter's solution code reads
    answers: tuple[str | tuple[str, ...], str]  # the variable(s) each solution assigns
    wrong: tuple[list[tuple[Any, str]], list[tuple[Any, str]]] = field(default_factory=lambda: ([], []))

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
    ),
    Case(
        "01b_activations_and_losses",
        ex.chapter_01b,
        {"x": BATCH_X, "y": BATCH_Y, "sigmoid_ratios": {0: 1.4e-7, 1: 1.8e-7}},
        {"derivative": derivative, "bce_of_z": bce_of_z, "mse_of_z": mse_of_z},
        ("he_sigmoid", "times_larger"),
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
    ),
    Case(
        "05_scaling_and_inversion",
        ex.chapter_05,
        {"x_train": X_TRAIN, "x_test": X_TEST},
        {"x": X_TRAIN, "raw": SimpleNamespace(x_test=X_TEST)},
        ("x_test_std", "fraction_ones"),
        (
            [
                ((X_TEST - X_TEST.mean()) / X_TEST.std(), "test images' own mean"),
                (X_TEST / 255.0, "are not (raw.x_test - x.mean()) / x.std()"),
                ([1, 2], "asks for an array"),
            ],
            [
                (float(np.mean(X_TRAIN == 255)), "fraction equal to 0 after inversion"),
                (100 * float(np.mean(X_TRAIN == 0)), "percentage"),
            ],
        ),
    ),
    Case(
        "06_batch_size",
        ex.chapter_06,
        {},
        {},
        ("updates_128", "updates"),
        (
            [(468, "rounded down"), (468.75, "not a whole number"), ("469", "without quotes")],
            [
                (lambda n, b, e: n // b * e, "the last, smaller batch is an update too"),
                (lambda n, b: n // b, "raised TypeError"),
                (1875, "asks for a function"),
            ],
        ),
    ),
    Case(
        "07_learning_rate",
        ex.chapter_07,
        {"toy": lambda rate: descend(rate, analytic_gradient)},
        {"descend": descend, "analytic_gradient": analytic_gradient},
        ("slow", "converges"),
        (
            [
                (dense_network(784, [1000], 10), "learning rate 0.001; the exercise asks for 0.0001"),
                (dense_network(784, [1000], 10, optimizer="sgd", learning_rate=1e-4), "trains with SGD"),
            ],
            [(0.47, "its loss went from"), (0.46, "not among the choices")],
        ),
    ),
    Case(
        "08_optimizers",
        ex.chapter_08,
        {"summary": SUMMARY08},
        {"summary": SUMMARY08_SEEDS},
        ("momentum", "weakest"),
        (
            [
                (dense_network(784, [1000], 10, optimizer="sgd", learning_rate=0.01), "momentum 0"),
                (dense_network(784, [1000], 10), "trains with Adam; the exercise asks for SGD"),
            ],
            [("SGD", "one optimizer ended lower"), ("adamw", "not among the choices"), (3, "your answer is an int")],
        ),
    ),
    Case(
        "09_batch_normalization",
        ex.chapter_09,
        {},
        {},
        ("bn_plain", "bn_weights"),
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
        ),
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
    ),
    Case(
        "11_reuters",
        ex.chapter_11,
        {"train_topics": TRAIN_TOPICS, "test_topics": TEST_TOPICS, "inputs": 10000},
        {"train_topics": TRAIN_TOPICS, "test_topics": TEST_TOPICS, "settings": {"num_words": 10000}},
        ("sparse", "always_common"),
        (
            [(dense_network(10000, [64, 64], 46), "the exercise asks for 'sparse_categorical_crossentropy'")],
            [(0.5, "share of the training wires"), (45.0, "percentage")],
        ),
    ),
]
