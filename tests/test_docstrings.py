"""Docstrings and comments name only modules, names and files that exist.

A module that moves or is renamed leaves its old name behind in other
modules' docstrings ("see ``chapters.py``", "``helpers.sphinx_ext``"); this
test reads every ``double-backticked`` dotted name under ``helpers.`` or
``coursebook.`` and every ``name.py`` in the Python sources, and resolves it
without importing anything.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("helpers", "coursebook")
SOURCES = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
DOTTED = re.compile(r"``((?:helpers|coursebook)(?:\.\w+)+)``")
FILES = re.compile(r"``([\w/]+\.py)``")


def _module_file(parts: list[str]) -> Path | None:
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    if path.name == "__init__.py":  # a package also offers its modules, and helpers its lazy exports
        names.update(p.stem for p in path.parent.glob("*.py"))
        names.update(re.findall(r'"(\w+)"', path.read_text()))
    return names


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module of the checkout, or a top-level name in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = _module_file(parts[:cut])
        if module is not None:
            rest = parts[cut:]
            return not rest or rest[0] in _top_level_names(module)
    return False


def file_exists(name: str, source: Path) -> bool:
    """A ``name.py`` mentioned in ``source``: beside it, in its package, or from the checkout's root."""
    return any((folder / name).is_file() for folder in (source.parent, source.parent.parent, ROOT))


def test_the_resolver_tells_real_names_from_stale_ones():
    assert resolves("helpers.conclusions.check_effect") and resolves("coursebook.cluster")
    assert resolves("helpers.exercises.core.Exercise.check")  # a method: its class is enough
    assert not resolves("helpers.sphinx_ext") and not resolves("helpers.conclusions.no_such_function")
    assert file_exists("build.py", ROOT / "coursebook" / "robustness.py")
    assert not file_exists("chapters.py", ROOT / "helpers" / "exercises" / "core.py")


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_module_named_in_a_docstring_exists(source):
    text = source.read_text()
    stale = [name for name in DOTTED.findall(text) if not resolves(name)]
    # ``chapter_NN.py`` is a pattern, not a file
    stale += [name for name in FILES.findall(text) if "NN" not in name and not file_exists(name, source)]
    assert not stale, f"{source.relative_to(ROOT)} names what does not exist: {stale}"
