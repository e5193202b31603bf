"""Citations for readers without Sphinx: the student editions' plain form of ``{footcite}`` and ``{footbibliography}``.

The book renders a chapter's citations with sphinxcontrib-bibtex (``references.bib``).
A student opens the same notebook in Jupyter or Colab, where the roles would show
as raw markup; ``plain_citations`` writes them as "Author et al. (year)" and the
references list as Markdown, from the same bibliography.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from . import ROOT

BIBLIOGRAPHY = ROOT / "references.bib"
ROLE = re.compile(r"\{footcite(?::(?P<style>[a-z]+))?\}`(?P<keys>[^`]+)`")
LIST = re.compile(r"```\{footbibliography\}\s*\n```")


@cache
def _entries(path: Path = BIBLIOGRAPHY) -> dict:
    from pybtex.database import parse_file

    return dict(parse_file(str(path)).entries)


def _clean(text: str) -> str:
    """BibTeX's braces and the accents the bibliography uses, as plain text."""
    for markup, letter in (("{\\'e}", "é"), ('{\\"u}', "ü"), ("{\\'a}", "á"), ("{\\c{c}}", "ç")):
        text = text.replace(markup, letter)
    return text.replace("{", "").replace("}", "")


def _surnames(entry) -> str:
    people = entry.persons.get("author", [])
    names = [_clean(" ".join(person.prelast_names + person.last_names)) for person in people]
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names)


def _reference(entry) -> str:
    people = entry.persons.get("author", [])
    authors = ", ".join(
        _clean(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names)) for p in people
    )
    fields = entry.fields
    where = fields.get("journal") or fields.get("booktitle") or fields.get("publisher") or ""
    if "doi" in fields:
        link = f"https://doi.org/{fields['doi']}"
    elif "url" in fields:
        link = fields["url"]
    else:
        link = f"https://arxiv.org/abs/{fields['eprint']}"
    title = _clean(fields["title"])
    parts = [f"{authors} ({fields['year']}).", title if title.endswith(("?", "!")) else f"{title}."]
    if where:
        parts.append(f"*{_clean(where)}*.")
    return " ".join([*parts, link])


def plain_citations(markdown: str, path: Path = BIBLIOGRAPHY, order: list[str] | None = None) -> str:
    """``markdown`` with its citation roles as text and its ``{footbibliography}`` as a list of the works cited.

    ``order``: the works cited so far on the page, first citation first; pass the same list for
    every cell of a notebook, so that its last cell's list holds every work the page cites, as
    the book's ``{footbibliography}`` does.
    """
    order = [] if order is None else order
    if "{footcite" not in markdown and "{footbibliography}" not in markdown:
        return markdown
    entries = _entries(path)

    def cite(match: re.Match) -> str:
        keys = [key.strip() for key in match["keys"].split(",")]
        for key in keys:
            if key not in entries:
                raise KeyError(f"{key!r} is cited but not in {path.name}")
            if key not in order:
                order.append(key)
        if match["style"] == "t":
            return "; ".join(f"{_surnames(entries[k])} ({entries[k].fields['year']})" for k in keys)
        return "(" + "; ".join(f"{_surnames(entries[k])} {entries[k].fields['year']}" for k in keys) + ")"

    text = ROLE.sub(cite, markdown)
    return LIST.sub(lambda _: "**References**\n\n" + "\n".join(f"- {_reference(entries[key])}" for key in order), text)
