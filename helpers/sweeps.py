"""Sweeps over named configurations, each from one seed or several.

``sweep`` runs a function over named configurations, re-seeding before each
one, and stacks the histories into one tidy frame (one row per configuration,
seed and epoch).  The function returns what ``train`` gives, or what
``train_seeds`` gives (then every seed's model is kept).  A compact progress
bar counts the models (set ``COURSE_PROGRESS=none`` to hide it, as book builds
do).

Used first in: "Depth versus sample size".
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from ._backend import keras
from .runtime import current_seed, progress_mode
from .seeds import SeedRuns
from .session import SESSION
from .training import TrainingRun


@dataclass
class Sweep:
    """The results of a sweep.

    Attributes:
        history: one row per configuration (and seed) and epoch: ``name``, the
            configuration's parameters, ``seed`` (with ``seeds=``), ``epoch``
            and the logged metrics.
        models: the trained models by name (only with ``keep_models=True``);
            with several seeds, the first seed's model.
        seed_models: ``{(name, seed): model}`` (with ``keep_models=True``).
        seconds: training time per configuration name, all its seeds together.
    """

    history: pd.DataFrame
    models: dict[str, keras.Model] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    seed_models: dict[tuple[str, int], keras.Model] = field(default_factory=dict)

    @property
    def runs(self) -> list[str]:
        """The columns that tell one run from another: ``name`` (and ``seed``)."""
        return ["name", "seed"] if "seed" in self.history.columns else ["name"]

    def final(self) -> pd.DataFrame:
        """One row per run: the metrics after its last epoch."""
        last = self.history.groupby(self.runs, sort=False)["epoch"].transform("max")
        return self.history[self.history["epoch"] == last].reset_index(drop=True)


def _format_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{seconds:.1f} s"


def sweep(
    configs: Mapping[str, Mapping[str, Any]],
    run: Callable[..., TrainingRun],
    *,
    seed: int | None = None,
    seeds: Sequence[int] | None = None,
    keep_models: bool = False,
) -> Sweep:
    """Call ``run(**params)`` for every named configuration and collect the histories.

    Before each configuration every random generator is re-seeded, so a
    configuration's result does not depend on which ran before it, and two
    configurations with the same layer shapes start from the same weights.

    Args:
        configs: ``{name: {parameter: value}}``, e.g.
            ``{"depth 3": {"depth": 3}, "depth 5": {"depth": 5}}``.
        run: a function taking the parameters as keyword arguments and
            returning the ``TrainingRun`` of ``train``, or the ``SeedRuns``
            of ``train_seeds`` (then every seed's model is kept).
        seed: the seed set before each configuration (default: ``setup``'s).
        seeds: run every configuration once per seed (e.g. ``profile.seeds``),
            re-seeding before each run; the history gets a ``seed`` column.
            A ``run`` whose history already has a ``seed`` column (from
            ``train_seeds``) trains its seeds itself: leave this out then.
        keep_models: keep the trained models in ``Sweep.models``.

    Returns:
        A ``Sweep``.  If you interrupt it, it warns and returns the
        configurations that finished, so no finished work is lost.
    """
    if not configs:
        raise ValueError("sweep() needs at least one configuration.")
    reserved = {"name", "seed", "epoch", "loss", "accuracy"}
    clashes = sorted({p for params in configs.values() for p in params if p in reserved or p.startswith("val_")})
    if clashes:
        raise ValueError(
            f"sweep(): the parameter name(s) {clashes} would clash with the history's own columns "
            f"(name, seed, epoch, loss, accuracy, val_...); rename them, e.g. 'loss_function'."
        )
    if seeds is not None:
        seeds = [int(s) for s in seeds]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"sweep(): seeds must be distinct, and at least one, not {seeds}.")
    seed = current_seed() if seed is None else seed
    jobs = [(name, params, s) for name, params in configs.items() for s in (seeds if seeds is not None else [seed])]
    what = "runs" if seeds is not None else "configurations"
    frames: list[pd.DataFrame] = []
    result = Sweep(pd.DataFrame())
    started = time.perf_counter()
    bar = tqdm(total=len(jobs), unit="model", disable=progress_mode() == "none")
    SESSION.bars.append(bar)
    try:
        for name, params, job_seed in jobs:
            bar.set_description(str(name) if seeds is None else f"{name}, seed {job_seed}")
            keras.utils.set_random_seed(job_seed)
            outcome = run(**params)
            own_seeds = None
            if isinstance(outcome, SeedRuns):  # from train_seeds: every seed's model, one history
                own_seeds, outcome = outcome.models, outcome.as_training_run()
            if not isinstance(outcome, TrainingRun):
                raise TypeError(
                    f"The run function returned {type(outcome).__name__} for {name!r}; "
                    f"it must return the TrainingRun that helpers.train() gives "
                    f"(or the SeedRuns of helpers.train_seeds())."
                )
            frame = outcome.history.copy()
            if seeds is not None:
                frame.insert(0, "seed", job_seed)
            for column, value in reversed(list(params.items())):
                frame.insert(0, column, [value] * len(frame))
            frame.insert(0, "name", name)
            frames.append(frame)
            result.seconds[name] = result.seconds.get(name, 0.0) + outcome.seconds
            if keep_models:
                result.models.setdefault(name, outcome.model)
                for model_seed, model in (own_seeds or {job_seed: outcome.model}).items():
                    result.seed_models[(name, model_seed)] = model
            bar.update(1)
    except KeyboardInterrupt:
        warnings.warn(
            f"Sweep interrupted after {len(frames)} of {len(jobs)} {what}; returning the finished ones.",
            stacklevel=2,
        )
    finally:
        SESSION.bars.pop()
        bar.close()
    result.history = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    epochs = len(result.history)
    runs = result.history.groupby(result.runs, sort=False).ngroups if frames else 0
    print(f"Trained {runs} models ({epochs} epochs in all) in {_format_seconds(time.perf_counter() - started)}.")
    return result
