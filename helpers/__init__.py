"""The course's shared library: data, models, training, plots, checks.

Every chapter starts with::

    import helpers
    profile = helpers.setup(seed=0)
"""

import os as _os
import sys as _sys

# Keep TensorFlow's C++ start-up chatter out of the book; must precede its import.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with the process's stderr closed for the moment.

    Jupyter kernels forward the C++ stderr into the notebook, and TensorFlow
    prints its oneDNN notice there before any log level applies.  Python
    errors still surface: they are raised as exceptions, not printed.
    """
    if "tensorflow" in _sys.modules:
        return
    try:
        _sys.stderr.flush()
        saved = _os.dup(2)
    except (OSError, ValueError):  # no real stderr (some embedded interpreters)
        import tensorflow  # noqa: F401
        return
    devnull = _os.open(_os.devnull, _os.O_WRONLY)
    _os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        _os.dup2(saved, 2)
        _os.close(saved)
        _os.close(devnull)


_import_tensorflow_quietly()


def _quiet_tensorflow_logger() -> None:
    """Silence TensorFlow's Python-side warnings (e.g. "triggered tf.function
    retracing", which fires when a chapter builds many models in a row and is
    expected there); errors still show."""
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)


_quiet_tensorflow_logger()

from .conclusions import Check, ConclusionNotSupported, check_conclusion, checks_table  # noqa: E402
from .data import (  # noqa: E402
    Dataset,
    DatasetNotFoundError,
    decode,
    imdb_arrays,
    load_imdb,
    load_mnist,
    load_reuters,
    mnist_arrays,
    multi_hot,
    one_hot,
    reuters_arrays,
    word_index,
)
from .models import FAST_COMPILE, dense_network, hidden_layers  # noqa: E402
from .plots import colors_for, digit_grid, kernel_weights, learning_curves, weight_histograms  # noqa: E402
from .protocol import CRITERIA, ProtocolResult, best_epoch, select_and_retrain  # noqa: E402
from .profiles import Profile, ProfileError, get_profile  # noqa: E402
from .runtime import current_seed, setup  # noqa: E402
from .summaries import evaluation_table, run_summary  # noqa: E402
from .training import Sweep, TrainingRun, sweep, train  # noqa: E402

__all__ = [
    "Check", "ConclusionNotSupported", "check_conclusion", "checks_table",
    "Dataset", "DatasetNotFoundError", "decode", "imdb_arrays", "load_imdb", "load_mnist",
    "load_reuters", "mnist_arrays", "multi_hot", "one_hot", "reuters_arrays", "word_index",
    "FAST_COMPILE", "dense_network", "hidden_layers",
    "colors_for", "digit_grid", "kernel_weights", "learning_curves", "weight_histograms",
    "Profile", "ProfileError", "get_profile", "current_seed", "setup", "evaluation_table", "run_summary",
    "Sweep", "TrainingRun", "sweep", "train",
    "CRITERIA", "ProtocolResult", "best_epoch", "select_and_retrain",
]
