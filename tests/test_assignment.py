"""The assignment edition: no official solution anywhere in its wheel or notebooks; the checkers still answer."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from coursebook import assignment, editions
from coursebook.build import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _official_solutions() -> dict[str, list[str]]:
    return {path.name: editions.solutions(nbformat.read(path, as_version=4), path.name) for path in toc_notebooks(ROOT)}


@pytest.fixture(scope="module", params=[True, False], ids=["hints kept", "hints withheld"])
def edition(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("assignment")
    archive = assignment.write_assignment(out, hints=request.param)
    (wheel,) = out.glob("*.whl")
    unpacked = out / "unpacked"
    with zipfile.ZipFile(wheel) as zipped:
        zipped.extractall(unpacked)
    return out, archive, unpacked, request.param


def test_no_solution_is_in_the_wheel_or_the_notebooks(edition):
    out, archive, unpacked, _ = edition
    texts = [p.read_text(errors="replace") for p in unpacked.rglob("*") if p.is_file()]
    texts += [p.read_text() for p in (out / "chapters").glob("*.ipynb")]
    everything = "\n".join(texts)
    solutions = _official_solutions()
    assert sum(map(len, solutions.values())) >= 20
    for chapter, codes in solutions.items():
        assert (out / "chapters" / chapter).is_file()
        for code in codes:
            assert code.strip() and code not in everything, f"{chapter}: a solution is still there:\n{code}"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
    assert any(n.endswith(".whl") for n in names) and sum(n.endswith(".ipynb") for n in names) == len(solutions)


def test_the_checkers_still_answer_and_the_solution_says_it_is_withheld(edition):
    _, _, unpacked, hints = edition
    script = (
        "import pandas as pd\n"
        "from helpers.exercises import chapter_01\n"
        "history = pd.DataFrame({'epoch': [1, 2, 3], 'val_loss': [0.5, 0.3, 0.4], 'val_accuracy': [0.8, 0.9, 0.85]})\n"
        "q1, q2 = chapter_01(history)\n"
        "print('CHECK', q2.check(2))\n"
        "print('WRONG', q2.check(3))\n"
        "print('SOLUTION', q2.solution())\n"
        "print('HINT', q1.hint())\n"
        "import helpers; print('FROM', helpers.__file__)\n"
    )
    env = {"PYTHONPATH": str(unpacked), "KERAS_BACKEND": "jax", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(  # in the wheel's folder: the checkout's own helpers must not be importable
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, cwd=unpacked
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert f"FROM {unpacked}" in out, out  # the wheel's helpers, not the checkout's
    assert "CHECK ✔ Exercise 2: right" in out  # the checker judges the answer against the run it was given
    assert "WRONG ✘ Exercise 2: 3 is not" in out
    assert "withheld the solution to exercise 2" in out
    assert ("withheld the hints" in out) != hints


def test_the_first_cell_installs_the_wheel_beside_the_notebook(edition):
    out, _, _, _ = edition
    (wheel,) = out.glob("*.whl")
    nb = nbformat.read(out / "chapters" / "01_first_network.ipynb", as_version=4)
    (install,) = [c for c in nb.cells if editions.INSTALL_TAG in editions.tags(c)]
    assert f'Path("{wheel.name}")' in install.source and "git+" not in install.source


def test_withhold_replaces_only_the_exercise_arguments():
    source = (
        "from .core import Exercise\n\n"
        "def chapter():\n"
        "    return Exercise('Exercise 1', check, ('a', 'b'), 'x = 1\\ny = 2')\n"
        "other = ('x = 1\\ny = 2')\n"
    )
    kept = assignment.withhold(source, hints=True)
    assert "Exercise('Exercise 1', check, ('a', 'b'), WITHHELD)" in kept
    assert "other = ('x = 1\\ny = 2')" in kept and "from .core import WITHHELD" in kept
    dropped = assignment.withhold(source, hints=False)
    assert "Exercise('Exercise 1', check, WITHHELD, WITHHELD)" in dropped
    compile(dropped, "chapter.py", "exec")
