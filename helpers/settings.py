"""The course's settings: every ``COURSE_*`` environment variable is named and read here, and only here.

=====================  ===========================================  ==========================
variable               what it sets                                 checked by
=====================  ===========================================  ==========================
``COURSE_PROFILE``     the size of every experiment                 ``helpers.profiles``
``COURSE_DATA_DIR``    the folder of the offline datasets           ``helpers.data``
``COURSE_PROGRESS``    a live progress bar, or none                 ``helpers.runtime``
``COURSE_CHECKS``      what a failed conclusion check does          ``helpers.conclusions``
``COURSE_BASE_SEED``   the seed that replaces a chapter's own       ``helpers.runtime``
                       (a robustness run; its curves are recorded)  (``helpers.curves``)
=====================  ===========================================  ==========================

Each module that uses a setting validates it and says what to do with a
wrong value; this module only reads.  (The book's tooling sets them for the
chapters' kernels; a student sets them with ``%env`` before ``setup``.)
"""

from __future__ import annotations

import os
from pathlib import Path

PROFILE = "COURSE_PROFILE"
DATA_DIR = "COURSE_DATA_DIR"
PROGRESS = "COURSE_PROGRESS"
CHECKS = "COURSE_CHECKS"
BASE_SEED = "COURSE_BASE_SEED"
VARIABLES = (PROFILE, DATA_DIR, PROGRESS, CHECKS, BASE_SEED)


def read(variable: str) -> str:
    """The variable's value without surrounding spaces; ``""`` when it is unset."""
    if variable not in VARIABLES:
        raise KeyError(f"{variable!r} is not one of the course's settings {VARIABLES}.")
    return os.environ.get(variable, "").strip()


def keras_home() -> Path:
    """Keras' own folder (``$KERAS_HOME``, else ``~/.keras``), where it caches datasets."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
