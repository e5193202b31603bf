"""The course's shared library: data, models, training, plots, checks.

Every chapter starts with::

    import helpers
    from helpers import check_conclusion, dense_network, load_mnist, train

    profile = helpers.setup(seed=0)

The names below load their module on first use, so ``import helpers`` alone
starts no deep-learning backend; the first name that needs Keras imports it
quietly (``helpers._backend``).  Import ``helpers`` before ``keras`` in a
notebook, as the chapters do, and TensorFlow's start-up lines stay out of it.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it.
_MODULES: dict[str, tuple[str, ...]] = {
    "conclusions": (
        "Check",
        "ConclusionNotSupported",
        "check_conclusion",
        "check_effect",
        "check_ratio",
        "checks_table",
    ),
    "data": (
        "Dataset",
        "DatasetFileError",
        "DatasetNotFoundError",
        "decode",
        "imdb_arrays",
        "load_imdb",
        "load_mnist",
        "load_reuters",
        "mnist_arrays",
        "multi_hot",
        "one_hot",
        "reuters_arrays",
        "word_index",
    ),
    "gradients": ("derivative", "gradient_norms"),
    "inspection": ("dead_units", "predicted_classes"),
    "models": ("dense_layers", "dense_network", "hidden_layers", "layer_table"),
    "plots": ("colors_for", "describe_figure", "digit_grid", "kernel_weights", "learning_curves", "weight_histograms"),
    "protocol": ("COLUMNS", "CRITERIA", "ProtocolResult", "best_epoch", "select_and_retrain"),
    "profiles": ("Profile", "ProfileError", "get_profile"),
    "runtime": ("current_seed", "setup"),
    "seeds": ("NotStackable", "SeedRuns", "train_seeds"),
    "session": ("SESSION",),
    "summaries": ("beside_the_source", "curve_noise", "evaluation_table", "over_seeds", "run_summary"),
    "sweeps": ("Sweep", "sweep"),
    "training": ("TrainingRun", "train"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
