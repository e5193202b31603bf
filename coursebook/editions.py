"""The student edition: every chapter with its solutions taken out.

In a chapter source, an exercise is three cells after the one tagged
``exercise-setup`` (which builds ``q1, q2, ...`` from the chapter's results):
a prompt (markdown), an answer cell tagged ``solution`` and a check cell
tagged ``exercise-check``.  The answer cell reads::

    narrow = ...  # your model here
    # BEGIN SOLUTION
    narrow = dense_network(784, [100], 10)
    # END SOLUTION

The student edition keeps the placeholder line and drops the lines from
``# BEGIN SOLUTION`` to ``# END SOLUTION``; the book shows the whole cell
folded behind a "Show the solution" button.  The first code cell of every
chapter is the guarded Colab install line (tagged ``colab-install``), made
from the repository address in ``_config.yml``.

One command writes every student edition (``make student``)::

    python -m coursebook.editions student
"""

from __future__ import annotations

from helpers.curves import PUBLISHED_CURVES_FILE
from helpers.records import PUBLISHED_FILE

import argparse
import copy
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

from . import ROOT
from .citations import plain_citations
from .robustness import curves_path

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
SETUP_TAG, SOLUTION_TAG, CHECK_TAG, INSTALL_TAG = "exercise-setup", "solution", "exercise-check", "colab-install"
TIME_TAG = "chapter-time"  # the markdown line that says how long the chapter runs
QUESTION_TAG = "chapter-question"  # the line under the title, written from the metadata's course.question
ANSWER_TAG = "answer"  # what a solution cell is tagged in the student edition
BOOK_ONLY_TAGS = {"hide-input", "remove-cell"}
PACKAGE = "dense-course-helpers"


class EditionError(ValueError):
    """A chapter's exercise cells are not marked the way the student edition needs."""


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _split(cell: nbformat.NotebookNode, where: str) -> tuple[list[str], list[str]]:
    """The answer cell's lines outside and inside the solution markers."""
    lines = cell.source.splitlines()
    stripped = [line.strip() for line in lines]
    if stripped.count(BEGIN) != 1 or stripped.count(END) != 1 or stripped.index(BEGIN) > stripped.index(END):
        raise EditionError(
            f"{where}: a cell tagged '{SOLUTION_TAG}' needs one '{BEGIN}' line and, after it, one '{END}' line."
        )
    begin, end = stripped.index(BEGIN), stripped.index(END)
    outside = lines[:begin] + lines[end + 1 :]
    if not any(line.strip() and "..." in line for line in outside):
        raise EditionError(
            f"{where}: the answer cell has no placeholder line with '...' before '{BEGIN}'; "
            f"the student edition would leave the student nothing to fill in."
        )
    return outside, lines[begin + 1 : end]


def solutions(nb: nbformat.NotebookNode, where: str = "chapter") -> list[str]:
    """The official solution code of each exercise, in order."""
    return ["\n".join(_split(cell, where)[1]) for cell in nb.cells if SOLUTION_TAG in tags(cell)]


def exercise_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells from the one tagged ``exercise-setup`` to the end."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    starts = [i for i, cell in enumerate(code) if SETUP_TAG in tags(cell)]
    if len(starts) != 1:
        raise EditionError(f"a chapter needs exactly one cell tagged '{SETUP_TAG}', found {len(starts)}.")
    return code[starts[0] :]


def student_notebook(nb: nbformat.NotebookNode, where: str = "chapter") -> nbformat.NotebookNode:
    """A copy of ``nb`` with every solution removed, no outputs, and its citations as plain text."""
    student = copy.deepcopy(nb)
    exercise_cells(student)  # the markers must be there
    cited: list[str] = []  # every cell's citations, for the page's one list of references
    for cell in student.cells:
        if cell.cell_type == "markdown":  # Jupyter and Colab do not render Sphinx's citation roles
            cell.source = plain_citations(cell.source, order=cited)
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        kept = [tag for tag in tags(cell) if tag not in BOOK_ONLY_TAGS]
        if SOLUTION_TAG in kept:
            cell.source = "\n".join(_split(cell, where)[0])
            cell.metadata.pop("mystnb", None)
            kept[kept.index(SOLUTION_TAG)] = ANSWER_TAG
        if kept:
            cell.metadata["tags"] = kept
        else:
            cell.metadata.pop("tags", None)
    return student


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The repository address: ``repository.url`` in ``_config.yml``, the one place it is set."""
    import yaml

    url = (yaml.safe_load(config.read_text()) or {}).get("repository", {}).get("url", "")
    if not url.startswith("https://github.com/"):
        raise EditionError(f"{config}: repository.url must be the GitHub address of the course, not {url!r}.")
    return url.rstrip("/")


def package_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The package's version, as ``pyproject.toml`` states it."""
    match = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.MULTILINE)
    if not match:
        raise EditionError(f'{pyproject}: no version = "..." line in [project].')
    return match.group(1)


def release_tag(config: Path = ROOT / "_config.yml") -> str:
    """The release the Colab buttons and the install line point at: ``repository.branch`` in ``_config.yml``.

    It must be the tag of the package's version (``v`` + the version in
    ``pyproject.toml``), so that a student gets the ``helpers`` the notebook
    they opened was written for, never the moving head of the repository.
    """
    import yaml

    tag = str((yaml.safe_load(config.read_text()) or {}).get("repository", {}).get("branch", ""))
    expected = f"v{package_version(config.parent / 'pyproject.toml')}"
    if tag != expected:
        raise EditionError(
            f"{config}: repository.branch is {tag!r}, but pyproject.toml's version makes the release {expected!r}; "
            "set one to match the other (see 'Cutting a release' on the instructors' page)."
        )
    return tag


def install_source(url: str, tag: str) -> str:
    """The first code cell of every chapter: install ``helpers`` of release ``tag`` in Colab, and pick the backend.

    Anywhere but Colab it installs nothing.  It selects the book's Keras backend
    (JAX) unless the student chose one, before any cell imports Keras.
    Written as ``ruff format`` would write it, so that linting the chapters leaves it alone.
    """
    from . import BOOK_BACKEND

    return (
        f"# In Colab, install the course's helpers, release {tag} (the one this notebook belongs to);\n"
        "# anywhere else nothing is installed. Keras runs on the backend the book was built with\n"
        "# unless you chose another: for TensorFlow, run `%env KERAS_BACKEND=tensorflow` first.\n"
        "import os\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        f'package = "{PACKAGE} @ git+{url}@{tag}"\n'
        'if "google.colab" in sys.modules:\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)\n'
        f'os.environ.setdefault("KERAS_BACKEND", "{BOOK_BACKEND}")\n'
        "print(\n"
        "    f\"Keras backend: {os.environ['KERAS_BACKEND']}. To change it, restart the session and set \"\n"
        '    "KERAS_BACKEND (jax or tensorflow) before running this cell."\n'
        ")"
    )


def _minutes(seconds: float) -> str:
    """A measured time in words, to the nearest minute (5.2 min is "about 5 min", not 6)."""
    return "under a minute" if seconds < 60 else f"about {max(1, round(seconds / 60))} min"


def chapter_times(results: Path = ROOT / "robustness") -> dict[str, dict[str, float]]:
    """``{chapter file name: {profile: seconds}}``: the median time of each chapter's robustness runs."""
    times: dict[str, dict[str, float]] = {}
    for profile in ("quick", "full"):
        path = results / f"{profile}.json"
        if not path.is_file():
            continue
        for chapter, data in json.loads(path.read_text())["chapters"].items():
            seconds = [run["seconds"] for run in data["runs"].values() if run.get("seconds") is not None]
            if seconds:
                times.setdefault(Path(chapter).name, {})[profile] = statistics.median(seconds)
    return times


def time_source(times: dict[str, float]) -> str:
    """The one line at the top of a chapter that says how long it runs, measured, and how to run it quicker."""

    measured = [f"{_minutes(times[p])} at the `{p}` profile" for p in ("quick", "full") if p in times]
    return (
        f"**Time.** On a 2-core CPU (as Colab's free runtime has) this chapter runs in "
        f"{' and '.join(measured) or 'a time not measured yet'} (the book's robustness runs, JAX, two chapters "
        "at a time); `full` is the default: for `quick`, run `%env COURSE_PROFILE=quick` before the setup cell."
    )


def question_source(nb: nbformat.NotebookNode, path: Path) -> str:
    """The chapter's question line, from the one place it is written: the metadata's ``course.question``.

    "Results at a glance" shows the same text; neither is typed twice.
    """
    question = str(nb.metadata.get("course", {}).get("question", "")).strip()
    if not question.endswith("?"):
        raise EditionError(
            f"{path.name}: the notebook's metadata needs course.question, a question ending in '?' "
            f"(found {question!r}); it is the one place a chapter's question is written."
        )
    typed = [
        c for c in nb.cells if c.cell_type == "markdown" and QUESTION_TAG not in tags(c) and "**Question.**" in c.source
    ]
    if typed:
        raise EditionError(
            f"{path.name}: a markdown cell types the question itself; write it only in the metadata "
            "(course.question): `make student` puts it under the title."
        )
    return f"**Question.** {question}"


def _refresh(nb: nbformat.NotebookNode, path: Path, install: str, times: dict[str, float]) -> bool:
    """Put the current question line, install cell and time line into ``nb``; whether anything changed."""
    changed = False
    question = question_source(nb, path)
    asked = [cell for cell in nb.cells if QUESTION_TAG in tags(cell)]
    if not asked:  # right under the title
        title = next(cell for cell in nb.cells if cell.cell_type == "markdown")
        cell = nbformat.v4.new_markdown_cell(question, metadata={"tags": [QUESTION_TAG]}, id=QUESTION_TAG)
        nb.cells.insert(nb.cells.index(title) + 1, cell)
        changed = True
    elif asked[0].source != question:
        asked[0].source, changed = question, True
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    if INSTALL_TAG not in tags(first):
        raise EditionError(f"{path.name}: the first code cell must be the Colab install cell, tagged '{INSTALL_TAG}'.")
    if first.source != install:
        first.source, changed = install, True
    line = time_source(times)
    timed = [cell for cell in nb.cells if TIME_TAG in tags(cell)]
    if not timed:  # after the opening (title, question, what we will find)
        cell = nbformat.v4.new_markdown_cell(line, metadata={"tags": [TIME_TAG]}, id=TIME_TAG)
        nb.cells.insert(nb.cells.index(first), cell)
        changed = True
    elif timed[0].source != line:
        timed[0].source, changed = line, True
    return changed


def write_student_editions(chapters: Path = ROOT / "chapters", out: Path = ROOT / "student") -> list[Path]:
    """Refresh each chapter's question line, install cell and time line; write its student edition under ``out``."""
    config = chapters.parent / "_config.yml"
    source = install_source(repository_url(config), release_tag(config))
    times = chapter_times(chapters.parent / "robustness")
    written = []
    for path in sorted(chapters.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if _refresh(nb, path, source, times.get(path.name, {})):
            nbformat.write(nb, path)
        target = out / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_notebook(nb, path.name), target)
        written.append(target)
    return written


def published_checks(results: Path = ROOT / "robustness") -> dict[str, Any]:
    """What the book's robustness runs measured for each claim, for students' runs to compare with.

    ``{claim: {profile: {"bases", "passed", "evidence", "backend", "date"}}}``: the
    evidence is the first base's (the published book's seed), ``passed`` counts
    the bases the claim held for.  ``helpers.conclusions`` shows it next to a
    student's run that does not support the claim.
    """
    from .robustness import claims_table

    published: dict[str, Any] = {}
    for profile in ("full", "quick"):
        path = results / f"{profile}.json"
        if not path.is_file():
            continue
        record = json.loads(path.read_text())
        first = str(record["bases"][0])
        for row in claims_table(record):
            if first not in row["bases"]:
                continue
            published.setdefault(row["claim"], {})[profile] = {
                "bases": record["bases"],
                "passed": row["passed"],
                "evidence": row["bases"][first]["evidence"],
                "backend": record["backend"],
                "date": record["date"],
                **_effects(row),
            }
    return published


def _effects(row: dict[str, Any]) -> dict[str, Any]:
    """Every seed's effect of every base (``values``), its ``kind`` and ``margin``, where the record keeps them."""
    checks = [check for check in row["bases"].values() if check.get("values")]
    if not checks:
        return {}
    values = sorted(float(v) for check in checks for v in check["values"].values())
    return {"values": values, "kind": checks[0]["kind"], "margin": checks[0]["margin"]}


def write_published_curves(results: Path = ROOT / "robustness", target: Path = ROOT / "helpers") -> Path | None:
    """Write the bands of the robustness runs into ``helpers`` (``{profile: {signature: band}}``, ``helpers.curves``).

    Returns the file, or ``None`` when no robustness run has recorded curves yet.
    """
    published = {}
    for profile in ("full", "quick"):
        path = curves_path(results, profile)
        if path.is_file():
            published[profile] = json.loads(path.read_text())
    if not published:
        return None
    path = target / PUBLISHED_CURVES_FILE
    path.write_text(json.dumps(published, separators=(",", ":"), sort_keys=True) + "\n")
    return path


def write_published_checks(results: Path = ROOT / "robustness", target: Path = ROOT / "helpers") -> Path:
    """Write ``published_checks()`` into the ``helpers`` package (shipped with it, read by its checks)."""
    path = target / PUBLISHED_FILE
    path.write_text(json.dumps(published_checks(results), indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return path


ARCHIVE_NAME = "dense-course-student-edition.zip"
ARCHIVE_README = """# Dense networks, one knob at a time: the student edition

This archive holds every chapter of the course as a notebook with its exercises
(solutions removed), and the course's `helpers` package as a wheel, release {version}.

## Run it on your own computer

You need Python 3.10 or newer (3.11 recommended). In this folder:

    python -m venv .venv
    . .venv/bin/activate          # on Windows: .venv\\Scripts\\activate
    pip install {wheel} jupyterlab
    jupyter lab chapters/

The wheel brings what the chapters import (Keras, JAX, TensorFlow, NumPy, pandas,
matplotlib). The datasets (MNIST, IMDB, Reuters) are downloaded by Keras on first
use; offline, put `mnist.npz`, `imdb.npz`, `reuters.npz` and the word indexes in a
folder and set `COURSE_DATA_DIR` to it before starting Jupyter.

## Run it in Colab or on a Jupyter server

Upload a notebook from `chapters/` (Colab: File, Upload notebook). Its first cell
installs this release of `helpers` in Colab by itself; on another Jupyter server,
upload the wheel too and run `%pip install {wheel}` in a cell first.

Each chapter says at its top how long it runs; `COURSE_PROFILE=quick` (set before
`helpers.setup`) shrinks every experiment to a few minutes. Every exercise checks
your answer: `q1.check(answer)`, `q1.hint()`, `q1.hint(2)`, `q1.solution()`.
"""


def build_wheel(out: Path, helpers: Path = ROOT / "helpers") -> Path:
    """The ``helpers`` wheel in ``out``, built from a copy of its source (the build leaves no ``build/`` folder
    in the checkout) without a download (setuptools is in the book's environment).  ``helpers``: the
    package's folder (the assignment edition gives a copy without solutions)."""
    import shutil
    import tempfile

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder)
        shutil.copytree(helpers, source / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, source / name)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        result = subprocess.run([*command, "-w", str(out), str(source)], capture_output=True, text=True)
    wheels = sorted(out.glob("dense_course_helpers-*.whl"))
    if result.returncode != 0 or not wheels:
        raise EditionError(f"building the helpers wheel failed:\n{result.stderr[-2000:]}")
    return wheels[-1]


def write_archive(target: Path, student: Path = ROOT / "student" / "chapters") -> Path:
    """One zip with the student editions, the ``helpers`` wheel and a README on running them."""
    import tempfile
    import zipfile

    notebooks = sorted(student.glob("*.ipynb"))
    if not notebooks:
        raise EditionError(f"no student editions in {student}: run `make student`.")
    with tempfile.TemporaryDirectory() as folder:
        wheel = build_wheel(Path(folder))
        version = wheel.name.split("-")[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            top = Path(target.stem)
            archive.writestr(str(top / "README.md"), ARCHIVE_README.format(version=version, wheel=wheel.name))
            archive.write(wheel, str(top / wheel.name))
            for notebook in notebooks:
                archive.write(notebook, str(top / "chapters" / notebook.name))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebook.editions", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command",
        choices=["student", "dist"],
        help="student: write the student edition of every chapter; dist: the release's zip and wheel in --out",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="folder to write to (default: student/)")
    args = parser.parse_args(argv)
    if args.command == "dist":
        out = args.out if args.out != ROOT / "student" else ROOT / "dist"
        try:
            archive, wheel = write_archive(out / ARCHIVE_NAME), build_wheel(out)
        except EditionError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"Wrote {archive} and {wheel}.")
        return 0
    try:
        written = write_student_editions(out=args.out)
    except EditionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {len(written)} student editions to {args.out}/chapters.")
    print(f"Wrote what the published book measured per claim to {write_published_checks()}.")
    curves = write_published_curves()
    if curves is not None:
        print(f"Wrote the published runs' learning curves ({curves.stat().st_size / 1e3:.0f} kB) to {curves}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
