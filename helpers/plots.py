"""Plots with one visual language across the book.

* Every compared setting keeps one colour in every figure of a chapter
  (``colors_for``); ordered settings (depth, rate, size) get an ordered
  colour map, named ones a qualitative palette.
* Training is drawn solid, validation dashed.
* Every figure has a title, axis labels and a legend.
* Every figure a notebook shows carries alt text made from its titles, axes
  and legends (``describe_figure``), stored with the image in the notebook
  and written to the site's ``alt`` attribute.

Used first in: "A first network".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from . import curves
from .session import SESSION

METRIC_LABELS = {
    "loss": "loss",
    "accuracy": "accuracy (fraction correct)",
    "binary_accuracy": "accuracy (fraction correct)",
    "categorical_accuracy": "accuracy (fraction correct)",
}

X_LABELS = {"epoch": "epoch", "updates": "weight updates so far"}


def _texts(items: Any) -> list[str]:
    return [t.get_text().strip() for t in items if t.get_text().strip()]


def describe_figure(fig: Figure) -> str:
    """Alt text for ``fig``: its title, then per panel its title, axes, legend and what it draws."""
    title = fig._suptitle.get_text().strip() if getattr(fig, "_suptitle", None) else ""
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    shared = [label for legend in fig.legends for label in _texts(legend.get_texts())]
    parts = [f"Figure: {title}." if title else "Figure."]
    for number, ax in enumerate(panels, start=1):
        bits = []
        if ax.get_title():
            bits.append(f"“{ax.get_title()}”")
        x, y = ax.get_xlabel().strip(), ax.get_ylabel().strip()
        if x or y:
            bits.append(f"{y or 'values'} against {x or 'position'}")
        drawn, lines = [], len(ax.get_lines())
        if lines:
            drawn.append(f"{lines} line{'s' * (lines != 1)}")
        if ax.patches:
            drawn.append(f"{len(ax.patches)} bars")
        if ax.images:
            drawn.append("an image")
        if drawn:
            bits.append(", ".join(drawn))
        legend = ax.get_legend()
        labels = _texts(legend.get_texts()) if legend else []
        if labels:
            bits.append("legend: " + ", ".join(labels))
        if bits:
            parts.append((f"Panel {number}: " if len(panels) > 1 else "It shows ") + "; ".join(bits) + ".")
    if shared:
        parts.append("Legend: " + ", ".join(shared) + ".")
    return " ".join(parts)


def _attach_alt_text() -> None:
    """Make IPython store ``describe_figure``'s text with every figure's PNG (the site's alt attribute)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    backend = str(dict.__getitem__(mpl.rcParams, "backend"))  # read without resolving it
    if "inline" in backend:  # matplotlib resolves its backend at the first figure; the inline one
        try:  # registers its PNG formatter when imported
            import matplotlib_inline.backend_inline  # noqa: F401
        except ImportError:  # pragma: no cover - ipykernel brings it
            return
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        original = formatter.lookup_by_type(Figure)
    except KeyError:  # no inline backend: figures are not shown as PNGs here
        return
    if getattr(original, "course_alt_text", False):
        return

    def png_with_alt(fig: Figure) -> Any:
        data = original(fig)
        if isinstance(data, tuple):  # already (data, metadata)
            data, metadata = data
        else:
            metadata = {}
        return data, {**(metadata or {}), "alt": describe_figure(fig)}

    png_with_alt.course_alt_text = True
    formatter.for_type(Figure, png_with_alt)


def use_course_style() -> None:
    """Matplotlib defaults for the book: readable sizes, light grid; alt text for every figure shown."""
    _attach_alt_text()
    mpl.rcParams.update(
        {
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "figure.figsize": (9, 5),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "figure.titlesize": 13,
        }
    )


def _is_numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)


def colors_for(values: Sequence[Any]) -> dict[Any, Any]:
    """One colour per distinct value, the same for the same values in every call.

    Numbers get evenly spaced colours of the ordered ``viridis`` map (dark =
    small), anything else the qualitative ``tab10`` palette in given order.
    """
    distinct = list(dict.fromkeys(values))
    if _is_numeric(distinct):
        distinct = sorted(distinct)
        cmap = mpl.colormaps["viridis"]
        spots = np.linspace(0.0, 0.85, len(distinct)) if len(distinct) > 1 else [0.0]
        return {v: cmap(s) for v, s in zip(distinct, spots)}
    palette = mpl.colormaps["tab10"].colors + mpl.colormaps["Dark2"].colors
    return {v: palette[i % len(palette)] for i, v in enumerate(distinct)}


# The book's published runs: grey and hatched, so they never read as one of this run's own bands.
BOOK_BAND = dict(facecolor="0.88", edgecolor="0.6", hatch="////", lw=0, zorder=0, gid="published-band")


class _BookBands:
    """The book's published runs behind a student's curves, and a robustness run's curves noted (``helpers.curves``)."""

    def __init__(self) -> None:
        self.wanted, self.noting = curves.bands_wanted(), curves.recording()
        self.profile = SESSION.run.get("profile", "")
        self.drawn: list[dict[str, Any]] = []
        self.noted: dict[str, dict[str, Any]] = {}

    def draw(self, ax: Any, runs: pd.DataFrame, value: Any, metric: str, x: str, validation: bool) -> None:
        if not (self.wanted or self.noting):
            return
        signature = curves.signature_of(runs)
        if signature is None:
            return
        if self.noting and signature not in self.noted:
            self.noted[signature] = {"label": str(value), "seeds": curves.curves_of(runs)}
        band = curves.published_band(signature, self.profile) if self.wanted else None
        if band is None:
            return
        # The band is kept per epoch; this run's own rows say where each epoch lies on the x axis.
        steps = runs.groupby("epoch", sort=True)[x].first()
        for name in [metric] + ([f"val_{metric}"] if validation else []):
            if name in band["low"]:
                epochs = min(len(band["low"][name]), len(steps))
                where = steps.to_numpy()[:epochs]
                ax.fill_between(where, band["low"][name][:epochs], band["high"][name][:epochs], **BOOK_BAND)
        self.drawn.append(band)

    def legend_handle(self) -> Patch:
        seeds = max(band["seeds"] for band in self.drawn)
        bases = max(len(band["bases"]) for band in self.drawn)
        of_bases = f"{bases} base seed{'s' if bases > 1 else ''}"
        label = f"the book's runs ({self.profile}): {seeds} seeds from {of_bases}, lowest to highest"
        return Patch(**{k: v for k, v in BOOK_BAND.items() if k not in ("zorder", "gid")}, label=label)

    def record(self) -> None:
        if self.noting:
            curves.record(self.noted)


def _label(value: Any, name: str | None) -> str:
    return f"{name} = {value}" if name else str(value)


def learning_curves(
    history: pd.DataFrame,
    *,
    hue: str = "name",
    col: str | None = None,
    metrics: Sequence[str] = ("loss", "accuracy"),
    title: str | None = None,
    hue_label: str | None = None,
    col_label: str | None = None,
    validation: bool = True,
    x: str = "epoch",
    marks: Mapping[Any, float] | None = None,
) -> Figure:
    """Training (solid) and validation (dashed) curves for many runs.

    Args:
        history: a tidy frame as ``Sweep.history`` gives: an ``epoch`` column,
            the metric columns and ``val_<metric>`` columns.
        hue: the column whose values get one colour each.  When the history
            has a ``seed`` column with several seeds, each colour shows the
            mean over seeds as a line and the range over seeds as a band.
        col: a column whose values get one column of panels each (optional).
        metrics: one row of panels per metric.
        title: the figure title.
        hue_label, col_label: how to name the ``hue``/``col`` values in the
            legend and panel titles (default: the column names).
        validation: also draw the dashed ``val_`` curves.
        x: the column on the horizontal axis: ``"epoch"``, or any other
            per-epoch count in the history (e.g. weight updates so far).
        marks: ``{hue value: epoch}``: circle the validation curve of that run
            at that epoch (e.g. its best epoch) and draw a faint vertical line.

    Returns:
        The figure: ``len(metrics)`` rows by one column per ``col`` value,
        y axes shared along each row so panels compare at a glance.
    """
    missing = [c for c in [hue, col, "epoch", x, *metrics] if c and c not in history.columns]
    if missing:
        raise KeyError(f"learning_curves: the history has no column {missing}; it has {list(history.columns)}.")
    columns = list(dict.fromkeys(history[col])) if col else [None]
    seeded = "seed" in history.columns and history["seed"].nunique() > 1
    colors = colors_for(list(history[hue]))
    fig, axes = plt.subplots(
        len(metrics),
        len(columns),
        figsize=(4.6 * len(columns) + 1.8, 3.2 * len(metrics)),
        sharex=True,
        sharey="row",
        squeeze=False,
    )
    book = _BookBands()
    for j, column_value in enumerate(columns):
        part = history if col is None else history[history[col] == column_value]
        for i, metric in enumerate(metrics):
            ax = axes[i, j]
            for value, color in colors.items():
                runs = part[part[hue] == value]
                if runs.empty:
                    continue
                book.draw(ax, runs, value, metric, x, validation)
                shown_metrics = [metric] + ([f"val_{metric}"] if validation and f"val_{metric}" in runs else [])
                if seeded:
                    # Several seeds: the mean over seeds, and a band from the lowest to the highest seed.
                    grouped = runs.groupby(x, sort=True)[shown_metrics]
                    low, high, runs = grouped.min(), grouped.max(), grouped.mean().reset_index()
                    for name in shown_metrics:
                        ax.fill_between(low.index, low[name], high[name], color=color, alpha=0.15, lw=0)
                ax.plot(runs[x], runs[metric], color=color, lw=1.6)
                if len(shown_metrics) > 1:
                    ax.plot(runs[x], runs[f"val_{metric}"], color=color, lw=1.6, ls="--")
                if marks and value in marks and "epoch" in runs:
                    at = runs[runs["epoch"] == marks[value]]
                    shown = f"val_{metric}" if validation and f"val_{metric}" in runs else metric
                    if not at.empty:
                        ax.axvline(at[x].iloc[0], color=color, lw=0.8, alpha=0.5)
                        ax.plot(at[x], at[shown], "o", ms=7, mfc="none", mec=color, mew=1.8)
            if i == 0 and col is not None:
                ax.set_title(_label(column_value, col if col_label is None else col_label))
            if j == 0:
                ax.set_ylabel(METRIC_LABELS.get(metric, metric))
            if i == len(metrics) - 1:
                ax.set_xlabel(X_LABELS.get(x, x))
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # Run names speak for themselves; other columns are named: "depth = 3".
    legend_name = hue_label or (None if hue == "name" else hue)
    handles = [Line2D([], [], color=c, lw=2.5, label=_label(v, legend_name)) for v, c in colors.items()]
    count = history["seed"].nunique() if seeded else 1
    of_seeds = f", mean of {count} seeds" if seeded else ""
    handles += [
        Line2D([], [], color="0.3", lw=1.6, label=f"training{of_seeds}"),
        Line2D([], [], color="0.3", lw=1.6, ls="--", label=f"validation{of_seeds}"),
    ]
    if marks:
        handles.append(Line2D([], [], color="0.3", ls="none", marker="o", mfc="none", mew=1.8, label="best epoch"))
    if seeded:
        handles.append(Patch(color="0.3", alpha=0.15, label=f"band: lowest to highest of {count} seeds"))
    if book.drawn:
        handles.append(book.legend_handle())
    book.record()
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def kernel_weights(model: Any, layers: str = "all") -> np.ndarray:
    """All kernel weights of a model's ``Dense`` layers as one flat array.

    Args:
        layers: ``"all"``, ``"hidden"`` (all but the output layer) or
            ``"output"`` (the last ``Dense`` layer).
    """
    from .models import dense_layers

    dense = dense_layers(model)
    chosen = {"all": dense, "hidden": dense[:-1], "output": dense[-1:]}.get(layers)
    if chosen is None:
        raise ValueError(f"layers must be 'all', 'hidden' or 'output', not {layers!r}.")
    if not chosen:
        raise ValueError(f"The model has no {layers} Dense layer.")
    return np.concatenate([np.asarray(layer.kernel).ravel() for layer in chosen])


def weight_histograms(
    models: Mapping[str, Any],
    *,
    layers: str = "all",
    bins: int = 100,
    title: str | None = None,
    log: bool = True,
) -> Figure:
    """Overlaid histograms of the kernel weights of several models.

    Args:
        models: ``{name: keras model}``; each keeps its colour from ``colors_for``.
        layers: which ``Dense`` kernels to pool (see ``kernel_weights``).
        bins: number of bins over the common range.
        title: the figure title.
        log: log-scaled counts, so the tails stay visible.
    """
    weights = {name: kernel_weights(model, layers) for name, model in models.items()}
    low = min(w.min() for w in weights.values())
    high = max(w.max() for w in weights.values())
    edges = np.linspace(low, high, bins + 1)
    colors = colors_for(list(weights))
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, w in weights.items():
        ax.hist(w, bins=edges, histtype="step", lw=1.8, color=colors[name], label=f"{name} (std {w.std():.3f})")
    ax.set_xlabel("weight value")
    ax.set_ylabel("number of weights" + (" (log scale)" if log else ""))
    if log:
        ax.set_yscale("log")
    ax.legend(frameon=False)
    ax.set_title(title or f"Distribution of the {layers} kernel weights")
    fig.tight_layout()
    return fig


def digit_grid(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray,
    *,
    predictions: Sequence[int] | np.ndarray | None = None,
    columns: int = 8,
    title: str | None = None,
) -> Figure:
    """Show images of digits in a grid, each titled with its label.

    Args:
        images: (n, 28, 28) or (n, 784) pixel arrays, any scale.
        labels: the true digit of each image (integers, or one-hot rows).
        predictions: the model's digit for each image; a wrong one is
            written in red next to the true label.
        columns: images per row.
        title: the figure title.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        side = round(np.sqrt(images.shape[1]))
        images = images.reshape(len(images), side, side)
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    if len(labels) != len(images):
        raise ValueError(f"digit_grid: {len(images)} images but {len(labels)} labels.")
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.25 * columns, 1.45 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i], cmap="gray_r")
        text, color = f"{labels[i]}", "black"
        if predictions is not None and int(predictions[i]) != int(labels[i]):
            text, color = f"{labels[i]} (model: {int(predictions[i])})", "tab:red"
        ax.set_title(text, fontsize=9, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
