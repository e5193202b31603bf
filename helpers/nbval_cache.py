"""A pytest plugin: hand the chapters nbval executed to the book build.

nbval runs every cell of a chapter and checks it; this plugin collects the
outputs it received and, once every cell of the chapter has passed, stores
the executed chapter in the execution cache of the current profile (see
``helpers.build``).  The book build that follows in the same ``make test``
then shows those outputs instead of training the chapter's models again.
A chapter with a failing cell is not stored.

Enabled in ``pyproject.toml`` with ``-p helpers.nbval_cache``.
"""

from __future__ import annotations

import copy
import os
import platform
import time
from pathlib import Path
from typing import Any

import pytest

from .profiles import PROFILES

_runs: dict[Path, dict[str, Any]] = {}
STORED: list[Path] = []  # chapters stored in this pytest session, in order


def pytest_configure(config: pytest.Config) -> None:
    # Chapters under pytest run at the quick settings unless told otherwise,
    # also when pytest is pointed at chapters/ alone (tests/conftest.py then
    # does not load).
    os.environ.setdefault("COURSE_PROFILE", "quick")
    os.environ.setdefault("COURSE_PROGRESS", "none")


def _is_nbval_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item.parent, "nb")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    if not _is_nbval_cell(item):
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
    cell.outputs = list(getattr(item, "test_outputs", None) or [])
    run["pending"].discard(index)
    if not run["pending"] and not run["failed"]:
        profile = os.environ.get("COURSE_PROFILE", "full")
        # What a kernel reports after running a notebook, and what the book's
        # renderer needs to highlight the code; nbval does not record it.
        run["nb"].metadata.setdefault("language_info", {
            "name": "python", "version": platform.python_version(), "mimetype": "text/x-python",
            "file_extension": ".py", "pygments_lexer": "ipython3", "nbconvert_exporter": "python",
            "codemirror_mode": {"name": "ipython", "version": 3},
        })
        if profile in PROFILES:
            from .build import store_executed

            store_executed(run["nb"], path, time.perf_counter() - run["start"], profile)
            STORED.append(path)
        _runs.pop(path, None)
