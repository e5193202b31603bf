"""Grade a class: run every submitted notebook, read its exercise verdicts, write a gradebook.

``make grade SUBMISSIONS=folder`` (``python -m coursebook.grade folder --out gradebook``)
takes one folder per student, each holding that student's chapters under their
own names (``ada/01_first_network.ipynb``), and

1. runs every notebook top to bottom in a kernel of its own, on the course's
   runner (``coursebook.cluster``: Dask workers, ``--jobs`` here by default),
   in a temporary folder (never in the checkout), with a time limit per cell,
   as a student's run (``COURSE_CHECKS=report``, the profile given);
2. reads the verdict each exercise's check cell printed: solved, wrong, not
   attempted (the placeholder left), or not reached (the run stopped before);
3. compares the check cells with the chapter's student edition: a check cell
   edited or deleted makes the submission *flagged*, and its verdicts are not
   counted;
4. writes ``gradebook.csv`` (one row per student and chapter: each exercise,
   whether the notebook ran to the end, how long it took, the error) and
   ``summary.html`` (per exercise: how many solved it, the commonest wrong
   verdict).

The students' code is untrusted: it runs with your user's rights on the
machine that runs it.  Run the grading in a container or an account with no
access to anything else; a student who overwrites ``q1`` can also fake a
verdict, which the flag for edited check cells does not catch.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat

from . import ROOT, cluster, use_book_backend
from .build import toc_notebooks
from .editions import CHECK_TAG, student_notebook, tags

SOLVED, WRONG, NOT_ATTEMPTED, NOT_REACHED, UNTRUSTED = "solved", "wrong", "not attempted", "not reached", "untrusted"
_STATUS = {"correct": SOLVED, "incorrect": WRONG, "unsolved": NOT_ATTEMPTED}
_VERDICT = re.compile(r"course-verdict-(correct|incorrect|unsolved)")


def check_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells that call an exercise's ``check``, in order."""
    return [cell for cell in nb.cells if cell.cell_type == "code" and CHECK_TAG in tags(cell)]


def _source_lines(cell: nbformat.NotebookNode) -> list[str]:
    return [line.rstrip() for line in cell.source.strip().splitlines()]


def tampered(reference: nbformat.NotebookNode, submission: nbformat.NotebookNode) -> str:
    """Why the submission's check cells are not the chapter's (``""`` when they are)."""
    expected = [_source_lines(cell) for cell in check_cells(reference)]
    found = [_source_lines(cell) for cell in submission.cells if cell.cell_type == "code"]
    missing = [lines for lines in expected if lines not in found]
    if missing:
        return f"{len(missing)} of {len(expected)} check cells edited or deleted"
    return ""


def verdicts(reference: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """``(status, message)`` per exercise of ``reference``, read from the executed submission's check cells."""
    code = {tuple(_source_lines(cell)): cell for cell in executed.cells if cell.cell_type == "code"}
    found = []
    for cell in check_cells(reference):
        ran = code.get(tuple(_source_lines(cell)))
        status, message = NOT_REACHED, ""
        for output in (ran or {}).get("outputs", []):
            data = output.get("data", {})
            match = _VERDICT.search("".join(data.get("text/html", "")))
            if match:
                status = _STATUS[match.group(1)]
                message = "".join(data.get("text/plain", "")).split(": ", 1)[-1].strip()
        found.append((status, message))
    return found


def submissions(folder: Path, chapters: dict[str, Path]) -> list[tuple[str, str, Path]]:
    """``(student, chapter, path)`` for every notebook in ``folder/<student>/`` named after a chapter."""
    found, unknown = [], []
    for path in sorted(folder.glob("*/*.ipynb")):
        if path.stem in chapters:
            found.append((path.parent.name, path.stem, path))
        else:
            unknown.append(str(path.relative_to(folder)))
    if unknown:
        print(f"Not a chapter of the course, left out: {', '.join(unknown)}", file=sys.stderr)
    if not found:
        example = next(iter(chapters), "01_first_network")
        raise ValueError(
            f"no submissions in {folder}: put each student's notebooks in a folder of their own, named as the "
            f"chapters are (e.g. {folder}/ada/{example}.ipynb)."
        )
    return found


def grade(
    folder: Path,
    out: Path,
    profile: str = "quick",
    timeout: int = 1800,
    jobs: int = 2,
    root: Path = ROOT,
    **where: Any,
) -> list[dict[str, Any]]:
    """Run and grade every submission in ``folder``; write ``out/gradebook.csv`` and ``out/summary.html``."""
    chapters = {path.stem: path for path in toc_notebooks(root)}
    found = submissions(folder, chapters)
    references = {
        chapter: student_notebook(nbformat.read(chapters[chapter], as_version=4), chapter)
        for chapter in {chapter for _, chapter, _ in found}
    }
    env = {
        "COURSE_PROFILE": profile,
        "COURSE_CHECKS": "report",  # a student's run: a claim that does not hold is shown, the notebook goes on
        "COURSE_PROGRESS": "none",
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax"),
        **({"COURSE_DATA_DIR": os.environ["COURSE_DATA_DIR"]} if os.environ.get("COURSE_DATA_DIR") else {}),
    }
    scratch = Path(tempfile.mkdtemp(prefix="course-grading-"))
    try:
        folders = []
        for student, chapter, _ in found:
            workdir = scratch / student / chapter
            workdir.mkdir(parents=True)
            folders.append(str(workdir))
        notebooks = [path.read_text() for _, _, path in found]
        with cluster.connect(jobs=jobs, **where) as client:
            futures = client.map(
                cluster.execute_chapter,
                notebooks,
                [env] * len(found),
                folders,
                [timeout] * len(found),
                pure=False,
            )
            results = client.gather(futures)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = []
    for (student, chapter, path), result in zip(found, results):
        reference = references[chapter]
        submitted = nbformat.read(path, as_version=4)
        executed = nbformat.reads(result["notebook"], as_version=4)
        flag = tampered(reference, submitted)
        row: dict[str, Any] = {
            "student": student,
            "chapter": chapter,
            "ran to the end": "yes" if result["finished"] else "no",
            "seconds": round(result["seconds"], 1),
            "error": result["error"],
            "flagged": flag,
        }
        for number, (status, message) in enumerate(verdicts(reference, executed), start=1):
            row[f"exercise {number}"] = UNTRUSTED if flag else status
            row[f"exercise {number} verdict"] = message
        rows.append(row)
    write_gradebook(rows, out)
    return rows


def write_gradebook(rows: list[dict[str, Any]], out: Path) -> None:
    """``gradebook.csv`` (for an LMS) and ``summary.html`` (per chapter and exercise) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with (out / "gradebook.csv").open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    parts = ["<!doctype html><html lang='en'><meta charset='utf-8'><title>Gradebook summary</title><body>"]
    parts.append(f"<h1>Gradebook summary</h1><p>{len(rows)} submissions.</p>")
    for chapter in dict.fromkeys(row["chapter"] for row in rows):
        of_chapter = [row for row in rows if row["chapter"] == chapter]
        parts.append(f"<h2>{html.escape(chapter)}</h2><table><tr><th>exercise</th><th>solved</th><th>wrong</th>")
        parts.append("<th>not attempted</th><th>not reached or untrusted</th><th>commonest wrong verdict</th></tr>")
        exercises = sorted({k for row in of_chapter for k in row if re.fullmatch(r"exercise \d+", k)})
        for exercise in exercises:
            counts = Counter(row.get(exercise, NOT_REACHED) for row in of_chapter)
            wrong = Counter(row[f"{exercise} verdict"] for row in of_chapter if row.get(exercise) == WRONG)
            commonest = f"{wrong.most_common(1)[0][0]} ({wrong.most_common(1)[0][1]})" if wrong else "—"
            cells = [counts[SOLVED], counts[WRONG], counts[NOT_ATTEMPTED], counts[NOT_REACHED] + counts[UNTRUSTED]]
            parts.append(
                f"<tr><td>{exercise}</td>"
                + "".join(f"<td>{c}</td>" for c in cells)
                + f"<td>{html.escape(commonest)}</td></tr>"
            )
        parts.append("</table>")
        flagged = [row["student"] for row in of_chapter if row["flagged"]]
        stopped = [row["student"] for row in of_chapter if row["ran to the end"] != "yes"]
        parts.append(f"<p>Flagged (check cells edited or deleted): {html.escape(', '.join(flagged) or 'none')}.</p>")
        parts.append(f"<p>Did not run to the end: {html.escape(', '.join(stopped) or 'none')}.</p>")
    parts.append("</body></html>")
    (out / "summary.html").write_text("\n".join(parts))
    (out / "gradebook.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursebook.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="a folder with one folder of notebooks per student")
    parser.add_argument("--out", type=Path, default=Path("gradebook"), help="where the gradebook goes")
    parser.add_argument("--profile", default="quick", help="the profile the notebooks run at (default quick)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds one cell may run (default 1800)")
    cluster.add_arguments(parser)
    args = parser.parse_args(argv)
    use_book_backend()
    try:
        rows = grade(args.submissions.resolve(), args.out, args.profile, args.timeout, **cluster.connect_options(args))
    except ValueError as error:
        parser.error(str(error))
    print(f"Graded {len(rows)} submissions: {args.out / 'gradebook.csv'}, {args.out / 'summary.html'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
