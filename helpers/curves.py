"""The book's own runs as a grey band behind a student's learning curves.

"Why don't my numbers match the book?"  A student's run (in Colab, on other
library versions, from other seeds) gives other digits than the published
book.  When the student trains a network with exactly the settings a chapter
trained at a published profile, ``learning_curves`` draws, behind the
student's curves, the range the book's robustness runs spanned: every seed of
every base seed, lowest to highest per epoch.  Inside the band, the run is one
more of the book's; outside it, something differs.

How a curve is recognised: every ``train`` (and ``train_seeds``) call notes
its *settings signature*: the layers (kind, width, activation, dropout rate,
penalty), the optimizer and its learning rate, the loss, the epochs, the batch
size, the sizes of the training and validation sets and a summary of their
inputs (so scaled and unscaled pixels differ); never the seed, never
a version number (Colab's Keras names its configuration keys differently).
``learning_curves`` finds the run behind each plotted curve by its values, so
any table work on the history (filtering, ``concat``, ``assign``) keeps the
link.  A changed setting (another profile, an exercise's change) is another
signature, and no band is drawn.

Where the bands come from: a robustness run (``COURSE_BASE_SEED`` set) has
``learning_curves`` attach every curve it draws to its output; the book's
tooling collects them over the base seeds and ``make student`` writes their
ranges into this package (``published_curves.json``).
The bands are drawn only in a student's run (``COURSE_CHECKS`` unset or
``report``): the book's own build shows its seeds' spread already.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import records, settings
from .session import SESSION

PUBLISHED_CURVES_FILE = "published_curves.json"
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
DIGITS = 4  # significant digits a published curve keeps (the band is drawn, not read off)


def _layer_facts(layer: Any) -> dict[str, Any]:
    """What sets a layer's behaviour, in names no Keras version changes."""
    facts: dict[str, Any] = {"kind": type(layer).__name__}
    for name in ("units", "rate"):
        if hasattr(layer, name):
            facts[name] = float(getattr(layer, name))
    activation = getattr(layer, "activation", None)
    if activation is not None:
        facts["activation"] = getattr(activation, "__name__", str(activation))
    for name in ("kernel_regularizer", "bias_regularizer"):
        penalty = getattr(layer, name, None)
        if penalty is not None:
            config = penalty.get_config()
            facts[name] = [type(penalty).__name__, float(config.get("l1", 0.0)), float(config.get("l2", 0.0))]
    if hasattr(layer, "use_bias"):
        facts["use_bias"] = bool(layer.use_bias)
    initializer = getattr(layer, "kernel_initializer", None)
    if initializer is not None:  # Glorot's or He's start
        facts["kernel_initializer"] = type(initializer).__name__
    return facts


def data_summary(x: Any) -> list[Any]:
    """What tells one preparation of the inputs from another: shape per example, mean and largest value.

    Scaled, unscaled and inverted pixels train the same network on different inputs; four significant
    digits keep the summary the same across NumPy versions.  ``[]`` for inputs that are not one array.
    """
    try:
        array = np.asarray(x)
        return [list(array.shape[1:]), float(f"{array.mean():.4g}"), float(f"{array.max():.4g}")]
    except (TypeError, ValueError):
        return []


def settings_signature(
    model: Any,
    *,
    epochs: int,
    batch_size: int,
    n_train: int,
    n_validation: int,
    data: Sequence[Any] = (),
) -> str:
    """12 hex digits that name a training run's settings: same settings, same signature, whatever the seed.

    ``data``: ``data_summary`` of the training and validation inputs.
    """
    optimizer = model.optimizer
    config = optimizer.get_config() if optimizer is not None else {}
    loss = model.loss if isinstance(model.loss, str) else getattr(model.loss, "name", type(model.loss).__name__)
    facts = {
        "layers": [_layer_facts(layer) for layer in model.layers],
        "optimizer": type(optimizer).__name__,
        "learning_rate": round(float(config.get("learning_rate", 0.0)), 10),
        "momentum": round(float(config.get("momentum", 0.0) or 0.0), 10),
        "loss": str(loss),
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "n_train": int(n_train),
        "n_validation": int(n_validation),
        "data": list(data),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:12]


def remember(signature: str, history: pd.DataFrame) -> None:
    """Note a finished run's signature and curves (its ``loss`` column finds it again)."""
    SESSION.runs.append((signature, np.asarray(history["loss"], dtype=float)))


def _signature_of(loss: np.ndarray) -> str | None:
    for signature, remembered in reversed(SESSION.runs):
        if remembered.shape == loss.shape and np.array_equal(remembered, loss):
            return signature
    return None


def signature_of(runs: pd.DataFrame) -> str | None:
    """The one signature of every run in ``runs`` (one seed each), or ``None`` when any is unknown or they differ."""
    if "loss" not in runs or runs.empty:
        return None
    groups = runs.groupby("seed", sort=True) if "seed" in runs else [(None, runs)]
    found = {_signature_of(part.sort_values("epoch")["loss"].to_numpy(dtype=float)) for _, part in groups}
    return found.pop() if len(found) == 1 and None not in found else None


def _published() -> dict[str, Any]:
    return records.published(PUBLISHED_CURVES_FILE)


def published_band(signature: str, profile: str) -> dict[str, Any] | None:
    """The book's band for these settings at this profile, or ``None``.

    ``{"label", "seeds", "bases", "low": {metric: values by epoch}, "high": {...}}``.
    """
    return _published().get(profile, {}).get(signature)


def bands_wanted() -> bool:
    """A student's run (checks in ``report`` mode) at a profile the book published."""
    from .conclusions import check_mode

    return check_mode() == "report" and bool(SESSION.run.get("profile"))


def recording() -> bool:
    """A robustness run (``COURSE_BASE_SEED`` set): the curves drawn go into the outputs."""
    return bool(settings.read(settings.BASE_SEED))


def _rounded(values: Any) -> list[float]:
    return [float(f"{v:.{DIGITS}g}") for v in np.asarray(values, dtype=float)]


def curves_of(runs: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """``{seed: {metric: values by epoch}}`` of one setting's runs."""
    groups = runs.groupby("seed", sort=True) if "seed" in runs else [(SESSION.seed, runs)]
    return {
        str(seed): {m: _rounded(part.sort_values("epoch")[m]) for m in METRICS if m in part} for seed, part in groups
    }


def record(curves: dict[str, dict[str, Any]]) -> None:
    """Attach a figure's curves (``{signature: {"label", "seeds"}}``) to the output, for the robustness run."""
    if curves:
        records.show("curves", {"profile": SESSION.run.get("profile"), "curves": curves}, "", "")


def band_over(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One setting's band from its runs (each ``{"base", "label", "seeds": {seed: {metric: values}}}``)."""
    series = [(run["base"], values) for run in runs for values in run["seeds"].values()]
    epochs = min(len(values["loss"]) for _, values in series)
    metrics = [m for m in METRICS if all(m in values for _, values in series)]
    stacked = {m: np.array([values[m][:epochs] for _, values in series]) for m in metrics}
    return {
        "label": runs[0]["label"],
        "seeds": len(series),
        "bases": sorted({base for base, _ in series}),
        "low": {m: _rounded(stacked[m].min(axis=0)) for m in metrics},
        "high": {m: _rounded(stacked[m].max(axis=0)) for m in metrics},
    }
