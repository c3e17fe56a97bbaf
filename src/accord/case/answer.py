"""The verdict of a case analysis in plain sentences (``CaseAnalysis.answer``).

The first sentence answers "does anyone want a deal?"; the others say which veto players bind or
block, how the tabled proposals fare, and, without a zone, what it would take: the uniform and
the least total concession, the moves in positions, and each veto player's fall alone.
"""

from __future__ import annotations

from accord.bargaining import agreement as ag
from accord.problem import Problem
from accord.scenario.model import Scenario


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
