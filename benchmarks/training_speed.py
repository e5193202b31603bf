"""Training speed: the helpers' path against plain ``model.fit``, side by side.

Run: ``make benchmark`` (or ``.venv/bin/python benchmarks/training_speed.py``
with COURSE_DATA_DIR pointing at the datasets).  Each case trains the same
model on the same data from the same seed along both paths, alternating them
so that both see the same machine load, and reports the median times, their
ratio, the final validation accuracies of both, and the fraction of this
machine's dense matrix-multiply throughput each path achieved (measured with a
large ``tf.matmul`` in the same run).
"""

from __future__ import annotations

import helpers
from helpers import dense_network, load_imdb, load_mnist, train

import argparse
import itertools
import statistics
import time
from dataclasses import dataclass

import keras
import pandas as pd
import tensorflow as tf

TOLERANCE = 0.01  # final validation accuracies of the two paths must agree this closely


@dataclass
class Case:
    label: str
    data: helpers.Dataset
    hidden: list[int]
    outputs: int
    epochs: int
    batch_size: int
    optimizer: str = "adam"


def matmul_gflops(size: int = 2048, repeats: int = 20) -> float:
    """Dense float32 matrix-multiply throughput of this machine, in GFLOP/s."""
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    tf.matmul(a, b).numpy()  # warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        c = a
        for _ in range(repeats):
            c = tf.matmul(a, b)
        c.numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 * repeats / best / 1e9


def training_gflop(case: Case) -> float:
    """Multiply-adds of the dense layers: forward (2 flops each) and backward
    (4) per training example, forward only per validation example."""
    widths = [case.data.x_train.shape[1], *case.hidden, case.outputs]
    macs = sum(a * b for a, b in itertools.pairwise(widths))
    n_val = len(case.data.validation[0])
    return case.epochs * macs * (6 * len(case.data.x_train) + 2 * n_val) / 1e9


def plain_fit(case: Case, seed: int) -> tuple[float, float]:
    """What a reader would write without the helpers: Keras defaults throughout."""
    keras.utils.set_random_seed(seed)
    head, loss = ("sigmoid", "binary_crossentropy") if case.outputs == 1 else ("softmax", "categorical_crossentropy")
    model = keras.Sequential(
        [keras.Input((case.data.x_train.shape[1],))]
        + [keras.layers.Dense(w, activation="relu") for w in case.hidden]
        + [keras.layers.Dense(case.outputs, activation=head)]
    )
    model.compile(optimizer=case.optimizer, loss=loss, metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(
        case.data.x_train,
        case.data.y_train,
        epochs=case.epochs,
        batch_size=case.batch_size,
        validation_data=case.data.validation,
        verbose=0,
    )
    return time.perf_counter() - start, history.history["val_accuracy"][-1]


def helpers_fit(case: Case, seed: int) -> tuple[float, float]:
    keras.utils.set_random_seed(seed)
    model = dense_network(case.data.x_train.shape[1], case.hidden, case.outputs, optimizer=case.optimizer)
    run = train(model, case.data, epochs=case.epochs, batch_size=case.batch_size)
    return run.seconds, run.final["val_accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per path and case (median reported)")
    parser.add_argument("--markdown", help="also write the result table to this file")
    args = parser.parse_args()
    helpers.setup(seed=0, profile="quick")
    full = load_mnist()
    small = load_mnist(n_train=1000, n_test=3000)
    imdb = load_imdb()
    cases = [
        Case("784-1000-10, batch 32, 60k images, 2 epochs", full, [1000], 10, 2, 32),
        Case("784-1000-10, batch 128, 60k images, 3 epochs", full, [1000], 10, 3, 128),
        Case("784-1000-10, batch 1024, 60k images, 5 epochs", full, [1000], 10, 5, 1024),
        *[
            Case(f"depth {d} x 512, batch 128, n=1000, 18 epochs", small, [512] * d, 10, 18, 128)
            for d in (1, 3, 5, 7, 9)
        ],
        Case("IMDB 10000-16-16-1, RMSprop, batch 512, 4 epochs", imdb, [16, 16], 1, 4, 512, "rmsprop"),
    ]
    reference = [matmul_gflops()]
    rows = []
    for case in cases:
        times: dict[str, list[float]] = {"plain": [], "helpers": []}
        accuracy = {}
        for _ in range(args.repeats):
            for path, fit in (("plain", plain_fit), ("helpers", helpers_fit)):
                seconds, acc = fit(case, seed=0)
                times[path].append(seconds)
                accuracy[path] = float(acc)
        reference.append(matmul_gflops())  # re-measured between cases: the machine's load drifts
        plain, fast = statistics.median(times["plain"]), statistics.median(times["helpers"])
        peak = statistics.median(reference)
        work = training_gflop(case)
        rows.append(
            {
                "case": case.label,
                "plain fit (s)": round(plain, 1),
                "helpers (s)": round(fast, 1),
                "speed-up": round(plain / fast, 2),
                "val acc plain": round(accuracy["plain"], 4),
                "val acc helpers": round(accuracy["helpers"], 4),
                f"agree within {TOLERANCE}": abs(accuracy["plain"] - accuracy["helpers"]) <= TOLERANCE,
                "share of matmul peak, plain": f"{work / plain / peak:.0%}",
                "share of matmul peak, helpers": f"{work / fast / peak:.0%}",
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).to_markdown(index=False)
    summary = (
        f"Dense float32 matmul reference (2048 x 2048, median of {len(reference)} measurements in this run): "
        f"{statistics.median(reference):.0f} GFLOP/s (range {min(reference):.0f}-{max(reference):.0f})."
    )
    print("\n" + summary + "\n\n" + table)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(summary + "\n\n" + table + "\n")


if __name__ == "__main__":
    main()
