"""Shared test set-up: the quick profile, no progress bars, data present."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The kernels nbval and the book build start inherit these.
os.environ["COURSE_PROFILE"] = "quick"
os.environ["COURSE_PROGRESS"] = "none"
os.environ["COURSE_CHECKS"] = "strict"  # a failed chapter check fails the test, as it fails the build

ROOT = Path(__file__).resolve().parents[1]
FILES = ("mnist.npz", "imdb.npz", "reuters.npz", "imdb_word_index.json", "reuters_word_index.json")


@pytest.fixture(scope="session")
def data_folder() -> Path:
    """The folder with the offline dataset copies; fail loudly if it is missing."""
    value = os.environ.get("COURSE_DATA_DIR", "")
    folder = Path(value) if value else ROOT.parent / "shared" / "datasets"
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        pytest.fail(
            f"The tests need the offline datasets: {missing} not found in '{folder}'. "
            f"Set COURSE_DATA_DIR to the folder that holds them (../shared/datasets)."
        )
    return folder


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole book built with the quick profile into a temporary folder (once per test session).

    With ``COURSE_SITE`` set to a built site (e.g. ``_build/html`` after ``make book``),
    the tests look at that site instead, as an instructor would before publishing it.
    """
    from coursebook.build import write_config

    if os.environ.get("COURSE_SITE"):
        site = Path(os.environ["COURSE_SITE"]).resolve()
        if not (site / "index.html").is_file():
            pytest.fail(f"COURSE_SITE={site} holds no built site (no index.html); run `make book` first.")
        yield site
        return

    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    # The quick profile's cache: chapters nbval executed earlier in this run are not trained again.
    config = write_config("quick")
    command = [
        str(jupyter_book),
        "build",
        str(ROOT),
        "--config",
        str(config),
        "--path-output",
        str(out),
        "--warningiserror",
        "--keep-going",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the book build failed (warnings count as errors):\n{log[-6000:]}"
    site = out / "_build" / "html"
    assert (site / "index.html").is_file(), log[-3000:]
    (site.parent / "build.log").write_text(log)
    yield site
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(autouse=True)
def course_session():
    """Every test starts and ends with a fresh session: no seed, bars, checks or verdicts left over."""
    from helpers.session import SESSION

    SESSION.reset()
    yield SESSION
    SESSION.reset()


@pytest.fixture
def fresh_caches():
    """Forget loaded datasets before and after a test that changes where data comes from."""
    from helpers import data

    def clear() -> None:
        for cached in (data._mnist_cached, data._imdb_cached, data._reuters_cached):
            cached.cache_clear()

    clear()
    yield
    clear()
