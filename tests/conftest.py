"""Shared test set-up: the quick profile, no progress bars, data present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The kernels nbval and the book build start inherit these.
os.environ["COURSE_PROFILE"] = "quick"
os.environ["COURSE_PROGRESS"] = "none"

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
