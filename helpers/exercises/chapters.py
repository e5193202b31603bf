"""The exercises of every chapter, built from that chapter's own results.

Each ``chapter_NN`` function takes the objects the chapter made (a history, a
table...) and returns its exercises, so that a question about the results is
checked against the numbers of this very run::

    q1, q2 = chapter_01(history=run.history)

The ``solution_code`` of each exercise is the code between the
``# BEGIN SOLUTION`` and ``# END SOLUTION`` lines of the chapter
(tests/test_exercises.py holds them equal).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..protocol import best_epoch
from .core import Exercise, Wrong, _kind, as_number, choice, number, pair
from .models import model_checker


def _epoch_near_misses(history: pd.DataFrame, expected: int, other: str, other_name: str) -> dict[float, str]:
    """Plausible wrong epochs: the row index, the last epoch, the other criterion's best."""
    misses: dict[float, str] = {}
    last = int(history["epoch"].iloc[-1])
    if last != expected:
        misses[last] = "that is the last epoch; the best one came earlier."
    other_best = best_epoch(history, other)
    if other_best != expected:
        misses[other_best] = f"that is the epoch with the {other_name}; the exercise asks for the other criterion."
    if expected - 1 not in misses and expected - 1 >= 0:
        misses[expected - 1] = "off by one: that is the row's position counted from 0; epochs count from 1."
    return misses


def _one_run(history: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
    if name is not None:
        history = history[history["name"] == name]
    if history.empty:
        raise ValueError(f"no rows for run {name!r} in the history given to the exercises.")
    return history.reset_index(drop=True)


def chapter_01(history: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """A first network: a narrower model; the best epoch by validation loss."""
    expected = best_epoch(history, "val_loss")
    return (
        Exercise(
            "Exercise 1",
            model_checker("a 784-100-10 network", inputs=784, hidden=[100], outputs=10, output_activation="softmax"),
            "dense_network(inputs, [hidden widths], outputs): the chapter's network is dense_network(784, [1000], 10).",
            "narrow = dense_network(784, [100], 10)\n"
            "print(f\"{narrow.count_params():,} weights, {model.count_params() - narrow.count_params():,} fewer\")",
        ),
        Exercise(
            "Exercise 2",
            number(expected, "the epoch with the lowest validation loss", whole=True,
                   near_misses=_epoch_near_misses(history, expected, "val_accuracy", "highest validation accuracy")),
            "run.history has one row per epoch; .idxmin() on its val_loss column gives the row, "
            "and that row's epoch column the epoch.",
            "best = int(run.history.loc[run.history[\"val_loss\"].idxmin(), \"epoch\"])",
        ),
    )


def chapter_02(summary: pd.DataFrame, n: int, width: int, depth: int) -> tuple[Exercise, Exercise]:
    """Depth versus sample size: which depth overfits most; a deep network with more dropout."""
    plain = summary[(summary["n"] == n) & (summary["dropout"] == 0)].set_index("depth")["val_loss_excess"]
    expected = int(plain.idxmax())
    reasons = {int(d): f"at n = {n} without dropout its val_loss_excess is {v:.3f}, and one depth has more."
               for d, v in plain.items()}
    return (
        Exercise(
            "Exercise 1",
            choice(expected, [int(d) for d in plain.index], "the depth that overfits most", reasons=reasons,
                   normalise=lambda a: int(as_number(a, "a depth such as 5"))),
            f"summary.query(\"n == {n} and dropout == 0\") keeps the runs asked about; "
            "look for the largest val_loss_excess.",
            "plain = summary.query(\"n == @small and dropout == 0\")\n"
            "most_overfit = int(plain.loc[plain[\"val_loss_excess\"].idxmax(), \"depth\"])",
        ),
        Exercise(
            "Exercise 2",
            model_checker(f"the depth-{depth} network with dropout 0.5", inputs=784, hidden=[width] * depth,
                          outputs=10, dropout=0.5),
            "the chapter's network(depth, dropout) calls dense_network(784, [WIDTH] * depth, 10, dropout=dropout).",
            "deep_dropout = dense_network(784, [WIDTH] * max(DEPTHS), 10, dropout=0.5)",
        ),
    )


def chapter_03(gaps: Mapping[str, tuple[float, float]]) -> tuple[Exercise, Exercise]:
    """Dropout: dropout on the inputs; how much dropout narrowed experiment C's gap."""
    without, with_ = gaps["C"]
    expected = float(without - with_)
    return (
        Exercise(
            "Exercise 1",
            model_checker("experiment A's network with dropout 0.2 on the inputs", inputs=784, hidden=[128, 128],
                          outputs=10, input_dropout=0.2, dropout=0.5),
            "a Dropout layer placed after Flatten and before the first Dense layer drops input pixels.",
            "input_dropout = keras.Sequential([\n"
            "    keras.Input(shape=(28, 28)),\n"
            "    keras.layers.Flatten(),\n"
            "    keras.layers.Dropout(0.2),\n"
            "    keras.layers.Dense(128, activation=\"relu\"),\n"
            "    keras.layers.Dropout(0.5),\n"
            "    keras.layers.Dense(128, activation=\"relu\"),\n"
            "    keras.layers.Dropout(0.5),\n"
            "    keras.layers.Dense(10, activation=\"softmax\"),\n"
            "])",
        ),
        Exercise(
            "Exercise 2",
            number(expected, "how much dropout narrowed experiment C's gap", tolerance=5e-4,
                   near_misses={-expected: "the sign is flipped: take the gap without dropout minus the gap with it.",
                                100 * expected: "that is in percentage points; give it as a fraction, like the table.",
                                float(without): "that is the gap without dropout, not how much it narrowed."}),
            "table.loc[\"C\"] has two rows, without and with dropout; subtract their gap columns.",
            "without, with_ = table.loc[\"C\"][\"gap\"]\n"
            "narrowing_c = without - with_",
        ),
    )


def chapter_04(history: pd.DataFrame, long_run: str) -> tuple[Exercise, Exercise]:
    """L1 and L2: the long run's best epoch; a milder L2 penalty."""
    run = _one_run(history, long_run)
    expected = best_epoch(run, "val_loss")
    return (
        Exercise(
            "Exercise 1",
            number(expected, f"the epoch of the lowest validation loss in the {long_run} run", whole=True,
                   near_misses=_epoch_near_misses(run, expected, "val_accuracy", "highest validation accuracy")),
            f"keep the rows of durations.history whose name is \"{long_run}\", then .idxmin() on val_loss.",
            "long_run = durations.history[durations.history.name == f\"{settings['long']} epochs\"]\n"
            "best_long = int(long_run.loc[long_run[\"val_loss\"].idxmin(), \"epoch\"])",
        ),
        Exercise(
            "Exercise 2",
            model_checker("the wide network with l2=0.001", inputs=784, hidden=[1000], outputs=10, l2=0.001, l1=0.0),
            "dense_network takes the penalty as a keyword: l2=...",
            "mild = dense_network(784, [1000], 10, l2=0.001)",
        ),
    )


def chapter_05(x_train: np.ndarray, x_test: np.ndarray) -> tuple[Exercise, Exercise]:
    """Scaling: standardise the test images with the training statistics; count the background."""
    mean, std = float(x_train.mean()), float(x_train.std())
    expected = (x_test - mean) / std
    own = (x_test - x_test.mean()) / x_test.std()

    def standardised(answer: Any) -> str:
        if not hasattr(answer, "shape") or not hasattr(answer, "dtype"):
            raise Wrong(f"your answer is {_kind(answer)}; the exercise asks for an array "
                        f"shaped like raw.x_test {x_test.shape}.")
        values = np.asarray(answer, dtype="float64")
        if values.shape != x_test.shape:
            raise Wrong(f"your array has shape {values.shape}; the test images have shape {x_test.shape}.")
        if np.allclose(values, expected, atol=1e-4):
            return (f"right: the test images standardised with the training mean {mean:.2f} and "
                    f"standard deviation {std:.2f} (their own mean is now {values.mean():.3f}, not exactly 0).")
        if np.allclose(values, own, atol=1e-4):
            raise Wrong("you used the test images' own mean and standard deviation. A model must see "
                        "test data prepared exactly like its training data: use x.mean() and x.std().")
        raise Wrong(f"your values (mean {values.mean():.3f}, std {values.std():.3f}) are not "
                    f"(raw.x_test - x.mean()) / x.std().")

    fraction = float(np.mean(1.0 - x_train / 255.0 == 1.0))
    return (
        Exercise(
            "Exercise 1",
            standardised,
            "x holds the unscaled training images; x.mean() and x.std() are its statistics.",
            "x_test_std = (raw.x_test - x.mean()) / x.std()",
        ),
        Exercise(
            "Exercise 2",
            number(fraction, "the fraction of inverted training pixels equal to 1", tolerance=1e-4,
                   near_misses={float(np.mean(x_train == 255)): "that is the fraction equal to 0 after inversion.",
                                100 * fraction: "that is a percentage; give a fraction between 0 and 1."}),
            "invert the scaled images, 1.0 - x / 255.0, compare with == 1.0, and take np.mean of the result.",
            "fraction_ones = float(np.mean(1.0 - x / 255.0 == 1.0))",
        ),
    )


def chapter_06() -> tuple[Exercise, Exercise]:
    """Batch size: updates per epoch; a function that counts updates."""
    cases = [(60_000, 32, 1), (60_000, 128, 1), (60_000, 1024, 5), (10_000, 5_000, 30), (1_000, 300, 2)]

    def counter(answer: Any) -> str:
        if not callable(answer):
            raise Wrong(f"your answer is {_kind(answer)}; the exercise asks for a function "
                        f"updates(n, batch_size, epochs).")
        for n, batch, epochs in cases:
            want = -(-n // batch) * epochs
            try:
                got = answer(n, batch, epochs)
            except Exception as error:
                raise Wrong(f"updates({n}, {batch}, {epochs}) raised {type(error).__name__}: {error}") from None
            if isinstance(got, float) and got.is_integer():
                got = int(got)
            if got != want:
                extra = " (the last, smaller batch is an update too)" if got == n // batch * epochs else ""
                raise Wrong(f"updates({n}, {batch}, {epochs}) returned {got!r}; it should be {want}{extra}.")
        return f"right on all {len(cases)} cases, partial last batches included."

    return (
        Exercise(
            "Exercise 1",
            number(469, "the number of updates in one epoch at batch size 128 on 60,000 images", whole=True,
                   near_misses={468: "rounded down: the last 96 images form a batch of their own, and an update."}),
            "60,000 / 128 is not whole; what happens to the images left over?",
            "updates_128 = -(-60_000 // 128)  # 469: 468 full batches and one of 96 images",
        ),
        Exercise("Exercise 2", counter,
                 "n / batch_size rounded up is the updates per epoch; np.ceil or -(-n // batch_size) round up.",
                 "def updates(n, batch_size, epochs):\n    return -(-n // batch_size) * epochs"),
    )


def chapter_07(toy: Callable[[float], pd.DataFrame], rates: Sequence[float] = (0.4, 0.47)) -> tuple[Exercise, Exercise]:
    """Learning rate: a slower Adam; which toy rate converges."""
    finals = {rate: toy(rate)["loss"] for rate in rates}
    converging = [rate for rate, loss in finals.items() if loss.iloc[-1] < loss.iloc[0]]
    if len(converging) != 1:
        raise ValueError(f"expected exactly one converging rate among {list(rates)}, found {converging}.")
    reasons = {rate: f"its loss went from {loss.iloc[0]:.3f} to {loss.iloc[-1]:.3g} in {len(loss) - 1} steps."
               for rate, loss in finals.items()}
    return (
        Exercise(
            "Exercise 1",
            model_checker("the network with Adam at rate 0.0001", inputs=784, hidden=[1000], outputs=10,
                          optimizer="Adam", learning_rate=1e-4),
            "dense_network(..., learning_rate=...) sets the rate of the default Adam.",
            "slow = dense_network(784, [1000], 10, learning_rate=0.0001)",
        ),
        Exercise(
            "Exercise 2",
            choice(converging[0], list(rates), "the rate that converges", reasons=reasons,
                   normalise=lambda a: round(as_number(a, "a learning rate such as 0.4"), 6)),
            "descend(rate, analytic_gradient) returns the path; compare its first and last loss.",
            "paths = {rate: descend(rate, analytic_gradient)[\"loss\"] for rate in (0.4, 0.47)}\n"
            "converges = next(rate for rate, loss in paths.items() if loss.iloc[-1] < loss.iloc[0])",
        ),
    )


def chapter_08(summary: pd.DataFrame) -> tuple[Exercise, Exercise]:
    """Optimizers: SGD with momentum; the weakest optimizer at default settings."""
    final = summary["val_accuracy"]
    expected = str(final.idxmin())
    reasons = {name: f"it ended at validation accuracy {acc:.4f}, and one optimizer ended lower."
               for name, acc in final.items()}
    return (
        Exercise(
            "Exercise 1",
            model_checker("the network with SGD, rate 0.01 and momentum 0.9", inputs=784, hidden=[1000], outputs=10,
                          optimizer="SGD", learning_rate=0.01, momentum=0.9),
            "keras.optimizers.SGD(learning_rate=..., momentum=...) is an object; give it to dense_network(..., optimizer=...).",
            "momentum = dense_network(784, [1000], 10,\n"
            "                         optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))",
        ),
        Exercise(
            "Exercise 2",
            choice(expected, [str(n) for n in final.index], "the optimizer with the lowest final validation accuracy",
                   reasons=reasons, normalise=lambda a: str(a).strip().lower() if isinstance(a, str) else _not_name(a)),
            "summary[\"val_accuracy\"].idxmin() names the row with the lowest value.",
            "weakest = summary[\"val_accuracy\"].idxmin()",
        ),
    )


def _not_name(answer: Any) -> Any:
    raise TypeError(f"a name is a string, not a {type(answer).__name__}")


def chapter_09(width: int = 1000) -> tuple[Exercise, Exercise]:
    """Batch normalization: without the penalty; what a BatchNormalization layer stores."""
    import keras

    layer = keras.layers.BatchNormalization()
    layer.build((None, width))
    total, frozen = layer.count_params(), sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
    return (
        Exercise(
            "Exercise 1",
            model_checker("the source's batch-normalised network without the L2 penalty", inputs=784, hidden=[1000],
                          outputs=10, batch_norm=True, l2=0.0),
            "the chapter's run() passes l2=0.01 to dense_network; leave it out, keep batch_norm=True.",
            "bn_plain = dense_network(784, [1000], 10, batch_norm=True, batch_norm_position=\"after_activation\")",
        ),
        Exercise(
            "Exercise 2",
            pair(number(total, f"the parameter count of a BatchNormalization layer on {width} units", whole=True,
                        near_misses={total / 2: "that counts only gamma and beta (or only the moving mean and "
                                                "variance); the layer stores all four vectors."}),
                 number(frozen, "the number of those the optimizer never changes", whole=True,
                        near_misses={0: "the moving mean and variance are weights too, updated by averaging, "
                                        "not by the optimizer.", total: "gamma and beta are trained."}),
                 ("total", "not trained")),
            "a BatchNormalization layer keeps gamma, beta, a moving mean and a moving variance, one of each per unit.",
            "layer = keras.layers.BatchNormalization()\n"
            "layer.build((None, 1000))\n"
            "bn_weights = (layer.count_params(), sum(w.shape[0] for w in layer.non_trainable_weights))",
        ),
    )


def chapter_10(history: pd.DataFrame, inputs: int) -> tuple[Exercise, Exercise]:
    """IMDB: the 64-unit variant's best epoch by validation accuracy; a dropout variant."""
    run = _one_run(history, "64 units")
    expected = best_epoch(run, "val_accuracy")
    return (
        Exercise(
            "Exercise 1",
            number(expected, "the epoch with the highest validation accuracy of the 64-unit variant", whole=True,
                   near_misses=_epoch_near_misses(run, expected, "val_loss", "lowest validation loss")),
            "keep the rows of result.history whose name is \"64 units\", then .idxmax() on val_accuracy.",
            "rows = result.history[result.history.name == \"64 units\"]\n"
            "best_64 = int(rows.loc[rows[\"val_accuracy\"].idxmax(), \"epoch\"])",
        ),
        Exercise(
            "Exercise 2",
            model_checker("the baseline with dropout 0.5", inputs=inputs, hidden=[16, 16], outputs=1, dropout=0.5,
                          optimizer="RMSprop", activation="relu"),
            "dense_network(..., dropout=0.5) adds Dropout after each hidden layer; keep the baseline's other settings.",
            "with_dropout = dense_network(settings[\"num_words\"], [16, 16], 1, dropout=0.5, optimizer=\"rmsprop\")",
        ),
    )


def chapter_11(train_topics: np.ndarray, test_topics: np.ndarray, inputs: int) -> tuple[Exercise, Exercise]:
    """Reuters: sparse labels; the accuracy of always guessing the most common topic."""
    common = int(np.bincount(train_topics).argmax())
    expected = float(np.mean(test_topics == common))
    return (
        Exercise(
            "Exercise 1",
            model_checker("the baseline for sparse labels", inputs=inputs, hidden=[64, 64], outputs=46,
                          loss="sparse_categorical_crossentropy"),
            "the labels are then topic numbers, not one-hot rows: the loss must be the sparse variant.",
            "sparse = dense_network(settings[\"num_words\"], [64, 64], 46, loss=\"sparse_categorical_crossentropy\")",
        ),
        Exercise(
            "Exercise 2",
            number(expected, f"the test accuracy of always guessing topic {common}", tolerance=5e-4,
                   near_misses={float(np.mean(train_topics == common)): "that is the topic's share of the training "
                                "wires; the guess is scored on the test wires.",
                                100 * expected: "that is a percentage; give a fraction between 0 and 1."}),
            "the most common training topic is np.bincount(train_topics).argmax(); score it on test_topics.",
            "common = np.bincount(train_topics).argmax()\n"
            "always_common = float(np.mean(test_topics == common))",
        ),
    )
