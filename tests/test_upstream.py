"""Workarounds for other projects' faults (coursebook/upstream.py): each still needed, each doing its job.

When one of the first tests fails, an upstream release fixed the fault: remove
the workaround (and its row in coursebook/upstream.py's table), do not adapt
the test.
"""

from __future__ import annotations

import pytest

from coursebook import upstream

FAULTS = {
    "MyST-NB ignores an image output's alt metadata": upstream.myst_nb_drops_image_alt,
    "Sphinx writes a late inline script twice (sphinx-doc/sphinx#13402)": upstream.sphinx_doubles_inline_scripts,
    "MyST-NB's folded cell labels its summary over its visible text": upstream.myst_nb_labels_summary,
    "pydata-sphinx-theme's search field labels over its visible text": upstream.theme_labels_search_field,
    "pydata-sphinx-theme's colour-mode icons carry titles": upstream.theme_titles_mode_icons,
    "pandas writes index names under a blank corner cell": upstream.pandas_blanks_index_corner,
}


@pytest.mark.parametrize("fault", FAULTS)
def test_each_workaround_is_still_needed(fault):
    assert FAULTS[fault](), f"fixed upstream: {fault}; remove its workaround from coursebook/upstream.py"


def test_every_html_fix_has_its_check():
    assert {needed for needed, _, _ in upstream.HTML_FIXES} <= set(FAULTS.values())


def test_table_corners_name_the_rows():
    import pandas as pd
    from bs4 import BeautifulSoup

    from coursebook.upstream import name_table_corners

    table = pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], name="label"))
    for html in (table.to_html(), table.style.to_html()):
        soup = BeautifulSoup(name_table_corners(html), "html.parser")
        assert [th.get_text(strip=True) for th in soup.select("thead th")] == ["label", "a"]
    table.columns.name = "column"
    soup = BeautifulSoup(name_table_corners(table.to_html()), "html.parser")
    assert [th.get_text(strip=True) for th in soup.select("thead th")] == ["label \\ column", "a"]
    unnamed = BeautifulSoup(name_table_corners(pd.DataFrame({"a": [1]}).to_html()), "html.parser")
    assert [th.get_text(strip=True) for th in unnamed.select("thead th")] == ["", "a"]  # the book test reports it
    assert unnamed.table["tabindex"] == soup.table["tabindex"] == "0"  # a table that scrolls takes the focus
