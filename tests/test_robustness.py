"""Robustness runs: every chapter from other base seeds, each claim's pass rate."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import nbformat
import pytest
import yaml

from coursebook import robustness as robustness_module
from coursebook.build import ROOT, execute_chapters, helpers_fingerprint
from coursebook.robustness import add_bases, claims_table, markdown, merge, robustness, stale_chapters

CHAPTER = """
import helpers
from helpers import check_conclusion

profile = helpers.setup(seed=0)
consecutive = profile.seeds[1] == profile.seeds[0] + 1
check_conclusion("the seeds are consecutive", passed=consecutive, evidence=str(profile.seeds))
check_conclusion("the base seed is even", passed=profile.base_seed % 2 == 0, evidence=f"base {profile.base_seed}")
"""


def _book(root: Path) -> None:
    (root / "chapters").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Tiny"), nbformat.v4.new_code_cell(CHAPTER)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "chapters" / "tiny.ipynb")
    toc = {"format": "jb-book", "root": "intro", "parts": [{"caption": "c", "chapters": [{"file": "chapters/tiny"}]}]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))


def test_each_base_seed_reaches_the_chapter_and_each_claim_gets_its_pass_rate(tmp_path):
    _book(tmp_path)
    lines: list[str] = []
    record = robustness("quick", [0, 1], jobs=2, root=tmp_path, log=lines.append)
    runs = record["chapters"]["chapters/tiny.ipynb"]["runs"]
    assert runs["0"]["finished"] and not runs["1"]["finished"]  # base 1 is odd: its check raised
    assert "ConclusionNotSupported" in runs["1"]["error"]
    assert runs["1"]["checks"][1] == {
        "claim": "the base seed is even",
        "passed": False,
        "evidence": "base 1",
        "seeds": None,
    }
    rows = {row["claim"]: row for row in claims_table(record)}
    assert rows["the seeds are consecutive"]["passed"] == 2 and rows["the base seed is even"]["passed"] == 1
    assert rows["the seeds are consecutive"]["bases"]["1"]["evidence"] == "[1, 2]"  # the kernel ran from base 1
    table = markdown(record)
    assert "| Tiny | the base seed is even | 1 of 2 |" in table and "1 of 2 claims passed for every base seed" in table
    assert len(lines) == 3


def test_bad_arguments_get_clear_errors(tmp_path):
    _book(tmp_path)
    with pytest.raises(ValueError, match="distinct"):
        robustness("quick", [0, 0], root=tmp_path)
    with pytest.raises(ValueError, match="jobs"):
        robustness("quick", [0], jobs=0, root=tmp_path)


def test_reuse_book_takes_a_base_from_the_book_build_only_when_that_build_ran_from_it(tmp_path, monkeypatch):
    _book(tmp_path)
    monkeypatch.setenv("COURSE_BASE_SEED", "2")  # a build from another base: not base 0's run
    execute_chapters("quick", jobs=1, root=tmp_path, log=lambda line: None)
    lines: list[str] = []
    record = robustness("quick", [0, 2], root=tmp_path, log=lines.append, reuse_book=True)
    runs = record["chapters"]["chapters/tiny.ipynb"]["runs"]
    assert "from" not in runs["0"] and runs["0"]["checks"][1]["evidence"] == "base 0"  # trained
    assert runs["2"]["from"] == "book build" and runs["2"]["checks"][1]["evidence"] == "base 2"
    assert any("base 2: from the book build" in line for line in lines)
    assert "Base 2: 1 of 1 chapters as the book build executed them" in markdown(record)

    # Without the switch every run trains.
    record = robustness("quick", [2], root=tmp_path, log=lambda line: None)
    assert "from" not in record["chapters"]["chapters/tiny.ipynb"]["runs"]["2"]


def _fake_run(title: str, passed: bool) -> dict:
    check = {"claim": f"{title} holds", "passed": passed, "evidence": "e", "seeds": None}
    return {"title": title, "finished": True, "error": "", "seconds": 1.0, "checks": [check]}


def test_chapters_run_alone_and_merge_into_the_record_in_book_order(tmp_path):
    _book(tmp_path)
    nbformat.write(
        nbformat.read(tmp_path / "chapters" / "tiny.ipynb", as_version=4), tmp_path / "chapters" / "new.ipynb"
    )
    toc = yaml.safe_load((tmp_path / "_toc.yml").read_text())
    toc["parts"][0]["chapters"].insert(0, {"file": "chapters/new"})
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))

    def runner(path, profile, base):
        return _fake_run(path.stem, passed=True)

    with pytest.raises(ValueError, match="no chapter 99_missing in _toc"):
        robustness("quick", [0, 1], root=tmp_path, runner=runner, chapters=["99_missing"])
    new = robustness("quick", [0, 1], root=tmp_path, runner=runner, chapters=["chapters/new.ipynb"], log=print)
    assert list(new["chapters"]) == ["chapters/new.ipynb"]
    old = {
        **new,
        "seconds": 10,
        "chapters": {
            "chapters/tiny.ipynb": {
                "title": "tiny",
                "runs": {"0": _fake_run("tiny", True), "1": _fake_run("tiny", False)},
            }
        },
    }
    merged = merge(old, new, root=tmp_path)
    assert list(merged["chapters"]) == ["chapters/new.ipynb", "chapters/tiny.ipynb"]  # the toc's order
    assert [row["passed"] for row in claims_table(merged)] == [2, 1]
    with pytest.raises(ValueError, match="without --chapters"):
        merge(old, {**new, "bases": [0, 1, 2]}, root=tmp_path)


def _fake_runner(path, profile, base):
    return _fake_run(path.stem, passed=True)


def test_add_bases_joins_other_bases_only_while_every_chapter_runs_the_code_the_record_ran(tmp_path):
    _book(tmp_path)
    old = robustness("quick", [0, 1], root=tmp_path, runner=_fake_runner, log=lambda line: None)
    assert stale_chapters(old, tmp_path) == []
    merged = add_bases(old, robustness("quick", [2], root=tmp_path, runner=_fake_runner, log=lambda line: None))
    assert merged["bases"] == [0, 1, 2]
    assert list(merged["chapters"]["chapters/tiny.ipynb"]["runs"]) == ["0", "1", "2"]
    assert [(row["passed"], row["of"]) for row in claims_table(merged)] == [(3, 3)]
    with pytest.raises(ValueError, match="already has base 1"):
        add_bases(old, robustness("quick", [1], root=tmp_path, runner=_fake_runner, log=lambda line: None))

    # Prose is not code: a new sentence keeps the record current.
    path = tmp_path / "chapters" / "tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("One more sentence."))
    nbformat.write(nb, path)
    assert stale_chapters(old, tmp_path) == []
    # A changed code cell, or a changed helpers, makes it stale, and no base can join it any more.
    nb.cells[1].source += "\nprint('changed')"
    nbformat.write(nb, path)
    assert stale_chapters(old, tmp_path) == ["Tiny"]  # the chapter's title, from its heading
    with pytest.raises(ValueError, match="the code of Tiny is not what the existing record ran"):
        add_bases(old, robustness("quick", [2], root=tmp_path, runner=_fake_runner, log=lambda line: None))
    nb.cells[1].source = CHAPTER
    nbformat.write(nb, path)
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "models.py").write_text("WIDTH = 512\n")
    assert stale_chapters(old, tmp_path) == ["Tiny"]
    assert stale_chapters({"chapters": {"chapters/tiny.ipynb": {"title": "tiny", "runs": {}}}}, tmp_path) == ["tiny"]


def test_an_exercise_edit_keeps_the_record_current_and_moves_the_execution_cache(tmp_path):
    _book(tmp_path)
    (tmp_path / "helpers" / "exercises").mkdir(parents=True)
    (tmp_path / "helpers" / "models.py").write_text("WIDTH = 512\n")
    checker = tmp_path / "helpers" / "exercises" / "chapter_01.py"
    checker.write_text("EXPECTED = 'Adam'\n")
    record = robustness("quick", [0], root=tmp_path, runner=_fake_runner, log=lambda line: None)
    cache = helpers_fingerprint(tmp_path)
    checker.write_text("EXPECTED = 'none'\n")
    assert stale_chapters(record, tmp_path) == []  # an answer checker decides no claim ...
    assert helpers_fingerprint(tmp_path) != cache  # ... but the page shows it: the build executes again
    (tmp_path / "helpers" / "models.py").write_text("WIDTH = 256\n")
    assert stale_chapters(record, tmp_path) == ["Tiny"]


def test_no_module_that_decides_a_claim_imports_the_exercises():
    helpers = ROOT / "helpers"
    importers = []
    for path in helpers.rglob("*.py"):
        if path.relative_to(helpers).parts[0] == "exercises":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{'.' * node.level}{node.module or ''}"] + [alias.name for alias in node.names]
            if any("exercises" in name for name in names):
                importers.append(path.name)
    assert not importers, f"{importers} import helpers.exercises: claims_fingerprint must count it then"


def test_add_bases_refuses_before_training_when_the_record_ran_other_code(tmp_path, monkeypatch, capsys):
    record = {
        "profile": "quick",
        "bases": [0],
        "backend": "jax",
        "machine": "m",
        "date": "d",
        "seconds": 1,
        "chapters": {"chapters/01_first_network.ipynb": {"title": "A first network", "code": "0" * 12, "runs": {}}},
    }
    (tmp_path / "quick.json").write_text(json.dumps(record))

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the record cannot take the run")

    monkeypatch.setattr(robustness_module, "robustness", no_training)
    for bases, message in ((["0"], "already has base 0"), (["100"], "the code of A first network is not what")):
        with pytest.raises(SystemExit):
            robustness_module.main(["quick", "--bases", *bases, "--add-bases", "--out", str(tmp_path)])
        assert message in capsys.readouterr().err


def _row(kind: str, margin: float, per_base: dict[str, dict[str, float]]) -> dict:
    return {
        "claim": "c",
        "bases": {
            base: {"claim": "c", "passed": True, "values": values, "kind": kind, "margin": margin}
            for base, values in per_base.items()
        },
    }


def test_margin_room_counts_the_bases_standard_deviations_between_their_mean_and_the_margin():
    from coursebook.robustness import margin_room

    # centres 0.10, 0.12, 0.14: mean 0.12, sd 0.02; margin 0.05 lies 3.5 sd below
    row = _row("effect", 0.05, {"0": {"0": 0.09, "1": 0.11}, "100": {"100": 0.12}, "200": {"200": 0.14}})
    room = margin_room(row)
    assert room["centres"] == pytest.approx([0.10, 0.12, 0.14]) and room["sd"] == pytest.approx(0.02)
    assert room["room"] == pytest.approx(3.5) and room["robust"]
    assert not margin_room(_row("effect", 0.09, {"0": {"0": 0.10}, "1": {"1": 0.12}, "2": {"2": 0.14}}))["robust"]
    # ratios on a log scale: geometric means 2, 4, 8 -> log centres ln 2, ln 4, ln 8 (sd ln 2); margin 1.25x
    ratio = margin_room(_row("ratio", 1.25, {"0": {"0": 2.0}, "1": {"1": 4.0}, "2": {"2": 8.0}}))
    assert ratio["room"] == pytest.approx((math.log(4) - math.log(1.25)) / math.log(2))
    # a record without numbers (written before checks kept them) has no verdict
    assert margin_room({"claim": "c", "bases": {"0": {"claim": "c", "passed": True}}}) is None


def test_a_check_over_seeds_keeps_its_numbers_for_the_record():
    from helpers import check_effect, check_ratio

    effect = check_effect("e", {0: 0.02, 1: 0.03}, margin=0.01, what="gain")
    assert (effect.values, effect.kind, effect.margin) == ({"0": 0.02, "1": 0.03}, "effect", 0.01)
    ratio = check_ratio("r", {5: 2.0}, at_least=1.5, what="ratio")
    assert (ratio.values, ratio.kind, ratio.margin) == ({"5": 2.0}, "ratio", 1.5)


#: Base means a chapter quotes from the records, in its prose: (chapter, the claim's first words, the records
#: the range spans, the words quoted). A rerun that moves a base mean out of the quoted range fails here, so the
#: prose is corrected with the record.
QUOTED_BASE_MEANS = [
    (
        "05_scaling_and_inversion",
        "Scaled inputs end at least one point above unscaled ones",
        ["quick.json", "full.json"],
        "base means of 0.75 to 0.85",
    ),
    (
        "05_scaling_and_inversion",
        "Scaled inputs end at least one point above unscaled ones",
        ["tensorflow/quick.json"],
        "base means of 0.017 to 0.036 in\n   `quick`",
    ),
    (
        "05_scaling_and_inversion",
        "Scaled inputs end at least one point above unscaled ones",
        ["tensorflow/full.json"],
        "0.023 to 0.027 in `full`",
    ),
]


@pytest.mark.parametrize("chapter, claim, records, quoted", QUOTED_BASE_MEANS)
def test_the_base_means_a_chapter_quotes_are_the_records(chapter, claim, records, quoted):
    import re

    from coursebook.robustness import margin_room

    prose = "\n".join(
        cell.source
        for cell in nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4).cells
        if cell.cell_type == "markdown"
    )
    assert quoted in prose, f"{chapter} no longer says {quoted!r}: update QUOTED_BASE_MEANS with the prose"
    low, high = re.search(r"(\d\.\d+) to (\d\.\d+)", quoted).groups()
    centres = []
    for name in records:
        record = json.loads((ROOT / "robustness" / name).read_text())
        (row,) = [row for row in claims_table(record) if row["claim"].startswith(claim)]
        centres += margin_room(row)["centres"]
    digits = len(low.split(".")[1])
    assert (round(min(centres), digits), round(max(centres), digits)) == (float(low), float(high)), centres
