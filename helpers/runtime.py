"""The one call at the top of every chapter: seed, determinism, profile.

Used first in: "A first network".
"""

from __future__ import annotations

import dataclasses
import html

from . import records, settings
from ._backend import keras
from .conclusions import check_mode
from .plots import use_course_style
from .profiles import Profile, get_profile
from .records import installed_version
from .session import SESSION

PROGRESS_VARIABLE = settings.PROGRESS
# Set by the robustness runs (``make robustness``): replaces the seed a chapter passes to setup.
BASE_SEED_VARIABLE = settings.BASE_SEED
PROGRESS_MODES = ("bar", "none")


def setup(seed: int = 0, profile: str | None = None) -> Profile:
    """Seed every random generator, make TensorFlow deterministic, pick the profile.

    Same seed, same machine, same profile: the same numbers, run after run
    (on a GPU at the price of TensorFlow's slower deterministic kernels).

    Args:
        seed: seed for Python, NumPy and the Keras backend, and the first of
            the profile's seeds.  ``COURSE_BASE_SEED``, when set, replaces it
            (the robustness runs execute every chapter from other base seeds).
        profile: ``"quick"`` or ``"full"``; ``None`` reads ``COURSE_PROFILE``.

    Returns:
        The chosen ``Profile``; chapters call ``profile.pick(quick=..., full=...)``.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, not {seed!r}.")
    override = settings.read(BASE_SEED_VARIABLE)
    if override:
        if not override.isdigit():
            raise ValueError(f"{BASE_SEED_VARIABLE}={override!r} is not a seed: use a whole number >= 0, e.g. 100.")
        seed = int(override)
    chosen = dataclasses.replace(get_profile(profile), base_seed=seed)
    progress_mode()  # fail early on a misspelt COURSE_PROGRESS
    check_mode()  # ... or COURSE_CHECKS
    SESSION.seed = seed
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow" and _accelerator() == "GPU":
        import tensorflow as tf

        # GPU kernels may add in varying order; on the CPU, seeded runs are
        # already bit-identical (tests/test_training.py checks it), and this
        # switch would make Keras refuse XLA.
        tf.config.experimental.enable_op_determinism()
    use_course_style()
    info = run_info(chosen.name, seed)
    info["seeds"] = chosen.seeds
    SESSION.run = {**info, "backend_label": backend_label(info)}
    text = (
        f"Profile '{chosen.name}' ({chosen.description}); seed {seed}; "
        f"comparisons over seeds {', '.join(map(str, chosen.seeds))}. "
        f"Python {info['python']}, Keras {info['keras']} on {backend_label(info)}, NumPy {info['numpy']}."
    )
    records.show("run", info, text, f'<p class="course-run-line">{html.escape(text)}</p>')
    return chosen


def _accelerator() -> str:
    """``"GPU"`` when the Keras backend computes on one, else ``"CPU"``."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
    if backend == "jax":
        import jax

        return "GPU" if jax.default_backend() == "gpu" else "CPU"
    return "CPU"


BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch", "numpy": "NumPy"}


def backend_label(info: dict[str, str | int]) -> str:
    """The backend and its version in words, e.g. ``"TensorFlow 2.21.0"``."""
    backend = str(info["backend"])
    return f"{BACKEND_NAMES.get(backend, backend)} {info.get(backend, '')}".strip()


def run_info(profile: str, seed: int) -> dict[str, str | int]:
    """The facts a reader needs to reproduce a chapter's numbers."""
    import platform

    import numpy as np

    return {
        "profile": profile,
        "seed": seed,
        "python": platform.python_version(),
        "backend": keras.backend.backend(),
        "tensorflow": installed_version("tensorflow"),
        "jax": installed_version("jax"),
        "keras": keras.__version__,
        "numpy": np.__version__,
        "device": _accelerator(),
    }


def current_seed() -> int:
    """The seed given to the last ``setup`` call (0 before any)."""
    return SESSION.seed


def progress_mode() -> str:
    """``"bar"`` (a live progress bar, the default) or ``"none"`` (book builds, tests)."""
    mode = settings.read(PROGRESS_VARIABLE).lower() or "bar"
    if mode not in PROGRESS_MODES:
        raise ValueError(f"{PROGRESS_VARIABLE}={mode!r} is not a progress mode; use one of {PROGRESS_MODES}.")
    return mode
