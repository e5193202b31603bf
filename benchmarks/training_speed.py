"""Training speed: the helpers' path against plain ``model.fit``, side by side.

Run: ``.venv/bin/python benchmarks/training_speed.py`` (COURSE_DATA_DIR must
point at the datasets).  Each case trains the same model on the same data from
the same seed twice per path, alternating the two paths so that both see the
same machine load, and reports the median times, their ratio and the final
metrics of both paths.
"""

from __future__ import annotations

import argparse
import statistics
import time

import keras
import pandas as pd

import helpers
from helpers import dense_network, load_mnist, train


def plain_fit(data, hidden, epochs, batch_size, seed):
    """What a reader would write without the helpers: Keras defaults throughout."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((784,))] + [keras.layers.Dense(w, activation="relu") for w in hidden]
        + [keras.layers.Dense(10, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(data.x_test, data.y_test), verbose=0)
    return time.perf_counter() - start, history.history["val_accuracy"][-1]


def helpers_fit(data, hidden, epochs, batch_size, seed):
    keras.utils.set_random_seed(seed)
    run = train(dense_network(784, hidden, 10), data, epochs=epochs, batch_size=batch_size)
    return run.seconds, run.final["val_accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    helpers.setup(seed=0, profile="quick")
    full = load_mnist()
    small = load_mnist(n_train=1000, n_test=3000)
    cases = [
        ("784-1000-10, batch 32, 60k images, 2 epochs", full, [1000], 2, 32),
        ("784-1000-10, batch 128, 60k images, 3 epochs", full, [1000], 3, 128),
        ("784-1000-10, batch 1024, 60k images, 5 epochs", full, [1000], 5, 1024),
        ("depth 9 x 512, batch 128, n=1000, 18 epochs", small, [512] * 9, 18, 128),
    ]
    rows = []
    for label, data, hidden, epochs, batch in cases:
        times = {"plain": [], "helpers": []}
        accuracy = {}
        for _ in range(args.repeats):
            for path, fit in (("plain", plain_fit), ("helpers", helpers_fit)):
                seconds, acc = fit(data, hidden, epochs, batch, seed=0)
                times[path].append(seconds)
                accuracy[path] = acc
        plain, fast = statistics.median(times["plain"]), statistics.median(times["helpers"])
        rows.append({
            "case": label,
            "plain fit (s)": round(plain, 1),
            "helpers (s)": round(fast, 1),
            "speed-up": round(plain / fast, 2),
            "val acc plain": round(float(accuracy["plain"]), 4),
            "val acc helpers": round(float(accuracy["helpers"]), 4),
        })
        print(rows[-1], flush=True)
    print()
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
