"""The book's own Sphinx extension, enabled in ``_config.yml`` (``sphinx.local_extensions``).

It wires together three jobs, one module each:

- ``coursebook.pages``: the pages built from what the chapters did, with three
  directives: ``{course-results}`` (Results at a glance), ``{course-build}``
  (About this build) and ``{course-robustness}`` (Robustness);
- ``coursebook.mathjax``: the site's own copy of MathJax, served offline;
- ``coursebook.upstream``: workarounds for other projects' faults (MyST-NB,
  Sphinx, the theme, pandas), each with its upstream report and a check that
  it is still needed.

After a successful HTML build it also writes the whole student edition as one
download (``coursebook.editions``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from . import ROOT
from .mathjax import copy_mathjax, serve_mathjax_locally
from .pages import (
    BuildDirective,
    FillTables,
    ResultsDirective,
    RobustnessDirective,
    collect_records,
    course_table,
    merge,
    pages_to_rewrite,
    purge,
)
from .upstream import (
    NameTableCorners,
    alt_text_from_outputs,
    apply_html_fixes,
    drop_repeated_scripts,
    name_table_corners,
)

__all__ = ["name_table_corners", "setup"]

STATIC = ROOT / "_static"  # the book's own CSS


def add_static_path(app: Sphinx, config: Any) -> None:
    if str(STATIC) not in map(str, config.html_static_path):
        config.html_static_path.append(str(STATIC))


def finish_site(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build (``build-finished``): the site's own MathJax, the written pages' fixes,
    and the whole student edition as one download, ``_static/<ARCHIVE_NAME>``."""
    if exception is not None or app.builder.format != "html":
        return
    from .editions import ARCHIVE_NAME, write_archive

    outdir = Path(app.outdir)
    copy_mathjax(outdir)
    apply_html_fixes(outdir)
    write_archive(outdir / "_static" / ARCHIVE_NAME)
    offer_executed_notebooks(outdir, app.config.nb_execution_cache_path)


def offer_executed_notebooks(outdir: Path, cache: str | None) -> None:
    """The page's download button offers ``_sources/<page>.ipynb``, the notebook as stored (no outputs);
    put the executed one in its place, with the outputs the execution cache holds for it (the build takes
    every chapter from that cache), so the download holds what the page shows."""
    if not cache or not Path(cache).is_dir():
        return
    import nbformat
    from jupyter_cache import get_cache

    store = get_cache(cache)
    for offered in (outdir / "_sources").rglob("*.ipynb"):
        notebook = nbformat.read(offered, as_version=4)
        try:
            _, executed = store.merge_match_into_notebook(notebook)
        except KeyError:  # not in the cache (a page that is not a chapter, or not executed)
            continue
        nbformat.write(executed, offered)


def setup(app: Sphinx) -> dict[str, Any]:
    alt_text_from_outputs()
    app.connect("config-inited", add_static_path)
    app.connect("builder-inited", serve_mathjax_locally)
    app.connect("build-finished", finish_site)
    app.add_css_file("course.css")
    app.add_node(course_table)
    app.add_directive("course-results", ResultsDirective)
    app.add_directive("course-build", BuildDirective)
    app.add_directive("course-robustness", RobustnessDirective)
    app.add_post_transform(FillTables)
    app.add_post_transform(NameTableCorners)
    app.connect("doctree-read", collect_records)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-updated", pages_to_rewrite)
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
