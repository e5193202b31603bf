"""Build the whole book (quick profile) and look at the HTML it produced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coursebook.build import toc_files

ROOT = Path(__file__).resolve().parents[1]


def chapter_pages() -> list[str]:
    return [page for page in toc_files() if page.startswith("chapters/")]


def _row_of(table, page: str):
    for row in table.select("tbody tr"):
        if any(a.get("href", "").split("#")[0].endswith(page + ".html") for a in row.select("a")):
            return row
    return None


def _table_rows(built_site: Path, html_name: str, table_class: str):
    """The page's soup, and ``(page, cell texts)`` for every chapter's row of one of its tables."""
    soup = BeautifulSoup((built_site / html_name).read_text(), "html.parser")
    table = soup.select_one(f"table.{table_class}")
    assert table is not None, f"{html_name}: the table {table_class} is missing"
    rows = []
    for page in chapter_pages():
        row = _row_of(table, page)
        assert row is not None, f"{page} is missing from {html_name}"
        rows.append((page, [td.get_text(" ", strip=True) for td in row.select("td")]))
    return soup, rows


def test_build_page_shows_profile_time_status_and_versions(built_site):
    import platform

    import keras
    import numpy
    import tensorflow

    soup, rows = _table_rows(built_site, "execution.html", "course-build-table")
    for page, cells in rows:
        assert cells[1] == "quick" and cells[2] == "0", cells  # profile and seed, as the chapter recorded them
        assert re.fullmatch(r"\d+", cells[3]), f"{page}: no run time: {cells}"
        assert "✅" in cells[4], f"{page} did not execute cleanly: {cells}"
    text = soup.get_text(" ", strip=True)
    for name, version in (
        ("Python", platform.python_version()),
        ("TensorFlow", tensorflow.__version__),
        ("Keras", keras.__version__),
        ("NumPy", numpy.__version__),
    ):
        assert f"{name} {version}" in text, f"the reproducibility note lacks {name} {version}"
    assert "(every chapter)" in text, "the chapters ran with different software"
    assert soup.select_one("main table:not(.course-build-table)") is not None, "MyST-NB's execution table is missing"


def test_results_page_has_every_chapter_with_its_checked_conclusions(built_site):
    _, rows = _table_rows(built_site, "results.html", "course-results-table")
    for page, cells in rows:
        chapter = BeautifulSoup((built_site / f"{page}.html").read_text(), "html.parser")
        checks = chapter.select(".course-check")
        assert cells[1].endswith("?"), f"{page}: no question: {cells[1]!r}"
        assert cells[3] == f"✔ {len(checks)} of {len(checks)}" and checks, f"{page}: {cells[3]} vs {len(checks)} checks"
        for check in checks:  # each claim and its evidence, as the chapter printed them
            claim = check.select_one("strong").get_text(strip=True)
            assert claim in cells[2], f"{page}: {claim!r} is not in the results table"


def test_chapter_pages_have_colab_download_and_folded_checked_exercises(built_site):
    from coursebook.editions import release_tag, repository_url

    slug, tag = repository_url().removeprefix("https://github.com/"), release_tag()
    for page in chapter_pages():
        soup = BeautifulSoup((built_site / f"{page}.html").read_text(), "html.parser")
        links = [a.get("href", "") for a in soup.select("a")]
        colab = f"https://colab.research.google.com/github/{slug}/blob/{tag}/student/{page}.ipynb"
        assert colab in links, f"{page}: no Colab button opening the student edition ({colab})"
        assert any(h.endswith(f"_sources/{page}.ipynb") for h in links), f"{page}: no notebook download"
        verdicts = soup.select(".course-verdict")
        assert len(verdicts) >= 2 and all("course-verdict-correct" in v["class"] for v in verdicts), (
            f"{page}: every exercise check should show the official solution passing"
        )
        folded = [d for d in soup.select("details") if "Show the solution" in d.get_text()]
        assert len(folded) == len(verdicts), f"{page}: {len(folded)} folded solutions for {len(verdicts)} exercises"
        assert "google.colab" not in soup.get_text(), f"{page}: the Colab install cell should not show in the book"


def test_landing_page_links_every_chapter(built_site):
    soup = BeautifulSoup((built_site / "intro.html").read_text(), "html.parser")
    links = {a.get("href", "") for a in soup.select("nav a, .bd-sidebar a")}
    for page in chapter_pages():
        assert any(page + ".html" in href for href in links), f"{page} is not in the navigation"


@pytest.mark.parametrize("page", chapter_pages())
def test_chapter_page_has_figures_and_no_errors(built_site, page):
    html_file = built_site / f"{page}.html"
    assert html_file.is_file(), f"{page}.html was not built"
    soup = BeautifulSoup(html_file.read_text(), "html.parser")
    images = [img["src"] for img in soup.select("main .cell_output img")]
    assert images, f"{page}: no figure on the page"
    for cell in soup.select("main div.cell"):
        shown = [img["src"] for img in cell.select(".cell_output img")]
        assert len(shown) == len(set(shown)), f"{page}: a cell shows the same figure twice: {shown}"
    for src in images:
        assert (html_file.parent / src).is_file(), f"{page}: image {src} is missing"
    text = soup.get_text()
    assert "Traceback" not in text and "ConclusionNotSupported" not in text
    assert "✔" in text, f"{page}: no passed conclusion check is shown"
    assert not re.search(r"\d+/\d+ \[=+", text), f"{page}: Keras per-batch logs leaked into the page"
    for log_line in ("oneDNN custom operations", "absl::InitializeLog", "XLA service"):
        assert log_line not in text, f"{page}: TensorFlow's log line '{log_line}' leaked into the page"


def test_chapters_nbval_ran_were_not_trained_again(built_site):
    """make test runs nbval first; the book build must reuse those runs."""
    from coursebook.nbval_plugin import STORED

    if not STORED:
        pytest.skip("no chapter ran under nbval in this session (run the whole suite to check reuse)")
    log = (built_site.parent / "build.log").read_text()
    executed = [line for line in log.splitlines() if "Executing notebook using" in line]
    reused = log.count("Using cached notebook")
    assert reused >= len(STORED), (
        f"only {reused} chapters came from the cache, {len(STORED)} were stored:\n{log[-3000:]}"
    )
    for path in STORED:
        assert not any(path.stem in e for e in executed), f"{path.name} was executed again by the book build"


def _plain(text: str) -> str:
    """Sphinx's smart quotes back to the plain ones the chapters wrote."""
    return text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))


def test_robustness_page_shows_every_recorded_claim_with_its_pass_rate(built_site):
    import json

    from coursebook.robustness import claims_table

    recorded = sorted((ROOT / "robustness").glob("*.json"))
    assert recorded, "no robustness run is committed (make robustness PROFILE=quick)"
    soup = BeautifulSoup((built_site / "robustness.html").read_text(), "html.parser")
    tables = soup.select("table.course-robustness-table")
    records = [json.loads(path.read_text()) for path in recorded]
    records.sort(key=lambda record: ["quick", "full"].index(record["profile"]))
    assert len(tables) == len(records)
    text = soup.get_text(" ", strip=True)
    for record, table in zip(records, tables):
        rows = claims_table(record)
        everywhere = sum(row["passed"] == row["of"] for row in rows)
        assert f"{record['profile']} profile" in text
        assert f"{everywhere} of {len(rows)} claims passed for every base seed" in text
        shown = [[_plain(td.get_text(" ", strip=True)) for td in tr.select("td")] for tr in table.select("tbody tr")]
        assert len(shown) == len(rows)
        for row, cells in zip(rows, shown):
            assert cells[1] == row["claim"] and cells[2] == f"{row['passed']} of {row['of']}", cells
            assert cells[3].count("base ") == row["of"], f"every base's evidence: {cells[3][:200]}"
