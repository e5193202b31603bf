"""A pytest plugin: hand the chapters nbval executed to the book build.

nbval runs every cell of a chapter and checks it; this plugin collects the
outputs it received and, once every cell of the chapter has passed, stores
the executed chapter in the execution cache of the current profile (see
``coursebook.build``).  The book build that follows in the same ``make test``
then shows those outputs instead of training the chapter's models again.
A chapter with a failing cell is not stored.

It also tests each chapter's exercises in the kernel nbval used, after the
chapter's last cell (see ``pytest_collection_modifyitems``): first that every
check of the official solutions said "correct", then the student edition's
exercise cells (placeholders instead of solutions), whose checks must all say
"not yet solved" without raising.  Everything before the exercises is the
same in both editions (tests/test_exercises.py checks), so together this runs
the student edition from top to bottom without training a model twice.

Enabled in ``pyproject.toml`` with ``-p coursebook.nbval_plugin``.
"""

from __future__ import annotations

from helpers.profiles import PROFILES

import copy
import os
import platform
import time
from pathlib import Path
from typing import Any

import pytest

from . import ROOT, strict_checks, use_book_backend

_runs: dict[Path, dict[str, Any]] = {}
STORED: list[Path] = []  # chapters stored in this pytest session, in order


def pytest_configure(config: pytest.Config) -> None:
    # Chapters under pytest run at the quick settings unless told otherwise,
    # also when pytest is pointed at chapters/ alone (tests/conftest.py then
    # does not load).
    os.environ.setdefault("COURSE_PROFILE", "quick")
    use_book_backend()
    os.environ.setdefault("COURSE_PROGRESS", "none")
    strict_checks()


def _as_jupyter_shows(source: str, outputs: list[Any]) -> list[Any]:
    """The outputs Jupyter would keep for this cell.

    nbval runs cells with ``store_history=False``, so IPython cannot see that
    a cell ends in ``;`` and returns its value anyway: a chapter's
    ``learning_curves(...);`` would show its figure twice in the book.
    """
    from IPython.core.displayhook import DisplayHook

    try:
        quiet = DisplayHook.semicolon_at_end_of_expression(source)
    except Exception:  # source IPython's tokenizer cannot read (magics): keep everything
        quiet = False
    return [o for o in outputs if not (quiet and o.get("output_type") == "execute_result")]


def _is_chapter_source(item: pytest.Item) -> bool:
    """A cell of a chapter source (chapters/), not of a student edition (student/chapters/)."""
    return Path(str(item.parent.fspath)).resolve().parent == ROOT / "chapters"


def _is_nbval_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item.parent, "nb") and not hasattr(item, "course_extra")


def _verdicts_cell(count: int, status: str, what: str) -> Any:
    import nbformat

    return nbformat.v4.new_code_cell(
        "from helpers.session import SESSION as _session\n"
        f"_last = _session.verdicts[-{count}:]\n"
        f"assert len(_last) == {count} and all(v.status == {status!r} for v in _last), "
        f"{what + ': '!r} + '; '.join(map(str, _last))"
    )


def exercise_items(parent: Any) -> list[pytest.Item]:
    """Extra nbval items for one chapter: the solutions passed; the student edition's exercises run."""
    from collections import defaultdict

    from .editions import CHECK_TAG, exercise_cells, student_notebook, tags

    source = exercise_cells(parent.nb)
    checks = sum(CHECK_TAG in tags(cell) for cell in source)
    student = exercise_cells(student_notebook(parent.nb, str(parent.fspath)))
    cells = [_verdicts_cell(checks, "correct", "an official solution did not pass its check")]
    cells += student
    cells.append(_verdicts_cell(checks, "unsolved", 'a check of the student edition did not say "not yet solved"'))
    from nbval.plugin import IPyNbCell

    items = []
    for number, cell in enumerate(cells):
        name = (
            "Exercises: solutions pass"
            if number == 0
            else (
                "Student edition: checks say not yet solved"
                if number == len(cells) - 1
                else f"Student edition: exercise cell {number}"
            )
        )
        item = IPyNbCell.from_parent(
            parent,
            name=name,
            cell_num=10_000 + number,
            cell=cell,
            options=defaultdict(bool, check=parent.compare_outputs),
        )
        item.course_extra = True
        items.append(item)
    return items


def student_edition_items(parent: Any) -> list[pytest.Item]:
    """The extra item after a student edition run on its own: every check said "not yet solved"."""
    from collections import defaultdict

    from nbval.plugin import IPyNbCell

    from .editions import CHECK_TAG, tags

    checks = sum(CHECK_TAG in tags(cell) for cell in parent.nb.cells)
    cell = _verdicts_cell(checks, "unsolved", 'a check of the student edition did not say "not yet solved"')
    item = IPyNbCell.from_parent(
        parent,
        name="Student edition: checks say not yet solved",
        cell_num=10_000,
        cell=cell,
        options=defaultdict(bool, check=parent.compare_outputs),
    )
    item.course_extra = True
    return [item]


def _is_student_edition(item: pytest.Item) -> bool:
    return Path(str(item.parent.fspath)).resolve().parent == ROOT / "student" / "chapters"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    last: dict[Any, tuple[int, Any]] = {}
    for position, item in enumerate(items):
        if _is_nbval_cell(item) and _is_chapter_source(item):
            last[item.parent] = (position, exercise_items)
        elif _is_nbval_cell(item) and _is_student_edition(item):
            last[item.parent] = (position, student_edition_items)
    for parent, (position, extra) in sorted(last.items(), key=lambda pair: -pair[1][0]):
        items[position + 1 : position + 1] = extra(parent)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    if not (_is_nbval_cell(item) and _is_chapter_source(item)):
        return
    report = outcome.get_result()
    path = Path(str(item.parent.fspath))
    run = _runs.get(path)
    if run is None:
        source = item.parent.nb
        code_cells = [i for i, cell in enumerate(source.cells) if cell.cell_type == "code"]
        run = _runs[path] = {
            "nb": copy.deepcopy(source),
            "index": {id(cell): i for i, cell in enumerate(source.cells)},
            "pending": set(code_cells),
            "failed": False,
            "start": time.perf_counter(),
            "count": 0,
        }
    if report.failed or report.skipped:
        run["failed"] = True
    if call.when != "call":
        return
    index = run["index"].get(id(item.cell))
    if index is None:
        run["failed"] = True
        return
    run["count"] += 1
    cell = run["nb"].cells[index]
    cell.execution_count = run["count"]
    cell.outputs = _as_jupyter_shows(cell.source, list(getattr(item, "test_outputs", None) or []))
    run["pending"].discard(index)
    if not run["pending"] and not run["failed"]:
        profile = os.environ.get("COURSE_PROFILE", "full")
        # What a kernel reports after running a notebook, and what the book's
        # renderer needs to highlight the code; nbval does not record it.
        run["nb"].metadata.setdefault(
            "language_info",
            {
                "name": "python",
                "version": platform.python_version(),
                "mimetype": "text/x-python",
                "file_extension": ".py",
                "pygments_lexer": "ipython3",
                "nbconvert_exporter": "python",
                "codemirror_mode": {"name": "ipython", "version": 3},
            },
        )
        if profile in PROFILES:
            from .build import store_executed
            from .cluster import where_it_ran

            where = where_it_ran(run["nb"], os.environ.get("KERAS_BACKEND", ""), worker="nbval")
            store_executed(run["nb"], path, time.perf_counter() - run["start"], profile, where=where)
            STORED.append(path)
        _runs.pop(path, None)
