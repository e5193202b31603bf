"""Checked exercises for every chapter: ``q1.check(answer)``, ``q1.hint()``, ``q1.solution()``.

The exercises of chapter NN live in ``chapter_NN.py``.  Each ``chapter_NN``
function takes the objects the chapter made (a history, a table...) and
returns its exercises, so that a question about the results is checked
against the numbers of this very run::

    q1, q2 = chapter_01(history=mean_curve)

The ``solution_code`` of each exercise is the code between the
``# BEGIN SOLUTION`` and ``# END SOLUTION`` lines of the chapter
(tests/test_exercises.py holds them equal).  ``core`` holds the checker
blocks and verdicts, ``models`` reads a student's Keras model back.

Used first in: "A first network".
"""

from .chapter_01 import chapter_01
from .chapter_01b import chapter_01b
from .chapter_02 import chapter_02
from .chapter_03 import chapter_03
from .chapter_04 import chapter_04
from .chapter_05 import chapter_05
from .chapter_06 import chapter_06
from .chapter_07 import chapter_07
from .chapter_08 import chapter_08
from .chapter_09 import chapter_09
from .chapter_10 import chapter_10
from .chapter_11 import chapter_11
from .core import CORRECT, INCORRECT, UNSOLVED, Exercise, Verdict, Wrong
from .models import describe, model_checker

__all__ = [
    "CORRECT",
    "INCORRECT",
    "UNSOLVED",
    "Exercise",
    "Verdict",
    "Wrong",
    "chapter_01",
    "chapter_01b",
    "chapter_02",
    "chapter_03",
    "chapter_04",
    "chapter_05",
    "chapter_06",
    "chapter_07",
    "chapter_08",
    "chapter_09",
    "chapter_10",
    "chapter_11",
    "describe",
    "model_checker",
]
