"""The assignment edition: the student notebooks and a ``helpers`` wheel without the official solutions.

``make assignment`` (``python -m coursebook.assignment --out assignment``)
writes, for an instructor who sets the chapters as graded work:

- ``chapters/*.ipynb``: the student editions (solutions removed, as ``make
  student`` writes them), whose first cell installs the wheel beside them
  (in Colab: upload it with the notebook) instead of the public release;
- ``dense_course_helpers-<version>-py3-none-any.whl``: ``helpers`` with every
  exercise's official solution (and, with ``--no-hints``, every hint)
  replaced by ``helpers.exercises.core.WITHHELD``.  The code is absent from
  the files, not hidden: ``q1.solution()`` says the instructor withheld it,
  and ``q1.check(answer)`` still judges the student's own run;
- ``README.md``, for the instructor, and one zip with all of it.

The public repository and its releases still hold the solutions: withholding
them suits a class that is given this edition, not a secret.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from . import ROOT
from .build import toc_notebooks
from .editions import INSTALL_TAG, EditionError, build_wheel, student_notebook, tags

# Exercise(label, checker, hint_text, solution_code): the positions of what an assignment may withhold.
HINT, SOLUTION = 2, 3
ZIP_NAME = "dense-course-assignment.zip"

INSTALL = """# The course's helpers for this assignment: the wheel your instructor gave you, beside this notebook.
# (In Colab: upload the .whl file with the notebook, into the session's files, then run this cell.)
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

wheel = Path("{wheel}")
if importlib.util.find_spec("helpers") is None or "google.colab" in sys.modules:
    if not wheel.is_file():
        raise FileNotFoundError(f"{{wheel}} is not in {{Path.cwd()}}: put the wheel your instructor gave you there.")
    install = [sys.executable, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel)]
    subprocess.run(install, check=True)
os.environ.setdefault("KERAS_BACKEND", "{backend}")
print(f"Keras backend: {{os.environ['KERAS_BACKEND']}}.")
"""

README = """# Assignment edition of "Dense networks, one knob at a time"

For the instructor. Give your students the notebooks in `chapters/` and the wheel
`{wheel}`. The wheel is the course's `helpers` without the official solutions
{hints}: `q1.solution()` says you withheld it, `q1.check(answer)` still judges the
student's answer against their own run.

- On your JupyterHub: install the wheel in the students' image
  (`pip install {wheel}`); the notebooks' first cell then installs nothing.
- In Colab or on a laptop: students upload or copy the wheel beside the notebook;
  the first cell installs it (`pip install --no-deps`: Colab's own Keras, JAX and
  TensorFlow stay).

To grade, run each student's notebook top to bottom (the course's runner, `make
book`, does it for the book's own chapters) and read the verdict lines that
`q1.check(...)` prints: "correct", "not yet solved" or what is wrong.
"""


class _Withhold(ast.NodeVisitor):
    """The source spans of every ``Exercise(...)`` call's solution (and hints) in a module."""

    def __init__(self, positions: tuple[int, ...]) -> None:
        self.positions, self.spans = positions, []

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "Exercise":
            named = {keyword.arg: keyword.value for keyword in node.keywords}
            for position, name in ((HINT, "hint_text"), (SOLUTION, "solution_code")):
                if position not in self.positions:
                    continue
                value = node.args[position] if len(node.args) > position else named.get(name)
                if value is None:
                    raise EditionError(f"an Exercise call on line {node.lineno} has no {name}.")
                self.spans.append((value.lineno, value.col_offset, value.end_lineno, value.end_col_offset))
        self.generic_visit(node)


def withhold(source: str, hints: bool = True) -> str:
    """``source`` (an exercises module) with each solution, and the hints unless ``hints``, made ``WITHHELD``."""
    finder = _Withhold((SOLUTION,) if hints else (HINT, SOLUTION))
    finder.visit(ast.parse(source))
    if not finder.spans:
        return source
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    text = source
    for line, column, end_line, end_column in sorted(finder.spans, reverse=True):
        text = text[: starts[line - 1] + column] + "WITHHELD" + text[starts[end_line - 1] + end_column :]
    return text + "\nfrom .core import WITHHELD  # noqa: E402  (the assignment edition)\n"


def withheld_helpers(target: Path, hints: bool = True) -> Path:
    """A copy of ``helpers`` in ``target/helpers`` whose exercises withhold their solutions."""
    shutil.copytree(ROOT / "helpers", target / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for module in sorted((target / "helpers" / "exercises").glob("chapter_*.py")):
        module.write_text(withhold(module.read_text(), hints))
    return target / "helpers"


def assignment_notebook(nb: nbformat.NotebookNode, wheel: str, where: str) -> nbformat.NotebookNode:
    """The student edition of ``nb`` whose install cell installs ``wheel`` from beside the notebook."""
    from . import BOOK_BACKEND

    student = student_notebook(nb, where)
    installs = [cell for cell in student.cells if INSTALL_TAG in tags(cell)]
    if len(installs) != 1:
        raise EditionError(f"{where}: expected one cell tagged '{INSTALL_TAG}', found {len(installs)}.")
    installs[0].source = INSTALL.format(wheel=wheel, backend=BOOK_BACKEND).rstrip("\n")
    return student


def write_assignment(out: Path, hints: bool = True) -> Path:
    """Write the assignment edition into ``out`` (see the module's docstring); returns its zip."""
    if out.exists():
        shutil.rmtree(out)
    (out / "chapters").mkdir(parents=True)
    with tempfile.TemporaryDirectory() as folder:
        source = withheld_helpers(Path(folder), hints)
        wheel = build_wheel(out, source)
    for path in toc_notebooks(ROOT):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(assignment_notebook(nb, wheel.name, path.name), out / "chapters" / path.name)
    what = "and hints" if not hints else "(the hints are kept)"
    (out / "README.md").write_text(README.format(wheel=wheel.name, hints=what))
    archive = out / ZIP_NAME
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(out.rglob("*")):
            if path.is_file() and path != archive:
                zipped.write(path, str(Path(archive.stem) / path.relative_to(out)))
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebook.assignment", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assignment", help="folder (default: assignment/)")
    parser.add_argument("--no-hints", action="store_true", help="withhold the hints too")
    args = parser.parse_args(argv)
    try:
        archive = write_assignment(args.out, hints=not args.no_hints)
    except EditionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote the assignment edition to {args.out} ({archive.name}: notebooks, wheel, README).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
