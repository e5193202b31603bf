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
    python -m coursebook.build execute full --scheduler tcp://10.0.0.5:8786
"""

from __future__ import annotations

from helpers.profiles import ProfileError, get_profile

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import yaml

from . import ROOT, use_book_backend
from .cluster import (
    ChapterFailed,
    ChapterLost,
    Task,
    WorkerMismatch,
    add_arguments,
    connect,
    connect_options,
    describe,
    package_fingerprint,
    run_chapters,
    stop_on_sigterm,
)

__all__ = ["ChapterFailed", "ChapterLost", "WorkerMismatch", "execute_chapters"]


def helpers_fingerprint(root: Path = ROOT) -> str:
    """12 hex digits that change whenever anything in ``helpers/`` changes.

    ``helpers`` holds only what the chapters run (the book's tooling lives in
    ``coursebook``), so its whole contents decide a chapter's outputs
    (``coursebook.cluster.package_fingerprint`` says what does not count).
    """
    return package_fingerprint(root / "helpers")


def claims_fingerprint(root: Path = ROOT) -> str:
    """12 hex digits that change whenever what decides a chapter's claims changes in ``helpers/``.

    That is ``helpers`` less ``helpers/exercises``: the exercises build answer
    checkers from a run after its claims are decided and feed none of them (no
    other module of ``helpers`` imports them; ``tests/test_robustness.py``
    holds it so).  A robustness record keys on this, so rewording an exercise
    does not call for hours of reruns; the execution cache, whose pages show the
    exercises, keys on ``helpers_fingerprint``.
    """
    return package_fingerprint(root / "helpers", leave_out=("exercises",))


DEVICES = ("cpu", "gpu")


def device_kind(device: str) -> str:
    """``"cpu"`` or ``"gpu"`` for a run's device as recorded (``"CPU"``, ``"GPU NVIDIA H200"``)."""
    return "gpu" if device.strip().lower().startswith("gpu") else "cpu"


def cache_path(profile: str, root: Path = ROOT, device: str = "cpu") -> Path:
    """The execution cache of one profile, one kind of device and the current ``helpers``.

    Runs on a GPU add in another order than on a CPU and give other digits:
    they are kept apart (``<profile>-gpu-<fingerprint>``).
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, not {device!r}.")
    kind = "" if device == "cpu" else f"{device}-"
    return root / "_build" / ".jupyter_cache" / f"{get_profile(profile).name}-{kind}{helpers_fingerprint(root)}"


def write_config(profile: str, root: Path = ROOT, device: str = "cpu") -> Path:
    """``_config.yml`` with execution switched to that profile's (and device's) cache.

    Returns:
        The path of the written file, for ``jupyter-book build --config``.
    """
    config = yaml.safe_load((root / "_config.yml").read_text())
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(cache_path(profile, root, device))
    # Jupyter Book reads these folders relative to the config file, which now lives in _build/.
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for extension, folder in local.items():
        local[extension] = str((root / folder).resolve())
    if config.get("bibtex_bibfiles"):
        config["bibtex_bibfiles"] = [str((root / bib).resolve()) for bib in config["bibtex_bibfiles"]]
    suffix = "" if device == "cpu" else f".{device}"
    out = root / "_build" / "config" / f"_config.{get_profile(profile).name}{suffix}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return out


def store_executed(
    notebook: nbformat.NotebookNode,
    path: Path,
    seconds: float,
    profile: str,
    root: Path = ROOT,
    where: dict[str, Any] | None = None,
) -> None:
    """Put an executed notebook into the execution cache of its profile and device.

    The book build then finds it there, shows its outputs and reports
    ``seconds`` as its execution time, instead of running it again; ``where``
    (``coursebook.cluster.identity`` and the device) goes with it to "About
    this build".  Callers store one notebook at a time, from one thread:
    jupyter-cache is not safe for two threads storing at once (measured, two
    chapters stored at the same moment lost one record in 2 of 40 tries).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    device = device_kind((where or {}).get("device", "CPU"))
    cache = get_cache(str(cache_path(profile, root, device)))
    data: dict[str, Any] = {"execution_seconds": seconds}
    if where:
        data["where"] = where
    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, str(Path(path).resolve()), data=data), check_validity=False, overwrite=True
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


def execute_chapters(
    profile: str,
    jobs: int = 2,
    root: Path = ROOT,
    timeout: int = 1800,
    log: Callable[[str], None] = print,
    show_progress: bool = False,
    **where: Any,
) -> dict[str, float]:
    """Execute the chapters the profile's cache lacks, on Dask, and cache each as it finishes.

    Each chapter runs in a kernel of its own on a worker (``coursebook.cluster``),
    exactly as the book build would run it (same profile, same seed, same
    thread settings), so the numbers are the same.  By default the workers are
    ``jobs`` processes on this machine; ``where`` takes ``connect``'s other
    arguments (``scheduler``, ``scheduler_file``, ``cluster``, ``gpu``).  The
    book build that follows finds every chapter in the cache.

    ``show_progress`` adds a progress bar over the chapters with the time
    elapsed and an estimate of what is left (``make book`` sets it when its
    output is a terminal).

    Returns:
        ``{chapter: seconds}`` for the chapters executed now.

    Raises:
        ChapterFailed: a chapter raised (e.g. its conclusion check failed); the
            chapters not started do not start.
        ChapterLost: the workers running a chapter kept dying.
        WorkerMismatch: a worker runs other ``helpers`` or libraries.
    """
    from jupyter_cache import get_cache

    name = get_profile(profile).name
    device = "gpu" if where.get("gpu") else "cpu"
    cache = get_cache(str(cache_path(name, root, device)))
    todo = []
    for path in toc_notebooks(root):
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    log(f"{len(todo)} chapter(s) to execute ({name} profile); the others are cached.")
    if not todo:
        return {}
    progress = _Progress(todo, previous_times(name, root) if show_progress else {}, show_progress)
    done: dict[str, float] = {}

    def store(result: dict[str, Any]) -> None:
        task = result["task"]
        if result.get("lost"):
            raise ChapterLost(f"{task.chapter}: {result['error']}")
        if not result["finished"]:
            return  # run_chapters raises ChapterFailed with its traceback
        kind = device_kind(result["where"]["device"])
        if kind != device:
            raise WorkerMismatch(
                f"{task.chapter} ran on {result['where']['device']} at {describe(result['where'])}, not on a "
                f"{device.upper()}: that worker's JAX does not see the GPU (pip install 'jax[cuda12]' there)."
            )
        store_executed(
            nbformat.reads(result["notebook"], as_version=4),
            root / task.chapter,
            result["seconds"],
            name,
            root,
            where=result["where"],
        )
        done[task.chapter] = result["seconds"]
        progress.done(
            root / task.chapter, f"  {task.chapter}: {result['seconds']:.0f} s on {describe(result['where'])}", log
        )

    tasks = [Task(str(path.relative_to(root)), name) for path in todo]
    backend = use_book_backend()
    try:
        with connect(jobs=jobs, **where) as client:
            run_chapters(
                client, tasks, store, root, backend, timeout=timeout, gpu=bool(where.get("gpu")), stop_on_failure=True
            )
    finally:
        progress.close()
    return {task.chapter: done[task.chapter] for task in tasks}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coursebook.build", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="write the book config for a profile and print its path")
    config.add_argument("profile", help="quick or full")
    config.add_argument("--gpu", action="store_true", help="the cache of runs on a GPU")
    execute = sub.add_parser("execute", help="execute the chapters the profile's cache lacks, in parallel")
    execute.add_argument("profile", help="quick or full")
    add_arguments(execute)
    execute.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this checkout)")
    args = parser.parse_args(argv)
    # A line per finished chapter, as it finishes, also when the output goes to a log file.
    stop_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)
    use_book_backend()  # the chapters' kernels inherit it
    try:
        if args.command == "config":
            print(write_config(args.profile, device="gpu" if args.gpu else "cpu"))
        else:
            start = time.perf_counter()
            options = connect_options(args)
            done = execute_chapters(
                args.profile, root=args.root.resolve(), show_progress=sys.stdout.isatty(), **options
            )
            print(f"Executed {len(done)} chapter(s) in {time.perf_counter() - start:.0f} s.")
    except (ProfileError, ValueError) as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        print(
            "Interrupted: the chapters that finished are in the cache; run the same command to execute the rest.",
            file=sys.stderr,
        )
        sys.exit(130)
    except (ChapterFailed, ChapterLost, WorkerMismatch) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
