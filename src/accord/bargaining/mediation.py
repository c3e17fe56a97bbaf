r"""What a mediator should table, and how the scenario's own proposals compare.

Three proposals, each inside the zone of possible agreement when one exists
(:mod:`accord.bargaining.agreement`):

* **maximin**: the outcome that maximises the smallest veto player's margin (the egalitarian
  solution relative to the reservations; Kalai 1977, *Econometrica* 45(7)). Without a zone it
  is still the outcome closest to one: every veto player falls short by at most the gap.
* **Nash bargaining**: the asymmetric Nash bargaining solution among the veto players with
  their reservations as the disagreement point and capability as bargaining power,
  :math:`\arg\max_{x \in Z} \sum_{i \in V} c_i \log m_i(x)` (Nash 1950, *Econometrica* 18(2);
  the asymmetric form of Kalai 1977 and Roth 1979, *Axiomatic Models of Bargaining*, ch. 1).
  The objective is concave, so the solution is unique; solved by the Nash model's solver
  (:func:`accord.models.nbs.nash_solution`: exact bisection on one issue, SLSQP from the
  maximin point on several).
* **most support**: among outcomes every veto player accepts, one that the largest
  capability-weighted share of all actors accepts (non-veto actors too: mediators and outside
  powers whose backing makes a deal stick). The set of acceptors is chosen exactly by searching
  the sets of non-veto actors in decreasing order of capability, each checked as a zone; the
  proposal is the maximin point of the chosen set.

For a proposal in the scenario (a mediator's bridging proposal), :func:`compare` gives the
acceptance table, the utility each rejecting veto player is short, the nearest point it would
accept, and the nearest point every veto player accepts (the smallest change that would make the
proposal pass), or, when no zone exists, that no change to the proposal alone suffices.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from accord.bargaining.agreement import (
    Acceptance,
    _maximin_draw,
    _maximin_refined,
    _member_mask,
    _members_data,
    _single,
    acceptance,
    nearest_acceptable,
)
from accord.bargaining.utility import ACCEPT_TOL, Loss, reservation
from accord.models.nbs import nash_solution
from accord.problem import Problem

Array = NDArray[np.float64]

# the most non-veto actors for which every set of supporters is searched (else greedy)
MAX_SUPPORT_SEARCH = 12


@dataclass
class MediatorProposal:
    """A proposal a mediator could table: its point (unit scale) and acceptance table."""

    name: str
    method: str
    point: Array  # (I,)
    acceptance: Acceptance
    note: str = ""
    supporters: tuple[str, ...] = ()


def maximin_proposal(problem: Problem, loss: Loss = "quadratic") -> MediatorProposal:
    """The maximin outcome over the veto players (see the module docstring)."""
    _single(problem)
    mask = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, mask)
    x, z = _maximin_refined(w, p, c, loss)
    note = (
        f"every veto player's margin is at least {z:.3f} utility"
        if z >= -ACCEPT_TOL
        else f"no zone: the worst-off veto player falls {-z:.3f} utility short"
    )
    return MediatorProposal("maximin", "maximin", x, acceptance(problem, x, loss, "maximin"), note)


def nash_proposal(problem: Problem, loss: Loss = "quadratic") -> MediatorProposal | None:
    """The asymmetric Nash bargaining solution inside the zone; None when there is no zone."""
    _single(problem)
    mask = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, mask)
    x0, z = _maximin_draw(w, p, c, loss)
    if z < -ACCEPT_TOL:
        return None
    cap = problem.capability[mask]
    a = cap / cap.sum() if cap.sum() > 0 else np.full(len(cap), 1.0 / len(cap))
    if z <= 1e-9:
        x = x0  # the zone is one point
    else:
        x = nash_solution(a, w, p, c, loss, x0)
    note = "weights: capability; disagreement point: each veto player's reservation"
    return MediatorProposal("nash", "Nash bargaining", x, acceptance(problem, x, loss, "nash"), note)


def max_support_proposal(problem: Problem, loss: Loss = "quadratic") -> MediatorProposal | None:
    """The outcome every veto player accepts with the most capability-weighted support.

    None when there is no zone. See the module docstring for the search.
    """
    _single(problem)
    veto = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, veto)
    if _maximin_draw(w, p, c, loss)[1] < -ACCEPT_TOL:
        return None
    r, _ = reservation(problem, loss)
    others = np.flatnonzero(~problem.veto & np.isfinite(r))
    cap = problem.capability
    order = others[np.argsort(-cap[others], kind="stable")]

    def feasible(extra: tuple[int, ...]) -> tuple[Array, float]:
        mask = veto.copy()
        mask[list(extra)] = True
        wm, pm, cm = _members_data(problem, loss, mask)
        return _maximin_draw(wm, pm, cm, loss)

    best: tuple[int, ...] = ()
    if len(order) <= MAX_SUPPORT_SEARCH:
        subsets = [s for k in range(len(order), 0, -1) for s in itertools.combinations(order.tolist(), k)]
        subsets.sort(key=lambda s: -float(cap[list(s)].sum()))
        for s in subsets:
            if feasible(s)[1] >= -ACCEPT_TOL:
                best = s
                break
    else:  # greedy by capability: a lower bound on the best support
        for k in order.tolist():
            if feasible((*best, k))[1] >= -ACCEPT_TOL:
                best = (*best, k)
    x, _ = feasible(best)
    acc = acceptance(problem, x, loss, "most support")
    supporters = tuple(problem.actor_ids[k] for k in np.flatnonzero(acc.accepts))
    note = "maximin point of the veto players and the largest set of others that can all accept"
    if len(order) > MAX_SUPPORT_SEARCH:
        note += " (greedy search: more than 12 non-veto actors)"
    return MediatorProposal("most_support", "most support", x, acc, note, supporters)


@dataclass
class Comparison:
    """A proposal in the scenario set against what every veto player accepts."""

    label: str
    acceptance: Acceptance
    shortfall: dict[str, float]  # rejecting veto player -> utility it is short
    nearest_for: dict[str, Array]  # rejecting veto player -> nearest point it accepts (unit)
    nearest_passing: Array | None  # nearest point every veto player accepts; None: no zone
    tabled_by: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def compare(
    problem: Problem, point: Array, loss: Loss = "quadratic", label: str = "", tabled_by: tuple[str, ...] = ()
) -> Comparison:
    """Who accepts ``point`` (unit scale), by what margin, and what would have to change."""
    acc = acceptance(problem, point, loss, label)
    shortfall: dict[str, float] = {}
    nearest_for: dict[str, Array] = {}
    for k in np.flatnonzero(problem.veto & ~acc.accepts):
        a = problem.actor_ids[k]
        shortfall[a] = float(-acc.margin[k])
        y = nearest_acceptable(problem, acc.point, loss, [a])
        if y is not None:
            nearest_for[a] = y
    passing = nearest_acceptable(problem, acc.point, loss)
    notes: list[str] = []
    if passing is None:
        notes.append(
            "no outcome is acceptable to every veto player: no change to this proposal alone makes "
            "it pass; reservations must fall (see the gap)"
        )
    for a in tabled_by:
        if not acc.accepts[problem.actor_ids.index(a)]:
            notes.append(f"{a} tabled it but, as encoded, does not accept it")
    return Comparison(label, acc, shortfall, nearest_for, passing, tabled_by, notes)


__all__ = [
    "Comparison",
    "MediatorProposal",
    "compare",
    "max_support_proposal",
    "maximin_proposal",
    "nash_proposal",
]
