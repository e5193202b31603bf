"""Book builds that reuse finished runs.

Jupyter Book's execution cache (jupyter-cache) keys a notebook by its code
cells only: it cannot tell a `quick` run from a `full` one, nor notice that
`helpers` changed under an unchanged chapter.  So every build gets a cache of
its own per profile and per version of the `helpers` source:

    _build/.jupyter_cache/<profile>-<fingerprint of the helpers a chapter runs>

A rebuild after a prose-only edit, or an edit to one chapter, re-executes only
the chapters whose code changed; editing `helpers` or switching the profile
starts from an empty cache.  `make test` also puts the chapters that nbval
just executed into the quick cache, so its book build does not train them a
second time.  Colab and Jupyter never read this cache: a student's run trains
for real.

Command line (used by the Makefile)::

    python -m helpers.build config quick   # writes a config; prints its path
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import nbformat
import yaml

from .profiles import ProfileError, get_profile

ROOT = Path(__file__).resolve().parents[1]


# Modules that build the book or the student edition but never run inside a
# chapter: editing them cannot change a chapter's outputs.
BUILD_ONLY = frozenset({"build.py", "nbval_cache.py", "sphinx_ext.py", "editions.py"})


def helpers_fingerprint(root: Path = ROOT) -> str:
    """12 hex digits that change whenever a ``helpers`` module a chapter runs changes."""
    digest = hashlib.sha256()
    package = root / "helpers"
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative in BUILD_ONLY:
            continue
        digest.update(relative.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_path(profile: str, root: Path = ROOT) -> Path:
    """The execution cache of one profile and the current ``helpers``."""
    return root / "_build" / ".jupyter_cache" / f"{get_profile(profile).name}-{helpers_fingerprint(root)}"


def write_config(profile: str, root: Path = ROOT) -> Path:
    """``_config.yml`` with execution switched to that profile's cache.

    Returns:
        The path of the written file, for ``jupyter-book build --config``.
    """
    config = yaml.safe_load((root / "_config.yml").read_text())
    execute = config.setdefault("execute", {})
    execute["execute_notebooks"] = "cache"
    execute["cache"] = str(cache_path(profile, root))
    out = root / "_build" / "config" / f"_config.{get_profile(profile).name}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return out


def store_executed(notebook: nbformat.NotebookNode, path: Path, seconds: float, profile: str,
                   root: Path = ROOT) -> None:
    """Put a notebook executed elsewhere (e.g. by nbval) into the profile's cache.

    The book build then finds it there, shows its outputs and reports
    ``seconds`` as its execution time, instead of running it again.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path(profile, root)))
    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, str(Path(path).resolve()), data={"execution_seconds": seconds}),
        check_validity=False,
        overwrite=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers.build", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="write the book config for a profile and print its path")
    config.add_argument("profile", help="quick or full")
    args = parser.parse_args(argv)
    try:
        print(write_config(args.profile))
    except ProfileError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
