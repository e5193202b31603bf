"""The two check modes: strict (book build, tests, robustness) and report (a student's own run).

The same chapter, with a check its run does not support, stops the book build
and runs to its end for a student, who sees the claim, the run's evidence,
what the published book measured and why a run can differ.
"""

from __future__ import annotations

from helpers import SESSION, ConclusionNotSupported, check_conclusion, check_effect
from helpers.conclusions import published_checks

import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from coursebook.build import ChapterFailed, execute_chapters
from coursebook.editions import published_checks as published_from_records

ROOT = Path(__file__).resolve().parents[1]

CHAPTER = """
import helpers
from helpers import check_conclusion, check_effect

profile = helpers.setup(seed=0)
check_effect("the effect is at least a point", {0: 0.02, 1: -0.01}, margin=0.01, what="accuracy gained")
print("the cell after the failed check ran")
"""


def _book(root: Path) -> Path:
    (root / "chapters").mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Tiny"),
            nbformat.v4.new_code_cell(CHAPTER),
            nbformat.v4.new_code_cell('print("the last cell ran")'),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = root / "chapters" / "tiny.ipynb"
    nbformat.write(nb, path)
    toc = {"format": "jb-book", "root": "intro", "parts": [{"caption": "c", "chapters": [{"file": "chapters/tiny"}]}]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    return path


def _outputs(nb: nbformat.NotebookNode) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_a_students_run_shows_the_failed_check_and_goes_on(tmp_path):
    """Run as Colab or Jupyter would: no COURSE_CHECKS set, every cell runs, the notice is shown."""
    from nbclient import NotebookClient

    path = _book(tmp_path)
    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "COURSE_CHECKS"}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(env=env, stderr=subprocess.DEVNULL)
    text = _outputs(nb)
    assert "the cell after the failed check ran" in text and "the last cell ran" in text
    assert "This run does not show what the chapter concludes: the effect is at least a point" in text
    assert "accuracy gained per seed: +0.020 (seed 0), -0.010 (seed 1)" in text
    assert "no published record of this claim" in text and "A run can differ" in text
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert 'class="course-disagreement" role="alert"' in html


def test_the_book_build_stops_at_the_same_check(tmp_path, monkeypatch):
    """The book's executor runs the chapters with COURSE_CHECKS=strict, whatever the caller's environment says."""
    _book(tmp_path)
    monkeypatch.setenv("COURSE_CHECKS", "report")
    with pytest.raises(ChapterFailed, match="ConclusionNotSupported"):
        execute_chapters("quick", jobs=1, root=tmp_path, log=lambda line: None)
    assert os.environ["COURSE_CHECKS"] == "report"  # strict goes to the chapters' kernels; the caller's stays


def test_strict_mode_raises_and_report_mode_returns_the_failed_check(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_CHECKS", "strict")
    with pytest.raises(ConclusionNotSupported, match=r"gap 0\.01 vs 0\.20"):
        check_conclusion("b holds", passed=False, evidence="gap 0.01 vs 0.20")

    monkeypatch.setenv("COURSE_CHECKS", "report")
    SESSION.run = {"profile": "quick", "seed": 7, "keras": "3.13.2", "backend_label": "TensorFlow 2.20.0"}
    result = check_effect("c holds by a point", {0: 0.03, 1: -0.02}, margin=0.01, what="gain")
    assert not result.passed and SESSION.checks[-1] is result
    shown = capsys.readouterr().out
    assert "✘ c holds by a point" in shown
    assert "This run (quick profile, seeds from 7, Keras 3.13.2 on TensorFlow 2.20.0): gain per seed" in shown
    SESSION.run["seeds"] = (7, 8)
    check_conclusion("d holds", passed=False, evidence="e")
    assert "This run (quick profile, seeds 7, 8, Keras 3.13.2" in capsys.readouterr().out
    assert "The notebook goes on" in shown


def test_a_disagreement_names_what_the_published_book_measured(monkeypatch, capsys):
    claims = published_checks()
    assert claims, "helpers/published_checks.json is empty: run `make student`"
    claim, profiles = next(iter(claims.items()))
    monkeypatch.setenv("COURSE_CHECKS", "report")
    check_conclusion(claim, passed=False, evidence="nothing like it")
    shown = capsys.readouterr().out
    for profile, data in profiles.items():
        assert f"The published book, {profile} profile (base seeds" in shown
        assert data["evidence"] in shown


def test_a_misspelt_mode_gets_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_CHECKS", "lenient")
    with pytest.raises(ValueError, match="is not a check mode"):
        check_conclusion("d holds", passed=False, evidence="e")


def test_the_published_record_is_generated_from_the_robustness_runs_and_up_to_date():
    """helpers/published_checks.json is what `make student` writes from robustness/*.json."""
    committed = json.loads((ROOT / "helpers" / "published_checks.json").read_text())
    assert committed == published_from_records(), "helpers/published_checks.json is stale: run `make student`"
    records = {p.stem: json.loads(p.read_text()) for p in (ROOT / "robustness").glob("*.json")}
    for profile, record in records.items():
        for data in record["chapters"].values():
            for check in data["runs"][str(record["bases"][0])]["checks"]:
                assert committed[check["claim"]][profile]["evidence"] == check["evidence"]
