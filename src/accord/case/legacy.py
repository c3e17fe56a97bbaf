"""The former dict-shaped case analysis (kept while callers move to :func:`accord.case.analyze_case`).

:func:`build_report` returns one JSON-ready dict (documented in ``docs/analysis.md``) that every
edge renders: ``accord analyze`` as text or JSON, ``accord report`` as HTML. Nothing downstream
computes numbers of its own.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from accord.bargaining import agreement as ag
from accord.bargaining import mediation as md
from accord.bargaining.utility import Loss
from accord.forecast import Forecast, run_forecasts, scenario_json
from accord.problem import Problem, to_problem
from accord.scenario.model import Scenario

Array = np.ndarray[Any, np.dtype[np.float64]]

# environment variable naming the cease-fire data set for the durability section
CEASEFIRE_DATA_ENV = "ACCORD_CEASEFIRE_DATA"

UTILITY_FORMS = {
    "quadratic": "1 - salience-weighted squared distance from the actor's positions "
    "(issues on 0-1); 1 at the actor's ideal",
    "linear": "1 - salience-weighted distance from the actor's positions (issues on 0-1); "
    "1 at the actor's ideal",
}




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


def build_report(
    scenario: Scenario,
    loss: Loss = "quadratic",
    point: dict[str, float] | None = None,
    seed: int = 0,
    ceasefire_data: str | os.PathLike[str] | None = None,
    forecasts: dict[str, Forecast] | None = None,
) -> dict[str, Any]:
    """Everything ``accord analyze`` reports, JSON-ready, points in scale units.

    ``forecasts``: the result of ``run_forecasts(scenario, seed=seed)`` when the caller already
    has it (the HTML report draws their trajectories); by default they are run here.

    ``ceasefire_data``: path of the ETH/PRIO cease-fire data (default ``$ACCORD_CEASEFIRE_DATA``);
    when one is configured, a ``durability`` section gives the base rate for the scenario's deal.
    """
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
            "point": problem.point_dict(acc.point),
            "acceptance": _acceptance_json(problem, acc),
            **(extra or {}),
        }

    if np.isfinite(problem.status_quo).all():
        add("status quo", "status_quo", problem.status_quo)
    for prop in scenario.proposals:
        add(prop.id, "proposal", ag.points_of(problem, prop.point), {"name": prop.name or prop.id})
    if forecasts is None:
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
            "point": problem.point_dict(v.maximin_point),
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
                "point": problem.point_dict(v.concession.point),
            },
            "alone": alone,
            "position_changes": {a: problem.delta_dict(dx) for a, dx in v.shortfall.items()},
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
            "point": problem.point_dict(mp.point),
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
            "nearest_for": {a: problem.point_dict(y) for a, y in c.nearest_for.items()},
            "change_for": {a: problem.delta_dict(y - c.acceptance.point) for a, y in c.nearest_for.items()},
            "nearest_passing": None if c.nearest_passing is None else problem.point_dict(c.nearest_passing),
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
        "durability": durability_for(scenario, ceasefire_data),
    }


def durability_for(scenario: Scenario, path: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """The durability section when cease-fire data is configured (``path`` or
    ``$ACCORD_CEASEFIRE_DATA``), else None."""
    path = path or os.environ.get(CEASEFIRE_DATA_ENV) or None
    if path is None:
        return None
    from accord.durability import durability_section

    return durability_section(scenario, path)


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
