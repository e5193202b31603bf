"""Training speed, measured side by side in one run: backends, the helpers' path, seeds together.

Run: ``make benchmark`` (or ``.venv/bin/python benchmarks/training_speed.py``
with COURSE_DATA_DIR pointing at the datasets).

Keras picks its backend once per process, so every measurement runs in a
worker process of its own (``--worker``), and the driver alternates the paths
case by case so that all of them see the same machine load.  It reports:

1. per case, plain ``model.fit`` on TensorFlow, plain ``model.fit`` on JAX and
   the helpers' path (``dense_network`` + ``train``, on the book's backend):
   the median time, the speed-up over plain TensorFlow, the final validation
   accuracies (which must agree within 0.01) and the share of this machine's
   matrix-multiply peak each path reached;
2. seeds per second for 1, 3, 5 and 10 seeds of the depth-1 network of
   "Depth versus sample size", stacked in one model and trained one by one
   (``helpers.train_seeds``).

The matrix-multiply peak is the best of a 2048 x 2048 float32 product on
either backend, measured in the same run.  Never a timed assertion: these
are measurements of a shared machine, reported with the conditions.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.01  # final validation accuracies of the paths must agree this closely
PATHS = ("plain tensorflow", "plain jax", "helpers")
BOOK_BACKEND = "jax"  # coursebook.BOOK_BACKEND, repeated here so that a worker imports nothing of the book

# label: (dataset, hidden widths, outputs, epochs, batch size, optimizer)
CASES: dict[str, tuple[str, list[int], int, int, int, str]] = {
    "784-1000-10, batch 32, 60k images, 1 epoch": ("mnist", [1000], 10, 1, 32, "adam"),
    "784-1000-10, batch 128, 60k images, 3 epochs": ("mnist", [1000], 10, 3, 128, "adam"),
    "784-1000-10, batch 1024, 60k images, 5 epochs": ("mnist", [1000], 10, 5, 1024, "adam"),
    **{
        f"depth {d} x 512, batch 128, n=1000, 18 epochs": ("mnist-1000", [512] * d, 10, 18, 128, "adam")
        for d in (1, 3, 5, 9)
    },
    "IMDB 10000-16-16-1, RMSprop, batch 512, 4 epochs": ("imdb", [16, 16], 1, 4, 512, "rmsprop"),
}
SEED_COUNTS = (1, 3, 5, 10)


# --------------------------------------------------------------------------
# Worker: one measurement in a process of its own
# --------------------------------------------------------------------------


def _data(name: str):
    from helpers import load_imdb, load_mnist

    if name == "mnist":
        return load_mnist()
    if name == "mnist-1000":
        return load_mnist(n_train=1000, n_test=3000)
    return load_imdb()


def _plain_model(inputs: int, hidden: list[int], outputs: int, optimizer: str):
    """What a reader would write without the helpers: Keras defaults throughout."""
    import keras

    head, loss = ("sigmoid", "binary_crossentropy") if outputs == 1 else ("softmax", "categorical_crossentropy")
    model = keras.Sequential(
        [keras.Input((inputs,))]
        + [keras.layers.Dense(w, activation="relu") for w in hidden]
        + [keras.layers.Dense(outputs, activation=head)]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def measure_case(path: str, label: str) -> dict[str, float]:
    from helpers import dense_network, train

    import keras

    dataset, hidden, outputs, epochs, batch_size, optimizer = CASES[label]
    data = _data(dataset)
    keras.utils.set_random_seed(0)
    inputs = data.x_train.shape[1]
    if path == "helpers":
        run = train(
            dense_network(inputs, hidden, outputs, optimizer=optimizer), data, epochs=epochs, batch_size=batch_size
        )
        return {"seconds": run.seconds, "val_accuracy": float(run.final["val_accuracy"])}
    model = _plain_model(inputs, hidden, outputs, optimizer)
    start = time.perf_counter()
    history = model.fit(
        data.x_train, data.y_train, epochs=epochs, batch_size=batch_size, validation_data=data.validation, verbose=0
    )
    return {"seconds": time.perf_counter() - start, "val_accuracy": float(history.history["val_accuracy"][-1])}


def measure_seeds(count: int, stack: bool) -> dict[str, float]:
    from helpers import dense_network, train_seeds

    data = _data("mnist-1000")
    runs = train_seeds(
        lambda: dense_network(784, [512], 10), data, seeds=range(count), epochs=18, batch_size=128, stack=stack
    )
    last = runs.history.groupby("seed")["val_accuracy"].last()
    return {"seconds": runs.seconds, "val_accuracy": float(last.mean()), "stacked": runs.stacked}


def measure_matmul(size: int = 2048, repeats: int = 20) -> dict[str, float]:
    """Dense float32 matrix-multiply throughput on this worker's backend, in GFLOP/s."""
    import keras

    a = keras.random.normal((size, size), seed=1)
    b = keras.random.normal((size, size), seed=2)
    keras.ops.convert_to_numpy(keras.ops.matmul(a, b))  # warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            c = keras.ops.matmul(a, b)
        keras.ops.convert_to_numpy(c)
        best = min(best, time.perf_counter() - start)
    return {"gflops": 2 * size**3 * repeats / best / 1e9}


def worker(kind: str, argument: str) -> None:
    os.environ.setdefault("COURSE_PROGRESS", "none")
    import helpers

    helpers.setup(seed=0, profile="quick")
    if kind == "case":
        path, label = argument.split("|", 1)
        result = measure_case(path, label)
    elif kind == "seeds":
        count, how = argument.split("|")
        result = measure_seeds(int(count), how == "stacked")
    else:
        result = measure_matmul()
    print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def run_worker(backend: str, kind: str, argument: str = "") -> dict[str, float]:
    env = {**os.environ, "KERAS_BACKEND": backend, "COURSE_PROGRESS": "none"}
    command = [sys.executable, __file__, "--worker", kind, argument]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"worker {backend} {kind} {argument!r} failed:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def training_gflop(label: str, n_train: int, n_val: int, inputs: int) -> float:
    """Multiply-adds of the dense layers: forward (2 flops each) and backward (4)
    per training example, forward only per validation example."""
    _, hidden, outputs, epochs, _, _ = CASES[label]
    widths = [inputs, *hidden, outputs]
    macs = sum(a * b for a, b in itertools.pairwise(widths))
    return epochs * macs * (6 * n_train + 2 * n_val) / 1e9


SIZES = {"mnist": (60_000, 10_000, 784), "mnist-1000": (1_000, 3_000, 784), "imdb": (15_000, 10_000, 10_000)}
BACKEND_OF = {"plain tensorflow": "tensorflow", "plain jax": "jax", "helpers": BOOK_BACKEND}


def markdown(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|:--" + "|--:" * (len(columns) - 1) + "|"]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per path and case (median reported)")
    parser.add_argument("--markdown", help="also write the result tables to this file")
    parser.add_argument(
        "--case",
        action="append",
        metavar="TEXT",
        help="measure only the cases whose label contains TEXT (repeatable), and skip the seeds table",
    )
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    labels = [label for label in CASES if not args.case or any(text in label for text in args.case)]
    if not labels:
        parser.error(f"no case label contains {args.case}; the cases are: {'; '.join(CASES)}")
    started = time.perf_counter()
    peaks = {b: [run_worker(b, "matmul")["gflops"]] for b in ("tensorflow", "jax")}
    case_rows = []
    for label in labels:
        times: dict[str, list[float]] = {p: [] for p in PATHS}
        accuracy: dict[str, float] = {}
        for repeat in range(args.repeats):
            order = PATHS if repeat % 2 == 0 else PATHS[::-1]  # alternate, so that drift hits all paths alike
            for path in order:
                result = run_worker(BACKEND_OF[path], "case", f"{path}|{label}")
                times[path].append(result["seconds"])
                accuracy[path] = result["val_accuracy"]
        for backend in peaks:  # re-measured between cases: the machine's load drifts
            peaks[backend].append(run_worker(backend, "matmul")["gflops"])
        peak = max(statistics.median(v) for v in peaks.values())
        n_train, n_val, inputs = SIZES[CASES[label][0]]
        work = training_gflop(label, n_train, n_val, inputs)
        median = {p: statistics.median(times[p]) for p in PATHS}
        spread = max(accuracy.values()) - min(accuracy.values())
        row = {"case": label}
        row.update({f"{p} (s)": f"{median[p]:.1f}" for p in PATHS})
        row["helpers vs plain TF"] = f"{median['plain tensorflow'] / median['helpers']:.2f}x"
        row["plain JAX vs plain TF"] = f"{median['plain tensorflow'] / median['plain jax']:.2f}x"
        row["val acc TF / JAX / helpers"] = " / ".join(f"{accuracy[p]:.4f}" for p in PATHS)
        row[f"agree within {TOLERANCE}"] = "yes" if spread <= TOLERANCE else f"no ({spread:.4f})"
        row["share of matmul peak TF / JAX / helpers"] = " / ".join(f"{work / median[p] / peak:.0%}" for p in PATHS)
        case_rows.append(row)
        print(json.dumps(row), flush=True)

    seed_rows = []
    one = {}
    for count in SEED_COUNTS if not args.case else ():
        for how in ("stacked", "separate"):
            if count == 1 and how == "separate":
                continue
            seconds = [run_worker(BOOK_BACKEND, "seeds", f"{count}|{how}")["seconds"] for _ in range(args.repeats)]
            median = statistics.median(seconds)
            if count == 1:
                one["seconds"] = median
            seed_rows.append(
                {
                    "seeds": count,
                    "how": how if count > 1 else "one run",
                    "seconds": f"{median:.1f}",
                    "seeds per second": f"{count / median:.2f}",
                    "time vs one seed": f"{median / one['seconds']:.2f}x",
                }
            )
            print(json.dumps(seed_rows[-1]), flush=True)

    peak_text = ", ".join(f"{b} {statistics.median(v):.0f} (range {min(v):.0f}-{max(v):.0f})" for b, v in peaks.items())
    text = (
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores, {args.repeats} repeat(s) per path, "
        f"in {time.perf_counter() - started:.0f} s. Matrix-multiply peak, GFLOP/s (median of "
        f"{len(next(iter(peaks.values())))} measurements): {peak_text}; the share of peak below uses the higher.\n\n"
        + markdown(case_rows, list(case_rows[0]))
        + "\n"
    )
    if seed_rows:
        text += (
            "\nSeeds of the depth-1 network (784-512-10, n = 1000, batch 128, 18 epochs, validation on 3000), "
            f"on {BOOK_BACKEND}:\n\n" + markdown(seed_rows, list(seed_rows[0])) + "\n"
        )
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)


if __name__ == "__main__":
    main()
