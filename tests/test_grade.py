"""Grading a made-up class: right, wrong, not attempted, a check cell deleted, a notebook that raises, one too slow."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import nbformat
import pytest

from coursebook import grade
from coursebook.editions import student_notebook

ROOT = Path(__file__).resolve().parents[1]

SETUP = (
    "from helpers.exercises.core import Exercise, number\n"
    'q1 = Exercise("Exercise 1", number(42, "the answer"), "six times seven", "answer = 42")\n'
    'q2 = Exercise("Exercise 2", number(7, "the days of a week"), "count them", "days = 7")'
)


def _cell(source: str, tag: str | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if tag:
        cell.metadata["tags"] = [tag]
    return cell


def _chapter() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# A made-up chapter"),
            _cell(SETUP, "exercise-setup"),
            _cell("answer = ...\n# BEGIN SOLUTION\nanswer = 42\n# END SOLUTION", "solution"),
            _cell("q1.check(answer)", "exercise-check"),
            _cell("days = ...\n# BEGIN SOLUTION\ndays = 7\n# END SOLUTION", "solution"),
            _cell("q2.check(days)", "exercise-check"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _submit(folder: Path, student: str, answers: dict[str, str], drop_check: int | None = None) -> None:
    nb = student_notebook(_chapter(), "made-up")
    for cell in nb.cells:
        for placeholder, answer in answers.items():
            if cell.source.startswith(placeholder):
                cell.source = answer
    if drop_check is not None:
        checks = [c for c in nb.cells if "exercise-check" in c.metadata.get("tags", [])]
        nb.cells.remove(checks[drop_check])
    (folder / student).mkdir(parents=True)
    nbformat.write(nb, folder / student / "99_made_up.ipynb")


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    book = tmp_path_factory.mktemp("book")
    (book / "chapters").mkdir()
    nbformat.write(_chapter(), book / "chapters" / "99_made_up.ipynb")
    toc = "format: jb-book\nroot: intro\nparts:\n  - caption: c\n    chapters:\n      - file: chapters/99_made_up\n"
    (book / "_toc.yml").write_text(toc)
    class_folder = tmp_path_factory.mktemp("submissions")
    _submit(class_folder, "ada", {"answer =": "answer = 42", "days =": "days = 7"})
    _submit(class_folder, "bob", {"answer =": "answer = 41"})
    _submit(class_folder, "cat", {"answer =": "answer = 42", "days =": "days = 7"}, drop_check=1)
    _submit(class_folder, "dan", {"answer =": "answer = 42", "days =": "days = 1 / 0"})
    _submit(class_folder, "eve", {"answer =": "import time\ntime.sleep(60)\nanswer = 42"})
    before = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    out = tmp_path_factory.mktemp("gradebook")
    rows = grade.grade(class_folder, out, timeout=20, jobs=2, root=book)
    after = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    assert after == before, "grading changed the checkout"
    return {row["student"]: row for row in rows}, out


def test_each_submission_gets_what_it_did(gradebook):
    rows, _ = gradebook
    expected = {
        "ada": ("solved", "solved", "yes", ""),
        "bob": ("wrong", "not attempted", "yes", ""),
        "cat": ("untrusted", "untrusted", "yes", "1 of 2 check cells edited or deleted"),
        "dan": ("solved", "not reached", "no", ""),
        "eve": ("not reached", "not reached", "no", ""),
    }
    for student, (first, second, ran, flag) in expected.items():
        row = rows[student]
        assert (row["exercise 1"], row["exercise 2"], row["ran to the end"], row["flagged"]) == (
            first,
            second,
            ran,
            flag,
        ), row
    assert "ZeroDivisionError" in rows["dan"]["error"]
    assert "timed out" in rows["eve"]["error"].lower() or "timeout" in rows["eve"]["error"].lower()
    assert "41" in rows["bob"]["exercise 1 verdict"]


def test_the_gradebook_is_a_csv_and_a_summary(gradebook):
    _, out = gradebook
    with (out / "gradebook.csv").open() as file:
        table = list(csv.DictReader(file))
    assert [r["student"] for r in table] == ["ada", "bob", "cat", "dan", "eve"]
    assert {"chapter", "ran to the end", "seconds", "exercise 1", "exercise 2", "flagged"} <= set(table[0])
    summary = (out / "summary.html").read_text()
    assert "<td>exercise 1</td><td>2</td><td>1</td><td>0</td><td>2</td>" in summary  # ada, dan; bob; cat, eve
    assert "Flagged (check cells edited or deleted): cat." in summary
