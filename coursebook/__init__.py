"""The book's tooling: what builds, caches, tests and publishes the course.

This package is never installed into a student's Python: it works on the
checkout it sits in (the folder above it, which holds ``_toc.yml``) and needs
the book's own dependencies (``pip install -e ".[book]"``, or the pinned
``requirements.txt``).  The library the chapters import is ``helpers``; the
tooling reads only its light, TensorFlow-free modules (``helpers.profiles``,
``helpers.records``), so no build command starts a deep-learning backend.

- ``build``: the per-profile execution cache and the parallel chapter executor;
- ``nbval_plugin``: the pytest plugin that hands nbval's executions to the book
  build and runs each chapter's exercises, solutions and student edition;
- ``sphinx_ext``: "Results at a glance" and "About this build";
- ``editions``: the student editions and the Colab install line.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The Keras backend the book is built, tested and benchmarked with, unless
# KERAS_BACKEND says otherwise: what is validated is what is published.
# JAX trains the course's dense networks about 5 times faster than TensorFlow
# on the 2-core CPU (benchmarks/README.md).
BOOK_BACKEND = "jax"


def use_book_backend() -> str:
    """Set ``KERAS_BACKEND`` to the book's backend unless it is set already; return the one in force."""
    return os.environ.setdefault("KERAS_BACKEND", BOOK_BACKEND)


def project_root(root: Path | None = None) -> Path:
    """The course checkout the tooling works on (default: the one it sits in).

    Raises:
        FileNotFoundError: when that folder holds no ``_toc.yml``, e.g. because
            the tooling was copied or installed away from a checkout.
    """
    folder = Path(root) if root is not None else ROOT
    if not (folder / "_toc.yml").is_file():
        raise FileNotFoundError(
            f"{folder} is not a checkout of the course (no _toc.yml there). Run the book's "
            f"commands from the repository, e.g. `make book`, with coursebook/ beside _toc.yml."
        )
    return folder
