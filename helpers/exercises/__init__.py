"""Checked exercises for every chapter: ``q1.check(answer)``, ``q1.hint()``, ``q1.solution()``.

Used first in: "A first network".
"""

from .chapters import (
    chapter_01, chapter_02, chapter_03, chapter_04, chapter_05, chapter_06,
    chapter_07, chapter_08, chapter_09, chapter_10, chapter_11,
)
from .core import CORRECT, INCORRECT, UNSOLVED, Exercise, Verdict, Wrong
from .models import describe, model_checker

__all__ = [
    "chapter_01", "chapter_02", "chapter_03", "chapter_04", "chapter_05", "chapter_06",
    "chapter_07", "chapter_08", "chapter_09", "chapter_10", "chapter_11",
    "CORRECT", "INCORRECT", "UNSOLVED", "Exercise", "Verdict", "Wrong",
    "describe", "model_checker",
]
