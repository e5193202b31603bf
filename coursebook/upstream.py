"""Workarounds for other projects' behaviour, each with its upstream report and a check that it is still needed.

Part of ``coursebook.sphinx_ext``.  Every workaround here answers a fault that
the browser test (``tests/test_site.py``, axe-core) found in the built site,
and comes with a function that tells, from the installed package, whether the
fault is still there.  A patch applies only while its fault is present (the
version guard), and ``tests/test_upstream.py`` fails once an upstream release
fixes one, so that the patch is removed rather than left to rot:

=================================  =========================================  ==============================
fault (installed version)          upstream                                    still there when
=================================  =========================================  ==============================
MyST-NB 1.4 ignores an image       no issue of its own; the Jupyter proposal   ``myst_nb_drops_image_alt``
output's ``alt`` metadata and      jupyter/enhancement-proposals#120
writes the file path as alt text   (nbconvert reads it: jupyter/nbconvert#1112)
Sphinx 7 writes an inline script   sphinx-doc/sphinx#13402, fixed in           ``sphinx_doubles_inline_scripts``
added after the builder started    Sphinx 8.2.2 (Jupyter Book 1.x pins
twice (sphinx-thebe's ``const``)   ``sphinx~=7.0``)
MyST-NB's folded cell: a           no upstream issue found                     ``myst_nb_labels_summary``
``<summary aria-label=...>`` that
hides its visible text
pydata-sphinx-theme's search       no issue found (the button came with        ``theme_labels_search_field``
field button: ``aria-label``       pydata/pydata-sphinx-theme#1233)
hides its visible text
pydata-sphinx-theme's colour-mode  added on purpose by                         ``theme_titles_mode_icons``
icons' ``title``: visible text     pydata/pydata-sphinx-theme#1924
in Font Awesome's SVGs
pandas writes index names in a     pandas-dev/pandas#9625 (closed, not         ``pandas_blanks_index_corner``
second header row under a blank    implemented)
corner (``empty-table-header``)
=================================  =========================================  ==============================
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

# --------------------------------------------------------------------------
# Is the fault still there?
# --------------------------------------------------------------------------


@cache
def myst_nb_drops_image_alt() -> bool:
    """MyST-NB's image renderer copies only width and height from an output's metadata."""
    from myst_nb.core.render import NbElementRenderer

    return 'if key in {"width", "height"}' in inspect.getsource(NbElementRenderer.render_image)


@cache
def sphinx_doubles_inline_scripts() -> bool:
    """Sphinx before 8.2.2 adds an inline script registered after ``builder-inited`` twice."""
    import sphinx

    return sphinx.version_info[:3] < (8, 2, 2)


@cache
def myst_nb_labels_summary() -> bool:
    """MyST-NB names a folded cell's ``<summary>`` "Toggle hidden content" over its visible text."""
    from myst_nb import sphinx_

    return 'aria-label="Toggle hidden content"' in inspect.getsource(sphinx_.visit_HideCellInput)


def _theme_component(name: str) -> str:
    import pydata_sphinx_theme

    folder = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "components"
    path = folder / name
    return path.read_text() if path.is_file() else ""


@cache
def theme_labels_search_field() -> bool:
    """pydata-sphinx-theme's search field button carries ``aria-label="Search"`` over its visible text."""
    return "aria-label=\"{{ _('Search') }}\"" in _theme_component("search-button-field.html")


@cache
def theme_titles_mode_icons() -> bool:
    """pydata-sphinx-theme's colour-mode icons carry a ``title`` (visible text in Font Awesome's SVGs)."""
    return bool(
        re.search(r'class="theme-switch[^"]*" data-mode="\w+"\s+title=', _theme_component("theme-switcher.html"))
    )


def pandas_blanks_index_corner() -> bool:
    """pandas still writes an index's name in a second header row, under a blank corner cell."""
    import pandas as pd

    html = pd.DataFrame({"a": [1]}, index=pd.Index([0], name="i")).to_html()
    head = html.split("<tbody>")[0]
    return head.count("<tr") == 2 and re.search(r"<th>\s*</th>", head) is not None


# --------------------------------------------------------------------------
# pandas: tables whose header says what the rows are
# --------------------------------------------------------------------------


def _blank(cell: Any) -> bool:
    return not cell.get_text().replace("\xa0", " ").strip()


def name_table_corners(html: str) -> str:
    """A pandas table's header as one row whose corner names the rows.

    pandas writes an index name in a second header row, under an empty corner cell and above empty
    cells: headers that say nothing to a screen reader (axe-core's ``empty-table-header``).  Here the
    names move up into the corner ("label \\ one-hot column" when both the rows and the columns are
    named) and the row of names goes.  A table whose index has no name keeps its empty corner, which
    the book's tests report: name the index in the chapter.  Each table also becomes reachable by
    keyboard (``tabindex="0"``): on a narrow screen it scrolls inside itself (``_static/course.css``).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    changed = False
    for table in soup.find_all("table"):
        if table.get("tabindex") is None:  # on a narrow screen it scrolls: reachable by keyboard too
            table["tabindex"] = "0"
            changed = True
        head = table.find("thead")
        rows = head.find_all("tr", recursive=False) if head else []
        if len(rows) < 2:
            continue
        names, top = rows[-1].find_all(["th", "td"], recursive=False), rows[0].find_all("th", recursive=False)
        named = [cell for cell in names if not _blank(cell)]
        if not named or any(not _blank(cell) for cell in names[len(named) :]) or names[: len(named)] != named:
            continue  # not a row of index names followed by blanks
        if len(rows) > 2 or len(top) < len(named):
            continue  # column levels over several rows: leave pandas' layout
        for corner, name in zip(top, named):
            column_name = corner.get_text().strip()
            corner.string = f"{name.get_text().strip()} \\ {column_name}" if column_name else name.get_text().strip()
        rows[-1].decompose()
        changed = True
    return str(soup) if changed else html


class NameTableCorners(SphinxPostTransform):
    """Apply ``name_table_corners`` to every HTML table a notebook cell printed."""

    default_priority = 9

    def run(self, **kwargs: Any) -> None:
        for node in self.document.findall(nodes.raw):
            if "html" in node.get("format", "") and "<table" in node.astext():
                fixed = name_table_corners(node.astext())
                if fixed != node.astext():
                    node.replace_self(nodes.raw("", fixed, format="html"))


# --------------------------------------------------------------------------
# Sphinx: each inline script once
# --------------------------------------------------------------------------


def drop_repeated_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Keep each script once per page (while ``sphinx_doubles_inline_scripts``).

    Sphinx 7 writes an inline script registered after the builder started
    twice; for sphinx-thebe's configuration (``const THEBE_JS_URL = ...``) the
    second copy is a JavaScript SyntaxError on every page (found by
    tests/test_site.py).  Fixed upstream in Sphinx 8.2.2 (sphinx-doc/sphinx#13402).
    """
    if not sphinx_doubles_inline_scripts():
        return
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        filename = getattr(script, "filename", script) or ""  # an inline script's is None or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


# --------------------------------------------------------------------------
# MyST-NB: a figure's description as its alt text
# --------------------------------------------------------------------------


def alt_text_from_outputs() -> None:
    """Give each notebook image the ``alt`` text its output carries (``helpers.plots.describe_figure``).

    MyST-NB reads only width and height from an output's metadata, and writes the file's own path as alt
    text otherwise; this wraps its image renderer (while ``myst_nb_drops_image_alt``) so the figure's
    description reaches the HTML.
    """
    if not myst_nb_drops_image_alt():
        return
    from myst_nb.core.render import NbElementRenderer

    original = NbElementRenderer.render_image
    if getattr(original, "course_alt_text", False):
        return

    def render_image(self: NbElementRenderer, data: Any) -> list[nodes.Element]:
        rendered = original(self, data)
        alt = (data.output_metadata or {}).get(data.mime_type, {}).get("alt")
        for node in rendered:
            if alt and isinstance(node, nodes.image):
                node["alt"] = str(alt)
        return rendered

    render_image.course_alt_text = True
    NbElementRenderer.render_image = render_image


# --------------------------------------------------------------------------
# The written pages: labels that hid visible text
# --------------------------------------------------------------------------

# (still there?, regular expression, replacement), each found by axe-core (label-content-name-mismatch).
HTML_FIXES = (
    # MyST-NB's folded solution: the summary's label hid its visible text ("Show the solution") from
    # screen readers; without the label, that text is its name.
    (myst_nb_labels_summary, r'<summary aria-label="Toggle hidden content">', "<summary>"),
    # The theme's search button shows "Search" and a keyboard shortcut, but was named "Search" alone.
    (theme_labels_search_field, r'title="Search" aria-label="Search"', 'title="Search"'),
    # The colour-mode button is named "Color mode", but its icons' titles ("System Settings"...) became
    # visible text in Font Awesome's SVGs; as decorations, the button's name says what it does.
    (
        theme_titles_mode_icons,
        r'(<i class="theme-switch [^"]*" data-mode="\w+")\s+title="[^"]*"',
        r'\1 aria-hidden="true"',
    ),
)


def apply_html_fixes(outdir: Path) -> None:
    """Apply the ``HTML_FIXES`` whose fault is still there to every written page."""
    fixes = [(pattern, replacement) for needed, pattern, replacement in HTML_FIXES if needed()]
    if not fixes:
        return
    for page in outdir.rglob("*.html"):
        text = original = page.read_text(encoding="utf-8")
        for pattern, replacement in fixes:
            text = re.sub(pattern, replacement, text)
        if text != original:
            page.write_text(text, encoding="utf-8")
