"""The site's own MathJax (part of ``coursebook.sphinx_ext``).

MathJax comes from npm (``package.json``, installed by ``make env``) and is
served from the site itself, so formulas render offline and where its CDN is
blocked.  Only what the combined TeX/MathML file loads is copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

from . import ROOT

MATHJAX = ROOT / "node_modules" / "mathjax" / "es5"
MATHJAX_ENTRY = "tex-mml-chtml.js"
MATHJAX_PARTS = (MATHJAX_ENTRY, "input", "output", "a11y", "ui", "adaptors", "sre")


def serve_mathjax_locally(app: Sphinx) -> None:
    """Point the pages at the site's own copy of MathJax (``builder-inited``)."""
    if app.builder.format != "html":
        return
    if not (MATHJAX / MATHJAX_ENTRY).is_file():
        raise RuntimeError(
            f"MathJax is missing ({MATHJAX / MATHJAX_ENTRY}): the site serves its own copy. "
            "Run `make env` (it runs `npm ci`, which needs Node.js and npm: apt-get install nodejs npm)."
        )
    app.config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"  # relative to the site's _static folder


def copy_mathjax(outdir: Path) -> None:
    """Copy MathJax into ``_static/mathjax`` of the built site."""
    target = outdir / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        source = MATHJAX / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)
