"""Robustness runs: every chapter from other base seeds, each claim's pass rate."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml

from coursebook.robustness import claims_table, markdown, robustness

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
