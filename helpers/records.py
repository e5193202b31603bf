"""Machine-readable records in a chapter's outputs, for the book's summary pages.

``helpers.setup`` and ``check_conclusion`` print a line for the reader; in a
notebook they also attach the same facts as JSON to the HTML of that output.
The book's Sphinx extension (in the book's tooling, ``coursebook``, which is
not installed with ``helpers``) collects these records from the executed
chapters to build "Results at a glance" and "About this build", so
those pages show what the chapters really did in this build, never typed-in
numbers.

No chapter calls it directly: ``setup`` and ``check_conclusion`` do, in every chapter.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any

# What the published book measured for each claim, in this package: ``make student``
# writes it from the robustness records; a student's run that disagrees shows it.
PUBLISHED_FILE = "published_checks.json"


@cache
def published(name: str) -> dict[str, Any]:
    """A file of what the published book measured, shipped in this package (``make student`` writes it).

    ``{}`` when the package has no such file (a checkout before its first robustness run).
    """
    try:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return json.loads(text)


_PATTERN = re.compile(r'data-course-(run|check|curves)="([^"]*)"')


def installed_version(distribution: str) -> str:
    """The installed version of a distribution (``tensorflow`` also as ``tensorflow-cpu``), or "not installed".

    Read from the package metadata, without importing the package: a run
    record names the libraries it ran with, and the book's runner compares a
    worker's with its own.
    """
    from importlib import metadata

    for name in (distribution, f"{distribution}-cpu"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def show(kind: str, data: dict[str, Any], text: str, body_html: str) -> None:
    """Show ``text`` to the reader; in IPython, with ``data`` attached to its HTML form."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: the text is all there is
        print(text)
        return
    if get_ipython() is None:
        print(text)
        return
    display({"text/plain": text, "text/html": markup(kind, data, body_html)}, raw=True)


def markup(kind: str, data: dict[str, Any], body_html: str) -> str:
    """``body_html`` in a ``div`` that carries ``data`` as JSON."""
    attribute = html.escape(json.dumps(data, sort_keys=True), quote=True)
    return f'<div class="course-record course-{kind}" data-course-{kind}="{attribute}">{body_html}</div>'


def parse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The ``(kind, data)`` records in a piece of HTML, in order."""
    return [(kind, json.loads(html.unescape(value))) for kind, value in _PATTERN.findall(text)]
