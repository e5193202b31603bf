"""Chapter hygiene: in the table of contents, stored without outputs, set up first."""

from __future__ import annotations

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
    assert any("check_conclusion(" in source for source in code), "the chapter checks no conclusion"
    assert not any("verbose=1" in source or "verbose=2" in source for source in code)
