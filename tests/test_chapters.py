"""Chapter hygiene: in the table of contents, stored without outputs, set up first."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from coursebook.build import toc_files

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_every_chapter_is_in_the_toc_and_back():
    in_toc = {f for f in toc_files() if f.startswith("chapters/")}
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in CHAPTERS}
    assert on_disk, "no chapters found"
    assert on_disk == in_toc


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_names_its_python_kernel(path):
    """Jupyter, Colab and the book's code highlighting read the kernelspec."""
    kernelspec = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
    assert kernelspec.get("language") == "python" and kernelspec.get("name") == "python3", kernelspec


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_starts_with_setup_and_checks_its_conclusion(path):
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "google.colab" in code[0], "the first code cell must be the guarded Colab install cell"
    assert "helpers.setup(" in code[1], "the code cell after the install cell must call helpers.setup"
    checks = ("check_conclusion(", "check_effect(", "check_ratio(")
    assert any(c in source for source in code for c in checks), "the chapter checks no conclusion"
    assert not any("verbose=1" in source or "verbose=2" in source for source in code)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_code_cell_is_longer_than_forty_lines(path):
    """A reader sees the experiment and one short call per claim; longer arithmetic goes into a named
    function, a cell of its own, or ``helpers``."""
    nb = nbformat.read(path, as_version=4)
    long = {i: len(c.source.splitlines()) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    long = {i: n for i, n in long.items() if n > 40}
    assert not long, f"{path.name}: code cells longer than 40 lines (cell: lines): {long}"


# --------------------------------------------------------------------------
# "Used first in" lines that stay true
# --------------------------------------------------------------------------


def _title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError("a chapter without a '# ' title")


def _helpers_modules_used(nb: nbformat.NotebookNode) -> set[str]:
    """The ``helpers`` modules whose names a chapter's code imports or reads (``helpers.X``)."""
    import helpers

    used: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and node.module == "helpers":
                used |= {helpers._EXPORTS[alias.name] for alias in node.names if alias.name in helpers._EXPORTS}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers.exercises"):
                used.add("exercises")
            elif (
                isinstance(node, ast.Attribute)
                and getattr(node.value, "id", None) == "helpers"
                and node.attr in helpers._EXPORTS
            ):
                used.add(helpers._EXPORTS[node.attr])
    return used


def _first_users() -> dict[str, str]:
    """``{module: title of the first chapter, in book order, that uses it}``."""
    first: dict[str, str] = {}
    for name in toc_files():
        path = ROOT / f"{name}.ipynb"
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        for module in sorted(_helpers_modules_used(nb)):
            first.setdefault(module, _title(nb))
    return first


def _module_files() -> dict[str, list[Path]]:
    """Each traced module and the files whose docstring speaks for it."""
    files = {path.stem: [path] for path in (ROOT / "helpers").glob("*.py") if path.stem != "__init__"}
    exercises = ROOT / "helpers" / "exercises"
    files["exercises"] = [exercises / "__init__.py", exercises / "core.py", exercises / "models.py"]
    return files


def test_used_first_in_names_the_first_chapter_that_uses_the_module():
    """A module's 'Used first in: "Title"' is the first chapter in _toc.yml that imports one of its names.

    A module no chapter uses directly (session, records, the backend import) has no such line.
    """
    first = _first_users()
    wrong = []
    for module, paths in _module_files().items():
        for path in paths:
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            said = re.findall(r'Used first in: "([^"]+)"', doc)
            other = "Used first in" in doc and not said
            expected = [first[module]] if module in first else []
            if said != expected or other:
                wrong.append(
                    f"{path.relative_to(ROOT)} says {said or 'nothing'}, the chapters say {expected or 'none'}"
                )
    assert not wrong, "\n".join(wrong)
