"""Publication-quality figures (matplotlib), drawn from the analysis objects' plain data.

Every function returns a :class:`matplotlib.figure.Figure` sized to fit a page (6.5 in wide)
and draws nothing it has to compute beyond layout: the numbers come from the models and the
analyses (:mod:`accord.report.adapters` turns those objects into these arguments).
:func:`save` writes PNG, SVG or PDF; :func:`svg_text` gives inline SVG for HTML. Colours are
the Okabe-Ito palette, which stays distinguishable under the common colour-vision deficiencies
(Okabe & Ito 2008, *Color Universal Design*).
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
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
LINESTYLES = ("-", "--", "-.", ":")
PAGE_WIDTH = 6.5  # inches: a US letter / A4 page with margins
MAX_LABELLED = 12  # above this many actors, figures list them in a legend instead of labelling points
FORMATS = (".png", ".svg", ".pdf")

# a scale: (min, max, min_label, max_label)
Scale = tuple[float, float, str, str]

plt.rcParams.update(
    {
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.prop_cycle": cycler(color=OKABE_ITO),
        "svg.fonttype": "none",
        "svg.hashsalt": "accord",  # stable clip-path ids: the same figure gives the same SVG
        # unhinted glyph metrics, as the SVG and PDF use: the layout (tight_layout, the labels'
        # places, the crop box) is measured on the canvas with the extents the page shows
        "text.hinting": "no_hinting",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def color(k: int) -> str:
    return OKABE_ITO[k % len(OKABE_ITO)]


def style(k: int) -> dict[str, Any]:
    """Colour, line style and marker of series ``k``: beyond 8 series the line style changes."""
    return {
        "color": color(k),
        "ls": LINESTYLES[(k // len(OKABE_ITO)) % len(LINESTYLES)],
        "marker": MARKERS[k % len(MARKERS)],
    }


def wrap(text: str, width: int = 24) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


STEPS = (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6)
"""The places a label tries, in multiples of its height from where it was put."""


def _canvas_renderer(fig: Figure) -> Any:
    """The renderer of the figure's canvas (the one its layout measured text with, so the text
    extents are cached there); a figure whose canvas cannot render (closed) gets an Agg canvas."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def _renderer(fig: Figure) -> Any:
    """The figure's renderer, the figure laid out (drawn with nothing rasterised: the text extents
    are the same, the pixels were never used)."""
    renderer = _canvas_renderer(fig)
    with renderer._draw_disabled():
        fig.draw(renderer)
    return renderer


_LAYOUT_PATCH = threading.Lock()


def tight_layout(fig: Figure, **kwargs: Any) -> None:
    """``fig.tight_layout(**kwargs)`` with each Axes measured once. With a ``rect`` matplotlib
    fits the Axes twice from the same positions, measuring every Axes and its texts again the
    second time; the boxes are the same, so the second pass reads the first's (the same layout,
    half the text layout)."""
    import matplotlib.artist as martist

    measure = getattr(martist, "_get_tightbbox_for_layout_only", None)
    # the patch is process-wide: one figure at a time (the server draws in threads); a thread
    # that finds it taken lays out unpatched, which gives the same layout
    if measure is None or kwargs.get("rect") is None or not _LAYOUT_PATCH.acquire(blocking=False):
        fig.tight_layout(**kwargs)
        return
    boxes: dict[int, tuple[Any, Any]] = {}

    def once(obj: Any, *args: Any, **kw: Any) -> Any:
        if id(obj) not in boxes:  # the object is kept with its box: its id is not reused meanwhile
            boxes[id(obj)] = (obj, measure(obj, *args, **kw))
        return boxes[id(obj)][1]

    martist._get_tightbbox_for_layout_only = once  # type: ignore[attr-defined]
    try:
        fig.tight_layout(**kwargs)
    finally:
        martist._get_tightbbox_for_layout_only = measure  # type: ignore[attr-defined]
        _LAYOUT_PATCH.release()


def crop_box(fig: Figure) -> Any:
    """The box ``savefig(bbox_inches="tight")`` crops to (every drawn artist, padded by
    ``savefig.pad_inches``), measured on the canvas that laid the figure out instead of in an
    extra drawing pass of the output's renderer: the text extents are cached there, and
    unhinted they are the output's (to about 0.1 pixel)."""
    box = fig.get_tightbbox(_canvas_renderer(fig))
    pad = plt.rcParams["savefig.pad_inches"]
    return box.padded(pad, pad)


def text_boxes(fig: Figure, skip: Sequence[Any] = (), renderer: Any = None) -> list[tuple[Any, Any]]:
    """(text artist, its extent on the canvas) for every visible, non-empty text of ``fig``
    (laid out by ``renderer``, else drawn here)."""
    from matplotlib.text import Text

    renderer = renderer if renderer is not None else _renderer(fig)
    ids = {id(t) for t in skip}
    out = []
    for t in fig.findobj(Text):
        if id(t) in ids or not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(renderer)
        if bb.width > 0 and bb.height > 0:
            out.append((t, bb))
    return out


def overlapping(a: Any, b: Any, tol: float = 0.5) -> bool:
    """Whether two canvas boxes overlap by more than ``tol`` pixels both ways."""
    return bool(min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def _overlaps_any(box: Any, placed: NDArray[np.float64], tol: float = 0.5) -> bool:
    """:func:`overlapping` of ``box`` against each row ``(x0, y0, x1, y1)`` of ``placed``, at once
    (the same comparisons)."""
    x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
    wide = np.minimum(x1, placed[:, 2]) - np.maximum(x0, placed[:, 0]) > tol
    high = np.minimum(y1, placed[:, 3]) - np.maximum(y0, placed[:, 1]) > tol
    return bool((wide & high).any())


def declutter(fig: Figure, movable: Sequence[Any], steps: Sequence[int] = STEPS) -> int:
    """Keep the labels in ``movable`` (annotations placed in offset points) off every other text.

    Each label keeps its place when it is free; else it steps up and down by its own height, up to
    six steps each way; a label with no free place is hidden. Returns how many were hidden.
    """
    if not movable:
        return 0
    renderer = _renderer(fig)
    fixed = [bb for _, bb in text_boxes(fig, skip=movable, renderer=renderer)]
    # the boxes taken so far, one row (x0, y0, x1, y1) each
    placed = np.empty((len(fixed) + len(movable), 4))
    n = len(fixed)
    for k, bb in enumerate(fixed):
        placed[k] = (bb.x0, bb.y0, bb.x1, bb.y1)
    hidden = 0
    for t in movable:
        if not t.get_visible():
            continue
        x0, y0 = t.xyann
        height = t.get_window_extent(renderer).height * 72.0 / fig.dpi + 1.0
        for step in steps:
            t.xyann = (x0, y0 + step * height)
            bb = t.get_window_extent(renderer)
            if not _overlaps_any(bb.padded(2.0), placed[:n]):
                placed[n] = (bb.x0, bb.y0, bb.x1, bb.y1)
                n += 1
                break
        else:
            t.xyann = (x0, y0)
            t.set_visible(False)
            hidden += 1
    return hidden


def save(fig: Figure, path: str | Path, close: bool = True, dpi: int = 200, force: bool = True) -> Path:
    """Write a figure as PNG, SVG or PDF (from the suffix); close it unless ``close`` is False.

    ``dpi`` sets the resolution of PNG files (200: sharp in print at the page's width). The file is
    written by :func:`accord.outputs.write_output` (atomically, never through a symlink; an existing
    file is replaced only with ``force``)."""
    from accord.outputs import write_output

    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise ValueError(f"{p}: figures are written as .png, .svg or .pdf")
    write_output(p, figure_bytes(fig, p.suffix.lower(), dpi), force=force, make_dirs=True)
    if close:
        plt.close(fig)
    return p


def figure_bytes(fig: Figure, suffix: str, dpi: int = 200) -> bytes:
    """The file :func:`save` writes for ``suffix`` (``.png``, ``.svg`` or ``.pdf``), as bytes."""
    meta: dict[str, Any] = {".png": {}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}[suffix]
    buf = io.BytesIO()
    with _laid_out(fig):
        fig.savefig(buf, format=suffix[1:], bbox_inches=crop_box(fig), dpi=dpi, metadata=meta)
    return buf.getvalue()


@contextmanager
def _laid_out(fig: Figure) -> Iterator[None]:
    """The figure saved as laid out. ``tight_layout`` leaves a placeholder layout engine, for which
    savefig draws the whole figure once more (drawing disabled) before it draws it; the layout is
    done, so the engine is set aside while saving (the same picture: equal PNG pixels, an SVG
    that differs only in its clip-path ids)."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if not isinstance(engine, PlaceHolderLayoutEngine):
        yield
        return
    with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # none at all (the name "none" is the placeholder again)
    try:
        yield
    finally:
        fig.set_layout_engine(engine)


def dpi_free(fig: Figure) -> bool:
    """Whether ``fig``'s SVG is the same at every dpi: nothing in it is rasterised (no image, no
    rasterised artist such as a long colour bar), which is all the dpi sets in an SVG."""
    from matplotlib.image import AxesImage

    return not any(isinstance(a, AxesImage) or a.get_rasterized() for a in fig.findobj())


def svg_markup(svg_file: bytes, prefix: str = "") -> str:
    """:func:`svg_text`'s markup from an SVG file's bytes (the same drawing: see :func:`dpi_free`)."""
    text = svg_file.decode("utf-8")
    return prefixed_ids(text[text.index("<svg") :], prefix)


_ID = re.compile(r'\bid="([^"]+)"')


def svg_text(fig: Figure, prefix: str = "", close: bool = True) -> str:
    """The figure as inline SVG markup (for self-contained HTML); close it unless ``close`` is False.

    ``prefix`` is put before every element id (and every reference to one), so that several
    figures inlined in one page keep their ids unique.
    """
    buf = io.StringIO()
    with _laid_out(fig):
        fig.savefig(buf, format="svg", bbox_inches=crop_box(fig), metadata={"Date": None})
    if close:
        plt.close(fig)
    text = buf.getvalue()
    return prefixed_ids(text[text.index("<svg") :], prefix)


def prefixed_ids(svg: str, prefix: str) -> str:
    """SVG markup with ``prefix`` before every element id and every reference to one."""
    if not prefix:
        return svg
    ids = set(_ID.findall(svg))
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(
        r"(url\(#|href=\"#)([^)\"]+)",
        lambda m: m.group(1) + (prefix + m.group(2) if m.group(2) in ids else m.group(2)),
        svg,
    )


def _scale_ticks(ax: Any, scale: Scale, axis: str = "x", width: int = 22) -> None:
    """Five plain ticks on an issue's scale; on the x axis the end labels are written under the two
    ends (left- and right-aligned, wrapped to fit half the axis), clear of the tick labels."""
    lo, hi, lo_label, hi_label = scale
    pad = 0.03 * (hi - lo)
    ticks = list(np.linspace(lo, hi, 5))
    labels = [f"{v:g}" for v in ticks]
    if axis != "x":
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_yticks(ticks, labels)
        return
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xticks(ticks, labels)
    fig = ax.get_figure()
    # the characters that fit in 45% of the axis at 6.5 pt (about 3.6 pt a character)
    axis_pt = ax.get_position().width * fig.get_figwidth() * 72
    width = max(8, min(width, int(0.45 * axis_pt / 3.6)))
    lines = 0
    for text, x, ha in ((lo_label, 0.0, "left"), (hi_label, 1.0, "right")):
        wrapped = wrap(text, width)
        lines = max(lines, wrapped.count("\n") + 1)
        ax.annotate(
            wrapped,
            (x, 0.0),
            xycoords="axes fraction",
            xytext=(0, -19),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=6.5,
            color="#444444",
        )
    ax.xaxis.labelpad = 12 + 7.5 * lines


def scale_note(scale: Scale) -> str:
    """``"0 = min label, 100 = max label"``: the ends of a scale for a title or axis label."""
    lo, hi, lo_label, hi_label = scale
    return f"{lo:g} = {lo_label}; {hi:g} = {hi_label}"


# ----------------------------------------------------------------------------------------------
# forecasts
# ----------------------------------------------------------------------------------------------


def trajectory(
    panels: Sequence[Mapping[str, Any]],
    actor_labels: Mapping[str, str],
    title: str,
    forecast_keys: Sequence[str] = ("median", "mean", "voting", "preference", "forecast"),
) -> Figure:
    """Per-round positions of every actor (thin lines) and of the forecast (thick black), per issue.

    ``panels``: one per issue, ``{"name", "scale": (min, max, min_label, max_label), "rounds"}``,
    ``rounds`` being :meth:`accord.forecast.Forecast.trajectory` of that issue (a list of
    dicts with ``positions`` (actor id -> value) and forecast entries such as ``median``).
    """
    n = len(panels)
    fig, axes = plt.subplots(n, 1, figsize=(PAGE_WIDTH, 0.6 + 2.2 * n), squeeze=False, sharex=True)
    actors: list[str] = []
    for p in panels:
        for r in p["rounds"]:
            actors.extend(a for a in r.get("positions", {}) if a not in actors)
    handles: dict[str, Any] = {}
    for ax, p in zip(axes[:, 0], panels, strict=True):
        rounds = p["rounds"]
        t = np.arange(len(rounds))
        for k, a in enumerate(actors):
            ys = np.array([r.get("positions", {}).get(a, np.nan) for r in rounds], dtype=float)
            if not np.isfinite(ys).any():
                continue
            st = style(k)
            (h,) = ax.plot(t, ys, lw=1, alpha=0.85, ms=3, **st)
            handles.setdefault(actor_labels.get(a, a), h)
        keys = [kk for kk in forecast_keys if rounds and kk in rounds[0]]
        for k, key in enumerate(keys):
            (h,) = ax.plot(t, [r[key] for r in rounds], color="black", lw=2.4, ls=LINESTYLES[k % 4])
            handles.setdefault(f"forecast ({key})", h)
        _scale_ticks(ax, p["scale"], axis="y")
        ax.set_title(wrap(f"{p['name']}  ({scale_note(p['scale'])})", 70), loc="left", fontsize=8)
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
        if len(t) <= 25:
            ax.set_xticks(t)
    axes[-1, 0].set_xlabel("round (0 = the scenario's positions)")
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    labels = [wrap(h, 26) for h in handles]
    if len(actors) <= MAX_LABELLED:
        fig.legend(
            list(handles.values()),
            labels,
            loc="center left",
            bbox_to_anchor=(0.73, 0.5),
            frameon=False,
            fontsize=7,
        )
        tight_layout(fig, rect=(0, 0, 0.72, 0.97))
        return fig
    # many actors: the legend goes below in three columns and the figure grows to hold it
    rows = -(-len(labels) // 3)
    legend_h = 0.2 + 0.16 * rows + 0.08 * sum(lab.count("\n") for lab in labels) / 3
    height = fig.get_figheight() + legend_h
    fig.set_figheight(height)
    fig.legend(list(handles.values()), labels, loc="lower center", ncol=3, frameon=False, fontsize=6)
    tight_layout(fig, rect=(0, legend_h / height, 1, 0.97))
    return fig


def forecasts_by_issue(
    issues: Sequence[Mapping[str, Any]],
    forecasts: Mapping[str, Mapping[str, float]],
    title: str = "Forecasts by model, against the positions, the status quo and the proposals",
) -> Figure:
    """The models' forecasts side by side on each issue, against positions, status quo and proposals.

    ``issues``: per issue a dict with ``id``, ``name``, ``scale`` (min, max, min_label,
    max_label), ``positions`` (actor label -> position), optional ``status_quo`` and
    ``proposals`` (name -> value). ``forecasts``: model -> issue id -> outcome. One row per
    model below the row of actor positions.
    """
    models = list(forecasts)
    n = len(issues)
    rows = len(models) + 4  # positions take four rows of labels
    movable: list[Any] = []
    fig, axes = plt.subplots(n, 1, figsize=(PAGE_WIDTH, 0.6 + (1.5 + 0.19 * rows) * n), squeeze=False)
    legend: dict[str, Any] = {}
    for ax, issue in zip(axes[:, 0], issues, strict=True):
        sc = issue["scale"]
        scale: Scale = (sc["min"], sc["max"], sc["min_label"], sc["max_label"])
        pos = issue["positions"]
        y_pos = 0.0
        ax.axhline(y_pos, color="#cccccc", lw=0.8, zorder=1)
        h = ax.scatter(list(pos.values()), [y_pos] * len(pos), s=22, color="#777777", zorder=3)
        legend.setdefault("actor position", h)
        together: dict[float, list[str]] = {}
        for label, v in sorted(pos.items(), key=lambda kv: kv[1]):
            together.setdefault(float(v), []).append(label if len(label) <= 30 else label[:29] + "…")
        many = len(pos) > MAX_LABELLED
        lo_x, hi_x = sc["min"], sc["max"]
        for v, names in together.items():
            # beyond MAX_LABELLED actors names would overprint: say how many sit at each position
            short = (f"{len(names)}" if len(names) > 1 else "") if many else " / ".join(names)
            if not short:
                continue
            right = v > lo_x + 0.6 * (hi_x - lo_x)
            movable.append(
                ax.annotate(
                    wrap(short, 40),
                    (v, y_pos),
                    xytext=(0, 4),
                    textcoords="offset points",
                    ha="center" if many else ("right" if right else "left"),
                    va="bottom",
                    fontsize=6,
                    color="#444444",
                )
            )
        for k, m in enumerate(models):
            v = forecasts[m].get(issue["id"])
            y = -1.0 - k
            ax.axhline(y, color="#f0f0f0", lw=0.6, zorder=0)
            if v is None:
                continue
            st = style(k)
            ax.scatter([v], [y], marker=st["marker"], s=34, color=st["color"], zorder=4)
            movable.append(
                ax.annotate(
                    f"{v:.0f}", (v, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=6
                )
            )
        if issue.get("status_quo") is not None:
            legend.setdefault(
                "status quo", ax.axvline(issue["status_quo"], color="black", ls=":", lw=1.2, zorder=2)
            )
        for k, (name, v) in enumerate((issue.get("proposals") or {}).items()):
            h = ax.axvline(v, color=color(k + 4), ls="--", lw=1.2, zorder=2)
            legend.setdefault(f"proposal: {name}", h)
        _scale_ticks(ax, scale, axis="x", width=30)
        ax.set_ylim(-len(models) - 0.6, 1.2 if many else 4.5)
        ax.set_yticks([y_pos] + [-1.0 - k for k in range(len(models))], ["positions", *models], fontsize=7)
        ax.set_title(issue.get("name") or issue["id"], loc="left", fontsize=9, pad=2)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
    fig.suptitle(title, x=0.01, y=0.995, ha="left", va="top", fontsize=10)
    fig.legend(
        list(legend.values()),
        [wrap(k, 40) for k in legend],
        loc="lower center",
        ncol=min(3, len(legend)),
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    tight_layout(fig, rect=(0, 0.06 + 0.02 * (len(legend) // 3), 1, 0.98))
    declutter(fig, movable, steps=(0, 1, 2, 3, 4, 5, 6, 7, 8))
    return fig


# ----------------------------------------------------------------------------------------------
# agreement
# ----------------------------------------------------------------------------------------------


def acceptance_heatmap(
    margins: NDArray[np.float64],
    actor_labels: Sequence[str],
    point_labels: Sequence[str],
    veto: Sequence[bool],
    title: str = "Who accepts: utility margin over the reservation",
) -> Figure:
    """Margins (utility minus reservation) as a heat map: actors in rows, points in columns.

    Blue: accepts (margin >= 0); vermillion: rejects; grey "n/a": reservation unknown. Veto
    players are marked with an asterisk.
    """
    m = np.asarray(margins, dtype=float)
    n_a, n_p = m.shape
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, max(3.2, 2.4 + 0.3 * n_a)))
    finite = m[np.isfinite(m)]
    lim = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-6)
    cmap = LinearSegmentedColormap.from_list("accept", [OKABE_ITO[3], "#ffffff", OKABE_ITO[0]]).with_extremes(
        bad="#dddddd"
    )
    im = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    fs = 7 if n_p <= 8 else 5.5
    for (r, c), v in np.ndenumerate(m):
        strong = np.isfinite(v) and abs(v) > 0.6 * lim
        ax.text(
            c,
            r,
            "n/a" if not np.isfinite(v) else f"{v:.2f}",
            ha="center",
            va="center",
            fontsize=fs,
            color="white" if strong else "black",
        )
    ax.set_yticks(
        range(n_a),
        [wrap(f"{a} *" if v else a, 34) for a, v in zip(actor_labels, veto, strict=True)],
        fontsize=7,
    )
    # one line per column label: wrapped labels rotated on their side would print over each other
    ax.set_xticks(range(n_p), [p if len(p) <= 40 else p[:39] + "…" for p in point_labels], rotation=90,
                  fontsize=6.5 if n_p <= 14 else 5.5)  # fmt: skip
    ax.xaxis.tick_top()
    ax.set_title(title + "\n(* = veto player; margin >= 0 accepts)", loc="left")
    fig.colorbar(im, ax=ax, label="margin (utility units)", fraction=0.035, pad=0.02)
    for s in ("left", "bottom"):
        ax.spines[s].set_visible(False)
    ax.tick_params(length=0)
    fig.tight_layout()
    return fig


def zone_2d(
    grid_x: NDArray[np.float64],
    grid_y: NDArray[np.float64],
    margins: NDArray[np.float64],
    actor_labels: Sequence[str],
    x_scale: Scale,
    y_scale: Scale,
    x_name: str,
    y_name: str,
    points: Mapping[str, tuple[float, float]] | None = None,
    title: str = "Zone of agreement",
) -> Figure:
    """Each veto player's acceptance region on two issues, the zone where all overlap, and points.

    ``grid_x`` ``(nx,)``, ``grid_y`` ``(ny,)``; ``margins`` ``(V, ny, nx)``: each veto player's
    margin over the grid (the other issues held fixed, as the caller says in the title), e.g.
    :func:`accord.bargaining.zone_grid.margin_grid`. Region boundaries are the zero contours,
    ticks on the accepting side; the zone (all margins >= 0) is shaded.
    """
    margins = np.asarray(margins, dtype=float)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, PAGE_WIDTH * 1.05))
    zone = (margins >= 0).all(axis=0) if len(margins) else np.zeros(margins.shape[1:], bool)
    if zone.any():
        ax.contourf(
            grid_x,
            grid_y,
            zone.astype(float),
            levels=[0.5, 1.5],
            colors=[OKABE_ITO[2]],
            alpha=0.45,
            hatches=["//"],
        )
    handles: list[Any] = []
    labels: list[str] = []
    for k, label in enumerate(actor_labels):
        mk = margins[k]
        st = style(k)
        if (mk >= 0).all():
            note = " (accepts all of this slice)"
        elif (mk < 0).all():
            note = " (accepts none of this slice)"
        else:
            note = ""
            ax.contour(grid_x, grid_y, mk, levels=[0.0], colors=[st["color"]], linewidths=1.8)
            ax.contourf(grid_x, grid_y, mk, levels=[0.0, np.inf], colors=[st["color"]], alpha=0.12)
        handles.append(Line2D([], [], color=st["color"], lw=1.8))
        labels.append(wrap(f"{label}: accepts on the tinted side of its line{note}", 44))
    for k, (name, (x, y)) in enumerate((points or {}).items()):
        mk = MARKERS[(k + 1) % len(MARKERS)]
        h = ax.scatter([x], [y], marker=mk, s=46, color="black", facecolor="white", zorder=5, lw=1.2)
        handles.append(h)
        labels.append(wrap(name, 44))
    _scale_ticks(ax, x_scale, axis="x", width=22)
    _scale_ticks(ax, y_scale, axis="y", width=16)
    ax.set_xlabel(x_name)
    ax.set_ylabel(wrap(f"{y_name}  ({scale_note(y_scale)})", 60))
    handles.append(Patch(facecolor=OKABE_ITO[2], alpha=0.45, hatch="//" if zone.any() else None))
    labels.append("zone: every veto player accepts" if zone.any() else "no zone on this slice")
    ax.set_title(title, loc="left", fontsize=9)
    # the legend below the axes, in room kept free of the axis labels
    leg = fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, fontsize=7)
    renderer = _renderer(fig)
    room = leg.get_window_extent(renderer).height / (fig.get_figheight() * fig.dpi)
    tight_layout(fig, rect=(0, room + 0.01, 1, 1))
    return fig


def quadrant(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    labels: Sequence[str],
    focal: str,
    title: str,
    offers: Sequence[str] | None = None,
) -> Figure:
    """Bueno de Mesquita's perceptual chart for one actor i (Scholz, Calbert & Smith 2011, fig. 6).

    For every other actor j: ``x`` = E^i(U_ij), i's expected utility of challenging j, and
    ``y`` = E^j(U_ji), j's expected utility of challenging i as i perceives it
    (:func:`accord.models.eum.pair_data`). The regions: both positive, conflict (i wins where
    x > y, else j wins); x > 0 > y, j moves toward i, part way (compromise, |x| > |y|) or all
    the way (capitulation, |y| > |x|); x < 0 < y, i moves toward j, part way (compromise,
    |y| > |x|) or all the way (capitulation, |x| > |y|); both negative, stalemate.
    ``offers``: the offer kind the model recorded for each pair (marker shape).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, PAGE_WIDTH * 0.78))
    both = np.concatenate([x, y])
    finite = both[np.isfinite(both)]
    lim = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-9) * 1.2
    grey = "#777777"
    ax.axhline(0, color="black", lw=0.9)
    ax.axvline(0, color="black", lw=0.9)
    # the region boundaries of fig. 6: |x| = |y| in quadrants I, II and IV
    ax.plot([0, lim], [0, lim], color=grey, lw=0.8, ls="--")
    ax.plot([-lim, 0], [lim, 0], color=grey, lw=0.8, ls="--")
    ax.plot([0, lim], [0, -lim], color=grey, lw=0.8, ls="--")
    kw: dict[str, Any] = {"fontsize": 7, "color": "#555555", "ha": "center", "va": "center"}
    L = lim
    ax.text(0.72 * L, 0.3 * L, "conflict:\ni wins", **kw)
    ax.text(0.3 * L, 0.8 * L, "conflict:\nj wins", **kw)
    ax.text(-0.3 * L, 0.88 * L, "compromise:\ni moves part\nway to j", **kw)
    ax.text(-0.78 * L, 0.36 * L, "i capitulates\n(moves to j)", **kw)
    ax.text(0.78 * L, -0.36 * L, "compromise:\nj moves part\nway to i", **kw)
    ax.text(0.3 * L, -0.88 * L, "j capitulates\n(moves to i)", **kw)
    ax.text(-0.55 * L, -0.55 * L, "stalemate", **kw)
    kinds = list(offers) if offers is not None else ["" for _ in labels]
    kind_order = [k for k in ("conflict", "compromise", "capitulation", "stalemate", "none") if k in kinds]
    for n, kind in enumerate(kind_order):
        sel = np.array([k == kind for k in kinds])
        ax.scatter(x[sel], y[sel], color=color(n), marker=MARKERS[n], s=30, zorder=3, label=f"offer: {kind}")
    if not kind_order:
        ax.scatter(x, y, color=OKABE_ITO[0], s=30, zorder=3)
    movable: list[Any] = []
    for xi, yi, lab in zip(x, y, labels, strict=True):
        if np.isfinite(xi) and np.isfinite(yi):
            movable.append(
                ax.annotate(wrap(lab, 18), (xi, yi), xytext=(4, 2), textcoords="offset points", fontsize=6.5)
            )
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel(wrap(f"E^i(U_ij): i's expected utility of challenging j  (i = {focal})", 70))
    ax.set_ylabel(wrap("E^j(U_ji): j's expected utility of challenging i, as i perceives it", 44))
    ax.set_title(title, loc="left", fontsize=9)
    if kind_order:
        ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7)
    # the lowest y tick would print over the leftmost x tick at the corner
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, prune="lower"))
    fig.tight_layout()
    hidden = declutter(fig, movable)
    if hidden:
        ax.text(
            1.02, 0.0, f"{hidden} overlapping\nnames left out", transform=ax.transAxes,
            ha="left", va="bottom", fontsize=6, color="#777777",
        )  # fmt: skip
    return fig


# ----------------------------------------------------------------------------------------------
# uncertainty
# ----------------------------------------------------------------------------------------------


def outcome_distribution(
    panels: Sequence[Mapping[str, Any]],
    title: str,
) -> Figure:
    """Monte Carlo outcome distributions, one panel per issue and one step line per model.

    ``panels``: ``{"name", "scale": (min, max, min_label, max_label), "models": {model:
    {"edges", "counts", "quantiles": {"5", "50", "95"}}}}``, the per-issue entries of
    :meth:`accord.uncertainty.simulation.Simulation.to_json`. The dashed line is each model's median.
    """
    n = len(panels)
    fig, axes = plt.subplots(n, 1, figsize=(PAGE_WIDTH, 0.8 + 2.0 * n), squeeze=False)
    handles: dict[str, Any] = {}
    for ax, p in zip(axes[:, 0], panels, strict=True):
        for k, (model, h) in enumerate(p["models"].items()):
            if not h.get("edges"):
                continue
            edges = np.asarray(h["edges"], dtype=float)
            counts = np.asarray(h["counts"], dtype=float)
            dens = counts / max(counts.sum(), 1.0)
            st = style(k)
            line = ax.stairs(dens, edges, color=st["color"], ls=st["ls"], lw=1.5)
            handles.setdefault(model, line)
            q: dict[Any, Any] = dict(h.get("quantiles") or {})
            med = q.get("50", q.get(50))
            if med is not None:
                ax.axvline(float(med), color=st["color"], ls="--", lw=0.9)
        _scale_ticks(ax, p["scale"], axis="x", width=30)
        ax.set_ylim(0, None)
        ax.set_ylabel("share of draws")
        ax.set_title(p["name"], loc="left", fontsize=9)
    fig.suptitle(title + " (dashed: median)", x=0.01, ha="left", fontsize=10)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=min(4, max(1, len(handles))),
        frameon=False,
    )
    tight_layout(fig, rect=(0, 0.04 + 0.03 * ((len(handles) - 1) // 4 + 1), 1, 0.98))
    return fig


def tornado(
    ranking: Sequence[Mapping[str, Any]],
    point: float,
    scale: Scale,
    title: str,
    top: int = 10,
) -> Figure:
    """A tornado chart: each input swung alone from its 5% to its 95% quantile, ranked by total index.

    ``ranking``: :meth:`accord.uncertainty.sensitivity.Sensitivity.ranking` for one model and
    issue (``input``, ``S1``, ``ST``, ``input_low``/``input_high`` and the outcome at both ends
    ``low``/``high``); ``point``: the point forecast the swings start from. The right panel
    shows the Sobol' indices (total, and first-order inside).
    """
    rows = list(ranking)[:top][::-1]
    height = 1.1 + 0.32 * max(len(rows), 1)
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(PAGE_WIDTH, height), sharey=True, gridspec_kw={"width_ratios": (2.4, 1)}
    )
    y = np.arange(len(rows))
    for k, r in enumerate(rows):
        swing = [(float(r["high"]), OKABE_ITO[0]), (float(r["low"]), OKABE_ITO[1])]
        # the farther end first, so that a swing with both ends on one side shows both
        for end, c in sorted(swing, key=lambda ec: -abs(ec[0] - point)):
            ax.barh(k, end - point, left=point, color=c, height=0.6)
    ax.axvline(point, color="black", lw=1)
    ax.set_yticks(y, [wrap(str(r["input"]), 30) for r in rows], fontsize=7)
    span = [point] + [float(r[k]) for r in rows for k in ("low", "high")]
    lo, hi = min(span), max(span)
    pad = max(0.08 * (hi - lo), 0.01 * (scale[1] - scale[0]))
    ax.set_xlim(max(scale[0], lo - pad), min(scale[1], hi + pad))
    ax.set_xlabel(
        wrap(f"outcome with the input at its 5% (orange) / 95% (blue) quantile  ({scale_note(scale)})", 70),
        fontsize=7,
    )
    st = [float(r["ST"] or 0.0) for r in rows]
    s1 = [float(r["S1"] or 0.0) for r in rows]
    bx.barh(y, st, color=OKABE_ITO[5], height=0.6, label="total")
    bx.barh(y, np.clip(s1, 0, None), color=OKABE_ITO[4], height=0.3, label="first-order")
    bx.set_xlim(0, max(1.0, max(st, default=1.0)))
    bx.set_xticks([0.5, 1.0] if bx.get_xlim()[1] <= 1.0 else bx.get_xticks()[1:])
    bx.set_xlabel("Sobol' index", fontsize=8)
    bx.legend(frameon=False, loc="lower right", fontsize=7)
    bx.tick_params(axis="y", length=0)
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.tight_layout(w_pad=2.5)
    return fig


# ----------------------------------------------------------------------------------------------
# durability
# ----------------------------------------------------------------------------------------------


def survival(
    curves: Mapping[str, Mapping[str, Sequence[float]]],
    title: str,
    marks: Mapping[str, float] | None = None,
    claim: Mapping[str, Any] | None = None,
) -> Figure:
    """Kaplan-Meier curves with 95% bands: share of cease-fires still holding by day.

    ``curves``: label -> ``{"time": days, "survival": S, "lower": lo, "upper": hi}`` (the
    ``curve`` of :func:`accord.durability.durability_section`'s base rate).
    ``marks``: vertical reference lines (label -> day). ``claim``: the analyst's expectation
    (``{"claim", "days", "base_rate_holding", "ci"}``), drawn at its horizon with its interval.
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.4))
    for k, (label, c) in enumerate(curves.items()):
        t = np.asarray(c["time"], dtype=float)
        st = style(k)
        ax.step(t, c["survival"], where="post", color=st["color"], ls=st["ls"], lw=1.6, label=label)
        if "lower" in c and "upper" in c:
            ax.fill_between(t, c["lower"], c["upper"], step="post", color=st["color"], alpha=0.18, lw=0)
    movable: list[Any] = []
    for label, day in (marks or {}).items():
        ax.axvline(day, color="#999999", ls=":", lw=0.8)
        movable.append(
            ax.annotate(
                label, (day, 0.02), xytext=(2, 0), textcoords="offset points", fontsize=6.5, color="#555555"
            )
        )
    if claim:
        d = float(claim["days"])
        p = float(claim["base_rate_holding"])
        lo, hi = (float(v) for v in claim["ci"])
        ax.errorbar(
            [d], [p], yerr=[[p - lo], [hi - p]], fmt="D", color=OKABE_ITO[3], ms=5, capsize=3, zorder=5
        )
        movable.append(ax.annotate(
            wrap(f"the claim: {claim.get('claim', '')} (day {d:g}): base rate {p:.0%} still holding", 48),
            (d, p),
            xytext=(12, -62),
            textcoords="offset points",
            fontsize=7,
            color=OKABE_ITO[3],
            arrowprops={"arrowstyle": "-", "color": OKABE_ITO[3], "lw": 0.7},
        ))  # fmt: skip
    ax.set_xscale("symlog", linthresh=7)
    ticks = [0, 7, 14, 30, 60, 180, 365, 730]
    ax.set_xticks(ticks, [str(v) for v in ticks])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days since the cease-fire took effect (log scale beyond a week)")
    ax.set_ylabel("share still holding")
    ax.set_title(title, loc="left", fontsize=9)
    ax.legend(frameon=False, loc="lower left", fontsize=7)
    fig.tight_layout()
    declutter(fig, movable)
    return fig


def game_tree(nodes: Sequence[Mapping[str, Any]], title: str) -> Figure:
    """A game tree drawn left to right, each branch coloured and weighted by its choice probability.

    ``nodes``: the tree in pre-order (``CrisisAnalysis.tree_nodes()``: mover, actions,
    probabilities, children, outcome); each leaf shows the probability that play ends there.
    """
    children = {int(n["node"]): [int(c) for c in n["children"]] for n in nodes}
    by_id = {int(n["node"]): n for n in nodes}
    y: dict[int, float] = {}
    depth: dict[int, int] = {}
    leaves = [0]

    def place(k: int, d: int) -> float:
        depth[k] = d
        kids = children[k]
        if not kids:
            y[k] = float(leaves[0])
            leaves[0] += 1
        else:
            y[k] = float(np.mean([place(c, d + 1) for c in kids]))
        return y[k]

    place(0, 0)
    # the probability of reaching each node (so a leaf shows its own share, even for shared outcomes)
    reach = {0: 1.0}
    for k in sorted(by_id):
        for a, c in enumerate(children[k]):
            probs = by_id[k]["probabilities"]
            reach[c] = reach.get(k, 0.0) * (float(probs[a]) if a < len(probs) else 0.0)
    n_leaves = max(leaves[0], 1)
    max_depth = max(depth.values()) if depth else 1
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, max(2.4, 0.32 * n_leaves + 0.8)))
    cmap = LinearSegmentedColormap.from_list("choice", ["#DDDDDD", OKABE_ITO[0]])
    for k, n in by_id.items():
        for a, c in enumerate(children[k]):
            p = float(n["probabilities"][a]) if a < len(n["probabilities"]) else 0.0
            ax.plot(
                [depth[k], depth[c]],
                [y[k], y[c]],
                color=cmap(p),
                lw=0.6 + 3.0 * p,
                zorder=1,
                solid_capstyle="round",
            )
            ax.annotate(
                f"{str(n['actions'][a])} ({p:.2f})",
                ((depth[k] + depth[c]) / 2, (y[k] + y[c]) / 2),
                fontsize=6,
                ha="center",
                va="bottom",
                color="#333333",
            )
        if n["mover"] is not None:
            ax.scatter([depth[k]], [y[k]], s=28, color=OKABE_ITO[1], zorder=2)
            ax.annotate(
                str(n["mover"]),
                (depth[k], y[k]),
                xytext=(-4, 4),
                textcoords="offset points",
                fontsize=6.5,
                ha="right",
                fontweight="bold",
            )
        else:
            p_out = reach.get(k, 0.0)
            ax.scatter([depth[k]], [y[k]], s=14, color="#555555", marker="s", zorder=2)
            ax.annotate(
                f"{n['outcome']} ({p_out:.2f})",
                (depth[k], y[k]),
                xytext=(5, 0),
                textcoords="offset points",
                fontsize=6.5,
                va="center",
            )
    ax.set_xlim(-0.3, max_depth + 1.6)
    ax.set_ylim(n_leaves - 0.5, -0.8)
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=9)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# what-if sweeps
# ----------------------------------------------------------------------------------------------


def sweep_lines(
    x: NDArray[np.float64],
    panels: Sequence[Mapping[str, Any]],
    zone: NDArray[np.float64] | None,
    xlabel: str,
    title: str,
) -> Figure:
    """Forecasts along a one-parameter sweep: one panel per issue, one line per model.

    ``x``: the swept values ``(N,)``; ``panels``: ``{"name", "scale": (min, max, min_label,
    max_label), "models": {model: outcomes (N,)}}``; ``zone``: 1.0 where a zone of agreement
    exists at that value, 0.0 where not, NaN where unknown (shaded green where it exists).
    """
    n = len(panels)
    fig, axes = plt.subplots(n, 1, figsize=(PAGE_WIDTH, 0.9 + 1.9 * n), squeeze=False, sharex=True)
    handles: dict[str, Any] = {}
    xs = np.asarray(x, dtype=float)
    for ax, p in zip(axes[:, 0], panels, strict=True):
        if zone is not None and xs.size > 1:
            z = np.asarray(zone, dtype=float)
            ax.fill_between(
                xs, 0, 1, where=z > 0.5, transform=ax.get_xaxis_transform(),
                color=OKABE_ITO[2], alpha=0.15, lw=0, step="mid",
            )  # fmt: skip
        for k, (model, y) in enumerate(p["models"].items()):
            st = style(k)
            (line,) = ax.plot(xs, np.asarray(y, dtype=float), color=st["color"], ls=st["ls"], lw=1.4)
            handles.setdefault(model, line)
        _scale_ticks(ax, p["scale"], axis="y")
        ax.set_ylabel("forecast")
        ax.set_title(p["name"], loc="left", fontsize=9)
    axes[-1, 0].set_xlabel(xlabel)
    if zone is not None:
        handles["zone of agreement exists"] = Patch(color=OKABE_ITO[2], alpha=0.15)
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.legend(
        list(handles.values()), list(handles), loc="lower center", ncol=min(4, max(1, len(handles))),
        frameon=False,
    )  # fmt: skip
    tight_layout(fig, rect=(0, 0.05 + 0.03 * ((len(handles) - 1) // 4 + 1), 1, 0.98))
    return fig


def sweep_grid(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    values: NDArray[np.float64],
    xlabel: str,
    ylabel: str,
    label: str,
    title: str,
    binary: bool = False,
) -> Figure:
    """A two-parameter sweep as a heat map: ``values`` ``(len(y), len(x))`` over the grid.

    ``binary``: the values are 1/0 answers (e.g. whether a zone of agreement exists), drawn in
    two colours (green yes, vermillion no, grey unknown) instead of a colour scale.
    """
    v = np.ma.masked_invalid(np.asarray(values, dtype=float))
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 4.6))
    extent = (float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y)))
    if binary:
        cmap = LinearSegmentedColormap.from_list("zone", [OKABE_ITO[3], OKABE_ITO[2]], N=2).with_extremes(
            bad="#dddddd"
        )
        ax.imshow(v, origin="lower", aspect="auto", extent=extent, cmap=cmap, vmin=0, vmax=1,
                  interpolation="nearest")  # fmt: skip
        ax.legend(
            [Patch(color=OKABE_ITO[2]), Patch(color=OKABE_ITO[3])], ["yes", "no"], title=label,
            loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
        )  # fmt: skip
    else:
        im = ax.imshow(
            v, origin="lower", aspect="auto", extent=extent, cmap="viridis", interpolation="nearest"
        )
        fig.colorbar(im, ax=ax, label=label, fraction=0.04, pad=0.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(wrap(title, 80), loc="left")
    fig.tight_layout()
    return fig
