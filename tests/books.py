"""Tiny books for the tests of the runner and the build: one-cell chapters, a toc, the project's helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def tiny_book(root: Path, cells: dict[str, str]) -> Path:
    """Write ``{name: code}`` as chapters (a heading and one code cell each) with a toc; returns ``root``.

    The project's ``helpers`` is copied beside them unless ``root`` has one:
    the build's cache is keyed by its fingerprint.
    """
    if not (root / "helpers").exists():
        shutil.copytree(ROOT / "helpers", root / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    for name, code in cells.items():
        nb = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"# {name}"), nbformat.v4.new_code_cell(code)]
        )
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "chapters" / f"{name}.ipynb")
    toc = {
        "format": "jb-book",
        "root": "intro",
        "parts": [{"caption": "c", "chapters": [{"file": f"chapters/{name}"} for name in cells]}],
    }
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    return root
