"""Robustness runs: every chapter from several base seeds, and how often each claim held.

A chapter's checks judge its effects over the profile's seeds (``profile.seeds``,
from the base seed ``helpers.setup`` is given).  A robustness run executes
every chapter again with other base seeds (``COURSE_BASE_SEED``), so with
entirely different seeds, and records each check: claim, verdict, evidence.
A claim that holds for every base is not the luck of one set of seeds.

Command line (``make robustness PROFILE=quick BASES="0 100 200"``)::

    python -m coursebook.robustness quick --bases 0 100 200 --jobs 2
    python -m coursebook.robustness quick --scheduler tcp://10.0.0.5:8786

writes ``robustness/<profile>.json`` (committed: the site's "Robustness" page
is built from it) and prints the table.  The runs go to Dask workers
(``coursebook.cluster``: by default ``--jobs`` processes on this machine, or a
running scheduler's workers, or batch jobs), and each finished run is
appended to ``<profile>.runs.jsonl`` beside the record as it arrives (and the
first base's executed notebooks to ``<profile>.executed/``, to read the
chapters' prose against): after
an interruption, the same command with ``--resume`` executes only the runs
missing (refused when a chapter's code changed since).  Every run trains,
with two exceptions asked for by name:

- ``--reuse-book``: a chapter that the book build (``make book``) already
  executed from one of the bases, with the same code, helpers, profile and
  backend, is read from the book's execution cache instead of trained again.
  The run record in its outputs (``helpers.setup``) must show that base seed.
- ``--chapters``: only these chapters run; their results replace theirs in the
  existing ``<profile>.json`` (same bases), the others are kept; without a
  record there, they start one of their own.  For a new or changed chapter,
  without running the whole book again.
- ``--add-bases``: only the bases given run, and join the existing record's
  bases.  Refused unless every chapter's code is what the record was made with.

Every chapter's entry keeps the fingerprint of the code it ran
(``chapter_fingerprint``: its code cells and ``helpers`` less the exercises), so the site can say
when a chapter changed after its robustness run; every run keeps where it ran
(host, worker, device, library versions).
"""

from __future__ import annotations

from helpers.profiles import ProfileError, get_profile

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat

from . import ROOT, cluster, use_book_backend
from .build import claims_fingerprint, toc_notebooks

RESULTS = "robustness"
# What a record keeps of where a run happened (coursebook.cluster.execute_chapter's "where").
WHERE_KEPT = ("host", "worker", "machine", "device", "backend", "python", "versions", "helpers")


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def chapter_fingerprint(path: Path, root: Path = ROOT, helpers: str | None = None) -> str:
    """12 hex digits that change whenever a chapter's code cells or what decides its claims in ``helpers`` change.

    Prose does not count: it changes no number; neither do the exercises
    (``coursebook.build.claims_fingerprint``).  ``helpers``: that fingerprint,
    when the caller has it already (it reads every file).
    """
    digest = hashlib.sha256((helpers or claims_fingerprint(root)).encode())
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            digest.update(b"\0")
            digest.update(cell.source.encode())
    return digest.hexdigest()[:12]


def stale_chapters(record: dict[str, Any], root: Path = ROOT) -> list[str]:
    """The titles of the record's chapters whose code changed since (or is missing, or was not fingerprinted)."""
    stale = []
    helpers = claims_fingerprint(root)  # once, not once per chapter
    for chapter, data in record["chapters"].items():
        path = root / chapter
        if not path.is_file() or data.get("code") != chapter_fingerprint(path, root, helpers):
            stale.append(data["title"])
    return stale


def checks_in(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The check records an executed notebook's outputs carry, in order (a failed check included)."""
    return cluster.records_in(nb, "check")


def _kept(where: dict[str, Any]) -> dict[str, Any]:
    """What a record keeps of where a run happened."""
    return {key: where[key] for key in WHERE_KEPT if key in where}


def curves_in(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    """The learning curves a chapter drew (``helpers.curves``): ``{signature: {"label", "seeds"}}``, first kept."""
    found: dict[str, dict[str, Any]] = {}
    for data in cluster.records_in(nb, "curves"):
        for signature, entry in data["curves"].items():
            found.setdefault(signature, entry)
    return found


def run_entry(result: dict[str, Any], title: str) -> dict[str, Any]:
    """What a robustness run keeps of one chapter run (``coursebook.cluster.run_chapters``' result).

    Its ``curves`` go into the journal and the bands (``bands/<profile>.json``), not into the record.
    """
    nb = nbformat.reads(result["notebook"], as_version=4)
    return {
        "title": title,
        "finished": result["finished"],
        "error": result["error"],
        "seconds": result["seconds"],
        "checks": checks_in(nb),
        "where": _kept(result["where"]),
        "curves": curves_in(nb),
    }


def bands(results: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
    """Per settings signature, the band every seed of every base spans (``helpers.curves.band_over``)."""
    from helpers.curves import band_over

    runs: dict[str, list[dict[str, Any]]] = {}
    for (_, base), run in sorted(results.items(), key=lambda item: item[0][1]):
        for signature, entry in run.get("curves", {}).items():
            runs.setdefault(signature, []).append({"base": base, **entry})
    return {signature: band_over(found) for signature, found in sorted(runs.items())}


def merge_bands(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Bands of more bases: per epoch the lower of the lows and the higher of the highs."""
    merged = dict(old)
    for signature, band in new.items():
        if signature not in old:
            merged[signature] = band
            continue
        before = old[signature]
        metrics = set(before["low"]) & set(band["low"])
        merged[signature] = {
            "label": before["label"],
            "seeds": before["seeds"] + band["seeds"],
            "bases": sorted(set(before["bases"]) | set(band["bases"])),
            "low": {m: [min(a, b) for a, b in zip(before["low"][m], band["low"][m])] for m in metrics},
            "high": {m: [max(a, b) for a, b in zip(before["high"][m], band["high"][m])] for m in metrics},
        }
    return merged


def curves_path(out: Path, profile: str) -> Path:
    """The file the bands of a profile's robustness run go to (``<out>/bands/<profile>.json``).

    In a folder of their own: ``<out>/*.json`` are the records, one per profile.
    """
    return out / "bands" / f"{get_profile(profile).name}.json"


def from_book_cache(
    path: Path, profile: str, base: int, root: Path = ROOT, device: str = "cpu"
) -> dict[str, Any] | None:
    """The chapter as the book build executed it from ``base``, or ``None`` when the cache lacks that run.

    The cache matches the chapter's code under the current helpers and profile
    (``coursebook.build.cache_path``); the run record that ``helpers.setup``
    left in the outputs must name the same base seed and backend.
    """
    from jupyter_cache import get_cache

    from .build import cache_path

    folder = cache_path(profile, root, device)
    if not folder.is_dir():
        return None
    cache = get_cache(str(folder))
    nb = nbformat.read(path, as_version=4)
    try:
        bundle = cache.get_cache_bundle(cache.match_cache_notebook(nb).pk)
    except KeyError:
        return None
    runs = cluster.records_in(bundle.nb, "run")
    backend = os.environ.get("KERAS_BACKEND", "")
    if (
        not runs
        or runs[0].get("seed") != base
        or runs[0].get("profile") != profile
        or runs[0].get("backend") != backend
    ):
        return None
    seconds = (bundle.record.data or {}).get("execution_seconds")
    where = (bundle.record.data or {}).get("where")
    return {
        "title": _title(nb, path.stem),
        "finished": True,  # the build caches only chapters that ran to the end
        "error": "",
        "seconds": round(seconds, 1) if seconds is not None else None,
        "checks": checks_in(bundle.nb),
        "from": "book build",
        **({"where": _kept(where)} if where else {}),
    }


Runner = Callable[[Path, str, int], dict[str, Any]]


def journal_path(out: Path, profile: str) -> Path:
    """The file a robustness run appends each finished run to (``<out>/<profile>.runs.jsonl``)."""
    return out / f"{get_profile(profile).name}.runs.jsonl"


def read_journal(path: Path) -> tuple[dict[str, Any], dict[tuple[str, int], dict[str, Any]]]:
    """An interrupted run's journal: its header and ``{(chapter, base): {"code": ..., "run": ...}}``."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not lines or "header" not in lines[0]:
        raise ValueError(f"{path} is not a robustness journal: delete it and run without --resume.")
    return lines[0]["header"], {(entry["chapter"], entry["base"]): entry for entry in lines[1:]}


def _resumed(
    journal: Path, header: dict[str, Any], fingerprints: dict[str, str], log: Callable[[str], None]
) -> dict[tuple[str, int], dict[str, Any]]:
    """The runs an interrupted run finished, refused when it was another run or its code changed."""
    if not journal.is_file():
        raise ValueError(f"no interrupted run to resume: {journal} is not there. Run without --resume.")
    old, entries = read_journal(journal)
    if {k: old.get(k) for k in ("profile", "bases", "backend", "chapters")} != {
        k: header[k] for k in ("profile", "bases", "backend", "chapters")
    }:
        raise ValueError(
            f"the interrupted run in {journal.name} was {old['profile']}, bases {old['bases']}, {old['backend']} "
            f"backend, {len(old['chapters'])} chapter(s): resume it with the same --bases and --chapters, "
            "or delete the file to start again."
        )
    changed = sorted({chapter for (chapter, _), entry in entries.items() if entry["code"] != fingerprints[chapter]})
    if changed:
        raise ValueError(
            f"the code of {', '.join(changed)} (or of helpers) changed since the interrupted run: its runs judge "
            f"other code. Delete {journal} and run again without --resume."
        )
    log(f"Resuming: {len(entries)} run(s) finished before are kept ({journal}).")
    return {key: entry["run"] for key, entry in entries.items()}


def robustness(
    profile: str,
    bases: Sequence[int],
    jobs: int = 2,
    root: Path = ROOT,
    log: Callable[[str], None] = print,
    runner: Runner | None = None,
    reuse_book: bool = False,
    chapters: Sequence[str] | None = None,
    journal: Path | None = None,
    resume: bool = False,
    **where: Any,
) -> dict[str, Any]:
    """Run every chapter (or the ``chapters`` named) for every base seed; the record of what each claim did.

    The runs go to Dask workers (``coursebook.cluster``; ``where`` takes
    ``connect``'s arguments, by default ``jobs`` processes on this machine),
    unless a ``runner`` (tests) executes them here, one after the other.  Each
    finished run is appended to ``journal`` as it arrives; with ``resume``,
    the runs already in it are kept and only the others execute.

    Raises:
        ChapterLost: some runs' workers kept dying; the others are in the journal.
    """
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
    backend = os.environ.get("KERAS_BACKEND", "")
    helpers = claims_fingerprint(root)
    fingerprints = {str(p.relative_to(root)): chapter_fingerprint(p, root, helpers) for p in every}
    titles = {str(p.relative_to(root)): _title(nbformat.read(p, as_version=4), p.stem) for p in every}
    header = {"profile": name, "bases": list(bases), "backend": backend, "chapters": list(fingerprints)}
    results: dict[tuple[str, int], dict[str, Any]] = {}
    if resume:
        if journal is None:
            raise ValueError("--resume needs the journal of the interrupted run.")
        results = _resumed(journal, header, fingerprints, log)
    elif journal is not None:
        journal.parent.mkdir(parents=True, exist_ok=True)
        journal.write_text(json.dumps({"header": {**header, "date": time.strftime("%Y-%m-%d")}}) + "\n")
    tasks = [(path, base) for base in bases for path in every if (str(path.relative_to(root)), base) not in results]
    log(
        f"{len(tasks)} chapter runs ({len(every)} chapters x bases {list(bases)}, {name} profile"
        f"{f', {len(results)} done before' if results else ''})"
    )
    started = time.perf_counter()

    def keep(chapter: str, base: int, run: dict[str, Any], line: str) -> None:
        results[(chapter, base)] = run
        if journal is not None:  # on disk at once: an interruption loses only the runs under way
            with journal.open("a") as file:
                file.write(json.dumps({"chapter": chapter, "base": base, "code": fingerprints[chapter], "run": run}))
                file.write("\n")
        log(line)

    if reuse_book:
        for path, base in list(tasks):
            cached = from_book_cache(path, name, base, root, "gpu" if where.get("gpu") else "cpu")
            if cached is not None:
                chapter = str(path.relative_to(root))
                tasks.remove((path, base))
                keep(
                    chapter,
                    base,
                    cached,
                    f"  {chapter}, base {base}: from the book build ({cached['seconds']} s there)",
                )
    lost = []

    def arrived(result: dict[str, Any]) -> None:
        task = result["task"]
        if result.get("lost"):
            lost.append(task.label)
            log(f"  {task.label}: {result['error']}")
            return
        run = run_entry(result, titles[task.chapter])
        if journal is not None and task.base == bases[0]:  # the first base's pages, for reading the prose against
            executed = journal.parent / f"{name}.executed" / Path(task.chapter).name
            executed.parent.mkdir(parents=True, exist_ok=True)
            executed.write_text(result["notebook"])
        verdict = "finished" if run["finished"] else f"stopped: {run['error']}"
        keep(
            task.chapter,
            task.base,
            run,
            f"  {task.label}: {run['seconds']:.0f} s on {cluster.describe(run['where'])}, {verdict}",
        )

    if runner is not None:
        for path, base in tasks:
            run = runner(path, name, base)
            keep(
                str(path.relative_to(root)),
                base,
                run,
                f"  {path.relative_to(root)}, base {base}: {run['seconds']:.0f} s",
            )
    elif tasks:
        with cluster.connect(jobs=jobs, **where) as client:
            cluster.run_chapters(
                client,
                [cluster.Task(str(path.relative_to(root)), name, base) for path, base in tasks],
                arrived,
                root,
                backend,
                timeout=3600,
                gpu=bool(where.get("gpu")),
            )
    if lost:
        raise cluster.ChapterLost(
            f"no result for {'; '.join(lost)}: the workers running them kept dying (not a failed check). "
            "The other runs are kept: run the same command with --resume to execute only the missing ones."
        )
    runs_where = [run.get("where") for run in results.values() if run.get("where")]
    record: dict[str, Any] = {
        "profile": name,
        "bases": list(bases),
        "backend": backend,
        "machine": machines(runs_where) or cluster.machine_description(),
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.perf_counter() - started),
        "chapters": {},
    }
    for path in every:
        chapter = str(path.relative_to(root))
        record["chapters"][chapter] = {
            "title": titles[chapter],
            "code": fingerprints[chapter],
            "runs": {str(b): {k: v for k, v in results[(chapter, b)].items() if k != "curves"} for b in bases},
        }
    record["bands"] = bands(results)  # main() writes them to bands/<profile>.json
    return record


def machines(wheres: Sequence[dict[str, Any]]) -> str:
    """The machines runs happened on, in words: ``"vm (x86_64, AMD EPYC, 2 CPU cores, flags 3f9a2c, CPU): 36 runs"``."""
    from collections import Counter

    counts = Counter(f"{w.get('host', '?')} ({w.get('machine', '?')}, {w.get('device', '?')})" for w in wheres)
    return "; ".join(f"{place}: {count} run{'s' if count > 1 else ''}" for place, count in counts.items())


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


def margin_room(row: dict[str, Any]) -> dict[str, Any] | None:
    """How far a claim's margin lies below what its base seeds measured, in their standard deviations.

    Each base's run judged the claim on its centre: the mean of the seeds' effects, or for a
    ratio the geometric mean (so ratios are compared on a log scale).  Over the bases, the
    centres have a mean and a standard deviation; a claim is robust when its margin lies at
    least two of those below the mean, room enough for base seeds not yet tried.

    Returns:
        ``{"kind", "margin", "centres" (one per base), "mean", "sd", "room" (in standard
        deviations; None with fewer than two bases or no spread), "robust"}``, the means and
        margin on the scale they are judged on (log for ratios); None when the record keeps
        no numbers for the claim (a record written before checks kept them).
    """
    checks = [check for check in row["bases"].values() if check.get("values")]
    if not checks or len(checks) < len(row["bases"]):
        return None
    from .margins import judged

    kind, margin = checks[0]["kind"], judged(float(checks[0]["margin"]), checks[0]["kind"])
    centres = [statistics.fmean(judged(v, kind) for v in check["values"].values()) for check in checks]
    mean = statistics.fmean(centres)
    sd = statistics.stdev(centres) if len(centres) > 1 else None
    room = (mean - margin) / sd if sd else None
    return {
        "kind": kind,
        "margin": margin,
        "centres": centres,
        "mean": mean,
        "sd": sd,
        "room": room,
        "robust": room is not None and room >= 2,
    }


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
    parser.add_argument("--out", type=Path, help="folder for <profile>.json (default: robustness/ in the book)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this checkout)")
    parser.add_argument(
        "--reuse-book", action="store_true", help="take the runs the book build already made from the cache"
    )
    parser.add_argument(
        "--chapters",
        nargs="+",
        metavar="NAME",
        help="only these chapters (e.g. 03_dropout), merged into the record (or a record of their own)",
    )
    parser.add_argument(
        "--add-bases", action="store_true", help="add these bases to the existing record (same code only)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="finish an interrupted run: only the runs its journal lacks execute"
    )
    cluster.add_arguments(parser)
    args = parser.parse_args(argv)
    cluster.stop_on_sigterm()
    sys.stdout.reconfigure(line_buffering=True)  # each run's line as it finishes, also into a log file
    use_book_backend()
    root = args.root.resolve()
    args.out = args.out or root / RESULTS
    try:
        target = args.out / f"{get_profile(args.profile).name}.json"
        existing = json.loads(target.read_text()) if target.is_file() else None
        if args.add_bases:  # refuse before hours of training, not after
            if existing is None:
                raise ValueError(f"{target} is not there to add to: run every chapter first.")
            if args.chapters:
                raise ValueError("--add-bases runs every chapter of the record: leave out --chapters.")
            _refuse_bases_twice(existing["bases"], args.bases)
            stale = stale_chapters(existing, root)
            if stale:
                raise ValueError(
                    f"the code of {', '.join(stale)} is not what {target.name} ran (or it has no fingerprint): "
                    "run every base again (without --add-bases)."
                )
        elif args.chapters and existing is not None and existing["bases"] != args.bases:
            raise ValueError(
                f"{target} holds bases {existing['bases']}: run --chapters with the same --bases, or every "
                "chapter (without --chapters) to start a new record."
            )
        journal = journal_path(args.out, args.profile)
        record = robustness(
            args.profile,
            args.bases,
            root=root,
            reuse_book=args.reuse_book,
            chapters=args.chapters,
            journal=journal,
            resume=args.resume,
            **cluster.connect_options(args),
        )
        new_bands = record.pop("bands", {})
        if args.add_bases:
            record = add_bases(existing, record)
        elif args.chapters and existing is not None:
            record = merge(existing, record, root)
    except (ProfileError, ValueError) as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        print(
            f"Interrupted: every run that finished is in {journal_path(args.out, args.profile)}; "
            "run the same command with --resume (make robustness RESUME=1) to execute only the others.",
            file=sys.stderr,
        )
        return 130
    except (cluster.ChapterLost, cluster.WorkerMismatch) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    band_file = curves_path(args.out, args.profile)
    old_bands = json.loads(band_file.read_text()) if band_file.is_file() and (args.add_bases or args.chapters) else {}
    band_file.parent.mkdir(parents=True, exist_ok=True)
    band_file.write_text(json.dumps(merge_bands(old_bands, new_bands), separators=(",", ":")) + "\n")
    target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    journal.unlink(missing_ok=True)  # everything it held is in the record now
    print(markdown(record))
    print(f"\nWrote {target}.")
    rows = claims_table(record)
    return 0 if all(r["passed"] == r["of"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
