"""Publication-quality figures (matplotlib), drawn from the analysis objects' plain data.

Every function returns a :class:`matplotlib.figure.Figure` sized to fit a page (6.5 in wide)
and draws nothing it has to compute beyond layout: the numbers come from the models and the
analyses. :func:`save` writes PNG, SVG or PDF. Colours are the Okabe-Ito palette, which
stays distinguishable under the common colour-vision deficiencies (Okabe & Ito 2008).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
PAGE_WIDTH = 6.5  # inches: a US letter / A4 page with margins

plt.rcParams.update(
    {
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.prop_cycle": cycler(color=OKABE_ITO),
        "svg.fonttype": "none",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def color(k: int) -> str:
    return OKABE_ITO[k % len(OKABE_ITO)]


def save(fig: Figure, path: str | Path) -> Path:
    """Write a figure as PNG, SVG or PDF (from the suffix) and close it."""
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"{p}: figures are written as .png, .svg or .pdf")
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, bbox_inches="tight", dpi=200)
    plt.close(fig)
    return p


def svg_text(fig: Figure) -> str:
    """The figure as inline SVG markup (for self-contained HTML) and close it."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _scale_axis(ax: Any, lo: float, hi: float, lo_label: str, hi_label: str, axis: str = "y") -> None:
    pad = 0.03 * (hi - lo)
    if axis == "y":
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_yticks([lo, hi], [f"{lo:g}\n{lo_label}", f"{hi:g}\n{hi_label}"])
    else:
        ax.set_xlim(lo - pad, hi + pad)


def trajectory(
    rounds: Sequence[Mapping[str, Any]],
    actor_labels: Mapping[str, str],
    scale: tuple[float, float, str, str],
    title: str,
    forecast_keys: Sequence[str] = ("median", "mean", "voting", "preference"),
) -> Figure:
    """Per-round positions of every actor (thin lines) and of the forecast (thick).

    ``rounds`` is a model's per-issue trajectory as in the JSON output: a list of dicts with
    ``positions`` (actor id -> value) and forecast entries such as ``median`` and ``mean``.
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.6))
    t = np.arange(len(rounds))
    actors = list(rounds[0].get("positions", {}))
    for k, a in enumerate(actors):
        ys = [r["positions"].get(a, np.nan) for r in rounds]
        ax.plot(
            t,
            ys,
            color=color(k),
            lw=1,
            alpha=0.8,
            marker=MARKERS[k % 8],
            ms=3,
            label=actor_labels.get(a, a) if len(actors) <= 12 else None,
        )
    for k, key in enumerate(kk for kk in forecast_keys if kk in rounds[0]):
        ax.plot(
            t,
            [r[key] for r in rounds],
            color="black",
            lw=2.5,
            ls=("-", "--", ":", "-.")[k % 4],
            label=f"forecast ({key})",
        )
    lo, hi, lo_label, hi_label = scale
    _scale_axis(ax, lo, hi, lo_label, hi_label)
    ax.set_xlabel("round")
    ax.set_xticks(t if len(t) <= 20 else t[:: max(1, len(t) // 10)])
    ax.set_title(title, loc="left")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def forecasts_by_issue(
    issues: Sequence[Mapping[str, Any]],
    forecasts: Mapping[str, Mapping[str, float]],
) -> Figure:
    """The models' forecasts side by side on each issue, against positions, status quo and proposals.

    ``issues``: per issue a dict with ``id``, ``name``, ``scale`` (min, max, min_label,
    max_label), ``positions`` (actor label -> position), optional ``status_quo`` and
    ``proposals`` (name -> value). ``forecasts``: model -> issue id -> outcome.
    """
    n = len(issues)
    fig, axes = plt.subplots(n, 1, figsize=(PAGE_WIDTH, 1.5 + 1.35 * n), squeeze=False)
    models = list(forecasts)
    for ax, issue in zip(axes[:, 0], issues, strict=True):
        sc = issue["scale"]
        lo, hi = sc["min"], sc["max"]
        pos = issue["positions"]
        ax.axhline(0, color="#bbbbbb", lw=0.8)
        ax.scatter(
            list(pos.values()), np.zeros(len(pos)), s=22, color="#777777", zorder=3, label="actor positions"
        )
        for k, (label, v) in enumerate(sorted(pos.items(), key=lambda kv: kv[1])):
            ax.annotate(
                label,
                (v, 0),
                xytext=(0, 6 + 9 * (k % 3)),
                textcoords="offset points",
                ha="center",
                fontsize=6.5,
                color="#444444",
            )
        for k, m in enumerate(models):
            v = forecasts[m].get(issue["id"])
            if v is not None:
                ax.scatter(
                    [v], [-1 - 0.0 * k], marker=MARKERS[k % 8], s=40, color=color(k), zorder=4, label=m
                )
        if issue.get("status_quo") is not None:
            ax.axvline(issue["status_quo"], color="black", ls=":", lw=1.2, label="status quo")
        for k, (name, v) in enumerate((issue.get("proposals") or {}).items()):
            ax.axvline(v, color=color(k + 3), ls="--", lw=1.2, label=f"proposal: {name}")
        ax.set_xlim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
        ax.set_ylim(-1.8, 2.2)
        ax.set_yticks([0, -1], ["positions", "forecasts"])
        ax.set_xticks([lo, hi], [f"{lo:g}: {sc['min_label']}", f"{hi:g}: {sc['max_label']}"])
        ax.set_title(issue.get("name") or issue["id"], loc="left")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    seen: dict[str, Any] = {}
    for ax in axes[:, 0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    fig.legend(
        list(seen.values()),
        list(seen),
        loc="lower center",
        ncol=4,
        frameon=False,
        bbox_to_anchor=(0.5, -0.02),
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def acceptance_heatmap(
    margins: NDArray[np.float64],
    actor_labels: Sequence[str],
    point_labels: Sequence[str],
    veto: Sequence[bool],
    title: str = "Who accepts: utility margin over the reservation",
) -> Figure:
    """Margins (utility minus reservation) as a heat map: actors in rows, points in columns.

    Blue: accepts (margin >= 0); vermillion: rejects; blank: reservation unknown. Veto players
    are marked with an asterisk.
    """
    m = np.asarray(margins, dtype=float)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, max(2.6, 1.2 + 0.34 * len(actor_labels))))
    lim = max(float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 1.0, 1e-6)
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list(
        "accept", [OKABE_ITO[3], "#ffffff", OKABE_ITO[0]]
    )
    im = ax.imshow(m, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    for (r, c), v in np.ndenumerate(m):
        ax.text(
            c,
            r,
            "n/a" if not np.isfinite(v) else f"{v:+.2f}",
            ha="center",
            va="center",
            fontsize=7,
            color="black",
        )
    ax.set_yticks(
        range(len(actor_labels)), [f"{a} *" if v else a for a, v in zip(actor_labels, veto, strict=True)]
    )
    ax.set_xticks(range(len(point_labels)), point_labels, rotation=30, ha="right")
    ax.set_title(title + "  (* = veto player)", loc="left")
    fig.colorbar(im, ax=ax, label="margin (utility units)", fraction=0.04)
    for s in ("left", "bottom"):
        ax.spines[s].set_visible(False)
    fig.tight_layout()
    return fig


def zone_2d(
    grid_x: NDArray[np.float64],
    grid_y: NDArray[np.float64],
    margins: NDArray[np.float64],
    actor_labels: Sequence[str],
    x_scale: tuple[float, float, str, str],
    y_scale: tuple[float, float, str, str],
    x_name: str,
    y_name: str,
    points: Mapping[str, tuple[float, float]] | None = None,
    title: str = "Zone of agreement",
) -> Figure:
    """Each veto player's acceptance region on two issues, the zone where all overlap, and points.

    ``margins`` has shape ``(A, ny, nx)``: each veto player's margin over the grid (issues
    other than these two held fixed, as the caller says in the title). Region boundaries are the
    zero contours; the zone (all margins >= 0) is shaded.
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.8, PAGE_WIDTH * 0.7))
    zone = (margins >= 0).all(axis=0)
    if zone.any():
        ax.contourf(grid_x, grid_y, zone.astype(float), levels=[0.5, 1.5], colors=[OKABE_ITO[2]], alpha=0.35)
    for k, label in enumerate(actor_labels):
        cs = ax.contour(grid_x, grid_y, margins[k], levels=[0.0], colors=[color(k)], linewidths=1.6)
        ax.plot([], [], color=color(k), lw=1.6, label=f"{label} accepts inside")
        del cs
    for k, (name, (x, y)) in enumerate((points or {}).items()):
        ax.scatter([x], [y], marker=MARKERS[(k + 1) % 8], s=60, color="black", zorder=5)
        ax.annotate(name, (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8)
    xlo, xhi, xl, xh = x_scale
    ylo, yhi, yl, yh = y_scale
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    ax.set_xlabel(f"{x_name}  ({xlo:g} = {xl}, {xhi:g} = {xh})")
    ax.set_ylabel(f"{y_name}  ({ylo:g} = {yl}, {yhi:g} = {yh})")
    verdict = "zone (shaded)" if zone.any() else "no zone on this slice"
    ax.plot([], [], color=OKABE_ITO[2], lw=6, alpha=0.35, label=verdict)
    ax.set_title(title, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def outcome_distribution(
    samples_or_hist: Mapping[str, Mapping[str, Any]],
    scale: tuple[float, float, str, str],
    title: str,
) -> Figure:
    """Monte Carlo outcome distributions of one issue, one histogram per model.

    ``samples_or_hist``: model -> ``{"edges": [...], "counts": [...], "quantiles": {5: ..,
    50: .., 95: ..}}`` as the simulation reports them.
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.0))
    for k, (model, h) in enumerate(samples_or_hist.items()):
        edges = np.asarray(h["edges"], dtype=float)
        counts = np.asarray(h["counts"], dtype=float)
        dens = counts / max(counts.sum(), 1.0)
        ax.stairs(dens, edges, color=color(k), lw=1.5, label=model)
        q: dict[Any, Any] = dict(h.get("quantiles") or {})
        med = q.get("50", q.get(50))
        if med is not None:
            ax.axvline(float(med), color=color(k), ls="--", lw=1)
    lo, hi, lo_label, hi_label = scale
    ax.set_xlim(lo, hi)
    ax.set_xticks([lo, hi], [f"{lo:g}\n{lo_label}", f"{hi:g}\n{hi_label}"])
    ax.set_ylabel("share of draws")
    ax.set_title(title + " (dashed: median)", loc="left")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def tornado(
    ranking: Sequence[Mapping[str, Any]],
    title: str,
    top: int = 12,
) -> Figure:
    """Sensitivity ranking as a tornado chart: total (bar) and first-order (inner bar) indices.

    ``ranking``: list of ``{"input": label, "S1": .., "ST": ..}`` sorted by importance.
    """
    rows = list(ranking)[:top][::-1]
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 0.8 + 0.3 * len(rows)))
    y = np.arange(len(rows))
    ax.barh(y, [r["ST"] for r in rows], color=OKABE_ITO[5], label="total index")
    ax.barh(y, [r["S1"] for r in rows], height=0.4, color=OKABE_ITO[0], label="first-order index")
    ax.set_yticks(y, [str(r["input"]) for r in rows])
    ax.set_xlabel("share of the forecast's variance")
    ax.set_xlim(0, max(1.0, max((r["ST"] for r in rows), default=1.0)))
    ax.set_title(title, loc="left")
    ax.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def survival(
    curves: Mapping[str, Mapping[str, Sequence[float]]],
    title: str,
    marks: Mapping[str, float] | None = None,
) -> Figure:
    """Kaplan-Meier curves with confidence bands: share of cease-fires still holding by day.

    ``curves``: label -> ``{"time": days, "survival": S, "lower": lo, "upper": hi}``.
    ``marks``: vertical reference lines (label -> day), e.g. "8 weeks" -> 56.
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.4))
    for k, (label, c) in enumerate(curves.items()):
        t = np.asarray(c["time"], dtype=float)
        ax.step(t, c["survival"], where="post", color=color(k), lw=1.6, label=label)
        if "lower" in c and "upper" in c:
            ax.fill_between(t, c["lower"], c["upper"], step="post", color=color(k), alpha=0.2)
    for label, day in (marks or {}).items():
        ax.axvline(day, color="#555555", ls=":", lw=1)
        ax.annotate(label, (day, 1.0), xytext=(2, -10), textcoords="offset points", fontsize=7)
    ax.set_xscale("symlog", linthresh=7)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days since the cease-fire took effect")
    ax.set_ylabel("share still holding")
    ax.set_title(title, loc="left")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def quadrant(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    labels: Sequence[str],
    focal: str,
    title: str,
) -> Figure:
    """Bueno de Mesquita's perceptual quadrant chart for one actor.

    For every other actor j: ``x`` is the focal actor's expected utility of challenging j
    (its own perspective), ``y`` actor j's expected utility of challenging the focal actor, as
    the focal actor perceives it (Bueno de Mesquita 1994; Scholz et al. 2011, fig. 1).
    Quadrants: conflict (both positive), compromise/capitulation, stalemate (both negative).
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.8, PAGE_WIDTH * 0.75))
    lim = max(float(np.nanmax(np.abs(np.concatenate([x, y])))), 1e-9) * 1.15
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.scatter(x, y, color=OKABE_ITO[0], s=24, zorder=3)
    for xi, yi, lab in zip(x, y, labels, strict=True):
        ax.annotate(lab, (xi, yi), xytext=(3, 3), textcoords="offset points", fontsize=7)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    kw: dict[str, Any] = {"fontsize": 8, "color": "#555555", "ha": "center"}
    ax.text(lim / 2, lim * 0.92, "conflict", **kw)
    ax.text(-lim / 2, lim * 0.92, f"{focal} gives in (capitulation)", **kw)
    ax.text(lim / 2, -lim * 0.95, f"{focal} prevails (compromise/capitulation)", **kw)
    ax.text(-lim / 2, -lim * 0.95, "stalemate", **kw)
    ax.set_xlabel(f"{focal}'s expected utility of challenging the other actor")
    ax.set_ylabel(f"the other actor's expected utility of challenging {focal}")
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig
