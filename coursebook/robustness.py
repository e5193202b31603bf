"""Robustness runs: every chapter from several base seeds, and how often each claim held.

A chapter's checks judge its effects over the profile's seeds (``profile.seeds``,
from the base seed ``helpers.setup`` is given).  A robustness run executes
every chapter again with other base seeds (``COURSE_BASE_SEED``), so with
entirely different seeds, and records each check: claim, verdict, evidence.
A claim that holds for every base is not the luck of one set of seeds.

Command line (``make robustness PROFILE=quick BASES="0 100 200"``)::

    python -m coursebook.robustness quick --bases 0 100 200 --jobs 2

writes ``robustness/<profile>.json`` (committed: the site's "Robustness" page
is built from it) and prints the table.  Nothing is cached: every run trains.
"""

from __future__ import annotations

from helpers import records
from helpers.profiles import ProfileError, get_profile

import argparse
import copy
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
from .build import toc_notebooks

RESULTS = "robustness"


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def checks_in(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The check records an executed notebook's outputs carry, in order (a failed check included)."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            text = "".join(html) if isinstance(html, list) else html
            found.extend(data for kind, data in records.parse(text) if kind == "check")
    return found


def run_chapter(path: Path, profile: str, base: int, timeout: int = 3600) -> dict[str, Any]:
    """Execute one chapter from one base seed; its checks, whether it finished, and its time."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    executed = copy.deepcopy(nb)
    env = {**os.environ, "COURSE_PROFILE": profile, "COURSE_BASE_SEED": str(base), "COURSE_PROGRESS": "none"}
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


def robustness(
    profile: str,
    bases: Sequence[int],
    jobs: int = 2,
    root: Path = ROOT,
    log: Callable[[str], None] = print,
    runner: Callable[[Path, str, int], dict[str, Any]] = run_chapter,
) -> dict[str, Any]:
    """Run every chapter for every base seed; the record of what each claim did."""
    name = get_profile(profile).name
    if not bases or len(set(bases)) != len(bases) or any(b < 0 for b in bases):
        raise ValueError(f"bases must be distinct whole numbers >= 0, not {list(bases)}.")
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}.")
    chapters = toc_notebooks(root)
    tasks = [(path, base) for base in bases for path in chapters]
    log(f"{len(tasks)} chapter runs ({len(chapters)} chapters x bases {list(bases)}, {name} profile, {jobs} at a time)")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(runner, p, name, b): (str(p.relative_to(root)), b) for p, b in tasks}
        results = {}
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
    for path in chapters:
        chapter = str(path.relative_to(root))
        runs = {str(b): results[(chapter, b)] for b in bases}
        record["chapters"][chapter] = {"title": next(iter(runs.values()))["title"], "runs": runs}
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
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebook.robustness", description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", help="quick or full")
    parser.add_argument("--bases", type=int, nargs="+", default=[0, 100, 200], help="base seeds (default 0 100 200)")
    parser.add_argument("--jobs", type=int, default=2, help="chapter runs at a time (default 2)")
    parser.add_argument("--out", type=Path, default=ROOT / RESULTS, help="folder for <profile>.json")
    args = parser.parse_args(argv)
    use_book_backend()
    try:
        record = robustness(args.profile, args.bases, jobs=args.jobs)
    except (ProfileError, ValueError) as error:
        parser.error(str(error))
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{record['profile']}.json"
    target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(markdown(record))
    print(f"\nWrote {target}.")
    rows = claims_table(record)
    return 0 if all(r["passed"] == r["of"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
