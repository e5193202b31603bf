"""Two chapter runners side by side: the quick book executed by each checkout in turn.

Usage (two checkouts of the course, e.g. ``git worktree add /tmp/before <commit>``)::

    .venv/bin/python benchmarks/runner_speed.py --before /tmp/before --after . --repeats 2

Each round empties both checkouts' execution caches and runs
``python -m coursebook.build execute quick --jobs 2`` in one, then the other
(the order alternates from round to round), so both see the same phase of a
machine whose speed drifts.  It prints each run's wall time and the median
ratio after / before: below 1.05 means "no slower than before, within 5%".
Both checkouts must hold the same chapters and ``helpers``: only the runner
differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run_book(checkout: Path, profile: str, jobs: int) -> float:
    """Seconds for one execution of every chapter, from an empty cache."""
    shutil.rmtree(checkout / "_build" / ".jupyter_cache", ignore_errors=True)
    env = {**os.environ, "COURSE_PROGRESS": "none", "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coursebook.build", "execute", profile, "--jobs", str(jobs)],
        cwd=checkout,
        env=env,
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout with the earlier runner")
    parser.add_argument("--after", type=Path, required=True, help="the checkout with the runner to judge")
    parser.add_argument("--repeats", type=int, default=2, help="rounds (each runs both)")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"before": [], "after": []}
    for round_ in range(args.repeats):
        order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
        for which in order:
            seconds = run_book(getattr(args, which).resolve(), args.profile, args.jobs)
            times[which].append(seconds)
            print(f"round {round_ + 1}, {which}: {seconds:.0f} s", flush=True)
    ratios = [a / b for a, b in zip(times["after"], times["before"])]
    print(
        f"\n{args.profile} book, {args.jobs} jobs, {args.repeats} rounds: before "
        f"{', '.join(f'{t:.0f}' for t in times['before'])} s; after {', '.join(f'{t:.0f}' for t in times['after'])} s; "
        f"ratio after/before per round {', '.join(f'{r:.3f}' for r in ratios)}, median {statistics.median(ratios):.3f}"
    )


if __name__ == "__main__":
    main()
