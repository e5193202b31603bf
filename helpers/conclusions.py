"""Checks that a chapter's conclusion holds in the numbers it just produced.

A chapter states each conclusion as a claim plus the measurement that
supports it::

    check_conclusion(
        "Deeper networks overfit more at n = 1000",
        passed=rise_deep > 2 * rise_shallow,
        evidence=f"val-loss rise {rise_deep:.2f} (depth 9) vs {rise_shallow:.2f} (depth 1)",
    )

A claim the run does not support raises ``ConclusionNotSupported``, which
fails the notebook under nbval and fails the book build.  Every check is
also kept in ``helpers.SESSION.checks`` for the chapter's summary.

Used first in: "A first network".
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from . import records
from .session import SESSION


class ConclusionNotSupported(AssertionError):
    """The chapter's experiment did not show what its text concludes."""


@dataclass(frozen=True)
class Check:
    claim: str
    passed: bool
    evidence: str


def check_conclusion(claim: str, *, passed: bool, evidence: str) -> Check:
    """Record a claim with its evidence; raise if the evidence contradicts it.

    Args:
        claim: the conclusion in words, as the chapter states it.
        passed: whether the measured numbers support the claim.
        evidence: the numbers, in words, that decided it.

    Raises:
        ConclusionNotSupported: when ``passed`` is false.
    """
    result = Check(claim, bool(passed), evidence)
    SESSION.checks.append(result)
    symbol = "✔" if result.passed else "✘"
    records.show(
        "check",
        {"claim": claim, "passed": result.passed, "evidence": evidence},
        f"{symbol} {claim}\n    evidence: {evidence}",
        f"<p>{symbol} <strong>{html.escape(claim)}</strong><br>"
        f'<span class="course-evidence">evidence: {html.escape(evidence)}</span></p>',
    )
    if not result.passed:
        raise ConclusionNotSupported(
            f"The chapter concludes: {claim}\n"
            f"but this run shows: {evidence}\n"
            f"Re-read the plots above: the effect is not there at these settings."
        )
    return result


def checks_table() -> pd.DataFrame:
    """The checks made so far in this session, one row each."""
    return pd.DataFrame([c.__dict__ for c in SESSION.checks], columns=["claim", "passed", "evidence"])
