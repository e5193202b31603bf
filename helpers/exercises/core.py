"""Exercises that answer back: ``q1.check(answer)``, ``q1.hint()``, ``q1.solution()``.

A chapter builds its exercises from its own results, with the function of its
module in this package (``helpers.exercises.chapter_01`` for "A first network")::

    q1, q2 = chapter_01(history=run.history)
    q1.check(narrow)

``check`` looks at the student's object or value, never at the text of their
code, and always answers with a ``Verdict``: correct, not correct (with a
specific reason), or not yet solved (the untouched placeholder ``...``).  It
never raises: a wrong type or a checker that trips over an odd answer both
become a friendly message, so a student edition runs from top to bottom.

Used first in: "A first network".
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..session import SESSION

CORRECT, INCORRECT, UNSOLVED = "correct", "incorrect", "unsolved"
_SYMBOL = {CORRECT: "✔", INCORRECT: "✘", UNSOLVED: "…"}
_COLOUR = {CORRECT: "#1b7f3b", INCORRECT: "#b42318", UNSOLVED: "#6b7280"}


class Wrong(Exception):
    """Raised by a checker: the answer is not right, and the message says why."""


@dataclass(frozen=True)
class Verdict:
    """What ``Exercise.check`` found.  Truthy only when the answer is correct."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{_SYMBOL[self.status]} {self.exercise}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOUR[self.status]
        return (
            f'<div class="course-verdict course-verdict-{self.status}" '
            f'style="border-left:4px solid {colour};padding:0.3em 0.8em;">'
            f'<strong style="color:{colour}">{_SYMBOL[self.status]} {html.escape(self.exercise)}</strong>: '
            f"{html.escape(self.message)}</div>"
        )


def _is_placeholder(answer: Any) -> bool:
    if answer is ... or answer is None:
        return True
    if isinstance(answer, str) and not answer.strip():
        return True
    return bool(isinstance(answer, (tuple, list)) and answer and all(_is_placeholder(a) for a in answer))


# What an assignment edition (``make assignment``) puts where a solution or the hints were: absent, not hidden.
WITHHELD = "(withheld by the instructor)"


@dataclass
class Exercise:
    """One exercise: a checker plus the hint and the official solution.

    Args:
        label: how the verdict names it, e.g. ``"Exercise 1"``.
        checker: takes the answer; returns a message when it is right, raises
            ``Wrong`` with a specific message when it is not.
        hint_text: a nudge, shown by ``hint()``; a tuple of nudges, each more
            explicit than the one before, is shown one at a time by
            ``hint(1)``, ``hint(2)``...
        solution_code: the official solution's code, shown by ``solution()``; the
            chapter source holds the same code (tests/test_exercises.py checks).
    """

    label: str
    checker: Callable[[Any], str]
    hint_text: str | tuple[str, ...]
    solution_code: str
    log: list[Verdict] = field(default_factory=lambda: SESSION.verdicts, repr=False)

    def check(self, answer: Any = ...) -> Verdict:
        """Check ``answer`` and say what is right or wrong about it."""
        if _is_placeholder(answer):
            verdict = Verdict(
                self.label,
                UNSOLVED,
                "not yet solved. Replace the ... in the cell above "
                "with your answer, run that cell, then run this one again.",
            )
        else:
            try:
                verdict = Verdict(self.label, CORRECT, self.checker(answer))
            except Wrong as wrong:
                verdict = Verdict(self.label, INCORRECT, str(wrong))
            except Exception as error:  # an answer odd enough to trip the checker itself
                verdict = Verdict(
                    self.label,
                    INCORRECT,
                    f"this answer could not be checked "
                    f"({type(error).__name__}: {error}). Is it the kind of object the exercise asks for?",
                )
        self.log.append(verdict)
        return verdict

    @property
    def hints(self) -> tuple[str, ...]:
        return (self.hint_text,) if isinstance(self.hint_text, str) else tuple(self.hint_text)

    def hint(self, number: int = 1) -> Text:
        """The hint of this ``number`` (1 = the gentlest); says how many more there are."""
        hints = self.hints
        if hints == (WITHHELD,):
            return Text(f"In this edition your instructor has withheld the hints to {self.label.lower()}.")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(hints):
            return Text(
                f"{self.label} has {len(hints)} hint{'s' if len(hints) > 1 else ''}: "
                f"ask for one with {'hint(1)' if len(hints) == 1 else f'hint(1) to hint({len(hints)})'}."
            )
        text = f"Hint {number} of {len(hints)} for {self.label.lower()}: {hints[number - 1]}"
        if number < len(hints):
            text += f" (More: hint({number + 1}).)"
        return Text(text)

    def solution(self) -> Text:
        if self.solution_code == WITHHELD:
            return Text(
                f"In this edition your instructor has withheld the solution to {self.label.lower()}: "
                "it is graded work. check() still says whether your answer holds."
            )
        return Text(f"One solution to {self.label.lower()}:\n\n{self.solution_code}", code=True)


@dataclass(frozen=True)
class Text:
    """Plain text that a notebook shows without quotes (and code in a code block)."""

    text: str
    code: bool = False

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        if not self.code:
            return self.text
        head, _, body = self.text.partition("\n\n")
        return f"{head}\n\n```python\n{body}\n```"


# --------------------------------------------------------------------------
# Building blocks for checkers
# --------------------------------------------------------------------------

_NUMBER_TYPES = (int, float)


def _kind(answer: Any) -> str:
    """``"an int"``, ``"a str"``: the answer's type with its article."""
    name = type(answer).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def as_number(answer: Any, what: str) -> float:
    """``answer`` as a float, or ``Wrong`` saying that a number was expected."""
    try:
        import numpy as np

        if isinstance(answer, np.generic) and np.ndim(answer) == 0:
            answer = answer.item()
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    if isinstance(answer, bool) or not isinstance(answer, _NUMBER_TYPES):
        example = "" if not isinstance(answer, str) else " Write it without quotes."
        raise Wrong(f"your answer is {_kind(answer)} ({answer!r:.60}); the exercise asks for {what}.{example}")
    if not math.isfinite(answer):
        raise Wrong(f"your answer is {answer}; the exercise asks for {what}, a finite number.")
    return float(answer)


def as_whole_number(answer: Any, what: str) -> int:
    value = as_number(answer, what)
    if value != int(value):
        raise Wrong(f"your answer {value} is not a whole number; the exercise asks for {what}.")
    return int(value)


def number(
    expected: float,
    what: str,
    *,
    tolerance: float = 0.0,
    near_misses: Mapping[float, str] | None = None,
    whole: bool = False,
) -> Callable[[Any], str]:
    """A checker for a number: right within ``tolerance``.

    ``near_misses`` maps plausible wrong values to the reason they are wrong
    (an off-by-one, the other criterion's answer...); each is recognised
    within the same tolerance.
    """

    def check(answer: Any) -> str:
        value = as_whole_number(answer, what) if whole else as_number(answer, what)
        if abs(value - expected) <= tolerance:
            return f"right, {what} is {_fmt(expected)}."
        for miss, reason in (near_misses or {}).items():
            if abs(value - miss) <= tolerance:
                raise Wrong(f"{_fmt(value)} is not {what}: {reason}")
        direction = "too high" if value > expected else "too low"
        raise Wrong(f"{_fmt(value)} is {direction} for {what}.")

    return check


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.4g}"


def choice(
    expected: Any,
    options: Iterable[Any],
    what: str,
    *,
    reasons: Mapping[Any, str] | None = None,
    normalise: Callable[[Any], Any] = lambda a: a,
) -> Callable[[Any], str]:
    """A checker for one of a few options (a depth, a name, a rate)."""
    options = list(options)
    keyed = {normalise(o): o for o in options}

    def check(answer: Any) -> str:
        try:
            key = normalise(answer)
        except Exception:
            raise Wrong(
                f"your answer is {_kind(answer)} ({answer!r:.60}); the exercise asks for {what}, "
                f"one of {', '.join(map(str, options))}."
            ) from None
        if key not in keyed:
            raise Wrong(f"{answer!r} is not among the choices; {what} is one of {', '.join(map(str, options))}.")
        if keyed[key] == expected:
            return f"right, {what} is {expected}."
        reason = (reasons or {}).get(keyed[key], "")
        raise Wrong(f"{keyed[key]} is not {what}. {reason}".strip())

    return check


def pair(first: Callable[[Any], str], second: Callable[[Any], str], names: Sequence[str]) -> Callable[[Any], str]:
    """A checker for an answer of two parts, ``(a, b)``, each with its checker."""

    def check(answer: Any) -> str:
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Wrong(f"the exercise asks for two values, ({names[0]}, {names[1]}), not {_kind(answer)}.")
        messages = []
        for name, part, checker in zip(names, answer, (first, second)):
            if _is_placeholder(part):
                raise Wrong(f"{name} is still the placeholder ...")
            try:
                messages.append(checker(part))
            except Wrong as wrong:
                raise Wrong(f"{name}: {wrong}") from None
        return " ".join(messages)

    return check
