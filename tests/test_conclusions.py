"""helpers.conclusions: a check passes and fails honestly, and one rule judges an effect over seeds."""

from __future__ import annotations

import helpers
from helpers import ConclusionNotSupported, check_conclusion

import numpy as np
import pandas as pd
import pytest


def test_conclusion_check_passes_and_fails():
    ok = check_conclusion("a holds", passed=np.bool_(True), evidence="1 > 0")
    assert ok.passed and helpers.checks_table().iloc[-1]["claim"] == "a holds"
    with pytest.raises(ConclusionNotSupported) as info:
        check_conclusion("b holds", passed=False, evidence="gap 0.01 vs 0.20")
    assert "b holds" in str(info.value) and "gap 0.01 vs 0.20" in str(info.value)
    assert not helpers.checks_table().iloc[-1]["passed"]


def test_check_effect_passes_only_when_every_seed_agrees_and_the_mean_clears_the_margin():
    ok = helpers.check_effect("gains a point", {0: 0.012, 1: 0.02}, margin=0.01, what="accuracy gained")
    assert ok.passed and "+0.012 (seed 0), +0.020 (seed 1)" in ok.evidence and "positive in 2 of 2" in ok.evidence
    with pytest.raises(ConclusionNotSupported, match="positive in 1 of 2"):  # one seed contradicts the claim
        helpers.check_effect("gains a point", {0: 0.05, 1: -0.001}, margin=0.01, what="gain")
    with pytest.raises(ConclusionNotSupported, match=r"mean \+0.005 < margin 0.01"):  # real but too small
        helpers.check_effect("gains a point", {0: 0.004, 1: 0.006}, margin=0.01, what="gain")
    with pytest.raises(ConclusionNotSupported):  # a sign flip is a failure, never a success
        helpers.check_effect("gains a point", {0: -0.05, 1: -0.04}, margin=0.01, what="gain")
    with pytest.raises(ValueError, match="margin"):
        helpers.check_effect("x", {0: 1.0}, margin=0, what="gain")
    with pytest.raises(ValueError, match="at least one seed"):
        helpers.check_effect("x", {}, margin=0.1, what="gain")
    by_seed = pd.Series({3: 0.02, 4: 0.03})  # a Series indexed by seed works as the mapping does
    assert "+0.020 (seed 3), +0.030 (seed 4)" in helpers.check_effect("x", by_seed, margin=0.01, what="g").evidence
    with pytest.raises(ValueError, match="at least one seed"):
        helpers.check_effect("x", pd.Series(dtype=float), margin=0.1, what="gain")


def test_check_ratio_is_the_same_rule_on_log_ratios():
    ok = helpers.check_ratio("at least 5x", {0: 8.0, 1: 20.0}, at_least=5, what="dead units, 0.1 over 0.001")
    assert ok.passed and "8x (seed 0)" in ok.evidence and "geometric mean 12.6x >= 5x" in ok.evidence
    with pytest.raises(ConclusionNotSupported, match="above 1 in 1 of 2"):
        helpers.check_ratio("at least 2x", {0: 30.0, 1: 0.9}, at_least=2, what="r")
    with pytest.raises(ConclusionNotSupported, match="< 5x"):
        helpers.check_ratio("at least 5x", {0: 3.0, 1: 4.0}, at_least=5, what="r")
    with pytest.raises(ValueError, match="above 1"):
        helpers.check_ratio("x", {0: 2.0}, at_least=1, what="r")


def test_a_disagreeing_run_is_placed_among_the_books_per_seed_effects():
    from helpers.conclusions import Check, where_it_falls

    book = {"values": [0.008, 0.010, 0.012, 0.015], "kind": "effect", "margin": 0.005}
    low = Check("c", False, "e", 2, {"0": 0.002, "1": 0.004}, "effect", 0.005)
    assert "below all 4 of the book's per-seed values" in where_it_falls(low, book)
    middle = Check("c", False, "e", 2, {"0": 0.009, "1": 0.013}, "effect", 0.005)
    assert "above 2 of the book's 4 per-seed values" in where_it_falls(middle, book)
    ratio = Check("c", False, "e", 2, {"0": 2.0, "1": 8.0}, "ratio", 5.0)
    text = where_it_falls(ratio, {"values": [5.0, 6.0], "kind": "ratio", "margin": 5.0})
    assert "geometric mean ratio +4 lies below all 2" in text
    assert where_it_falls(low, {}) == "" and where_it_falls(ratio, book) == ""
