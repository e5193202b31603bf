"""The map of ``helpers``: no module imports one that imports it back, and one module reads the settings.

Read from the sources (no import), so the test sees imports inside functions
too: an import moved into a function to dodge a cycle is still a cycle.
"""

from __future__ import annotations

from helpers import settings

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpers"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The ``helpers`` modules that ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        # ``from . import x`` names the package too; its lazy exports are no dependency of their own
        found.update(c for c in candidates if c in MODULES and c not in (name, "helpers"))
    return found


def test_helpers_has_no_import_cycle():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    graph.pop("helpers", None)  # the package's lazy exports name every module, on demand
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in trail:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif len(trail) < len(graph):
                visit(nxt, [*trail, nxt])

    for start in graph:
        visit(start, [start])
    assert not cycles, "import cycles in helpers:\n" + "\n".join(sorted(set(cycles)))


def test_the_cycle_finder_sees_imports_inside_functions(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from .seeds import SeedRuns\n    from . import training\n")
    assert _imports("helpers.sweeps", path) == {"helpers.seeds", "helpers.training"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_helpers_settings_reads_the_environment(name):
    """``COURSE_*`` (and any other variable) is read in ``helpers.settings``; ``_backend`` only sets one."""
    if name in ("helpers.settings", "helpers._backend"):
        return
    source = MODULES[name].read_text()
    assert "os.environ" not in source and "getenv" not in source, f"{name} reads the environment itself"


def test_settings_reads_the_course_variables_and_nothing_else(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "  quick ")
    assert settings.read(settings.PROFILE) == "quick"
    monkeypatch.delenv("COURSE_CHECKS", raising=False)
    assert settings.read(settings.CHECKS) == ""
    with pytest.raises(KeyError, match="not one of the course's settings"):
        settings.read("HOME")
    monkeypatch.setenv("KERAS_HOME", str(ROOT))
    assert settings.keras_home() == ROOT
