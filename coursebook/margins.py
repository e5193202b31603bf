"""Robustness as a picture: every seed's effect beside its claim's margin, one figure per chapter.

A check judges a claim over seeds: every seed's effect must point the claimed
way and their mean (a geometric mean for ratios) must reach the margin.  The
records keep each seed's value (``values``), the rule (``kind``) and the
margin, so the effect can be drawn on one scale for every claim: the effect
divided by the margin (for a ratio, its logarithm divided by the margin's), so
that 0 is no effect and 1 is the margin.  A row whose dots sit far right of 1
is a claim with room; one with dots near 0 rests on a thin effect.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from typing import Any

PROFILE_STYLE = {"quick": ("o", "#1f77b4"), "full": ("s", "#d95f02")}


def judged(value: float, kind: str) -> float:
    """A value on the scale its claim is judged on: a ratio by its logarithm, an effect as it is."""
    return math.log(value) if kind == "ratio" else value


def normalised(value: float, kind: str, margin: float) -> float:
    """An effect on the margin's scale: 0 is no effect, 1 the margin (logarithms for ratios)."""
    return judged(value, kind) / judged(margin, kind)


def chapter_points(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``{chapter title: [one point per claim, profile, base and seed]}`` from the records that keep numbers."""
    points: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        for data in record["chapters"].values():
            for base, run in data["runs"].items():
                for check in run["checks"]:
                    if not check.get("values"):
                        continue
                    for seed, value in check["values"].items():
                        points.setdefault(data["title"], []).append(
                            {
                                "claim": check["claim"],
                                "profile": record["profile"],
                                "base": base,
                                "seed": seed,
                                "x": normalised(value, check["kind"], check["margin"]),
                            }
                        )
    return points


def _short(claim: str, width: int = 70) -> str:
    return claim if len(claim) <= width else claim[: width - 1].rstrip() + "…"


def alt_text(title: str, points: list[dict[str, Any]]) -> str:
    """What the figure shows, in words, with the seed nearest to no effect."""
    claims = list(dict.fromkeys(p["claim"] for p in points))
    low = min(points, key=lambda p: p["x"])
    profiles = [name for name in PROFILE_STYLE if any(p["profile"] == name for p in points)]
    return (
        f"{title}: {len(claims)} claims judged over seeds, {len(points)} seed effects from the "
        f"{' and '.join(profiles)} records, each divided by its claim's margin (1 is the margin, 0 no effect). "
        f"The smallest is {low['x']:.2f}: {_short(low['claim'], 120)} ({low['profile']}, base {low['base']}, "
        f"seed {low['seed']})."
    )


def figure_png(title: str, points: list[dict[str, Any]]) -> bytes:
    """One row per claim, a dot per seed of every base (marker and colour by profile), the margin drawn at 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    claims = list(dict.fromkeys(p["claim"] for p in points))
    fig, ax = plt.subplots(figsize=(10, 0.62 * len(claims) + 1.9))
    offsets = {"quick": 0.15, "full": -0.15}
    for profile, (marker, colour) in PROFILE_STYLE.items():
        mine = [p for p in points if p["profile"] == profile]
        if not mine:
            continue
        ys = [len(claims) - 1 - claims.index(p["claim"]) + offsets[profile] for p in mine]
        ax.scatter([p["x"] for p in mine], ys, marker=marker, s=22, color=colour, alpha=0.75, label=profile)
    ax.axvline(1.0, color="black", lw=1.2, label="the claim's margin")
    ax.axvline(0.0, color="grey", lw=0.8, ls=":", label="no effect")
    labels = [textwrap.fill(_short(c, 110), 55) for c in reversed(claims)]
    ax.set_yticks(range(len(claims)), labels, fontsize=7.5)
    ax.set_ylim(-0.6, len(claims) - 0.4)
    ax.set_xscale("symlog", linthresh=1)
    left = min(-0.3, min(p["x"] for p in points) - 0.2)
    right = max(2.0, max(p["x"] for p in points) * 1.4)
    ax.set_xlim(left, right)
    ticks = [t for t in (-5, -2, -1, 0, 1, 2, 5, 10, 20, 50, 100, 200, 500) if left <= t <= right]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlabel("each seed's effect divided by the claim's margin (log scale above 1)")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.6 / (0.62 * len(claims) + 1.9) - 0.12), ncol=4, fontsize=8)
    fig.subplots_adjust(
        left=0.4, right=0.97, top=1 - 0.45 / (0.62 * len(claims) + 1.9), bottom=1.25 / (0.62 * len(claims) + 1.9)
    )
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=80)
    plt.close(fig)
    return out.getvalue()


def figure_html(title: str, points: list[dict[str, Any]]) -> str:
    """The figure as an ``<img>`` with its alt text, the PNG inline (the page needs no other file)."""
    from html import escape

    data = base64.b64encode(figure_png(title, points)).decode("ascii")
    return f'<img class="course-margins" src="data:image/png;base64,{data}" alt="{escape(alt_text(title, points))}">'
