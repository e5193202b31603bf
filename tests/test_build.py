"""Book builds reuse finished runs only where that is safe."""

from __future__ import annotations

from helpers import ProfileError

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from books import tiny_book

from coursebook.build import cache_path, helpers_fingerprint, store_executed, write_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the parts of the project the build helpers read."""
    shutil.copytree(ROOT / "helpers", tmp_path / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    return tmp_path


def test_each_profile_and_helpers_version_gets_its_own_cache(project):
    quick, full = cache_path("quick", project), cache_path("full", project)
    assert quick != full and quick.parent == full.parent == project / "_build" / ".jupyter_cache"
    before = helpers_fingerprint(project)
    training = project / "helpers" / "training.py"
    source = training.read_text()
    training.write_text(source.replace('"""', '"""Reworded. ', 1) + "\n# a comment\n")
    assert helpers_fingerprint(project) == before  # docstrings and comments are not what runs
    training.write_text(source + "\nAN_EDIT = 1\n")
    assert helpers_fingerprint(project) != before
    assert cache_path("quick", project) != quick
    edited = helpers_fingerprint(project)
    with (project / "helpers" / "exercises" / "core.py").open("a") as f:  # checkers run in chapters too
        f.write("\nAN_EDIT = 1\n")
    assert helpers_fingerprint(project) != edited
    checkers = helpers_fingerprint(project)
    (project / "helpers" / "notes.txt").write_text("any file in helpers/ counts, not only .py")
    assert helpers_fingerprint(project) != checkers
    counted = helpers_fingerprint(project)
    (project / "helpers" / "__pycache__").mkdir(exist_ok=True)  # byte-code is not contents
    (project / "helpers" / "__pycache__" / "training.cpython-311.pyc").write_bytes(b"\0")
    assert helpers_fingerprint(project) == counted
    with pytest.raises(ProfileError, match="Unknown run profile 'fast'"):
        cache_path("fast", project)


def test_written_config_switches_to_the_profile_cache_and_keeps_the_rest(project):
    path = write_config("full", project)
    config = yaml.safe_load(path.read_text())
    original = yaml.safe_load((project / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["cache"] == str(cache_path("full", project))
    assert config["execute"]["timeout"] == original["execute"]["timeout"]
    assert config["sphinx"]["config"] == original["sphinx"]["config"] and config["title"] == original["title"]
    # the extension's folder, relative to _config.yml there, is absolute in the written copy in _build/
    assert config["sphinx"]["local_extensions"] == {
        name: str((project / folder).resolve()) for name, folder in original["sphinx"]["local_extensions"].items()
    }


def test_stored_notebook_is_found_by_its_code_and_carries_its_time(project):
    from jupyter_cache import get_cache

    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1 + 1")])
    path = project / "chapter.ipynb"
    nbformat.write(source, path)
    executed = nbformat.read(path, 4)
    executed.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    store_executed(executed, path, 12.5, "quick", project)

    cache = get_cache(str(cache_path("quick", project)))
    record = cache.match_cache_notebook(nbformat.read(path, 4))
    assert record.data == {"execution_seconds": 12.5}
    _, merged = cache.merge_match_into_notebook(nbformat.read(path, 4))
    assert merged.cells[1].outputs[0]["data"]["text/plain"] == "2"
    # the same chapter with changed code is not matched, nor is the other profile's cache
    changed = nbformat.read(path, 4)
    changed.cells[1].source = "1 + 2"
    with pytest.raises(KeyError):
        cache.match_cache_notebook(changed)
    with pytest.raises(KeyError):
        get_cache(str(cache_path("full", project))).match_cache_notebook(nbformat.read(path, 4))


def test_execute_chapters_runs_what_the_cache_lacks_in_parallel_and_caches_it(project):
    from coursebook.build import ChapterFailed, execute_chapters

    tiny_book(project, {"a": "import os\nprint(os.environ['COURSE_PROFILE'])", "b": "print(6 * 7)"})
    lines: list[str] = []
    done = execute_chapters("quick", jobs=2, root=project, log=lines.append)
    assert sorted(done) == ["chapters/a.ipynb", "chapters/b.ipynb"] and all(s > 0 for s in done.values())
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path("quick", project)))
    stored = {Path(record.uri).name for record in cache.list_cache_records()}
    assert stored == {"a.ipynb", "b.ipynb"}
    outputs = cache.get_cache_bundle(next(r.pk for r in cache.list_cache_records() if r.uri.endswith("a.ipynb")))
    assert outputs.nb.cells[0].outputs[0]["text"].strip() == "quick"  # the kernel ran with the profile asked for
    assert execute_chapters("quick", jobs=2, root=project, log=lines.append) == {}  # all cached now
    tiny_book(project, {"c": "raise ValueError('conclusion not supported')", "d": "print(1)"})
    with pytest.raises(ChapterFailed, match=r"chapters/c\.ipynb failed"):
        execute_chapters("quick", jobs=1, root=project, log=lines.append)
    stored = {Path(record.uri).name for record in cache.list_cache_records()}
    assert "d.ipynb" not in stored  # the first failure stops the build: d, not started yet, never ran
    with pytest.raises(ValueError, match="jobs must be 1 or more"):
        execute_chapters("quick", jobs=0, root=project)


def test_make_book_shows_progress_estimated_from_the_last_build(project, capsys):
    """On a terminal, a bar over the chapters that counts the last build's seconds; otherwise nothing but the log."""
    from coursebook.build import execute_chapters, previous_times

    tiny_book(project, {"a": "print(1)", "b": "print(2)"})
    assert previous_times("quick", project) == {}
    lines: list[str] = []
    execute_chapters("quick", jobs=1, root=project, log=lines.append)  # not a terminal: no bar
    assert "chapters" not in capsys.readouterr().err and len(lines) == 3
    earlier = previous_times("quick", project)
    assert set(earlier) == {"a.ipynb", "b.ipynb"} and all(s > 0 for s in earlier.values())

    # b changed, and now sleeps three seconds: it runs again, with a's and b's times known. Kernel start-up
    # alone swings by a few tenths of a second between runs, so the newest run is told apart by the sleep it
    # must contain, not by a difference from the first run's time
    tiny_book(project, {"a": "print(1)", "b": "import time\ntime.sleep(3)\nprint(3)"})
    execute_chapters("quick", jobs=1, root=project, log=lines.append, show_progress=True)
    bar = capsys.readouterr().err
    assert "chapters (estimated from the last build)" in bar and "elapsed" in bar and "left" in bar
    newest = previous_times("quick", project)["b.ipynb"]
    assert newest >= 3.0 and newest > earlier["b.ipynb"]  # the newest run counts, not the first


def test_the_book_tooling_starts_no_deep_learning_backend():
    """`python -m coursebook.build config` and friends only write files: no TensorFlow, Keras or JAX."""
    code = (
        "import sys\n"
        "import coursebook.build, coursebook.cluster, coursebook.editions, coursebook.nbval_plugin\n"
        "import coursebook.robustness, coursebook.sphinx_ext\n"
        "from coursebook.build import write_config\n"
        "write_config('quick')\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_helpers_holds_no_build_module():
    """helpers/ is what a chapter imports; the tooling lives in coursebook/."""
    modules = {path.stem for path in (ROOT / "helpers").rglob("*.py")}
    assert not modules & {"build", "nbval_cache", "nbval_plugin", "sphinx_ext", "editions"}
    for path in (ROOT / "helpers").rglob("*.py"):
        text = path.read_text()
        assert "coursebook" not in text.replace("``coursebook``", ""), f"{path} reaches into the book tooling"
