"""The book's own Sphinx extension: pages built from what the chapters did.

Two directives, each replaced after every chapter has been executed (or
taken from the execution cache):

``{course-results}``
    Results at a glance: per chapter its question (notebook metadata
    ``course.question``), each conclusion it checked with whether the check
    passed in this build, and the evidence numbers the check printed.
``{course-build}``
    About this build: per chapter the profile and seed it ran with, its run
    time and whether it executed cleanly (from MyST-NB's execution data),
    and the Python, TensorFlow, Keras and NumPy versions the chapters report.

The facts come from the records ``helpers.setup`` and ``check_conclusion``
attach to their outputs (``helpers.records``), so these pages cannot drift
from the chapters.  Enabled in ``_config.yml`` (``sphinx.extra_extensions``).
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


class RobustnessDirective(SphinxDirective):
    """``{course-robustness}``: the recorded robustness runs (``robustness/*.json``), one table per profile."""

    def run(self) -> list[nodes.Node]:
        from .robustness import RESULTS, claims_table, reused_note

        folder = Path(self.env.srcdir) / RESULTS
        found = []
        for profile in ("quick", "full"):
            path = folder / f"{profile}.json"
            if path.is_file():
                self.env.note_dependency(str(path))
                found.append(json.loads(path.read_text()))
        if not found:
            return [_paragraph("No robustness run is recorded yet (make robustness PROFILE=quick).")]
        out: list[nodes.Node] = []
        for record in found:
            rows = claims_table(record)
            everywhere = sum(r["passed"] == r["of"] for r in rows)
            out.append(
                _paragraph(
                    f"{record['profile']} profile: base seeds {', '.join(map(str, record['bases']))}, "
                    f"{record['backend']} backend, {record['machine']}, {record['date']}. "
                    f"{everywhere} of {len(rows)} claims passed for every base seed. {reused_note(record)}".strip()
                )
            )
            table_rows = []
            for row in rows:
                evidence = nodes.bullet_list()
                for base, check in row["bases"].items():
                    mark = "✔" if check["passed"] else "✘"
                    evidence += nodes.list_item("", _paragraph(f"base {base}: {mark} {check['evidence']}"))
                for base in row["not reached"]:
                    evidence += nodes.list_item(
                        "", _paragraph(f"base {base}: not reached (the chapter stopped earlier)")
                    )
                table_rows.append(
                    [
                        _paragraph(row["chapter"]),
                        _paragraph(row["claim"]),
                        _paragraph(f"{row['passed']} of {row['of']}"),
                        evidence,
                    ]
                )
            out.append(
                _table(["Chapter", "Claim", "Passed", "Evidence per base seed"], table_rows, "course-robustness-table")
            )
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


def _table(headers: list[str], rows: list[list[nodes.Node | list[nodes.Node]]], classes: str) -> nodes.table:
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
    for cells in rows:
        row = nodes.row()
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


def results_table(env: Any, fromdoc: str) -> nodes.Node:
    rows = []
    for docname in _chapters(env):
        record = _store(env)[docname]
        checks = record["checks"]
        if not checks:
            continue
        passed = sum(bool(c["passed"]) for c in checks)
        claims = nodes.bullet_list()
        numbers = nodes.bullet_list()
        for check in checks:
            seeds = check.get("seeds")
            judged = f" (judged over {seeds} seeds)" if seeds else " (one run)"
            claims += nodes.list_item("", _paragraph(("✔ " if check["passed"] else "✘ ") + check["claim"] + judged))
            numbers += nodes.list_item("", _paragraph(check["evidence"]))
        status = f"✔ {passed} of {len(checks)}" if passed == len(checks) else f"✘ {passed} of {len(checks)}"
        rows.append(
            [_link(env, fromdoc, docname), _paragraph(record["question"] or "—"), claims, _paragraph(status), numbers]
        )
    if not rows:
        return _paragraph("No chapter recorded a conclusion check in this build.")
    return _table(
        ["Chapter", "Question", "Conclusions checked", "Passed in this build", "Headline numbers"],
        rows,
        "course-results-table",
    )


def build_table(env: Any, fromdoc: str) -> list[nodes.Node]:
    from myst_nb.sphinx_ import NbMetadataCollector

    exec_data = {d: data.get("exec_data") or {} for d, data in NbMetadataCollector.get_doc_data(env).items()}
    rows, versions = [], {}
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
            ]
        )
    if not rows:
        return [_paragraph("No chapter was executed in this build.")]
    notes = []
    for key, docs in versions.items():
        text = ", ".join(f"{label} {value}" for (_, label), value in zip(VERSION_KEYS, key)) + f", on {key[-1]}"
        scope = "every chapter" if len(versions) == 1 else ", ".join(docs)
        notes.append(_paragraph(f"Software: {text} ({scope})."))
    table = _table(["Chapter", "Profile", "Seed", "Run time (s)", "Ran cleanly", "How"], rows, "course-build-table")
    return [*notes, table]


class FillTables(SphinxPostTransform):
    default_priority = 8  # before references are resolved, so the chapter links work

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(course_table)):
            if node["kind"] == "results":
                node.replace_self(results_table(self.env, self.env.docname))
            else:
                node.replace_self(build_table(self.env, self.env.docname))


def drop_repeated_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Keep each script once per page.

    sphinx-thebe adds its inline configuration (``const THEBE_JS_URL = ...``)
    twice under Jupyter Book 1.0, and the second copy is a JavaScript
    SyntaxError on every page (found by tests/test_site.py).
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        filename = getattr(script, "filename", script) or ""  # an inline script's is None or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(course_table)
    app.add_directive("course-results", ResultsDirective)
    app.add_directive("course-build", BuildDirective)
    app.add_directive("course-robustness", RobustnessDirective)
    app.add_post_transform(FillTables)
    app.connect("doctree-read", collect_records)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-updated", pages_to_rewrite)
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
