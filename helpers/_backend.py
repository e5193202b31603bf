"""Keras, imported once, with the backend's start-up chatter kept out of the page.

Every module of ``helpers`` that needs Keras takes it from here
(``from ._backend import keras``), so the first of them to load imports
Keras and its backend (TensorFlow or JAX, as ``KERAS_BACKEND`` says) quietly.
``helpers``' light modules (profiles, records, session) never load it: the
book's tooling reads them without starting a deep-learning backend.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

# TensorFlow's C++ start-up log lines; must be set before it is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _import_all() -> None:
    import keras  # noqa: F401

    # Keras seeds TensorFlow too whenever it is installed (keras.utils.set_random_seed
    # imports it, whatever the backend), so TensorFlow is imported here, in the quiet.
    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow  # noqa: F401


def _import_quietly() -> None:
    """Import Keras, its backend and TensorFlow with the process's stderr closed for the moment.

    Jupyter kernels forward the C++ stderr into the notebook, and TensorFlow
    prints its oneDNN notice there before any log level applies.  Python
    errors still surface: they are raised as exceptions, not printed.
    """
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (some embedded interpreters)
        _import_all()
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        _import_all()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_quietly()
# TensorFlow's Python-side warnings (e.g. "triggered tf.function retracing",
# which fires when a chapter builds many models in a row and is expected
# there) stay out of the page; errors still show.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

import keras  # noqa: E402  (imported above, quietly; this binds the name)

__all__ = ["keras"]
