"""The book's tooling: what builds, caches, tests and publishes the course.

This package is never installed into a student's Python: it works on the
checkout it sits in (the folder above it, which holds ``_toc.yml``) and needs
the book's own dependencies (``pip install -e ".[book]"``, or the pinned
``requirements.txt``).  The library the chapters import is ``helpers``; the
tooling reads only its light, TensorFlow-free modules (``helpers.profiles``,
``helpers.records``, ``helpers.curves``), so no build command starts a deep-learning backend.

- ``cluster``: the one way a chapter is executed (by a Dask worker) and the
  runner that sends chapters to workers and hands their results back;
- ``build``: the per-profile (and per-device) execution cache, and
  ``execute``, which runs the chapters the cache lacks;
- ``robustness``: every chapter from several base seeds, each claim's pass rate;
- ``nbval_plugin``: the pytest plugin that hands nbval's executions to the book
  build and runs each chapter's exercises, solutions and student edition;
- ``sphinx_ext``: "Results at a glance", "About this build" and "Robustness";
- ``editions``: the student editions, the Colab install line and a release's files;
- ``assignment``: the assignment edition (student notebooks, a wheel without solutions);
- ``grade``: a class's submitted notebooks run and graded into a gradebook;
- ``margins``, ``pages``, ``citations``, ``mathjax``, ``upstream``: the site's figures,
  summary pages, the student editions' citations, MathJax, other projects' patches.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The Keras backend the book is built, tested and benchmarked with, unless
# KERAS_BACKEND says otherwise: what is validated is what is published.
# JAX trains the course's dense networks 1.5 to 2.7 times faster than TensorFlow
# on the 2-core CPU, measured side by side (benchmarks/README.md).
BOOK_BACKEND = "jax"


def strict_checks() -> None:
    """Make every chapter check stop its notebook when it fails (``COURSE_CHECKS=strict``).

    The tests call this (nbval runs the chapters' kernels from pytest's own
    environment); the runner (``coursebook.cluster.task_env``) gives the same
    setting to every chapter it executes.  What is published, validated or
    recorded has passed every check.  A student's own run keeps the default,
    ``report`` (``helpers.conclusions``).
    """
    os.environ["COURSE_CHECKS"] = "strict"


def use_book_backend() -> str:
    """Set ``KERAS_BACKEND`` to the book's backend unless it is set already; return the one in force."""
    return os.environ.setdefault("KERAS_BACKEND", BOOK_BACKEND)
