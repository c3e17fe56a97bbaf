"""Small server-rendered SVG charts for the pages: lines over ``as_of`` dates, and an issue's scale.

Every text is escaped; every chart has a ``<title>`` and an ``aria-label`` and is followed on the
page by a table of the same numbers, so nothing is only in a picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

# colour-blind-safe palette (Okabe & Ito 2008), dark enough for lines on white
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#000000", "#e69f00")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")


def color(k: int) -> str:
    """The k-th series colour."""
    return PALETTE[k % len(PALETTE)]


def dash(k: int) -> str:
    """The k-th series dash pattern (so series differ without colour too)."""
    return DASHES[(k // len(PALETTE) + k) % len(DASHES)]


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def timeline(
    dates: Sequence[date],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    y_min: float,
    y_max: float,
    y_label: str,
    low_label: str = "",
    high_label: str = "",
    width: int = 760,
    height: int = 260,
) -> str:
    """Lines of ``series`` (name -> one value per version, None where missing) against ``dates``.

    Versions on the same date are spread evenly so each stays visible.
    """
    left, right, top, bottom = 64, 16, 16, 46
    pw, ph = width - left - right, height - top - bottom
    n = len(dates)
    if n == 0:
        return ""
    ords = [d.toordinal() for d in dates]
    lo_d, hi_d = min(ords), max(ords)
    span = (hi_d - lo_d) or 1

    def x(k: int) -> float:
        if hi_d == lo_d:
            return left + (pw * (k + 0.5) / n)
        return left + pw * (ords[k] - lo_d) / span

    def y(v: float) -> float:
        return top + ph * (1 - (v - y_min) / ((y_max - y_min) or 1))

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fbfcfd" stroke="#c9d1da"/>',
    ]
    for t in range(5):
        v = y_min + (y_max - y_min) * t / 4
        yy = y(v)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#e3e8ee"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11">{_fmt(v)}</text>')
    out.append(
        f'<text x="14" y="{top + ph / 2:.1f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + ph / 2:.1f})">{escape(y_label)}</text>'
    )
    if high_label:
        out.append(
            f'<text x="{left + 4}" y="{top + 12}" font-size="10" fill="#4a5461">{escape(high_label)}</text>'
        )
    if low_label:
        out.append(
            f'<text x="{left + 4}" y="{top + ph - 4}" font-size="10" fill="#4a5461">'
            f"{escape(low_label)}</text>"
        )
    seen: set[int] = set()
    for k, d in enumerate(dates):
        xx = x(k)
        key = round(xx / 40)
        if key in seen:
            continue
        seen.add(key)
        anchor = "end" if xx > left + pw - 35 else ("start" if xx < left + 35 else "middle")
        out.append(
            f'<text x="{xx:.1f}" y="{top + ph + 16}" text-anchor="{anchor}" font-size="11">'
            f"{d.isoformat()}</text>"
        )
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="11">'
        "as_of date</text>"
    )
    for s, (name, values) in enumerate(series.items()):
        pts = [(x(k), y(v)) for k, v in enumerate(values) if v is not None]
        c = color(s)
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            dashattr = f' stroke-dasharray="{dash(s)}"' if dash(s) else ""
            out.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2.5"{dashattr}/>')
        for px, py in pts:
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{c}"><title>{escape(name)}</title></circle>'
            )
    out.append("</svg>")
    return "".join(out)


def scale_strip(
    *,
    title: str,
    lo: float,
    hi: float,
    min_label: str,
    max_label: str,
    marks: Sequence[tuple[str, float, str]],
    band: tuple[float, float] | None = None,
    width: int = 760,
) -> str:
    """One issue's scale with labelled ends and marks on it.

    ``marks``: (label, value, kind) with kind one of ``actor``, ``status_quo``, ``proposal``,
    ``maximin``, ``forecast``; ``band``: the zone of agreement's extent on this issue, if any.
    Marks of one kind at the same value share one label; labels are laid out in rows so that
    none overlaps another.
    """
    left, right, axis_y, row_h, char_w = 24, 24, 40, 17, 6.4
    pw = width - left - right

    def x(v: float) -> float:
        return left + pw * (v - lo) / ((hi - lo) or 1)

    groups: dict[tuple[str, float], list[str]] = {}
    for label, value, kind in marks:
        groups.setdefault((kind, round(value, 6)), []).append(label)
    order = {"actor": 0, "status_quo": 1, "proposal": 2, "forecast": 3, "maximin": 4}
    items = sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 5), kv[0][1]))
    rows: list[list[tuple[float, float]]] = []
    placed = []
    for (kind, value), labels in items:
        xx = x(value)
        text = f"{', '.join(labels)}: {_fmt(value)}"
        w = len(text) * char_w + 18
        # anchor the text left of the mark near the right end, right of it elsewhere
        x0, x1 = (xx - w, xx + 6) if xx > left + pw * 0.75 else (xx - 6, xx + w)
        row = 0
        while row < len(rows) and any(not (x1 < a or x0 > b) for a, b in rows[row]):
            row += 1
        if row == len(rows):
            rows.append([])
        rows[row].append((x0, x1))
        placed.append((kind, xx, text, row, xx > left + pw * 0.75))
    height = axis_y + 22 + row_h * max(1, len(rows)) + 8
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="{left}" y="16" font-size="12" fill="#4a5461">'
        f"{escape(_fmt(lo))}: {escape(min_label)}</text>",
        f'<text x="{width - right}" y="16" font-size="12" text-anchor="end" fill="#4a5461">'
        f"{escape(_fmt(hi))}: {escape(max_label)}</text>",
    ]
    if band is not None:
        b0, b1 = x(band[0]), x(band[1])
        out.append(
            f'<rect x="{b0:.1f}" y="{axis_y - 10}" width="{max(b1 - b0, 2):.1f}" '
            f'height="{height - axis_y + 6}" '
            'fill="#cfe8d6" stroke="#14532d" stroke-dasharray="4 2"><title>zone of agreement</title></rect>'
        )
    out.append(
        f'<line x1="{left}" x2="{left + pw}" y1="{axis_y}" y2="{axis_y}" stroke="#1b1f24" stroke-width="2"/>'
    )
    for t in range(5):
        xx = left + pw * t / 4
        out.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{axis_y - 5}" y2="{axis_y + 5}" stroke="#1b1f24"/>'
        )
    for kind, xx, text, row, flip in placed:
        yy = axis_y + 24 + row * row_h
        if kind == "actor":
            out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{axis_y}" y2="{yy - 4}" stroke="#9aa5b1"/>')
            out.append(f'<circle cx="{xx:.1f}" cy="{axis_y}" r="5" fill="#1f4e79"/>')
            shape = f'<circle cx="{xx:.1f}" cy="{yy - 4}" r="2" fill="#1f4e79"/>'
        elif kind == "maximin":
            shape = f'<path d="M{xx:.1f},{yy - 11} l6,6 l-6,6 l-6,-6 z" fill="#14532d"/>'
        elif kind == "forecast":
            shape = f'<path d="M{xx:.1f},{yy - 10} l5,9 l-10,0 z" fill="#d55e00"/>'
        elif kind == "status_quo":
            shape = f'<rect x="{xx - 5:.1f}" y="{yy - 9}" width="9" height="9" fill="#4a5461"/>'
        else:
            shape = f'<rect x="{xx - 2:.1f}" y="{yy - 12}" width="4" height="14" fill="#8a6d00"/>'
        out.append(shape)
        anchor, dx = ("end", -9) if flip else ("start", 9)
        out.append(
            f'<text x="{xx + dx:.1f}" y="{yy}" font-size="11" text-anchor="{anchor}">{escape(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
