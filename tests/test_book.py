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
    import socket

    import keras
    import numpy
    import tensorflow

    soup, rows = _table_rows(built_site, "execution.html", "course-build-table")
    for page, cells in rows:
        assert cells[1] == "quick" and cells[2] == "0", cells  # profile and seed, as the chapter recorded them
        assert re.fullmatch(r"\d+", cells[3]), f"{page}: no run time: {cells}"
        assert "✅" in cells[4], f"{page} did not execute cleanly: {cells}"
        # where it ran, stored with it in the cache: here, by nbval (make test) or a Dask worker (make book)
        assert cells[6].startswith(socket.gethostname()) and cells[6].endswith("CPU)"), f"{page}: {cells}"
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
    """One block per chapter: its question, every claim with a headline number, the per-seed evidence folded."""
    soup = BeautifulSoup((built_site / "results.html").read_text(), "html.parser")
    blocks = soup.select(".course-result")
    for page in chapter_pages():
        found = [b for b in blocks if b.select_one(f'.course-result-title a[href$="{page}.html"]')]
        assert len(found) == 1, f"{page}: {len(found)} blocks on the results page"
        block = found[0]
        chapter = BeautifulSoup((built_site / f"{page}.html").read_text(), "html.parser")
        checks = chapter.select(".course-check")
        title = block.select_one(".course-result-title").get_text(" ", strip=True)
        assert checks and title.endswith(f"✔ all {len(checks)} checks held"), f"{page}: {title!r}"
        assert block.select_one(".course-question").get_text(strip=True).endswith("?"), f"{page}: no question"
        claims = block.select(".course-claims > li")
        assert len(claims) == len(checks)
        for item, check in zip(claims, checks):  # each claim, as the chapter printed it, with its headline
            claim = check.select_one("strong").get_text(strip=True)
            assert claim in item.get_text(" ", strip=True), f"{page}: {claim!r} is not in its block"
            assert "this build" in item.select_one(".course-headline").get_text(), f"{page}: no headline"
        folded = block.select_one("details.course-seed-evidence")
        assert folded is not None and len(folded.select("li")) == len(checks), f"{page}: no folded evidence"


def test_each_claim_at_a_glance_links_to_its_row_on_the_robustness_page(built_site):
    """A claim the robustness run recorded links to its own row, whose claim is the same words."""
    results = BeautifulSoup((built_site / "results.html").read_text(), "html.parser")
    robustness = BeautifulSoup((built_site / "robustness.html").read_text(), "html.parser")
    links = [a for a in results.select(".course-claims a") if "robustness.html#" in a.get("href", "")]
    assert links, "no claim links to the robustness page"
    for link in links:
        row = robustness.find("tr", id=link["href"].split("#", 1)[1])
        assert row is not None, f"{link['href']}: no such row"
        claim = _plain(link.find_parent("li").get_text(" ", strip=True))
        assert _plain(row.select("td")[1].get_text(" ", strip=True)) in claim


def test_chapter_pages_have_colab_download_and_folded_checked_exercises(built_site):
    from coursebook.editions import release_tag, repository_url

    slug, tag = repository_url().removeprefix("https://github.com/"), release_tag()
    for page in chapter_pages():
        soup = BeautifulSoup((built_site / f"{page}.html").read_text(), "html.parser")
        links = [a.get("href", "") for a in soup.select("a")]
        colab = f"https://colab.research.google.com/github/{slug}/blob/{tag}/student/{page}.ipynb"
        assert colab in links, f"{page}: no Colab button opening the student edition ({colab})"
        binder = f"https://mybinder.org/v2/gh/{slug}/{tag}?urlpath="
        assert any(h.startswith(binder) and h.endswith(f"student/{page}.ipynb") for h in links), f"{page}: no Binder"
        assert not any("git-pull?" in h for h in links), f"{page}: a JupyterHub button, but _config.yml sets no hub"
        assert any(h.endswith(f"_sources/{page}.ipynb") for h in links), f"{page}: no notebook download"
        verdicts = soup.select(".course-verdict")
        assert len(verdicts) >= 2 and all("course-verdict-correct" in v["class"] for v in verdicts), (
            f"{page}: every exercise check should show the official solution passing"
        )
        folded = [d for d in soup.select("details") if "Show the solution" in d.get_text()]
        assert len(folded) == len(verdicts), f"{page}: {len(folded)} folded solutions for {len(verdicts)} exercises"
        assert "google.colab" not in soup.get_text(), f"{page}: the Colab install cell should not show in the book"


def test_the_download_button_gives_the_executed_notebook(built_site):
    """``_config.yml`` promises the executed page: the downloaded notebook holds the outputs the page shows."""
    import nbformat

    for page in chapter_pages():
        nb = nbformat.read(built_site / "_sources" / f"{page}.ipynb", as_version=4)
        ran = [cell for cell in nb.cells if cell.cell_type == "code" and cell.get("outputs")]
        assert len(ran) >= 5, f"{page}: the download holds {len(ran)} code cells with outputs"


def test_every_chapter_lists_the_works_it_cites(built_site):
    """The references render from references.bib at build time: no network, each with its address."""
    for page in chapter_pages():
        soup = BeautifulSoup((built_site / f"{page}.html").read_text(), "html.parser")
        cited = {a.get("href") for a in soup.select("article a.footnote-reference") if "footcite-" in a.get("href", "")}
        listed = soup.select("article .footnote-list .footnote")
        assert len(cited) >= 3 and len(listed) == len(cited), f"{page}: {len(cited)} works cited, {len(listed)} listed"
        assert all(entry.select("a[href^='http']") for entry in listed), f"{page}: a reference without its address"


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

    from coursebook.robustness import claims_table, stale_chapters

    recorded = sorted((ROOT / "robustness").glob("*.json"))
    assert recorded, "no robustness run is committed (make robustness PROFILE=quick)"
    soup = BeautifulSoup((built_site / "robustness.html").read_text(), "html.parser")
    tables = soup.select("table.course-robustness-table")
    records = [json.loads(path.read_text()) for path in recorded]
    records.sort(key=lambda record: ["quick", "full"].index(record["profile"]))
    assert len(tables) == len(records)
    text = soup.get_text(" ", strip=True)
    # the runs recorded on another backend (robustness/<backend>/<profile>.json) follow, a table each
    from coursebook.pages import other_backend_records

    others = [json.loads(path.read_text()) for path in other_backend_records(str(ROOT))]
    backend_tables = soup.select("table.course-robustness-backend-table")
    assert len(backend_tables) == len(others)
    assert ("On another backend." in text) == bool(others)
    for record, table in [*zip(records, tables), *zip(others, backend_tables)]:
        rows = claims_table(record)
        everywhere = sum(row["passed"] == row["of"] for row in rows)
        bases = ", ".join(map(str, record["bases"]))
        assert f"{record['profile']} profile: base seeds {bases}, {record['backend']} backend" in text
        assert f"{everywhere} of {len(rows)} claims passed for every base seed" in text
        stale = stale_chapters(record)  # said on the page exactly when a chapter's code changed since the run
        said = f"Recorded for an earlier version of {', '.join(stale)}:" in text
        assert said == bool(stale), f"{record['profile']}: stale chapters {stale}, said on the page: {said}"
        shown = [[_plain(td.get_text(" ", strip=True)) for td in tr.select("td")] for tr in table.select("tbody tr")]
        assert len(shown) == len(rows)
        for row, cells in zip(rows, shown):
            assert cells[1] == row["claim"] and cells[2] == f"{row['passed']} of {row['of']}", cells
            assert cells[3].count("base ") == row["of"], f"every base's evidence: {cells[3][:200]}"
    # one figure per chapter whose records keep their numbers, each with alt text; else a line that says why not
    from coursebook.margins import chapter_points

    figures = soup.select("img.course-margins")
    assert len(figures) == len(chapter_points(records)) and all(f.get("alt") for f in figures)
    assert figures or "appears with the next robustness run" in text


#: A number as pandas prints it unrounded: six decimals, and six or more significant digits ("29.000000",
#: "20011.216343", "0.131000"); "-0.001996", four significant digits, is rounded.
FULL_PRECISION = re.compile(r"-?\d+\.\d{6,}")


def unrounded(text: str) -> bool:
    return any(len(number.lstrip("-").replace(".", "").lstrip("0")) >= 6 for number in FULL_PRECISION.findall(text))


#: Two numbers run together in one cell: "4.75e-014.98e-01", "0.1230.456".
RUN_TOGETHER = re.compile(r"\d[eE][+-]?\d+\.\d|\d\.\d+\.\d")


def test_tables_are_printed_for_people(built_site):
    """Every table header says something (no blank corner over the row names); no header shows a number at
    pandas' six decimals (name the index in the chapter; format numeric column labels); no cell prints a
    number unrounded or two numbers run together; and no output table is a pandas Styler, which the theme
    does not style as a table (its cells run together on the page)."""
    problems = []
    for page in toc_files():
        soup = BeautifulSoup((built_site / f"{page}.html").read_text(), "html.parser")
        for number, table in enumerate(soup.select("article table"), start=1):
            where = f"{page}, table {number}"
            headers = [th.get_text(" ", strip=True).replace("\xa0", "") for th in table.select("thead th")]
            if any(not text for text in headers):
                problems.append(f"{where}: a blank header cell in {headers[:8]}")
            long_numbers = [text for text in headers if re.fullmatch(r"-?\d+\.\d{5,}", text)]
            if long_numbers:
                problems.append(f"{where}: headers printed at full precision: {long_numbers[:4]}")
            # the chapters' result tables (the build pages hold version numbers such as 3.13.2)
            cells = [td.get_text(" ", strip=True) for td in table.select("td")] if page.startswith("chapters/") else []
            long_cells = [text for text in cells if unrounded(text)]
            if long_cells:
                problems.append(f"{where}: numbers printed unrounded: {long_cells[:4]}")
            together = [text for text in cells if RUN_TOGETHER.search(text)]
            if together:
                problems.append(f"{where}: numbers run together: {together[:4]}")
            if str(table.get("id", "")).startswith("T_"):
                problems.append(f"{where}: a pandas Styler table; format the values as text in the frame instead")
    assert not problems, "\n".join(problems)
