"""Book builds that reuse finished runs.

Jupyter Book's execution cache (jupyter-cache) keys a notebook by its code
cells only: it cannot tell a `quick` run from a `full` one, nor notice that
`helpers` changed under an unchanged chapter.  So every build gets a cache of
its own per profile and per version of the `helpers` source:

    _build/.jupyter_cache/<profile>-<fingerprint of the helpers a chapter runs>

A rebuild after a prose-only edit, or an edit to one chapter, re-executes only
the chapters whose code changed; editing `helpers` or switching the profile
starts from an empty cache.  `make test` also puts the chapters that nbval
just executed into the quick cache, so its book build does not train them a
second time.  Colab and Jupyter never read this cache: a student's run trains
for real.

Command line (used by the Makefile)::

    python -m coursebook.build config quick    # writes a config; prints its path
    python -m coursebook.build execute full --jobs 2
"""

from __future__ import annotations

from helpers.profiles import ProfileError, get_profile
from helpers.records import PUBLISHED_FILE

import argparse
import copy
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import yaml

from . import ROOT, strict_checks, use_book_backend


def helpers_fingerprint(root: Path = ROOT) -> str:
    """12 hex digits that change whenever anything in ``helpers/`` changes.

    ``helpers`` holds only what the chapters run (the book's tooling lives in
    ``coursebook``), so its whole contents decide a chapter's outputs; Python's
    byte-code caches are not contents, and neither is the record of what the
    published book measured (``published_checks.json``): it is written from the
    robustness runs and shown only where a student's run disagrees, never in a
    build (whose checks are strict).
    """
    digest = hashlib.sha256()
    package = root / "helpers"
    for path in sorted(package.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc" or path.name == PUBLISHED_FILE:
            continue
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_path(profile: str, root: Path = ROOT) -> Path:
    """The execution cache of one profile and the current ``helpers``."""
    return root / "_build" / ".jupyter_cache" / f"{get_profile(profile).name}-{helpers_fingerprint(root)}"


def write_config(profile: str, root: Path = ROOT) -> Path:
    """``_config.yml`` with execution switched to that profile's cache.

    Returns:
        The path of the written file, for ``jupyter-book build --config``.
    """
    config = yaml.safe_load((root / "_config.yml").read_text())
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(cache_path(profile, root))
    # Jupyter Book reads these folders relative to the config file, which now lives in _build/.
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for extension, folder in local.items():
        local[extension] = str((root / folder).resolve())
    out = root / "_build" / "config" / f"_config.{get_profile(profile).name}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return out


# jupyter-cache is not safe for two threads storing at once: measured, two chapters
# stored at the same moment by two threads lost one record in 2 of 40 tries, silently.
_STORE_LOCK = threading.Lock()


def store_executed(
    notebook: nbformat.NotebookNode, path: Path, seconds: float, profile: str, root: Path = ROOT
) -> None:
    """Put a notebook executed elsewhere (e.g. by nbval) into the profile's cache.

    The book build then finds it there, shows its outputs and reports
    ``seconds`` as its execution time, instead of running it again.  One store
    at a time (``execute_chapters`` runs chapters in threads).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    with _STORE_LOCK:
        cache = get_cache(str(cache_path(profile, root)))
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, str(Path(path).resolve()), data={"execution_seconds": seconds}),
            check_validity=False,
            overwrite=True,
        )


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml`` (the root page first), in book order, without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [toc["root"]] + [entry["file"] for part in toc.get("parts", []) for entry in part.get("chapters", [])]


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks in ``_toc.yml``, in book order."""
    return [root / f"{name}.ipynb" for name in toc_files(root) if (root / f"{name}.ipynb").is_file()]


def previous_times(profile: str, root: Path = ROOT) -> dict[str, float]:
    """``{chapter file: seconds}`` of the latest execution of each chapter at this profile, in any earlier cache.

    Earlier builds (other versions of ``helpers`` included) left their times in
    their caches; ``make book`` estimates what is left from them.
    """
    from jupyter_cache import get_cache

    name = get_profile(profile).name
    latest: dict[str, tuple[Any, float]] = {}
    for folder in sorted((root / "_build" / ".jupyter_cache").glob(f"{name}-*")):
        try:
            records = get_cache(str(folder)).list_cache_records()
        except Exception:  # an unreadable or foreign folder: no estimate from it
            continue
        for record in records:
            seconds = (record.data or {}).get("execution_seconds")
            if seconds is None:
                continue
            key = Path(record.uri).name
            if key not in latest or record.created > latest[key][0]:
                latest[key] = (record.created, float(seconds))
    return {key: seconds for key, (_, seconds) in latest.items()}


class _Progress:
    """A progress bar over the chapters being executed, on a terminal only (quiet in CI and in logs).

    With the chapters' times from an earlier build it advances by each
    chapter's expected time, so its estimate of what is left is in seconds of
    real work; without them, by chapters.
    """

    def __init__(self, chapters: list[Path], expected: dict[str, float], enabled: bool) -> None:
        self.bar = None
        if not enabled or not chapters:
            return
        from tqdm import tqdm

        known = all(path.name in expected for path in chapters)
        self.weights = {path: (expected[path.name] if known else 1.0) for path in chapters}
        self.bar = tqdm(
            total=round(sum(self.weights.values())),
            unit="s" if known else "chapter",
            desc="chapters (estimated from the last build)" if known else "chapters",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| elapsed {elapsed}, about {remaining} left",
        )

    def done(self, path: Path, line: str, log: Callable[[str], None]) -> None:
        """Report a finished chapter: its line above the bar, and the bar moved on."""
        if self.bar is None:
            log(line)
            return
        self.bar.write(line)
        self.bar.update(round(self.weights[path]))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message holds its error."""


def execute_chapters(
    profile: str,
    jobs: int = 2,
    root: Path = ROOT,
    timeout: int = 1800,
    log: Callable[[str], None] = print,
    show_progress: bool = False,
) -> dict[str, float]:
    """Execute the chapters the profile's cache lacks, ``jobs`` at a time, and cache them.

    Each chapter runs in a kernel of its own, exactly as the book build would
    run it (same profile, same seed, same thread settings), so the numbers are
    the same; running two at once keeps both cores busy while a chapter waits
    on Python.  The book build that follows finds every chapter in the cache.

    ``show_progress`` adds a progress bar over the chapters with the time
    elapsed and an estimate of what is left (``make book`` sets it when its
    output is a terminal).

    Returns:
        ``{chapter: seconds}`` for the chapters executed now.

    Raises:
        ChapterFailed: a chapter raised (e.g. its conclusion check failed).
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from jupyter_cache import get_cache
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    name = get_profile(profile).name
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}.")
    cache = get_cache(str(cache_path(name, root)))
    todo = []
    for path in toc_notebooks(root):
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    os.environ["COURSE_PROFILE"] = name
    os.environ.setdefault("COURSE_PROGRESS", "none")
    strict_checks()
    log(f"{len(todo)} chapter(s) to execute ({name} profile, {jobs} at a time); the others are cached.")
    progress = _Progress(todo, previous_times(name, root) if show_progress else {}, show_progress)

    stop = threading.Event()  # set by the first chapter that fails

    def run(path: Path) -> float | None:
        if stop.is_set():  # a chapter failed: the build stops, this one does not start
            return None
        source = nbformat.read(path, as_version=4)
        executed = copy.deepcopy(source)
        client = NotebookClient(
            executed, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        start = time.perf_counter()
        try:
            # The kernel process's own stderr (ipykernel's start-up notices) stays out of
            # the build log; what the cells print still arrives with their outputs.
            client.execute(stderr=subprocess.DEVNULL)
        except CellExecutionError as error:
            stop.set()
            raise ChapterFailed(f"{path.relative_to(root)} failed:\n{str(error)[-3000:]}") from None
        seconds = time.perf_counter() - start
        # The source's cells and metadata with the outputs added: the cache finds a
        # notebook by its code and kernelspec, which the client may have rewritten.
        for cell, ran in zip(source.cells, executed.cells):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
        if "language_info" in executed.metadata:
            source.metadata["language_info"] = executed.metadata["language_info"]
        store_executed(source, path, seconds, name, root)
        progress.done(path, f"  {path.relative_to(root)}: {seconds:.0f} s", log)
        return seconds

    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(run, path): str(path.relative_to(root)) for path in todo}
    done: dict[str, float] = {}
    try:
        # The first chapter that fails stops the build: the chapters not started yet do
        # not start (the ones running finish), instead of all of them running first.
        for future in as_completed(futures):
            seconds = future.result()
            if seconds is not None:
                done[futures[future]] = seconds
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.close()
    return {chapter: done[chapter] for chapter in (str(path.relative_to(root)) for path in todo)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coursebook.build", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="write the book config for a profile and print its path")
    config.add_argument("profile", help="quick or full")
    execute = sub.add_parser("execute", help="execute the chapters the profile's cache lacks, in parallel")
    execute.add_argument("profile", help="quick or full")
    execute.add_argument("--jobs", type=int, default=2, help="chapters at a time (default 2)")
    args = parser.parse_args(argv)
    # A line per finished chapter, as it finishes, also when the output goes to a log file.
    sys.stdout.reconfigure(line_buffering=True)
    use_book_backend()  # the chapters' kernels inherit it
    try:
        if args.command == "config":
            print(write_config(args.profile))
        else:
            start = time.perf_counter()
            done = execute_chapters(args.profile, jobs=args.jobs, show_progress=sys.stdout.isatty())
            print(f"Executed {len(done)} chapter(s) in {time.perf_counter() - start:.0f} s.")
    except (ProfileError, ValueError) as error:
        parser.error(str(error))
    except ChapterFailed as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
