"""``accord analyze``: who wants a deal, the zone of possible agreement, and what to table.

The command builds one JSON-ready report (:func:`build_report`, documented in
``docs/analysis.md``) and prints it either as JSON or as a Rich text report of 80 columns.
The text is rendered from the same data, so both carry the same numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from accord.cli import app
from accord.cli import options as opt
from accord.cli.core import INPUT_FORMAT, load_scenario
from accord.cli.durability import print_durability
from accord.cli.output import check_format, console, dump_json
from accord.errors import InputError
from accord.scenario.model import Scenario

Array = np.ndarray[Any, np.dtype[np.float64]]


def parse_points(items: list[str] | None, scenario: Scenario) -> dict[str, float]:
    """``["presence=40", "hostages=70"]`` -> values in scale units, checked against the scales."""
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--point {item!r}: expected ISSUE=VALUE")
        if key not in scenario.issue_ids:
            raise InputError(
                f"--point {item!r}: unknown issue {key!r} (issues: {', '.join(scenario.issue_ids)})"
            )
        try:
            v = float(value)
        except ValueError:
            raise InputError(f"--point {item!r}: {value.strip()!r} is not a number") from None
        scale = scenario.issue(key).scale
        if not np.isfinite(v) or not scale.contains(v):
            raise InputError(f"--point {item!r}: {v:g} is outside the scale {scale.min:g}..{scale.max:g}")
        out[key] = v
    return out


# ----------------------------------------------------------------------------------------------
# text rendering
# ----------------------------------------------------------------------------------------------

_MAX_COLS = 4  # point columns per table (80 columns: an actor column and four of 11 characters)


def _val(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _signed(x: float | None) -> str:
    return "-" if x is None else f"{x:+.3f}"


def print_report(data: dict[str, Any]) -> None:
    con = console()
    sc = data["scenario"]
    issues = data["issues"]
    con.print(f"[bold]{sc['name']}[/]" + (f"  (as of {sc['as_of']})" if sc["as_of"] else ""))
    con.print(
        f"utility ({data['loss']} loss): {data['utility']}. Margin = utility - reservation "
        "(utility units); an actor accepts when its margin >= 0.",
        soft_wrap=False,
    )
    con.print()

    t = Table(title="Issues (positions on each issue's own scale)", title_justify="left", width=78)
    t.add_column("issue")
    t.add_column("scale", overflow="fold")
    t.add_column("status quo", justify="right")
    for i, meta in issues.items():
        s = sc["issues"][i]
        unit = f" [{meta['unit']}]" if meta["unit"] else ""
        lo, hi = s["scale"]["min"], s["scale"]["max"]
        t.add_row(
            i, f"{lo:g} = {meta['min_label']} .. {hi:g} = {meta['max_label']}{unit}", _val(s["status_quo"])
        )
    con.print(t)

    t = Table(title="Actors", title_justify="left", width=78)
    t.add_column("actor")
    t.add_column("capability", justify="right")
    t.add_column("veto")
    t.add_column("reservation (utility)", justify="right")
    t.add_column("from")
    for a, info in data["actors"].items():
        res = info["reservation"]
        t.add_row(
            a,
            f"{info['capability']:g}",
            "yes" if info["veto"] else "",
            _val(res["utility"], 3),
            res["source"],
        )
    con.print(t)

    # forecasts side by side
    fc = {m: f for m, f in data["forecasts"].items() if "skipped" not in f}
    if fc:
        t = Table(title="Forecasts (each issue's own scale)", title_justify="left", width=78)
        t.add_column("model")
        for i in issues:
            t.add_column(i, justify="right", overflow="fold")
        for m, f in fc.items():
            t.add_row(m, *[_val(f[i]) for i in issues])
        sq = [sc["issues"][i]["status_quo"] for i in issues]
        t.add_row("[dim]status quo[/]", *[_val(x) for x in sq])
        con.print(t)
    skipped = [f"{m} ({f['skipped']})" for m, f in data["forecasts"].items() if "skipped" in f]
    if skipped:
        con.print("[dim]not run: " + "; ".join(skipped) + "[/]")

    # acceptance tables
    pts = dict(data["points"])
    for name, rec in data["recommended"].items():
        if rec is not None:
            pts[f"mediator: {name}"] = {"point": rec["point"], "acceptance": rec["acceptance"]}
    labels = list(pts)
    for start in range(0, len(labels), _MAX_COLS):
        chunk = labels[start : start + _MAX_COLS]
        _acceptance_table(con, data, {k: pts[k] for k in chunk}, issues)

    _print_zone(con, data)
    _print_proposals(con, data)
    if data.get("durability") is not None:
        con.print()
        con.print("[bold]How long would it hold? (ETH/PRIO cease-fires 1989-2016)[/]")
        print_durability(data["durability"])
    con.print()
    con.print("[bold]Answer[/]")
    for line in data["answer"]:
        con.print(f"- {line}")
    for note in data["notes"]:
        con.print(f"[dim]note: {note}[/]")


def _short(label: str) -> str:
    return label.replace("forecast: ", "").replace("mediator: ", "med. ")


def _acceptance_table(con: Any, data: dict[str, Any], pts: dict[str, Any], issues: dict[str, Any]) -> None:
    t = Table(
        title="Acceptance: margin (utility) per actor, ✓ accepts",
        title_justify="left",
        width=78,
        show_lines=False,
    )
    t.add_column("", no_wrap=True, min_width=16, max_width=18, overflow="ellipsis")
    for label in pts:
        t.add_column(_short(label), justify="right", overflow="fold", min_width=11)
    for i in issues:
        t.add_row(f"[dim]{i}[/]", *[f"[dim]{_val(p['point'][i])}[/]" for p in pts.values()])
    t.add_section()
    for a, info in data["actors"].items():
        cells = []
        for p in pts.values():
            row = p["acceptance"]["actors"][a]
            mark = "✓" if row["accepts"] else "✗"
            cells.append("?" if row["margin"] is None else f"{_signed(row['margin'])}{mark}")
        t.add_row(a + (" *" if info["veto"] else ""), *cells)
    t.add_section()
    t.add_row(
        "all veto accept", *["yes" if p["acceptance"]["all_veto_accept"] else "no" for p in pts.values()]
    )
    t.add_row("support", *[f"{p['acceptance']['support']:.2f}" for p in pts.values()])
    con.print(t)
    con.print(
        "[dim]issue rows: the point on each issue's own scale; * veto player; support: "
        "capability-weighted share of actors that accept (0-1)[/]"
    )


def _print_zone(con: Any, data: dict[str, Any]) -> None:
    z = data["zone"]
    issues = data["issues"]
    con.print()
    if z["exists"]:
        con.print("[bold]Zone of possible agreement: EXISTS[/]")
    else:
        con.print("[bold]Zone of possible agreement: NONE[/]")
    mm = z["maximin"]
    con.print(
        "maximin point: "
        + ", ".join(f"{i} {_val(v)}" for i, v in mm["point"].items())
        + f" (scale units); smallest veto margin {_signed(mm['smallest_margin'])} utility"
    )
    if z["extent"] is not None:
        t = Table(title="Extent of the zone (each issue's own scale)", title_justify="left", width=78)
        t.add_column("issue")
        t.add_column("lowest", justify="right")
        t.add_column("highest", justify="right")
        for i, e in z["extent"].items():
            t.add_row(i, _val(e["min"]), _val(e["max"]))
        con.print(t)
        con.print(
            "headroom: how far each veto player's reservation could rise before the zone closes "
            "(utility): " + ", ".join(f"{a} {_signed(s)}" for a, s in z["reservation_slack"].items())
        )
    else:
        g = z["gap"]
        con.print(
            f"the gap: every veto player would have to lower its reservation by "
            f"{g['uniform_concession']:.3f} utility (uniform concession)"
        )
        lt = g["least_total_concession"]
        con.print(
            f"least total concession {lt['total']:.3f} utility: "
            + ", ".join(f"{a} {d:.3f}" for a, d in lt["by_actor"].items())
            + "; the zone then opens at "
            + ", ".join(f"{i} {_val(v)}" for i, v in lt["point"].items())
        )
        for a, info in g["alone"].items():
            if info is None:
                con.print(f"{a} alone: cannot open a zone (the other veto players have none)")
            else:
                con.print(
                    f"{a} alone: reservation must fall by {info['fall']:.3f} utility "
                    f"(from {info['reservation']:.3f} to {info['new_reservation']:.3f})"
                )
        if g["position_changes"]:
            t = Table(
                title="What each veto player rejecting the maximin point would need: move it by",
                title_justify="left",
                width=78,
            )
            t.add_column("actor")
            for i in issues:
                t.add_column(i, justify="right", overflow="fold")
            for a, d in g["position_changes"].items():
                t.add_row(a, *[f"{d[i]:+.1f}" for i in issues])
            con.print(t)
            con.print("[dim]scale units; + is towards each issue's max label[/]")
    block = z["blocking_coalitions"]
    if block is not None:
        con.print(
            "blocking coalitions of veto players: "
            + ("none" if not block else "; ".join("{" + ", ".join(b) + "}" for b in block))
        )
    con.print("pivotal: " + (", ".join(z["pivotal"]) or "none"))


def _print_proposals(con: Any, data: dict[str, Any]) -> None:
    con.print()
    con.print("[bold]Recommended proposals[/] (scale units)")
    for name, rec in data["recommended"].items():
        if rec is None:
            con.print(f"- {name}: none (no zone of possible agreement)")
            continue
        acc = rec["acceptance"]
        con.print(
            f"- {rec['method']}: "
            + ", ".join(f"{i} {_val(v)}" for i, v in rec["point"].items())
            + f"; every veto player accepts: {'yes' if acc['all_veto_accept'] else 'no'}"
            + f"; support {acc['support']:.2f}"
        )
        con.print(f"  [dim]{rec['note']}[/]")
    if not data["proposals"]:
        return
    con.print()
    con.print("[bold]The scenario's proposals[/]")
    for c in data["proposals"].values():
        by = f" (tabled by {', '.join(c['tabled_by'])})" if c["tabled_by"] else ""
        status = "passes: every veto player accepts" if c["all_veto_accept"] else "fails"
        con.print(f"- {c['name']}{by}: {status}")
        for a, short in c["shortfall"].items():
            change = c["change_for"].get(a)
            move = (
                "; it would accept the proposal moved by "
                + ", ".join(f"{i} {d:+.1f}" for i, d in change.items() if abs(d) >= 0.05)
                if change
                else ""
            )
            con.print(f"  {a} is {short:.3f} utility short{move}")
        if c["nearest_passing"] is not None and not c["all_veto_accept"]:
            con.print(
                "  nearest point every veto player accepts: "
                + ", ".join(f"{i} {_val(v)}" for i, v in c["nearest_passing"].items())
            )
        for note in c["notes"]:
            con.print(f"  [dim]{note}[/]")


@app.command()
def analyze(
    file: Path = typer.Argument(..., help="Scenario file"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
    loss: str = typer.Option("quadratic", "--loss", help="Utility loss: linear or quadratic"),
    point: list[str] = typer.Option(
        None,
        "--point",
        help="A point to test, ISSUE=VALUE in scale units (repeatable; others at the status quo)",
    ),
    seed: int = opt.seed("Seed for stochastic models"),
    data: Path | None = typer.Option(
        None,
        "--data",
        help="ETH/PRIO cease-fire data (CSV) for a durability section; default $ACCORD_CEASEFIRE_DATA",
    ),
    input_format: str | None = INPUT_FORMAT,
) -> None:
    """Who wants a deal: acceptance, the zone of possible agreement, the gap, mediator proposals."""
    check_format(fmt, ("text", "json"))
    if loss not in ("linear", "quadratic"):
        raise InputError(f"--loss {loss!r}: expected linear or quadratic")
    s = load_scenario(file, input_format)
    from accord.case import build_report  # the analysis (scipy.optimize) loads only when it runs

    try:
        report = build_report(s, loss, parse_points(point, s), seed=seed, ceasefire_data=data)  # type: ignore[arg-type]
    except InputError as exc:
        if exc.source is None:
            raise InputError(str(exc), source=str(file)) from None
        raise
    if fmt == "json":
        typer.echo(dump_json(report))
    else:
        print_report(report)
