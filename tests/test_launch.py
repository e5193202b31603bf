"""The launch menu: Colab, the instructor's JupyterHub (nbgitpuller) and Binder, each opening the student edition.

The book's own build (tests/test_book.py) checks the buttons ``_config.yml``
turns on; here a one-page book with the same launch settings and a hub
address checks the links a hub's button gets, as an instructor would set it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup

from coursebook.editions import release_tag, repository_url

ROOT = Path(__file__).resolve().parents[1]
HUB = "https://hub.example.edu"


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_binder_installs_the_books_versions_and_the_helpers():
    binder, book = _pins(ROOT / "binder" / "requirements.txt"), _pins(ROOT / "requirements.txt")
    assert binder and all(book.get(name) == version for name, version in binder.items()), (binder, book)
    assert "." in (ROOT / "binder" / "requirements.txt").read_text().split()
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


@pytest.fixture(scope="module")
def hub_page(tmp_path_factory) -> BeautifulSoup:
    book = tmp_path_factory.mktemp("launch")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["launch_buttons"]["jupyterhub_url"] == "", "the book's hub address is the instructor's to set"
    config["launch_buttons"]["jupyterhub_url"] = HUB
    config["execute"] = {"execute_notebooks": "off"}
    config.pop("bibtex_bibfiles", None)
    config.pop("sphinx", None)  # the course's extension and its pages are not part of this one-page book
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    toc = {"format": "jb-book", "root": "intro", "chapters": [{"file": "chapters/01_first_network"}]}
    (book / "_toc.yml").write_text(yaml.safe_dump(toc))
    (book / "intro.md").write_text("# Intro\n")
    (book / "chapters").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A first network")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "chapters" / "01_first_network.ipynb")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(book)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return BeautifulSoup((book / "_build" / "html" / "chapters" / "01_first_network.html").read_text(), "html.parser")


def _link(soup: BeautifulSoup, start: str) -> str:
    found = [a["href"] for a in soup.select("a[href]") if a["href"].startswith(start)]
    assert len(found) == 1, f"expected one launch link starting {start}, found {found}"
    return found[0]


def test_the_hub_button_pulls_the_release_and_opens_the_student_edition(hub_page):
    url, tag = repository_url(), release_tag()
    link = urlparse(_link(hub_page, HUB))
    assert link.path == "/hub/user-redirect/git-pull"
    query = {key: values[0] for key, values in parse_qs(link.query).items()}
    assert query["repo"] == url and query["branch"] == tag
    assert query["urlpath"].endswith(f"{url.rsplit('/', 1)[1]}/student/chapters/01_first_network.ipynb")


def test_binder_and_colab_buttons_open_the_student_edition_of_the_release(hub_page):
    slug, tag = repository_url().removeprefix("https://github.com/"), release_tag()
    binder = _link(hub_page, "https://mybinder.org")
    assert binder.startswith(f"https://mybinder.org/v2/gh/{slug}/{tag}?urlpath=")
    assert binder.endswith("student/chapters/01_first_network.ipynb")
    colab = _link(hub_page, "https://colab.research.google.com")
    assert (
        colab == f"https://colab.research.google.com/github/{slug}/blob/{tag}/student/chapters/01_first_network.ipynb"
    )
