"""Build the whole book (quick profile) and look at the HTML it produced."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    from helpers.build import write_config

    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    # The quick profile's cache: chapters nbval executed earlier in this run are not trained again.
    config = write_config("quick")
    command = [str(jupyter_book), "build", str(ROOT), "--config", str(config), "--path-output", str(out),
               "--warningiserror", "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the book build failed (warnings count as errors):\n{log[-6000:]}"
    site = out / "_build" / "html"
    assert (site / "index.html").is_file(), log[-3000:]
    (site.parent / "build.log").write_text(log)
    yield site
    shutil.rmtree(out, ignore_errors=True)


def chapter_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] for entry in part["chapters"] if entry["file"].startswith("chapters/")]


def test_execution_statistics_page_lists_every_chapter(built_site):
    soup = BeautifulSoup((built_site / "execution.html").read_text(), "html.parser")
    table = soup.select_one("main table")
    assert table is not None, "the execution statistics table is missing"
    rows = {row.get_text(" ", strip=True) for row in table.select("tbody tr")}
    for page in chapter_pages():
        row = next((r for r in rows if page in r), None)
        assert row is not None, f"{page} is missing from the execution statistics"
        assert "✅" in row, f"{page} did not execute cleanly: {row}"


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
    images = [img["src"] for img in soup.select("main img")]
    assert images, f"{page}: no figure on the page"
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
    from helpers.nbval_cache import STORED

    if not STORED:
        pytest.skip("no chapter ran under nbval in this session (run the whole suite to check reuse)")
    log = (built_site.parent / "build.log").read_text()
    executed = [line for line in log.splitlines() if "Executing notebook using" in line]
    reused = log.count("Using cached notebook")
    assert reused >= len(STORED), f"only {reused} chapters came from the cache, {len(STORED)} were stored:\n{log[-3000:]}"
    for path in STORED:
        assert not any(path.stem in e for e in executed), f"{path.name} was executed again by the book build"
