"""The bibliography: every work has an address, every work is cited, every chapter cites at least three."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
ENTRIES = parse_file(str(ROOT / "references.bib")).entries
CITE = re.compile(r"\{footcite(?::[a-z]+)?\}`([^`]+)`")


def cited(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    keys = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for group in CITE.findall(cell.source):
                keys += [key.strip() for key in group.split(",")]
    return keys


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_every_work_has_a_doi_an_arxiv_id_or_an_address(key):
    fields = {name.lower() for name in ENTRIES[key].fields}
    assert fields & {"doi", "eprint", "url"}, f"{key}: give a doi, an arXiv eprint or the proceedings' url"


def test_every_work_listed_is_cited_and_every_citation_is_listed():
    everywhere = {key for path in CHAPTERS for key in cited(path)}
    assert not everywhere - set(ENTRIES), f"cited but not in references.bib: {sorted(everywhere - set(ENTRIES))}"
    assert not set(ENTRIES) - everywhere, f"in references.bib but cited nowhere: {sorted(set(ENTRIES) - everywhere)}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_each_chapter_cites_three_works_and_lists_them_at_its_end(path):
    assert len(set(cited(path))) >= 3, f"{path.name} cites {sorted(set(cited(path)))}"
    last = nbformat.read(path, as_version=4).cells[-1]
    assert last.cell_type == "markdown" and "{footbibliography}" in last.source, (
        f"{path.name}: the last cell should be the references ({{footbibliography}})"
    )


def test_the_student_edition_writes_citations_as_text_and_lists_the_works():
    from coursebook.citations import plain_citations

    text = (
        "As {footcite:t}`kingma2015adam` show, and others agree {footcite:p}`duchi2011adaptive,zeiler2012adadelta`."
        "\n\n```{footbibliography}\n```"
    )
    plain = plain_citations(text)
    assert plain.startswith("As Kingma and Ba (2015) show, and others agree (Duchi et al. 2011; Zeiler 2012).")
    assert "{foot" not in plain and plain.count("\n- ") == 3
    assert "https://arxiv.org/abs/1412.6980" in plain and "https://jmlr.org/papers/v12/duchi11a.html" in plain
    with pytest.raises(KeyError, match=r"not in references\.bib"):
        plain_citations("{footcite:p}`nobody2099`")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_the_student_editions_references_list_every_work_the_chapter_cites(path):
    """The list at the end holds the works cited in every cell, as the book's page does, not only the last cell's."""
    from coursebook.citations import _entries
    from coursebook.editions import student_notebook

    student = student_notebook(nbformat.read(path, as_version=4), path.name)
    listed = student.cells[-1].source.split("**References**", 1)[1]
    for key in set(cited(path)):
        assert _entries()[key].fields["title"].replace("{", "").replace("}", "")[:30] in listed, (path.name, key)
