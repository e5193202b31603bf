"""Exercises: every checker passes the official solution, rejects the placeholder
and plausible wrong answers with a specific message, and never raises; the
student edition is generated, up to date and free of solutions; the Colab
install cell does nothing outside Colab and installs ``helpers`` inside it.

The checks of the official solutions against each chapter's real results, and
the student edition's exercise cells run in the chapter's kernel, are nbval
items added by ``coursebook.nbval_plugin``.
"""

from __future__ import annotations

from helpers.exercises import CORRECT, INCORRECT, UNSOLVED, Exercise, Verdict

import dataclasses
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import keras
import nbformat
import pandas as pd
import pytest
from exercise_cases import BASE, CASES

from coursebook import editions

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
IDS = [case.chapter for case in CASES]


def test_every_chapter_has_a_case():
    assert sorted(case.chapter for case in CASES) == [p.stem for p in CHAPTERS]


def _solve(case, exercise, variable):
    namespace = dict(BASE)
    namespace.update(case.namespace)
    exec(exercise.solution_code, namespace)  # the official solution, as the chapter holds it
    if isinstance(variable, tuple):  # an answer of several parts, each assigned by the solution
        return tuple(namespace[name] for name in variable)
    return namespace[variable]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_checkers_pass_the_official_solution(case):
    exercises = case.exercises()
    assert len(exercises) >= 2
    for exercise, variable in zip(exercises, case.answers):
        verdict = exercise.check(_solve(case, exercise, variable))
        assert verdict.status == CORRECT and verdict, verdict


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_checkers_call_the_placeholder_not_yet_solved(case):
    for exercise in case.exercises():
        for placeholder in (..., None, ""):
            verdict = exercise.check(placeholder)
            assert verdict.status == UNSOLVED and not verdict and "not yet solved" in verdict.message


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_checkers_reject_wrong_answers_with_a_specific_message(case):
    exercises = case.exercises()
    for exercise, wrong_answers in zip(exercises, case.wrong):
        assert wrong_answers, f"{case.chapter}: {exercise.label} has no wrong answer to test"
        for answer, fragment in wrong_answers:
            verdict = exercise.check(answer)
            assert verdict.status == INCORRECT and not verdict, verdict
            assert fragment in verdict.message, f"{answer!r}: {verdict.message}"
            assert "Traceback" not in verdict.message


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hint_and_solution_show_text(case):
    for exercise in case.exercises():
        hints = exercise.hints
        for number, text in enumerate(hints, start=1):
            shown = repr(exercise.hint(number))
            assert text in shown and f"Hint {number} of {len(hints)}" in shown
            assert ("hint(" + str(number + 1) + ")" in shown) == (number < len(hints))
        assert "ask for one with hint(1)" in repr(exercise.hint(len(hints) + 1))
        assert repr(exercise.hint()) == repr(exercise.hint(1))
        markdown = exercise.solution()._repr_markdown_()
        assert "```python" in markdown and exercise.solution_code in markdown


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_chapter_asks_for_a_number_or_choice_from_its_own_run(case):
    """The exercise is built from the run's results: another run's answer is wrong for this one."""
    assert case.from_run is not None, f"{case.chapter} has no exercise answered from its own run"
    index, variable = case.from_run, case.answers[case.from_run]
    other = dataclasses.replace(
        case, context={**case.context, **case.other_run[0]}, namespace={**case.namespace, **case.other_run[1]}
    )
    mine, theirs = case.exercises()[index], other.exercises()[index]
    my_answer, their_answer = _solve(case, mine, variable), _solve(other, theirs, variable)
    assert not isinstance(my_answer, keras.Model), "a run-dependent answer is a number or a choice, not a model"
    assert my_answer != their_answer, "the stand-in for another run does not change the answer"
    assert mine.check(my_answer) and theirs.check(their_answer)
    assert mine.check(their_answer).status == INCORRECT and theirs.check(my_answer).status == INCORRECT


def test_where_no_optimizer_overfits_the_answer_is_none_not_the_first_name_idxmax_gives():
    import helpers.exercises as ex

    from exercise_cases import seeded

    flat = pd.concat(  # every mean ends at its lowest, as in quick's few epochs
        [seeded(name, val_loss=[[0.5, 0.4, 0.3], [0.5, 0.4, 0.3]]) for name in ("Adadelta", "Adam", "SGD")],
        ignore_index=True,
    )
    _, overfit = ex.chapter_08(history=flat)
    assert overfit.check("none").status == CORRECT and overfit.check(" None ").status == CORRECT
    wrong = overfit.check("Adadelta")  # what idxmax names over climbs that are all 0
    assert wrong.status == INCORRECT and "no optimizer overfits" in wrong.message
    _, climbing = ex.chapter_08(history=pd.concat([flat, seeded("RMSprop", val_loss=[[0.2, 0.1, 0.2]] * 2)]))
    assert climbing.check("rmsprop").status == CORRECT
    assert "RMSprop's mean validation loss ended 0.1000" in climbing.check("none").message


def test_a_model_checker_refuses_a_requirement_it_would_not_check():
    from helpers.exercises.models import model_checker

    with pytest.raises(TypeError, match=r"cannot check \['dropout_position'\]"):
        model_checker("a model", hidden=[10], dropout_position="before_activation")


def test_a_checker_that_trips_gives_a_message_not_a_traceback():
    def fragile(answer):
        return answer["key"]  # TypeError on most answers

    verdict = Exercise("Exercise 9", fragile, "", "").check(42)
    assert verdict.status == INCORRECT and "could not be checked" in verdict.message and "TypeError" in verdict.message


def test_verdict_renders_for_the_book():
    html = Verdict("Exercise 1", CORRECT, "right, <b> is escaped")._repr_html_()
    assert "course-verdict-correct" in html and "&lt;b&gt;" in html and "✔" in html


# --------------------------------------------------------------------------
# Chapter sources and the student edition
# --------------------------------------------------------------------------


def _source(chapter: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chapter_solutions_are_the_checkers_solutions(case):
    """The code the book folds away is the code ``q.solution()`` shows (and the tests above ran)."""
    nb = _source(case.chapter)
    assert editions.solutions(nb) == [exercise.solution_code for exercise in case.exercises()]
    checks = [cell.source for cell in nb.cells if editions.CHECK_TAG in editions.tags(cell)]
    names = [f"({', '.join(name)})" if isinstance(name, tuple) else name for name in case.answers]
    assert checks == [f"q{i}.check({name})" for i, name in enumerate(names, start=1)]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_is_generated_and_up_to_date(path, tmp_path):
    """``make student`` output is committed (Colab opens it) and must match the sources."""
    written = editions.write_student_editions(out=tmp_path)
    fresh = (tmp_path / "chapters" / path.name).read_text()
    committed = ROOT / "student" / "chapters" / path.name
    assert len(written) == len(CHAPTERS)
    assert committed.is_file(), "no student edition committed: run `make student`"
    assert committed.read_text() == fresh, f"student/chapters/{path.name} is stale: run `make student`"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_keeps_placeholders_and_drops_solutions(path):
    source = nbformat.read(path, as_version=4)
    student = nbformat.read(ROOT / "student" / "chapters" / path.name, as_version=4)
    assert len(student.cells) == len(source.cells)
    start = source.cells.index(editions.exercise_cells(source)[0])
    from coursebook.citations import plain_citations

    cited: list[str] = []
    for before, after in zip(source.cells[:start], student.cells[:start]):
        # Only the citations change (Jupyter renders no Sphinx roles): as text, the same words otherwise.
        expected = plain_citations(before.source, order=cited) if before.cell_type == "markdown" else before.source
        assert after.source == expected, "the student edition changed a cell before the exercises"
    answers = [c for c in student.cells if editions.ANSWER_TAG in editions.tags(c)]
    assert len(answers) >= 2
    for solution_code in editions.solutions(source):
        for line in solution_code.splitlines():
            assert all(line not in c.source for c in answers if line.strip()), line
    assert all("= ..." in c.source or "..." in c.source for c in answers)
    assert not any(editions.BEGIN in c.source or editions.END in c.source for c in student.cells)
    assert not any(c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert not any("hide-input" in editions.tags(c) for c in student.cells)


def test_a_solution_cell_without_markers_is_a_clear_error():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("q1 = 1", metadata={"tags": ["exercise-setup"]}),
            nbformat.v4.new_code_cell("narrow = dense_network(784, [100], 10)", metadata={"tags": ["solution"]}),
        ]
    )
    with pytest.raises(editions.EditionError, match="BEGIN SOLUTION"):
        editions.student_notebook(nb, "x.ipynb")


def test_editions_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "coursebook.editions", "student", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "chapters").glob("*.ipynb"))) == len(CHAPTERS)


# --------------------------------------------------------------------------
# The Colab install cell, tested offline in a clean environment
# --------------------------------------------------------------------------


def test_install_cell_comes_from_the_config():
    source = editions.install_source(editions.repository_url(), editions.release_tag())
    for path in CHAPTERS:
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert first.source == source, f"{path.name}: run `make student` to refresh the install cell"
        assert editions.INSTALL_TAG in editions.tags(first)


def test_every_chapter_opens_with_its_measured_time():
    """The time line (tagged chapter-time) gives the robustness runs' median time per profile (`make student`)."""
    times = editions.chapter_times()
    for path in CHAPTERS:
        cells = nbformat.read(path, as_version=4).cells
        (line,) = [c for c in cells if editions.TIME_TAG in editions.tags(c)]
        assert cells.index(line) < 5, f"{path.name}: the time line belongs to the chapter's opening"
        assert line.source == editions.time_source(times.get(path.name, {})), f"{path.name}: run `make student`"
    assert editions.time_source({"quick": 59.0, "full": 61.0}).count(
        "under a minute at the `quick` profile and about 1 min"
    )
    assert editions.time_source({"quick": 138.0, "full": 310.0}).count(
        "about 2 min at the `quick` profile and about 5 min"
    )


def test_a_chapters_question_is_written_once_in_its_metadata_and_shown_under_its_title(tmp_path):
    """course.question is the one source: the line under the title is made from it (`make student`), and a
    question typed in the text is refused."""
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        (line,) = [c for c in nb.cells if editions.QUESTION_TAG in editions.tags(c)]
        assert nb.cells.index(line) == 1 and nb.cells[0].source.startswith("# "), f"{path.name}: under the title"
        assert line.source == f"**Question.** {nb.metadata['course']['question']}", f"{path.name}: run `make student`"
        assert sum("**Question.**" in c.source for c in nb.cells if c.cell_type == "markdown") == 1
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    nb.cells[2].source += "\n\n**Question.** Typed a second time?"
    with pytest.raises(editions.EditionError, match="write it only in the metadata"):
        editions.question_source(nb, CHAPTERS[0])
    nb.metadata["course"]["question"] = "Not a question."
    with pytest.raises(editions.EditionError, match=r"needs course\.question"):
        editions.question_source(nb, CHAPTERS[0])


def test_the_install_line_names_the_release_of_the_packages_version(tmp_path):
    """The install line, _config.yml's release tag and pyproject's version agree, or `make student` refuses."""
    version = editions.package_version()
    assert editions.release_tag() == f"v{version}"
    for path in CHAPTERS:
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert f'@v{version}"' in first.source, f"{path.name}: the install line names another release"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "9.9.9"\n')
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    with pytest.raises(editions.EditionError, match=r"'v9\.9\.9'"):
        editions.release_tag(tmp_path / "_config.yml")


@pytest.fixture(scope="module")
def clean_python(tmp_path_factory):
    """A new virtual environment without ``helpers``; it sees this environment's
    third-party packages (TensorFlow, Keras...) through a .pth file, as Colab has them preinstalled."""
    venv = tmp_path_factory.mktemp("clean") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Plain path lines only: the .pth files in that folder (our editable install of helpers) are not read.
    Path(site, "preinstalled.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.fixture(scope="module")
def local_source(tmp_path_factory):
    """The package's source as the repository holds it, copied so that the build leaves no files here."""
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(ROOT / "helpers", source / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    return source


def _run_install_cell(python: Path, source: Path, in_colab: bool) -> subprocess.CompletedProcess:
    url, tag = editions.repository_url(), editions.release_tag()
    cell = editions.install_source(url, tag)
    spec = f"git+{url}@{tag}"
    assert cell.count(spec) == 1
    local = cell.replace(spec, source.as_uri())  # the same line, pointed at the local source
    prelude = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n" if in_colab else ""
    probe = (
        "\nimport importlib.util\nspec = importlib.util.find_spec('helpers')\n"
        "print('HELPERS', spec.origin if spec else None)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(python), "-c", prelude + local + probe],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        env=env,
        timeout=600,
    )


def test_install_cell_does_nothing_outside_colab(clean_python, local_source):
    result = _run_install_cell(clean_python, local_source, in_colab=False)
    assert result.returncode == 0, result.stderr
    assert "HELPERS None" in result.stdout


def test_a_fresh_install_runs_a_chapters_first_cells(clean_python, local_source, tmp_path, data_folder):
    """`pip install .` (not editable) into a clean environment gives a helpers that runs a chapter's opening.

    The chapter's first four code cells (install cell, imports and setup, a digit grid, the data table) run
    as a script, away from this checkout, with the installed package.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(MPLBACKEND="Agg", COURSE_PROFILE="quick", COURSE_PROGRESS="none", COURSE_DATA_DIR=str(data_folder))
    install = [str(clean_python), "-m", "pip", "install", "-q", "--no-deps", str(local_source)]
    subprocess.run(install, check=True, capture_output=True, env=env, timeout=600)
    cells = [c.source for c in nbformat.read(CHAPTERS[0], as_version=4).cells if c.cell_type == "code"][:4]
    script = "\n\n".join(cells) + "\n\nprint('HELPERS FROM', helpers.__file__)\nprint('MNIST', mnist.x_train.shape)\n"
    result = subprocess.run(
        [str(clean_python), "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    origin = result.stdout.split("HELPERS FROM", 1)[1].split()[0]
    assert "site-packages" in origin and str(ROOT) not in origin, origin
    assert "MNIST (10000, 784)" in result.stdout
    assert "Profile 'quick'" in result.stdout  # setup's line, as a reader sees it


def test_install_cell_installs_helpers_in_colab(clean_python, local_source):
    result = _run_install_cell(clean_python, local_source, in_colab=True)
    assert result.returncode == 0, result.stdout + result.stderr
    origin = result.stdout.split("HELPERS", 1)[1].strip()
    assert "site-packages" in origin and str(ROOT) not in origin, origin  # installed, not this checkout
    check = subprocess.run(
        [
            str(clean_python),
            "-c",
            "import pandas as pd; from helpers.exercises import chapter_06; "
            "run = pd.DataFrame({'name': 'huge', 'seed': 0, 'epoch': [1, 2], 'val_accuracy': [0.5, 0.9]}); "
            "q1, _, _ = chapter_06(history=run, huge='huge'); print(q1.check(469))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        timeout=300,
    )
    assert check.returncode == 0 and "✔" in check.stdout, check.stdout + check.stderr
