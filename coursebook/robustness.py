"""Robustness runs: every chapter from several base seeds, and how often each claim held.

A chapter's checks judge its effects over the profile's seeds (``profile.seeds``,
from the base seed ``helpers.setup`` is given).  A robustness run executes
every chapter again with other base seeds (``COURSE_BASE_SEED``), so with
entirely different seeds, and records each check: claim, verdict, evidence.
A claim that holds for every base is not the luck of one set of seeds.

Command line (``make robustness PROFILE=quick BASES="0 100 200"``)::

    python -m coursebook.robustness quick --bases 0 100 200 --jobs 2

writes ``robustness/<profile>.json`` (committed: the site's "Robustness" page
is built from it) and prints the table.  Every run trains, with two exceptions
asked for by name:

- ``--reuse-book``: a chapter that the book build (``make book``) already
  executed from one of the bases, with the same code, helpers, profile and
  backend, is read from the book's execution cache instead of trained again.
  The run record in its outputs (``helpers.setup``) must show that base seed.
- ``--chapters``: only these chapters run; their results replace theirs in the
  existing ``<profile>.json`` (same bases), the others are kept.  For a new or
  changed chapter, without running the whole book again.
- ``--add-bases``: only the bases given run, and join the existing record's
  bases.  Refused unless every chapter's code is what the record was made with.

Every chapter's entry keeps the fingerprint of the code it ran
(``chapter_fingerprint``: its code cells and ``helpers``), so the site can say
when a chapter changed after its robustness run.
"""

from __future__ import annotations

from helpers import records
from helpers.profiles import ProfileError, get_profile

import argparse
import copy
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import nbformat

from . import ROOT, use_book_backend
from .build import helpers_fingerprint, toc_notebooks

RESULTS = "robustness"


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def chapter_fingerprint(path: Path, root: Path = ROOT, helpers: str | None = None) -> str:
    """12 hex digits that change whenever a chapter's code cells or ``helpers`` change.

    Prose does not count: it changes no number.  The same contents as the book's
    execution cache key on (``coursebook.build.cache_path``).  ``helpers``: the
    helpers' fingerprint, when the caller has it already (it reads every file).
    """
    digest = hashlib.sha256((helpers or helpers_fingerprint(root)).encode())
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            digest.update(b"\0")
            digest.update(cell.source.encode())
    return digest.hexdigest()[:12]


def stale_chapters(record: dict[str, Any], root: Path = ROOT) -> list[str]:
    """The titles of the record's chapters whose code changed since (or is missing, or was not fingerprinted)."""
    stale = []
    helpers = helpers_fingerprint(root)  # once, not once per chapter
    for chapter, data in record["chapters"].items():
        path = root / chapter
        if not path.is_file() or data.get("code") != chapter_fingerprint(path, root, helpers):
            stale.append(data["title"])
    return stale


def checks_in(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The check records an executed notebook's outputs carry, in order (a failed check included)."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found.extend(data for kind, data in records.parse(_html(output)) if kind == "check")
    return found


def run_chapter(path: Path, profile: str, base: int, timeout: int = 3600) -> dict[str, Any]:
    """Execute one chapter from one base seed; its checks, whether it finished, and its time."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    executed = copy.deepcopy(nb)
    env = {
        **os.environ,
        "COURSE_PROFILE": profile,
        "COURSE_BASE_SEED": str(base),
        "COURSE_PROGRESS": "none",
        "COURSE_CHECKS": "strict",
    }
    client = NotebookClient(
        executed, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    error = ""
    try:
        # The kernel gets its own environment: several runs with different seeds go on at once.
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except CellExecutionError as failure:
        error = f"{failure.ename}: {failure.evalue}".splitlines()[0][:300]
    return {
        "title": _title(nb, path.stem),
        "finished": not error,
        "error": error,
        "seconds": round(time.perf_counter() - start, 1),
        "checks": checks_in(executed),
    }


def from_book_cache(path: Path, profile: str, base: int, root: Path = ROOT) -> dict[str, Any] | None:
    """The chapter as the book build executed it from ``base``, or ``None`` when the cache lacks that run.

    The cache matches the chapter's code under the current helpers and profile
    (``coursebook.build.cache_path``); the run record that ``helpers.setup``
    left in the outputs must name the same base seed and backend.
    """
    from jupyter_cache import get_cache

    from .build import cache_path

    folder = cache_path(profile, root)
    if not folder.is_dir():
        return None
    cache = get_cache(str(folder))
    nb = nbformat.read(path, as_version=4)
    try:
        bundle = cache.get_cache_bundle(cache.match_cache_notebook(nb).pk)
    except KeyError:
        return None
    runs = [
        data
        for cell in bundle.nb.cells
        for output in cell.get("outputs", [])
        for kind, data in records.parse(_html(output))
        if kind == "run"
    ]
    backend = os.environ.get("KERAS_BACKEND", "")
    if (
        not runs
        or runs[0].get("seed") != base
        or runs[0].get("profile") != profile
        or runs[0].get("backend") != backend
    ):
        return None
    seconds = (bundle.record.data or {}).get("execution_seconds")
    return {
        "title": _title(nb, path.stem),
        "finished": True,  # the build caches only chapters that ran to the end
        "error": "",
        "seconds": round(seconds, 1) if seconds is not None else None,
        "checks": checks_in(bundle.nb),
        "from": "book build",
    }


def _html(output: dict[str, Any]) -> str:
    html = output.get("data", {}).get("text/html", "")
    return "".join(html) if isinstance(html, list) else html


def robustness(
    profile: str,
    bases: Sequence[int],
    jobs: int = 2,
    root: Path = ROOT,
    log: Callable[[str], None] = print,
    runner: Callable[[Path, str, int], dict[str, Any]] = run_chapter,
    reuse_book: bool = False,
    chapters: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run every chapter (or the ``chapters`` named) for every base seed; the record of what each claim did."""
    name = get_profile(profile).name
    if not bases or len(set(bases)) != len(bases) or any(b < 0 for b in bases):
        raise ValueError(f"bases must be distinct whole numbers >= 0, not {list(bases)}.")
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}.")
    every = toc_notebooks(root)
    if chapters:
        wanted = {Path(c).stem for c in chapters}
        unknown = wanted - {p.stem for p in every}
        if unknown:
            raise ValueError(
                f"no chapter {', '.join(sorted(unknown))} in _toc.yml; name chapters as in the toc, "
                f"e.g. {every[0].stem}."
            )
        every = [p for p in every if p.stem in wanted]
    tasks = [(path, base) for base in bases for path in every]
    log(f"{len(tasks)} chapter runs ({len(every)} chapters x bases {list(bases)}, {name} profile, {jobs} at a time)")
    started = time.perf_counter()
    results = {}
    if reuse_book:
        for path, base in list(tasks):
            cached = from_book_cache(path, name, base, root)
            if cached is not None:
                key = (str(path.relative_to(root)), base)
                results[key] = cached
                tasks.remove((path, base))
                log(f"  {key[0]}, base {base}: from the book build ({cached['seconds']} s there)")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(runner, p, name, b): (str(p.relative_to(root)), b) for p, b in tasks}
        for future in as_completed(futures):  # report each run as it finishes
            key = futures[future]
            results[key] = outcome = future.result()
            verdict = "finished" if outcome["finished"] else f"stopped: {outcome['error']}"
            log(f"  {key[0]}, base {key[1]}: {outcome['seconds']:.0f} s, {verdict}")
    record: dict[str, Any] = {
        "profile": name,
        "bases": list(bases),
        "backend": os.environ.get("KERAS_BACKEND", ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.perf_counter() - started),
        "chapters": {},
    }
    for path in every:
        chapter = str(path.relative_to(root))
        runs = {str(b): results[(chapter, b)] for b in bases}
        record["chapters"][chapter] = {
            "title": next(iter(runs.values()))["title"],
            "code": chapter_fingerprint(path, root),
            "runs": runs,
        }
    return record


def claims_table(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per claim: how many bases it passed in, and each base's evidence."""
    rows = []
    bases = [str(b) for b in record["bases"]]
    for data in record["chapters"].values():
        claims: dict[str, dict[str, Any]] = {}
        for base in bases:
            for check in data["runs"][base]["checks"]:
                row = claims.setdefault(
                    check["claim"], {"chapter": data["title"], "claim": check["claim"], "bases": {}}
                )
                row["bases"][base] = check
        for row in claims.values():
            passed = sum(bool(row["bases"].get(b, {}).get("passed")) for b in bases)
            row["passed"] = passed
            row["of"] = len(bases)
            row["not reached"] = [b for b in bases if b not in row["bases"]]
            rows.append(row)
        stopped = [b for b in bases if not data["runs"][b]["finished"]]
        if stopped and not claims:
            rows.append(
                {
                    "chapter": data["title"],
                    "claim": "(no check reached)",
                    "bases": {},
                    "passed": 0,
                    "of": len(bases),
                    "not reached": stopped,
                }
            )
    return rows


def reused_note(record: dict[str, Any]) -> str:
    """Which runs came from the book build's cache (``--reuse-book``); empty when none did."""
    reused: dict[str, list[str]] = {}
    for data in record["chapters"].values():
        for base, run in data["runs"].items():
            if run.get("from") == "book build":
                reused.setdefault(base, []).append(data["title"])
    return " ".join(
        f"Base {base}: {len(titles)} of {len(record['chapters'])} chapters as the book build executed them "
        "(read from its execution cache, not trained again)."
        for base, titles in reused.items()
    )


def markdown(record: dict[str, Any]) -> str:
    rows = claims_table(record)
    lines = [
        f"Robustness run, {record['profile']} profile, base seeds {', '.join(map(str, record['bases']))}, "
        f"{record['backend']} backend, {record['machine']}, {record['date']}, {record['seconds']} s.",
        "",
        "| chapter | claim | passed | evidence per base |",
        "|:--|:--|--:|:--|",
    ]
    for row in rows:
        evidence = "; ".join(
            f"base {b}: {'✔' if c['passed'] else '✘'} {c['evidence']}" for b, c in row["bases"].items()
        )
        if row["not reached"]:
            evidence += f"; not reached for base {', '.join(row['not reached'])}"
        cells = [row["chapter"], row["claim"], f"{row['passed']} of {row['of']}", evidence]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")  # a claim's |gap| too
    total = len(rows)
    everywhere = sum(r["passed"] == r["of"] for r in rows)
    lines += ["", f"{everywhere} of {total} claims passed for every base seed."]
    if reused_note(record):
        lines.append(reused_note(record))
    return "\n".join(lines)


def merge(old: dict[str, Any], new: dict[str, Any], root: Path = ROOT) -> dict[str, Any]:
    """``old`` with the chapters of ``new`` put in (replaced or added), in the book's order."""
    if old["profile"] != new["profile"] or old["bases"] != new["bases"] or old["backend"] != new["backend"]:
        raise ValueError(
            f"the existing record is for the {old['profile']} profile, bases {old['bases']}, {old['backend']} "
            f"backend; this run is {new['profile']}, {new['bases']}, {new['backend']}: run every chapter "
            "(without --chapters) to start a new record."
        )
    chapters = {**old["chapters"], **new["chapters"]}
    order = [str(p.relative_to(root)) for p in toc_notebooks(root)]
    merged = {**old, "date": new["date"], "seconds": old["seconds"] + new["seconds"]}
    merged["chapters"] = {c: chapters[c] for c in order if c in chapters}
    return merged


def _refuse_bases_twice(existing: Sequence[int], bases: Sequence[int]) -> None:
    twice = sorted(set(existing) & set(bases))
    if twice:
        raise ValueError(f"the record already has base {', '.join(map(str, twice))}; add other bases.")


def add_bases(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the runs of ``new``'s bases added to every chapter; the code must be the same."""
    if old["profile"] != new["profile"] or old["backend"] != new["backend"]:
        raise ValueError(
            f"the existing record is for the {old['profile']} profile and the {old['backend']} backend; this run "
            f"is {new['profile']}, {new['backend']}: start a new record (without --add-bases)."
        )
    _refuse_bases_twice(old["bases"], new["bases"])
    if set(old["chapters"]) != set(new["chapters"]):
        raise ValueError("--add-bases runs every chapter of the record: leave out --chapters.")
    changed = [
        data["title"]
        for chapter, data in old["chapters"].items()
        if "code" not in data or data["code"] != new["chapters"][chapter]["code"]
    ]
    if changed:
        raise ValueError(
            f"the code of {', '.join(changed)} is not what the existing record ran (or it has no fingerprint): "
            "run every base again (without --add-bases)."
        )
    merged = {
        **old,
        "bases": old["bases"] + new["bases"],
        "date": old["date"] if old["date"] == new["date"] else f"{old['date']}, {new['date']}",
        "seconds": old["seconds"] + new["seconds"],
        "chapters": {},
    }
    for chapter, data in old["chapters"].items():
        merged["chapters"][chapter] = {**data, "runs": {**data["runs"], **new["chapters"][chapter]["runs"]}}
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebook.robustness", description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", help="quick or full")
    parser.add_argument("--bases", type=int, nargs="+", default=[0, 100, 200], help="base seeds (default 0 100 200)")
    parser.add_argument("--jobs", type=int, default=2, help="chapter runs at a time (default 2)")
    parser.add_argument("--out", type=Path, default=ROOT / RESULTS, help="folder for <profile>.json")
    parser.add_argument(
        "--reuse-book", action="store_true", help="take the runs the book build already made from the cache"
    )
    parser.add_argument(
        "--chapters", nargs="+", metavar="NAME", help="only these chapters (e.g. 03_dropout), merged into the record"
    )
    parser.add_argument(
        "--add-bases", action="store_true", help="add these bases to the existing record (same code only)"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # each run's line as it finishes, also into a log file
    use_book_backend()
    try:
        target = args.out / f"{get_profile(args.profile).name}.json"
        if (args.chapters or args.add_bases) and not target.is_file():
            raise ValueError(f"{target} is not there to add to: run every chapter first.")
        if args.add_bases:  # refuse before hours of training, not after
            if args.chapters:
                raise ValueError("--add-bases runs every chapter of the record: leave out --chapters.")
            existing = json.loads(target.read_text())
            _refuse_bases_twice(existing["bases"], args.bases)
            stale = stale_chapters(existing)
            if stale:
                raise ValueError(
                    f"the code of {', '.join(stale)} is not what {target.name} ran (or it has no fingerprint): "
                    "run every base again (without --add-bases)."
                )
        record = robustness(
            args.profile, args.bases, jobs=args.jobs, reuse_book=args.reuse_book, chapters=args.chapters
        )
        if args.add_bases:
            record = add_bases(json.loads(target.read_text()), record)
        elif args.chapters:
            record = merge(json.loads(target.read_text()), record)
    except (ProfileError, ValueError) as error:
        parser.error(str(error))
    args.out.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(markdown(record))
    print(f"\nWrote {target}.")
    rows = claims_table(record)
    return 0 if all(r["passed"] == r["of"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
