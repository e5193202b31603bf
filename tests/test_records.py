"""The records chapters attach to their outputs, which the book's summary pages read."""

from __future__ import annotations

from helpers import check_conclusion, records


def test_records_survive_html_round_trip():
    data = {"claim": 'a "quoted" <claim> & more', "passed": True, "evidence": "0.97 > 0.95"}
    html = records.markup("check", data, "<p>shown</p>") + records.markup("run", {"profile": "quick", "seed": 0}, "")
    assert records.parse(html) == [("check", data), ("run", {"profile": "quick", "seed": 0})]


def test_outside_a_notebook_a_check_prints_its_text(capsys):
    check_conclusion("the effect holds", passed=True, evidence="1.0 vs 0.5")
    out = capsys.readouterr().out
    assert "✔ the effect holds" in out and "evidence: 1.0 vs 0.5" in out and "data-course" not in out


def test_setup_reports_profile_seed_and_versions(capsys):
    import helpers

    import keras
    import numpy

    helpers.setup(seed=3, profile="quick")
    out = capsys.readouterr().out
    assert "Profile 'quick'" in out and "seed 3" in out
    assert f"Keras {keras.__version__}" in out and f"NumPy {numpy.__version__}" in out
    helpers.setup(seed=0, profile="quick")
