"""The book's summary pages, built from what the chapters did (part of ``coursebook.sphinx_ext``).

Three directives; the first two are replaced after every chapter has been
executed (or taken from the execution cache):

``{course-results}``
    Results at a glance: per chapter its question (notebook metadata
    ``course.question``), each conclusion it checked with whether the check
    passed in this build, and the evidence numbers the check printed.
``{course-build}``
    About this build: per chapter the profile and seed it ran with, its run
    time and whether it executed cleanly (from MyST-NB's execution data),
    where it ran (host, Dask worker, device: stored with it in the execution
    cache), and the Python, TensorFlow, Keras and NumPy versions the chapters
    report.
``{course-robustness}``
    Robustness: the recorded robustness runs (``robustness/*.json``), where
    they ran, and per claim how many base seeds it held for; then the runs
    recorded on another Keras backend (``robustness/<backend>/*.json``, e.g.
    TensorFlow, Colab's default), each with a table of its own.

The facts come from the records ``helpers.setup`` and ``check_conclusion``
attach to their outputs (``helpers.records``), so these pages cannot drift
from the chapters.
"""

from __future__ import annotations

from helpers import records

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

VERSION_KEYS = (
    ("python", "Python"),
    ("keras", "Keras"),
    ("backend", "backend"),
    ("tensorflow", "TensorFlow"),
    ("jax", "JAX"),
    ("numpy", "NumPy"),
)


class course_table(nodes.General, nodes.Element):
    """Placeholder for a table filled in once every chapter has been read."""


class _TableDirective(SphinxDirective):
    kind = ""

    def run(self) -> list[nodes.Node]:
        pages = getattr(self.env, "course_table_pages", set())
        pages.add(self.env.docname)
        self.env.course_table_pages = pages
        return [course_table(kind=self.kind)]


class ResultsDirective(_TableDirective):
    kind = "results"


class BuildDirective(_TableDirective):
    kind = "build"


def robustness_records(srcdir: str) -> dict[str, Path]:
    """``{profile: path}`` of the recorded robustness runs (``robustness/<profile>.json``), quick first."""
    from .robustness import RESULTS

    paths = {profile: Path(srcdir) / RESULTS / f"{profile}.json" for profile in ("quick", "full")}
    return {profile: path for profile, path in paths.items() if path.is_file()}


#: The Keras backends a robustness run may be recorded on besides the book's (``robustness/<backend>/``).
OTHER_BACKENDS = ("tensorflow", "torch", "jax")


def other_backend_records(srcdir: str) -> list[Path]:
    """The robustness runs recorded on a backend other than the book's (``robustness/<backend>/<profile>.json``).

    Made with ``KERAS_BACKEND=<backend> python -m coursebook.robustness ... --out robustness/<backend>``,
    usually for the chapters whose result a reader should see on that backend too; quick first.
    """
    from . import BOOK_BACKEND
    from .robustness import RESULTS

    folder = Path(srcdir) / RESULTS
    return [
        folder / backend / f"{profile}.json"
        for backend in OTHER_BACKENDS
        if backend != BOOK_BACKEND
        for profile in ("quick", "full")
        if (folder / backend / f"{profile}.json").is_file()
    ]


class RobustnessDirective(SphinxDirective):
    """``{course-robustness}``: the recorded robustness runs (``robustness/*.json``), one table per profile."""

    def run(self) -> list[nodes.Node]:
        records = robustness_records(self.env.srcdir)
        others = other_backend_records(self.env.srcdir)
        for path in [*records.values(), *others]:
            self.env.note_dependency(str(path))
        found = [json.loads(path.read_text()) for path in records.values()]
        if not found:
            return [_paragraph("No robustness run is recorded yet (make robustness PROFILE=quick).")]
        out: list[nodes.Node] = self.margin_figures(found)
        for record in found:
            out.extend(self.record_nodes(record, record["profile"], "course-robustness-table"))
        if others:
            out.append(
                _paragraph(
                    nodes.strong(text="On another backend."),
                    " The runs below execute the chapters they name on another Keras backend, "
                    "with the same seeds and settings, where a reader should see whether the backend changes a "
                    "result (TensorFlow is Colab's default, where students run the chapters).",
                )
            )
        for path in others:
            record = json.loads(path.read_text())
            key = f"{record['profile']}-{record['backend']}"
            out.extend(self.record_nodes(record, key, "course-robustness-backend-table"))
        return out

    def record_nodes(self, record: dict[str, Any], anchor_key: str, table_class: str) -> list[nodes.Node]:
        """One recorded run: what and where it ran, whether a chapter changed since, a row per claim."""
        from .robustness import claims_table, reused_note, stale_chapters

        rows = claims_table(record)
        everywhere = sum(r["passed"] == r["of"] for r in rows)
        out: list[nodes.Node] = [
            _paragraph(
                f"{record['profile']} profile: base seeds {', '.join(map(str, record['bases']))}, "
                f"{record['backend']} backend, {record['date']}. "
                f"{everywhere} of {len(rows)} claims passed for every base seed. {reused_note(record)}".strip()
            ),
            _paragraph(f"Where the runs happened: {record['machine']}."),
        ]
        stale = stale_chapters(record, Path(self.env.srcdir))
        if stale:
            out.append(
                _paragraph(
                    f"Recorded for an earlier version of {', '.join(stale)}: the code of "
                    f"{'that chapter' if len(stale) == 1 else 'those chapters'} (or of helpers) changed since, "
                    "so its rows judge the earlier code until the robustness run is repeated."
                )
            )
        table_rows = []
        for row in rows:
            evidence = nodes.bullet_list()
            for base, check in row["bases"].items():
                mark = "✔" if check["passed"] else "✘"
                evidence += nodes.list_item("", _paragraph(f"base {base}: {mark} {check['evidence']}"))
            for base in row["not reached"]:
                evidence += nodes.list_item("", _paragraph(f"base {base}: not reached (the chapter stopped earlier)"))
            table_rows.append(
                [
                    _paragraph(row["chapter"]),
                    _paragraph(row["claim"]),
                    _paragraph(f"{row['passed']} of {row['of']}"),
                    evidence,
                ]
            )
        headers = ["Chapter", "Claim", "Passed", "Evidence per base seed"]
        ids = [claim_anchor(row["claim"], anchor_key) for row in rows]
        out.append(_table(headers, table_rows, table_class, ids))
        return out

    @staticmethod
    def margin_figures(found: list[dict[str, Any]]) -> list[nodes.Node]:
        """One figure per chapter, every seed's effect against its claim's margin (``coursebook.margins``)."""
        from .margins import chapter_points, figure_html

        points = chapter_points(found)
        if not points:
            return [
                _paragraph(
                    "These records keep each claim's evidence as a sentence only (they were written before the "
                    "checks kept their numbers); the figure of every seed's effect against its claim's margin "
                    "appears with the next robustness run."
                )
            ]
        out: list[nodes.Node] = [
            _paragraph(
                "Every seed of every base, per claim: its effect divided by the claim's margin, so that 1 is the "
                "margin and 0 no effect (for a ratio, its logarithm divided by the margin's). The per-claim tables "
                "with each base's evidence follow the figures."
            )
        ]
        for title, chapter in points.items():
            out.append(nodes.raw("", figure_html(title, chapter), format="html"))
        return out


def _store(env: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(env, "course_records"):
        env.course_records = {}
    return env.course_records


def collect_records(app: Sphinx, doctree: nodes.document) -> None:
    """On reading a document, keep the records its outputs carry."""
    found = []
    for raw in doctree.findall(nodes.raw):
        if "html" in raw.get("format", "") and "data-course-" in raw.astext():
            found.extend(records.parse(raw.astext()))
    docname = app.env.docname
    if not found:
        _store(app.env).pop(docname, None)
        return
    question = ""
    source = Path(app.env.doc2path(docname))
    if source.suffix == ".ipynb":
        metadata = json.loads(source.read_text()).get("metadata", {})
        question = metadata.get("course", {}).get("question", "")
    _store(app.env)[docname] = {
        "question": question,
        "runs": [data for kind, data in found if kind == "run"],
        "checks": [data for kind, data in found if kind == "check"],
    }


def purge(app: Sphinx, env: Any, docname: str) -> None:
    _store(env).pop(docname, None)
    getattr(env, "course_table_pages", set()).discard(docname)


def merge(app: Sphinx, env: Any, docnames: Iterable[str], other: Any) -> None:
    _store(env).update({d: r for d, r in _store(other).items() if d in docnames})
    env.course_table_pages = getattr(env, "course_table_pages", set()) | getattr(other, "course_table_pages", set())


def pages_to_rewrite(app: Sphinx, env: Any) -> list[str]:
    """The summary pages are rewritten on every build: any chapter may have changed."""
    return sorted(getattr(env, "course_table_pages", set()))


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


def _paragraph(*children: nodes.Node | str) -> nodes.paragraph:
    paragraph = nodes.paragraph()
    for child in children:
        paragraph += nodes.Text(child) if isinstance(child, str) else child
    return paragraph


def _link(env: Any, fromdoc: str, docname: str) -> nodes.paragraph:
    xref = pending_xref(
        refdoc=fromdoc,
        reftarget="/" + docname,
        reftype="doc",
        refdomain="std",
        refexplicit=True,
        refwarn=True,
        classes=["xref", "doc"],
    )
    title = env.titles.get(docname)
    xref += nodes.inline(text=title.astext() if title is not None else docname)
    return _paragraph(xref)


ROBUSTNESS_PAGE = "robustness"  # the page with the {course-robustness} directive


def claim_anchor(claim: str, profile: str) -> str:
    """The id of a claim's row in the Robustness page's table of ``profile`` (stable while the claim's words are).

    ``profile`` is ``quick`` or ``full`` for the book's backend, ``<profile>-<backend>`` for another's.
    """
    import hashlib

    return f"claim-{profile}-{hashlib.sha1(claim.encode()).hexdigest()[:10]}"


def _table(
    headers: list[str],
    rows: list[list[nodes.Node | list[nodes.Node]]],
    classes: str,
    ids: list[str] | None = None,
) -> nodes.table:
    table = nodes.table(classes=["colwidths-auto", classes])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    row = nodes.row()
    head += row
    for header in headers:
        row += nodes.entry("", _paragraph(header))
    body = nodes.tbody()
    group += body
    for number, cells in enumerate(rows):
        row = nodes.row(ids=[ids[number]] if ids else [])
        body += row
        for cell in cells:
            entry = nodes.entry()
            entry.extend(cell if isinstance(cell, list) else [cell])
            row += entry
    return table


def _chapters(env: Any) -> list[str]:
    """Documents with records, in table-of-contents order."""
    found = _store(env)
    ordered = [d for d in _toc_order(env) if d in found]
    return ordered + sorted(d for d in found if d not in ordered)


def _toc_order(env: Any) -> list[str]:
    root = env.config.root_doc
    seen, order = set(), []

    def walk(docname: str) -> None:
        if docname in seen:
            return
        seen.add(docname)
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(root)
    return order


def headline(evidence: str) -> str:
    """The part of a check's evidence a reader wants first.

    The rule's evidence reads "<what> per seed: <values>; <agreeing> in <k> of <n> seeds; <centre> >= <bar>"
    (``helpers.conclusions._judge``): the headline is everything after the per-seed values.  Any other
    evidence (a one-run check) gives its first clause.
    """
    parts = evidence.split("; ")
    if " per seed: " in parts[0] and len(parts) > 1:
        return "; ".join(parts[1:])
    return parts[0]


def _robustness_rates(srcdir: str, profile: str | None) -> tuple[str, dict[str, tuple[int, int, bool]]]:
    """``(profile, {claim: (bases passed, bases run, recorded for the current code)})`` from ``profile``'s run."""
    from .robustness import claims_table, stale_chapters

    records = robustness_records(srcdir)
    for name in (profile, "full", "quick"):
        if name in records:
            record = json.loads(records[name].read_text())
            stale = set(stale_chapters(record, Path(srcdir)))
            return name, {
                row["claim"]: (row["passed"], row["of"], row["chapter"] not in stale) for row in claims_table(record)
            }
    return "", {}


def results_table(env: Any, fromdoc: str) -> list[nodes.Node]:
    """Results at a glance: one compact block per chapter, the per-seed evidence folded away."""
    store = _store(env)
    chapters = [d for d in _chapters(env) if store[d]["checks"]]
    if not chapters:
        return [_paragraph("No chapter recorded a conclusion check in this build.")]
    runs = [store[d]["runs"][0] for d in chapters if store[d]["runs"]]
    profile, rates = _robustness_rates(env.srcdir, runs[0].get("profile") if runs else None)
    out: list[nodes.Node] = []
    for docname in chapters:
        record = store[docname]
        checks = record["checks"]
        passed = sum(bool(c["passed"]) for c in checks)
        block = nodes.container(classes=["course-result"])
        status = f"✔ all {len(checks)} checks held" if passed == len(checks) else f"✘ {passed} of {len(checks)} held"
        title = _link(env, fromdoc, docname)
        title["classes"] = ["course-result-title"]
        title += nodes.Text(" — ")
        title += nodes.strong(text=status)
        block += title
        block += nodes.paragraph("", "", nodes.emphasis(text=record["question"] or "—"), classes=["course-question"])
        claims = nodes.bullet_list(classes=["course-claims"])
        evidence = nodes.bullet_list()
        for check in checks:
            seeds = check.get("seeds")
            item = _paragraph(("✔ " if check["passed"] else "✘ ") + check["claim"])
            detail = f"this build{f', {seeds} seeds' if seeds else ', one run'}: {headline(check['evidence'])}"
            line = nodes.line("", "", nodes.inline(text=detail, classes=["course-headline"]))
            if check["claim"] in rates:
                held, of, current = rates[check["claim"]]
                page = env.app.builder.get_relative_uri(fromdoc, ROBUSTNESS_PAGE)
                text = f"robustness ({profile}): held for {held} of {of} base seeds"
                line += nodes.Text("; ")
                line += nodes.reference("", text, refuri=f"{page}#{claim_anchor(check['claim'], profile)}")
                if not current:
                    line += nodes.Text(" (recorded for an earlier version of this chapter)")
            item += nodes.line_block("", line)
            claims += nodes.list_item("", item)
            evidence += nodes.list_item("", _paragraph(nodes.strong(text=check["claim"]), ": " + check["evidence"]))
        block += claims
        block += nodes.raw(
            "", '<details class="course-seed-evidence"><summary>Every seed\'s numbers</summary>', format="html"
        )
        block += evidence
        block += nodes.raw("", "</details>", format="html")
        out.append(block)
    return out


def where_chapters_ran(env: Any) -> dict[str, dict[str, Any]]:
    """``{docname: where}`` for the chapters this build took from its execution cache.

    The runner (``coursebook.cluster``) and nbval store with each executed
    chapter where it ran; MyST-NB keeps only the seconds, so this reads the
    cache the build used (``execute.cache``).
    """
    folder = getattr(env.config, "nb_execution_cache_path", "")
    if not folder or not Path(folder).is_dir():
        return {}
    from jupyter_cache import get_cache

    by_path = {}
    for record in get_cache(folder).list_cache_records():
        where = (record.data or {}).get("where")
        if where:
            by_path[str(Path(record.uri).resolve())] = where
    found = {}
    for docname in _chapters(env):
        source = str(Path(env.doc2path(docname)).resolve())
        if source in by_path:
            found[docname] = by_path[source]
    return found


def build_table(env: Any, fromdoc: str) -> list[nodes.Node]:
    from myst_nb.sphinx_ import NbMetadataCollector

    from .cluster import describe

    exec_data = {d: data.get("exec_data") or {} for d, data in NbMetadataCollector.get_doc_data(env).items()}
    rows, versions = [], {}
    places = where_chapters_ran(env)
    for docname in _chapters(env):
        runs = _store(env)[docname]["runs"]
        run = runs[0] if runs else {}
        data = exec_data.get(docname, {})
        runtime = data.get("runtime")
        ran = data.get("succeeded")
        if run:
            versions.setdefault((*tuple(run.get(k, "?") for k, _ in VERSION_KEYS), run.get("device", "?")), []).append(
                docname
            )
        rows.append(
            [
                _link(env, fromdoc, docname),
                _paragraph(str(run.get("profile", "—"))),
                _paragraph(str(run.get("seed", "—"))),
                _paragraph("—" if runtime is None else f"{runtime:.0f}"),
                _paragraph({True: "✅ yes", False: "❌ no"}.get(ran, "— not executed")),
                _paragraph(str(data.get("method", "—"))),
                _paragraph(describe(places.get(docname)) if docname in places else "—"),
            ]
        )
    if not rows:
        return [_paragraph("No chapter was executed in this build.")]
    notes = []
    for key, docs in versions.items():
        text = ", ".join(f"{label} {value}" for (_, label), value in zip(VERSION_KEYS, key)) + f", on {key[-1]}"
        scope = "every chapter" if len(versions) == 1 else ", ".join(docs)
        notes.append(_paragraph(f"Software: {text} ({scope})."))
    headers = ["Chapter", "Profile", "Seed", "Run time (s)", "Ran cleanly", "How", "Where it ran"]
    table = _table(headers, rows, "course-build-table")
    return [*notes, table]


class FillTables(SphinxPostTransform):
    default_priority = 8  # before references are resolved, so the chapter links work

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(course_table)):
            if node["kind"] == "results":
                node.replace_self(results_table(self.env, self.env.docname))
            else:
                node.replace_self(build_table(self.env, self.env.docname))
