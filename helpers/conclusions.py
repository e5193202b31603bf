"""Checks that a chapter's conclusion holds in the numbers it just produced.

A chapter states each conclusion as a claim plus the measurement that
supports it::

    check_conclusion(
        "Deeper networks overfit more at n = 1000",
        passed=rise_deep > 2 * rise_shallow,
        evidence=f"val-loss rise {rise_deep:.2f} (depth 9) vs {rise_shallow:.2f} (depth 1)",
    )

What happens to a claim the run does not support depends on one switch,
``COURSE_CHECKS``, which the book build, the tests and the robustness runs set
and no chapter ever does:

- ``strict`` (book build, nbval, ``make robustness``): the check raises
  ``ConclusionNotSupported``, which fails the notebook and the build.  What is
  published has passed every check.
- ``report`` (the default: a student's own run in Colab or Jupyter): the check
  shows a prominent notice instead (the claim, this run's evidence per seed,
  what the published book measured, why a run can differ) and the notebook
  goes on, so that "Run all" still reaches the exercises.

Every check is also kept in ``helpers.SESSION.checks`` for the chapter's summary.

**Effects are judged over seeds, by one rule** (``check_effect``).  A chapter
that compares settings runs each of them from several seeds (``profile.seeds``)
and measures the effect it claims once per seed, signed so that a positive
value is what the claim says (e.g. "accuracy with batch norm minus without").
The claim holds when

1. the effect is positive in **every** seed: no seed contradicts the claim; and
2. its **mean** over the seeds reaches the claim's **margin**: the smallest
   effect the claim calls real, stated in the claim and chosen from what the
   effect is (a point of accuracy, a factor of two), never from a printed run.

A sign flip therefore fails the check instead of passing it, an effect within
seed-to-seed noise fails rule 1, and a real but negligible one fails rule 2.
The evidence lists every seed's value, so a reader sees the spread.

A claim of the form "at least k times as large" is the same rule on the
logarithm of the ratio (``check_ratio``): the ratio exceeds 1 in every seed,
and its geometric mean reaches k.

Used first in: "A first network".
"""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from . import records, settings
from .records import PUBLISHED_FILE
from .session import SESSION

CHECKS_VARIABLE = settings.CHECKS
CHECK_MODES = ("report", "strict")


class ConclusionNotSupported(AssertionError):
    """The chapter's experiment did not show what its text concludes."""


def check_mode() -> str:
    """``"report"`` (the default, a student's run) or ``"strict"`` (book build, tests, robustness runs)."""
    mode = settings.read(CHECKS_VARIABLE).lower() or "report"
    if mode not in CHECK_MODES:
        raise ValueError(
            f"{CHECKS_VARIABLE}={mode!r} is not a check mode; use 'report' (a failed check is shown and "
            "the notebook goes on) or 'strict' (a failed check stops it, as in the book build)."
        )
    return mode


@cache
def published_checks() -> dict[str, Any]:
    """``{claim: {profile: {"evidence", "passed", "bases", "backend", "date"}}}`` as the published book measured it."""
    return records.published(PUBLISHED_FILE)


@dataclass(frozen=True)
class Check:
    """One checked claim: whether it held, the numbers that decided it, over how many seeds (``None``: one run)."""

    claim: str
    passed: bool
    evidence: str
    seeds: int | None = None
    #: For a claim judged over seeds: each seed's value (``{seed: value}``), whether it is an
    #: ``"effect"`` (judged on its mean) or a ``"ratio"`` (on its geometric mean), and the margin.
    values: dict[str, float] | None = None
    kind: str | None = None
    margin: float | None = None


def check_conclusion(
    claim: str,
    *,
    passed: bool,
    evidence: str,
    seeds: int | None = None,
    values: Mapping[Any, float] | None = None,
    kind: str | None = None,
    margin: float | None = None,
) -> Check:
    """Record a claim with its evidence; when the evidence contradicts it, raise or report (``COURSE_CHECKS``).

    Args:
        claim: the conclusion in words, as the chapter states it.
        passed: whether the measured numbers support the claim.
        evidence: the numbers, in words, that decided it.

    Returns:
        The ``Check``; in report mode also when it failed, after the notice is shown.

    Raises:
        ConclusionNotSupported: when ``passed`` is false in strict mode (book build, tests, robustness runs).
    """
    numbers = None if values is None else {str(seed): float(value) for seed, value in values.items()}
    result = Check(claim, bool(passed), evidence, seeds, numbers, kind, margin)
    SESSION.checks.append(result)
    symbol = "✔" if result.passed else "✘"
    data = {"claim": claim, "passed": result.passed, "evidence": evidence, "seeds": seeds}
    if numbers is not None:  # kept as numbers, so the robustness record can judge the margins over base seeds
        data |= {"values": numbers, "kind": kind, "margin": margin}
    records.show(
        "check",
        data,
        f"{symbol} {claim}\n    evidence: {evidence}",
        f"<p>{symbol} <strong>{html.escape(claim)}</strong><br>"
        f'<span class="course-evidence">evidence: {html.escape(evidence)}</span></p>',
    )
    if not result.passed:
        if check_mode() == "strict":
            raise ConclusionNotSupported(
                f"The chapter concludes: {claim}\n"
                f"but this run shows: {evidence}\n"
                f"Re-read the plots above: the effect is not there at these settings."
            )
        _report_disagreement(result)
    return result


WHY_RUNS_DIFFER = (
    "A run can differ from the book's: other seeds start other weights and shuffle the batches "
    "differently; other versions of Keras, NumPy or the backend round differently; TensorFlow and "
    "JAX compute the same network in another order; and the quick profile trains less than the "
    "full one. The book judges each claim over several seeds and 3 base seeds in its robustness "
    "run, so a claim that fails here but held there most likely sits close to its margin at "
    "your settings."
)


def _report_disagreement(result: Check) -> None:
    """Show, prominently, that this run does not support the claim; the notebook goes on."""
    run = SESSION.run
    seeds = ", ".join(map(str, run.get("seeds", []))) or f"from {run.get('seed', '?')}"
    here = (
        f"{run.get('profile', '?')} profile, seeds {seeds}, Keras {run.get('keras', '?')} "
        f"on {run.get('backend_label', '?')}"
        if run
        else "this session"
    )
    book = published_checks().get(result.claim, {})
    book_lines = [
        f"{profile} profile (base seeds {', '.join(map(str, data['bases']))}, {data['backend']} backend, "
        f"{data['date']}): held for {data['passed']} of {len(data['bases'])} base seeds; base "
        f"{data['bases'][0]}: {data['evidence']}"
        for profile, data in book.items()
    ] or ["no published record of this claim (a claim changed or added since the book's last robustness run)"]
    among = where_it_falls(result, book.get(run.get("profile", ""), {}))
    if among:
        book_lines.append(among)
    lines = [
        f"⚠ This run does not show what the chapter concludes: {result.claim}",
        f"  This run ({here}): {result.evidence}",
        *(f"  The published book, {line}" for line in book_lines),
        f"  {WHY_RUNS_DIFFER}",
        "  The notebook goes on. (The book build runs with COURSE_CHECKS=strict, where this check stops it.)",
    ]
    items = "".join(f"<li>The published book, {html.escape(line)}</li>" for line in book_lines)
    body = (
        '<div class="course-disagreement" role="alert" style="border-left: 6px solid #b35900; '
        'background: #fff4e5; color: #222; padding: 0.6em 1em; margin: 0.5em 0;">'
        f"<p><strong>⚠ This run does not show what the chapter concludes:</strong> {html.escape(result.claim)}</p>"
        f"<ul><li>This run ({html.escape(here)}): {html.escape(result.evidence)}</li>{items}</ul>"
        f"<p>{html.escape(WHY_RUNS_DIFFER)}</p>"
        "<p>The notebook goes on. (The book build runs with <code>COURSE_CHECKS=strict</code>, "
        "where this check stops it.)</p></div>"
    )
    records.show("disagreement", {"claim": result.claim}, "\n".join(lines), body)


def where_it_falls(result: Check, published: Mapping[str, Any]) -> str:
    """Where this run's effect lies among the published per-seed effects at its profile ("" without numbers)."""
    book = published.get("values")
    if not book or not result.values or result.kind != published.get("kind"):
        return ""
    mine = list(result.values.values())
    centre = math.exp(statistics.fmean(map(math.log, mine))) if result.kind == "ratio" else statistics.fmean(mine)
    below = sum(v < centre for v in book)
    name = "geometric mean ratio" if result.kind == "ratio" else "mean effect"
    spread = f"{min(book):+.4g} to {max(book):+.4g}, margin {published.get('margin')}"
    if below == 0:
        where = f"below all {len(book)} of the book's per-seed values"
    elif below == len(book):
        where = f"above all {len(book)} of the book's per-seed values"
    else:
        where = f"above {below} of the book's {len(book)} per-seed values"
    return f"at your profile, this run's {name} {centre:+.4g} lies {where} ({spread})"


def check_effect(
    claim: str,
    effects: Mapping[Any, float],
    *,
    margin: float,
    what: str,
    digits: int = 3,
) -> Check:
    """Judge a claimed effect over seeds by the rule above; raise or report (as ``check_conclusion``) if they do not.

    Args:
        claim: the conclusion in words, stating the margin (e.g. "at least one point").
        effects: ``{seed: effect}`` (or a Series indexed by seed), each signed so that positive is what the claim says.
        margin: the smallest mean effect the claim calls real (> 0).
        what: what an effect value is, for the evidence (e.g. "test accuracy gained").
        digits: decimals shown in the evidence.

    Raises:
        ConclusionNotSupported: when a seed shows no effect or the opposite one, or the mean misses the margin.
    """
    values = {seed: float(value) for seed, value in dict(effects).items()}
    if not values:
        raise ValueError("check_effect needs the effect of at least one seed.")
    if not margin > 0:
        raise ValueError(f"the margin is the smallest effect the claim calls real; it must be > 0, not {margin!r}.")
    if any(math.isnan(v) for v in values.values()):
        raise ValueError(f"an effect is not a number: {values}.")
    mean = sum(values.values()) / len(values)
    return _judge(
        claim,
        values,
        what,
        agree=lambda v: v > 0,
        agreeing="positive",
        show=lambda v: f"{v:+.{digits}f}",
        centre=f"mean {mean:+.{digits}f}",
        centre_ok=mean >= margin,
        bar=f"margin {margin:g}",
        kind="effect",
        margin=margin,
    )


def _judge(
    claim: str,
    values: dict[Any, float],
    what: str,
    *,
    agree: Callable[[float], bool],
    agreeing: str,
    show: Callable[[float], str],
    centre: str,
    centre_ok: bool,
    bar: str,
    kind: str,
    margin: float,
) -> Check:
    """The rule itself: every seed agrees and the centre clears the bar; the evidence lists every seed."""
    count = sum(agree(v) for v in values.values())
    per_seed = ", ".join(f"{show(v)} (seed {seed})" for seed, v in values.items())
    evidence = (
        f"{what} per seed: {per_seed}; {agreeing} in {count} of {len(values)} seeds; "
        f"{centre} {'>=' if centre_ok else '<'} {bar}"
    )
    return check_conclusion(
        claim,
        passed=count == len(values) and centre_ok,
        evidence=evidence,
        seeds=len(values),
        values=values,
        kind=kind,
        margin=margin,
    )


def check_ratio(claim: str, ratios: Mapping[Any, float], *, at_least: float, what: str) -> Check:
    """Judge "at least ``at_least`` times as large" over seeds: the rule of ``check_effect`` on log-ratios.

    Every seed's ratio must exceed 1 and their geometric mean must reach ``at_least`` (> 1).
    """
    if not at_least > 1:
        raise ValueError(f"at_least is a factor above 1 (e.g. 2 for 'twice as large'), not {at_least!r}.")
    values = {seed: float(r) for seed, r in dict(ratios).items()}
    if not values or any(not r > 0 for r in values.values()):
        raise ValueError(f"ratios must be positive numbers, one per seed, not {values}.")
    geometric = math.exp(sum(math.log(r) for r in values.values()) / len(values))
    return _judge(
        claim,
        values,
        what,
        agree=lambda r: r > 1,
        agreeing="above 1",
        show=lambda r: f"{r:.3g}x",
        centre=f"geometric mean {geometric:.3g}x",
        centre_ok=geometric >= at_least,
        bar=f"{at_least:g}x",
        kind="ratio",
        margin=at_least,
    )


def checks_table() -> pd.DataFrame:
    """The checks made so far in this session, one row each."""
    return pd.DataFrame([c.__dict__ for c in SESSION.checks], columns=["claim", "passed", "evidence", "seeds"])
