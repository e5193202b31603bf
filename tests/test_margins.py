"""coursebook.margins: each seed's effect on its claim's margin scale, and the figure's words."""

from __future__ import annotations

import math

import pytest

from coursebook.margins import alt_text, chapter_points, figure_html, normalised


def _record(profile: str, checks_per_base: dict[str, list[dict]]) -> dict:
    return {
        "profile": profile,
        "chapters": {
            "chapters/x.ipynb": {
                "title": "X",
                "runs": {base: {"checks": checks} for base, checks in checks_per_base.items()},
            }
        },
    }


EFFECT = {"claim": "e", "kind": "effect", "margin": 0.01, "values": {"0": 0.02, "1": 0.005}, "passed": False}
RATIO = {"claim": "r", "kind": "ratio", "margin": 2.0, "values": {"0": 4.0}, "passed": True}
SENTENCE_ONLY = {"claim": "old", "passed": True, "evidence": "..."}


def test_normalised_puts_no_effect_at_0_and_the_margin_at_1():
    assert normalised(0.02, "effect", 0.01) == pytest.approx(2.0)
    assert normalised(0.0, "effect", 0.01) == 0.0
    assert normalised(2.0, "ratio", 2.0) == pytest.approx(1.0)
    assert normalised(1.0, "ratio", 2.0) == 0.0
    assert normalised(math.sqrt(2), "ratio", 2.0) == pytest.approx(0.5)


def test_points_come_from_the_records_that_keep_numbers_and_say_where_they_came_from():
    records = [_record("quick", {"0": [EFFECT, SENTENCE_ONLY]}), _record("full", {"100": [RATIO]})]
    points = chapter_points(records)["X"]
    assert [(p["claim"], p["profile"], p["base"], p["seed"]) for p in points] == [
        ("e", "quick", "0", "0"),
        ("e", "quick", "0", "1"),
        ("r", "full", "100", "0"),
    ]
    assert [p["x"] for p in points] == pytest.approx([2.0, 0.5, 2.0])
    assert chapter_points([_record("quick", {"0": [SENTENCE_ONLY]})]) == {}


def test_the_figure_is_inline_and_its_alt_text_names_the_seed_nearest_no_effect():
    points = chapter_points([_record("quick", {"0": [EFFECT]}), _record("full", {"100": [RATIO]})])["X"]
    words = alt_text("X", points)
    assert "2 claims" in words and "3 seed effects" in words and "quick and full" in words
    assert "The smallest is 0.50: e (quick, base 0, seed 1)" in words
    html = figure_html("X", points)
    assert html.startswith('<img class="course-margins" src="data:image/png;base64,') and 'alt="X: 2 claims' in html
