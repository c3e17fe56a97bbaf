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

from accord.analysis import agreement as ag
from accord.analysis import mediation as md
from accord.analysis.utility import Loss
from accord.cli import app
from accord.cli.core import INPUT_FORMAT, load_scenario, scenario_json
from accord.cli.output import check_format, console, dump_json
from accord.errors import InputError
from accord.forecast import run_forecasts
from accord.problem import Problem, to_problem
from accord.scenario.model import Scenario

Array = np.ndarray[Any, np.dtype[np.float64]]

UTILITY_FORMS = {
    "quadratic": "1 - salience-weighted squared distance from the actor's positions "
    "(issues on 0-1); 1 at the actor's ideal",
    "linear": "1 - salience-weighted distance from the actor's positions (issues on 0-1); "
    "1 at the actor's ideal",
}


def _point_dict(problem: Problem, x: Array) -> dict[str, float]:
    vals = problem.to_scale(x)
    return {i: float(v) for i, v in zip(problem.issue_ids, vals, strict=True)}


def _delta_dict(problem: Problem, dx: Array) -> dict[str, float]:
    vals = dx * (problem.scale_max - problem.scale_min)
    return {i: float(v) for i, v in zip(problem.issue_ids, vals, strict=True)}


def _acceptance_json(problem: Problem, acc: ag.Acceptance) -> dict[str, Any]:
    return {
        "actors": {
            a: {
                "utility": _num(acc.utility[k]),
                "reservation": _num(acc.reservation[k]),
                "margin": _num(acc.margin[k]),
                "accepts": bool(acc.accepts[k]),
            }
            for k, a in enumerate(problem.actor_ids)
        },
        "all_veto_accept": acc.all_veto_accept,
        "rejecting_veto": list(acc.rejecting_veto),
        "support": acc.support,
    }


def _num(v: Any) -> float | None:
    f = float(v)
    return f if np.isfinite(f) else None


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


def build_report(
    scenario: Scenario,
    loss: Loss = "quadratic",
    point: dict[str, float] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Everything ``accord analyze`` reports, JSON-ready, points in scale units."""
    problem = to_problem(scenario)
    ag.check_problem(problem, loss)
    names = {a.id: a.label for a in scenario.actors}
    v = ag.verdict(problem, loss)

    # --- the points whose acceptance is tabled
    points: dict[str, dict[str, Any]] = {}

    def add(label: str, kind: str, x: Array, extra: dict[str, Any] | None = None) -> None:
        acc = ag.acceptance(problem, x, loss, label)
        points[label] = {
            "kind": kind,
            "point": _point_dict(problem, acc.point),
            "acceptance": _acceptance_json(problem, acc),
            **(extra or {}),
        }

    if np.isfinite(problem.status_quo).all():
        add("status quo", "status_quo", problem.status_quo)
    for prop in scenario.proposals:
        add(prop.id, "proposal", ag.points_of(problem, prop.point), {"name": prop.name or prop.id})
    forecasts = run_forecasts(scenario, seed=seed)
    forecast_json: dict[str, Any] = {}
    for name, f in forecasts.items():
        if f.skipped:
            forecast_json[name] = {"skipped": f.skipped}
            continue
        forecast_json[name] = dict(f.outcome)
        add(f"forecast: {name}", "forecast", ag.points_of(problem, f.outcome), {"model": name})
    if point:
        add("your point", "user", ag.points_of(problem, point))

    # --- the zone
    veto_ids = [a for a, k in zip(problem.actor_ids, problem.veto, strict=True) if k]
    r = v.maximin.reservation
    zone: dict[str, Any] = {
        "exists": v.exists,
        "veto_players": veto_ids,
        "maximin": {
            "point": _point_dict(problem, v.maximin_point),
            "smallest_margin": v.maximin_margin,
            "margins": {a: _num(v.maximin.margin[problem.actor_ids.index(a)]) for a in veto_ids},
        },
        "extent": None,
        "binding": list(v.binding),
        "pivotal": list(v.pivotal),
        "blocking_coalitions": None if v.blocking is None else [list(b) for b in v.blocking],
        "reservation_slack": v.slack,
        "gap": None,
    }
    if v.extent is not None:
        lo, hi = problem.to_scale(v.extent[0]), problem.to_scale(v.extent[1])
        zone["extent"] = {
            i: {"min": float(lo[j]), "max": float(hi[j])} for j, i in enumerate(problem.issue_ids)
        }
    else:
        alone: dict[str, Any] = {}
        for a in veto_ids:
            s = v.slack[a]
            k = problem.actor_ids.index(a)
            alone[a] = (
                None
                if s is None
                else {"fall": -s, "reservation": float(r[k]), "new_reservation": float(r[k] + s)}
            )
        zone["gap"] = {
            "uniform_concession": -v.maximin_margin,
            "least_total_concession": {
                "total": v.concession.total,
                "by_actor": v.concession.by_actor,
                "point": _point_dict(problem, v.concession.point),
            },
            "alone": alone,
            "position_changes": {a: _delta_dict(problem, dx) for a, dx in v.shortfall.items()},
        }

    # --- mediator proposals
    recommended: dict[str, Any] = {}
    for mp in (
        md.maximin_proposal(problem, loss),
        md.nash_proposal(problem, loss),
        md.max_support_proposal(problem, loss),
    ):
        if mp is None:
            continue
        recommended[mp.name] = {
            "method": mp.method,
            "note": mp.note,
            "point": _point_dict(problem, mp.point),
            "acceptance": _acceptance_json(problem, mp.acceptance),
        }
    for key in ("nash", "most_support"):
        recommended.setdefault(key, None)

    # --- the scenario's proposals against the zone
    comparisons: dict[str, Any] = {}
    for prop in scenario.proposals:
        c = md.compare(problem, ag.points_of(problem, prop.point), loss, prop.id, prop.tabled_by)
        comparisons[prop.id] = {
            "name": prop.name or prop.id,
            "tabled_by": list(prop.tabled_by),
            "all_veto_accept": c.acceptance.all_veto_accept,
            "shortfall": c.shortfall,
            "nearest_for": {a: _point_dict(problem, y) for a, y in c.nearest_for.items()},
            "change_for": {a: _delta_dict(problem, y - c.acceptance.point) for a, y in c.nearest_for.items()},
            "nearest_passing": None if c.nearest_passing is None else _point_dict(problem, c.nearest_passing),
            "notes": c.notes,
        }

    return {
        "scenario": scenario_json(scenario),
        "loss": loss,
        "utility": UTILITY_FORMS[loss],
        "units": {
            "utility": "0-1 (1 = the actor's ideal outcome)",
            "margin": "utility minus reservation utility; >= 0 accepts",
            "support": "capability-weighted share of all actors that accept, 0-1",
            "points": "each issue's own scale",
        },
        "issues": {
            i.id: {"unit": i.scale.unit, "min_label": i.scale.min_label, "max_label": i.scale.max_label}
            for i in scenario.issues
        },
        "actors": {
            a: {
                "name": names[a],
                "capability": float(problem.capability[k]),
                "veto": bool(problem.veto[k]),
                "reservation": {"utility": _num(r[k]), "source": v.reservation_source[a]},
            }
            for k, a in enumerate(problem.actor_ids)
        },
        "forecasts": forecast_json,
        "points": points,
        "zone": zone,
        "recommended": recommended,
        "proposals": comparisons,
        "answer": answer(scenario, problem, v),
        "notes": v.notes,
    }


def answer(scenario: Scenario, problem: Problem, v: ag.Verdict) -> list[str]:
    """The verdict in plain sentences (the first line answers "does anyone want a deal?")."""
    veto = [a for a, k in zip(problem.actor_ids, problem.veto, strict=True) if k]
    label = {a.id: a.label for a in scenario.actors}
    who = _join([label[a] for a in veto])
    out: list[str] = []
    if v.exists:
        out.append(
            f"Yes: as encoded, there are deals that {who} all prefer to no deal. The maximin deal "
            f"leaves each of them at least {v.maximin_margin:.3f} utility above its reservation."
        )
        tight = _join([label[a] for a in v.binding])
        out.append(f"The zone is narrowest for {tight}: their consent decides what can be tabled.")
        out.extend(_proposal_lines(scenario, problem, v, veto, label))
        return out
    both = "both" if len(veto) == 2 else "all of"
    out.append(f"No: as encoded, no deal is acceptable to {both} {who}.")
    for coalition in v.blocking or []:
        members = [label[a] for a in coalition]
        other = "the other" if len(members) == 2 else "the others"
        out.append(
            f"{_join(members)} cannot agree: each prefers its no-deal outcome (its reservation) to "
            f"every deal {other} would accept."
            if len(members) > 1
            else f"{members[0]} accepts no deal at all."
        )
    out.extend(_proposal_lines(scenario, problem, v, veto, label))
    shares = [f"{label[a]} {d:.3f}" for a, d in v.concession.by_actor.items() if d > 0]
    out.append(
        f"What it would take: every veto player lowering its reservation by {-v.maximin_margin:.3f} "
        f"utility (the uniform concession), or {v.concession.total:.3f} utility in all, shared as "
        + _join(shares)
        + "."
    )
    for a, dx in v.shortfall.items():
        scaled = dx * (problem.scale_max - problem.scale_min)
        moves = []
        for i, d in zip(problem.issue_ids, scaled, strict=True):
            if abs(d) >= 0.05:
                scale = scenario.issue(i).scale
                moves.append(f"{abs(d):.1f} towards '{scale.max_label if d > 0 else scale.min_label}' on {i}")
        out.append(
            f"In positions: for {label[a]} to accept the maximin deal, the deal would have to move "
            + "; ".join(moves)
            + " (scale units)."
        )
    cannot = []
    for a in veto:
        s = v.slack[a]
        if s is None:
            cannot.append(label[a])
        else:
            out.append(
                f"Under outside pressure, {label[a]} alone would have to lower its reservation by "
                f"{-s:.3f} utility (from {v.maximin.reservation[problem.actor_ids.index(a)]:.3f})."
            )
    if cannot:
        out.append(
            f"No concession by {_join(cannot)} alone opens a zone: the others have none among themselves."
        )
    return out


def _proposal_lines(
    scenario: Scenario, problem: Problem, v: ag.Verdict, veto: list[str], label: dict[str, str]
) -> list[str]:
    lines = []
    for prop in scenario.proposals:
        acc = ag.acceptance(problem, ag.points_of(problem, prop.point), v.loss, prop.id)
        yes = [label[a] for a, ok in zip(problem.actor_ids, acc.accepts, strict=True) if ok and a in veto]
        no = [label[a] for a in acc.rejecting_veto]
        lines.append(
            f"{prop.name or prop.id}: accepted by {_join(yes) or 'no veto player'}, "
            f"rejected by {_join(no) or 'no veto player'}."
        )
    return lines


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


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
    seed: int = typer.Option(0, "--seed", help="Seed for stochastic models"),
    input_format: str | None = INPUT_FORMAT,
) -> None:
    """Who wants a deal: acceptance, the zone of possible agreement, the gap, mediator proposals."""
    check_format(fmt, ("text", "json"))
    if loss not in ("linear", "quadratic"):
        raise InputError(f"--loss {loss!r}: expected linear or quadratic")
    s = load_scenario(file, input_format)
    try:
        data = build_report(s, loss, parse_points(point, s), seed=seed)  # type: ignore[arg-type]
    except InputError as exc:
        if exc.source is None:
            raise InputError(str(exc), source=str(file)) from None
        raise
    if fmt == "json":
        typer.echo(dump_json(data))
    else:
        print_report(data)
