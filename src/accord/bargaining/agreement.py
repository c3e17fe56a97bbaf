r"""Who wants a deal: acceptance, the zone of possible agreement, the gap, pivotal actors.

Every actor :math:`i` has the utility :math:`u_i(x)` of :mod:`accord.bargaining.utility` and a
reservation utility :math:`r_i`; its *margin* for an outcome is :math:`m_i(x) = u_i(x) - r_i`
and it accepts when the margin is at least 0. The **zone of possible agreement** (ZOPA) is the
set of outcomes on the issue box :math:`[0, 1]^I` that every veto player accepts,

.. math:: Z = \{x \in [0,1]^I : m_i(x) \ge 0 \ \forall i \in V\}.

Each :math:`m_i` is concave (linear or quadratic loss), so :math:`Z` is convex and the zone is
decided exactly by the convex program

.. math:: z^* = \max_{x \in [0,1]^I} \min_{i \in V} m_i(x),

the *maximin* problem (Rawls's difference principle applied to margins; the egalitarian
solution of Kalai 1977 with the reservations as disagreement point): a zone exists iff
:math:`z^* \ge 0`, and the maximin point is the outcome that leaves the least satisfied veto
player best off. When :math:`z^* < 0` every veto player would have to lower its reservation by
:math:`-z^*` for the zone to open at the maximin point: that is the smallest *uniform*
concession. Raiffa (1982), *The Art and Science of Negotiation*, ch. 4, for the ZOPA.

How it is solved (``docs/analysis.md`` has the details):

* **one issue** (vectorised over the batch, exact): on one issue each acceptance set is an
  interval and :math:`\min_i m_i` is concave and piecewise linear (linear loss: the maximum is
  where the left and right envelopes meet, a closed form) or piecewise quadratic (quadratic
  loss: the maximum is at an end of the scale, an ideal point, or where two margins cross;
  every candidate is evaluated).
* **linear loss, several issues**: the epigraph form is a linear program,
  :math:`\max z` s.t. :math:`z + \sum_j w_{ij} t_{ij} \le 1 - r_i`,
  :math:`t_{ij} \ge \pm(x_j - p_{ij})`, solved by HiGHS (``scipy.optimize.linprog``).
* **quadratic loss, several issues**: a convex quadratically constrained program,
  :math:`\max z` s.t. :math:`z + \sum_j w_{ij}(x_j - p_{ij})^2 \le 1 - r_i`, solved by
  :mod:`accord.bargaining.qcp` (a primal-dual interior point polished by Newton's method on the
  KKT equations; Nocedal & Wright 2006, ch. 19); a program whose KKT conditions it cannot
  show (a degenerate corner, rare) goes to SciPy's SLSQP, as every program did before.
  Issue weights below ``WEIGHT_FLOOR`` (1e-12) count as 0 in the programs.

The same two solvers answer the other questions, each a convex program of the same form:
the zone's extent on each issue (:math:`\min`/:math:`\max x_j` over :math:`Z`); how far one
named actor's reservation must fall for a zone to open (:math:`\max m_k(x)` with every other
veto player accepting); the least total concession (:math:`\min \sum_i \delta_i` with
:math:`m_i(x) + \delta_i \ge 0`); the nearest acceptable point to a proposal (projection on an
acceptance set or on :math:`Z`). Blocking coalitions: the minimal sets of veto players whose
acceptance sets do not meet. By Helly's theorem (Helly 1923) convex sets in
:math:`\mathbb{R}^I` that meet :math:`I+1` at a time all meet, so a minimal blocking coalition
has at most :math:`I + 1` members and only those sizes are searched.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.bargaining import qcp
from accord.bargaining.utility import (
    ACCEPT_TOL,
    Loss,
    accepts,
    all_veto_accept,
    issue_weights,
    reservation,
    support,
    utility,
)
from accord.errors import InputError
from accord.models.weighted import weighted_mean, weighted_median
from accord.problem import Problem

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# the most veto players for which every coalition is searched for blocking sets
MAX_COALITION_SEARCH = 12
_Z_BOUND = 10.0  # margins lie in [-2, 1]; a box for auxiliary variables keeps the programs bounded
# an issue weight below this moves a margin by less than a thousandth of ACCEPT_TOL (distances on
# the unit scale are at most 1), so the programs take it as 0: a member that must get its ideal
# point (c = 0) is not pinned on an issue it weighs 1e-83, which no acceptance test could see
WEIGHT_FLOOR = 1e-12
# a veto player whose margin at the maximin point is within this of the smallest binds there
BINDING_TOL = 1e-6


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def check_problem(problem: Problem, loss: Loss = "quadratic", *, strict: bool = True) -> None:
    """Raise :class:`InputError` when the agreement analysis cannot answer for this problem.

    No veto player (nobody must sign, so "every veto player accepts" is empty); a veto
    player whose reservation is unknown (no reservation and no status quo on an issue it
    cares about); with ``strict``, a reservation above the best utility the actor can get
    anywhere (1, at its ideal point), which no deal can meet.
    """
    if loss not in ("linear", "quadratic"):
        raise InputError(f"--loss {loss!r}: expected linear or quadratic")
    if not problem.veto.any():
        raise InputError(
            "no actor has a veto: the agreement analysis asks what every actor that must sign "
            "accepts; mark the parties (role: party, or veto: true)"
        )
    r, source = reservation(problem, loss)
    unknown = [problem.actor_ids[k] for k in np.flatnonzero(problem.veto & (source == "none"))]
    if unknown:
        raise InputError(
            "veto player(s) "
            + ", ".join(unknown)
            + " have no reservation: give actors[].reservation (a utility or a point) or a "
            "status_quo on every issue they care about"
        )
    if strict:
        # the highest reservation of each actor over the batch, against the best it can get (1)
        worst = np.asarray(r).reshape(-1, problem.n_actors).max(axis=0)
        for k in np.flatnonzero((worst > 1.0 + ACCEPT_TOL) & problem.veto):
            raise InputError(
                f"actors ({problem.actor_ids[k]}).reservation: utility {worst[k]:.3f} is above the "
                "best it can get from any deal (1, at its own positions): no deal can meet it"
            )


def best_utility(problem: Problem, loss: Loss = "quadratic") -> Array:
    """Each actor's highest attainable utility on the issue box ``(*B, A)``.

    Every ideal point lies in the box, so this is 1 for every actor and both losses; it is
    the ceiling a reservation must stay under for a deal to be possible at all.
    """
    return np.ones(problem.batch_shape + (problem.n_actors,))


def _member_mask(problem: Problem, members: BoolArray | Sequence[str] | None) -> BoolArray:
    if members is None:
        mask = problem.veto.copy()
    elif isinstance(members, np.ndarray) and members.dtype == bool:
        mask = members.copy()
    else:
        names = list(members)
        unknown = [n for n in names if n not in problem.actor_ids]
        if unknown:
            raise InputError(
                f"unknown actor(s) {', '.join(unknown)} (actors: {', '.join(problem.actor_ids)})"
            )
        mask = np.isin(np.array(problem.actor_ids), names)
    if not mask.any():
        raise InputError(
            "no actor has a veto: the agreement analysis asks what every actor that must sign "
            "accepts; mark the parties (role: party, or veto: true)"
        )
    return np.asarray(mask, dtype=bool)


def _members_data(problem: Problem, loss: Loss, mask: BoolArray) -> tuple[Array, Array, Array]:
    """Weights ``(*B, S, I)``, ideal points ``(*B, S, I)`` and ``1 - r`` ``(*B, S)`` of members."""
    r, source = reservation(problem, loss)
    bad = [problem.actor_ids[k] for k in np.flatnonzero(mask & (source == "none"))]
    if bad:
        raise InputError(
            "veto player(s) "
            + ", ".join(bad)
            + " have no reservation: give actors[].reservation (a utility or a point) or a "
            "status_quo on every issue they care about"
        )
    w = issue_weights(problem)[..., mask, :]
    w = np.where(w < WEIGHT_FLOOR, 0.0, w)
    p = np.where(problem.mask, problem.position, 0.0)[..., mask, :]
    p = np.broadcast_to(p, w.shape)
    c = 1.0 - np.asarray(r)[..., mask]
    return np.asarray(w), np.asarray(p), np.asarray(c)


def _loss_sum(w: Array, p: Array, x: Array, loss: Loss) -> Array:
    d = x[..., None, :] - p
    return np.asarray((w * (np.abs(d) if loss == "linear" else d * d)).sum(axis=-1))


# --------------------------------------------------------------------------------------------
# the one-issue case: exact and vectorised
# --------------------------------------------------------------------------------------------


def _maximin_1d(w: Array, p: Array, c: Array, loss: Loss) -> tuple[Array, Array]:
    """Maximin on one issue. ``w, p, c``: ``(*B, S)`` (``w`` is 0 or 1 on one issue)."""
    on = w > 0
    any_on = on.any(axis=-1)
    if loss == "linear":
        # c - |x - p| = min(x + (c - p), (c + p) - x): the minimum over actors is
        # min(x + A, B - x), maximal where the two lines meet
        lo = np.where(on, c - p, np.inf).min(axis=-1)
        hi = np.where(on, c + p, np.inf).min(axis=-1)
        with np.errstate(invalid="ignore"):
            x = np.clip(0.5 * (hi - lo), 0.0, 1.0)
        x = np.where(any_on, x, 0.5)
    else:
        pp = np.where(on, p, 0.5)
        pi, pj = pp[..., :, None], pp[..., None, :]
        ci, cj = c[..., :, None], c[..., None, :]
        pair = on[..., :, None] & on[..., None, :] & (pi != pj)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = 0.5 * (pi + pj) + (ci - cj) / (2.0 * (pj - pi))
        cross = np.where(pair, cross, 0.5)
        shape = c.shape[:-1]
        cand = np.concatenate(
            [pp, np.zeros(shape + (1,)), np.ones(shape + (1,)), cross.reshape(shape + (-1,))], axis=-1
        )
        cand = np.clip(cand, 0.0, 1.0)
        m = c[..., None, :] - np.where(on[..., None, :], (cand[..., :, None] - pp[..., None, :]) ** 2, 0.0)
        best = np.argmax(m.min(axis=-1), axis=-1)
        x = np.take_along_axis(cand, best[..., None], axis=-1)[..., 0]
    margin = c - w * (np.abs(x[..., None] - p) if loss == "linear" else (x[..., None] - p) ** 2)
    return x, margin.min(axis=-1)


# --------------------------------------------------------------------------------------------
# the general convex program, one draw at a time
# --------------------------------------------------------------------------------------------


@dataclass
class _Program:
    r"""``max g.x + h.s`` s.t. ``c_i - L_i(x) + E_i.s >= 0`` for each member, ``x`` in the box.

    ``L_i`` is the member's salience-weighted loss; ``s`` are auxiliary variables (the
    maximin level, per-actor concessions) with bounds ``s_bounds``.
    """

    w: Array  # (S, I)
    p: Array  # (S, I)
    c: Array  # (S,)
    loss: Loss
    g: Array  # (I,)
    h: Array  # (m,)
    E: Array  # (S, m)
    s_bounds: list[tuple[float, float]]

    def solve(self, x0: Array | None = None) -> tuple[Array, Array] | None:
        if self.loss == "linear":
            return self._lp()
        return self._qcp(x0)

    def _lp(self) -> tuple[Array, Array] | None:
        # loaded on the first program (about 0.8 s: all of SciPy's optimizers); one issue needs none
        from scipy.optimize import linprog

        n_s, n_i = self.w.shape
        m = self.h.size
        pairs = np.argwhere(self.w > 0)
        n_p = len(pairs)
        n = n_i + n_p + m
        a = np.zeros((n_s + 2 * n_p, n))
        b = np.zeros(n_s + 2 * n_p)
        rows = pairs[:, 0]
        cols = pairs[:, 1]
        k = np.arange(n_p)
        # member rows: sum_j w_ij t_ij - E_i.s <= c_i
        a[rows, n_i + k] = self.w[rows, cols]
        a[:n_s, n_i + n_p :] = -self.E
        b[:n_s] = self.c
        # t_ij >= x_j - p_ij and t_ij >= p_ij - x_j
        a[n_s + k, cols] = 1.0
        a[n_s + k, n_i + k] = -1.0
        b[n_s + k] = self.p[rows, cols]
        a[n_s + n_p + k, cols] = -1.0
        a[n_s + n_p + k, n_i + k] = -1.0
        b[n_s + n_p + k] = -self.p[rows, cols]
        cost = np.concatenate([-self.g, np.zeros(n_p), -self.h])
        bounds = [(0.0, 1.0)] * n_i + [(0.0, None)] * n_p + list(self.s_bounds)
        res = linprog(cost, A_ub=a, b_ub=b, bounds=bounds, method="highs")
        if res.status != 0:
            return None
        return np.asarray(res.x[:n_i]), np.asarray(res.x[n_i + n_p :])

    def _qcp(self, x0: Array | None) -> tuple[Array, Array] | None:
        x0 = _start(self.w, self.p) if x0 is None else x0
        sol = qcp.solve(
            self.w,
            self.p,
            self.c,
            self.E,
            self.g,
            self.h,
            np.array(self.s_bounds, dtype=float).reshape(-1, 2),
            x0,
            self.aux_start(x0),
        )
        if not sol.optimal:
            return self._slsqp(x0)  # not shown optimal (a degenerate corner): the general method
        if sol.violation > 1e-7:
            return None  # not solved: no point meets every constraint
        return np.clip(sol.x, 0.0, 1.0), sol.s

    def _slsqp(self, x0: Array) -> tuple[Array, Array] | None:
        """SciPy's SLSQP (Kraft 1988) from ``x0``: what the analysis used before :mod:`qcp`, now
        for the rare program whose optimum :mod:`qcp` cannot show (its KKT conditions)."""
        from scipy.optimize import minimize  # loaded only then (about 0.8 s: all its optimizers)

        n_i = self.w.shape[1]
        w, p, c, e = self.w, self.p, self.c, self.E
        obj = -np.concatenate([self.g, self.h])

        def cons(v: Array) -> Array:
            d = v[:n_i] - p
            return np.asarray(c - (w * d * d).sum(axis=1) + e @ v[n_i:])

        def cons_jac(v: Array) -> Array:
            return np.hstack([-2.0 * w * (v[:n_i] - p), e])

        res = minimize(
            lambda v: float(obj @ v),
            np.concatenate([x0, self.aux_start(x0)]),
            jac=lambda v: obj,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * n_i + list(self.s_bounds),
            constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
            options={"ftol": 1e-13, "maxiter": 500},
        )
        v = np.asarray(res.x)
        if not res.success and np.min(cons(v)) < -1e-7:
            return None
        return np.clip(v[:n_i], 0.0, 1.0), v[n_i:]

    def aux_start(self, x0: Array) -> Array:
        """A start for the auxiliary variables, feasible at ``x0`` where the form allows it."""
        w, p, c, e = self.w, self.p, self.c, self.E
        slack = c - (w * (x0 - p) ** 2).sum(axis=1)
        s0 = np.zeros(self.h.size)
        for q in range(self.h.size):
            col = e[:, q]
            if (col < 0).any():
                s0[q] = np.min(slack[col < 0] / -col[col < 0])
            elif (col > 0).any():
                s0[q] = max(0.0, np.max(-slack[col > 0] / col[col > 0]))
            lo, hi = self.s_bounds[q]
            s0[q] = np.clip(s0[q], lo, hi)
        return s0


def _start(w: Array, p: Array) -> Array:
    """A start inside the box: the salience-weighted mean of the members' ideal points."""
    tot = w.sum(axis=0)
    return np.asarray(np.where(tot > 0, (w * p).sum(axis=0) / np.where(tot > 0, tot, 1.0), 0.5))


# the single-problem questions ask for the same maximin again and again (the verdict's follow-ups,
# each proposal's comparison, the mediator): solved once, by value of the members' data
_MAXIMIN_CACHE: OrderedDict[tuple[Any, ...], tuple[Array, float]] = OrderedDict()
_MAXIMIN_CACHE_SIZE = 256
_MAXIMIN_LOCK = threading.Lock()


def _maximin_draw(w: Array, p: Array, c: Array, loss: Loss) -> tuple[Array, float]:
    """:func:`_maximin_solve`, remembered: the solvers are deterministic, so a repeat is identical."""
    key = (loss, w.shape, w.tobytes(), p.tobytes(), c.tobytes())
    with _MAXIMIN_LOCK:
        hit = _MAXIMIN_CACHE.get(key)
        if hit is not None:
            _MAXIMIN_CACHE.move_to_end(key)
    if hit is None:
        hit = _maximin_solve(w, p, c, loss)
        with _MAXIMIN_LOCK:
            _MAXIMIN_CACHE[key] = (hit[0].copy(), hit[1])
            if len(_MAXIMIN_CACHE) > _MAXIMIN_CACHE_SIZE:
                _MAXIMIN_CACHE.popitem(last=False)
    return hit[0].copy(), hit[1]


def _maximin_solve(w: Array, p: Array, c: Array, loss: Loss) -> tuple[Array, float]:
    """The maximin point and level of one draw. ``w, p``: ``(S, I)``; ``c``: ``(S,)``."""
    n_s, n_i = w.shape
    if n_i == 1:
        x, z = _maximin_1d(w[:, 0], p[:, 0], c, loss)
        return np.atleast_1d(x), float(z)
    prog = _Program(w, p, c, loss, np.zeros(n_i), np.ones(1), -np.ones((n_s, 1)), [(-_Z_BOUND, _Z_BOUND)])
    out = prog.solve()
    assert out is not None or loss == "quadratic"  # HiGHS solves the (always feasible) LP
    if out is None:
        # the program is always feasible (z can fall); a solve that ended short of the optimum
        # still gives a point, and the level below is the true smallest margin there
        x0 = _start(w, p)
        sol = qcp.solve(w, p, c, prog.E, prog.g, prog.h, np.array(prog.s_bounds), x0, prog.aux_start(x0))
        out = (np.clip(sol.x, 0.0, 1.0), sol.s)
    x = out[0]
    # polish: the level is the true smallest margin at the point found
    return x, float((c - _loss_sum(w, p, x, loss)).min())


def _maximin_refined(w: Array, p: Array, c: Array, loss: Loss) -> tuple[Array, float]:
    """The maximin point with the largest total margin among the maximin points.

    With linear loss (and some quadratic cases) many points reach the maximin level; a second
    program, ``max sum_i m_i(x)`` s.t. ``m_i(x) >= z*``, picks a Pareto-efficient one (the
    first two steps of the leximin order), so the reported point does not depend on the solver.
    """
    x, z = _maximin_draw(w, p, c, loss)
    n_s, n_i = w.shape
    if loss == "quadratic":
        y = _refine_quadratic(w, p, c, z, x)
        if y is None:
            return x, z
        m_y = c - _loss_sum(w, p, y, loss)
        if m_y.min() < z - 1e-12 or m_y.sum() < (c - _loss_sum(w, p, x, loss)).sum():
            return x, z  # not solved (the fallback's point): the maximin point stands
        return y, float(m_y.min())
    prog = _Program(w, p, c, loss, np.zeros(n_i), np.ones(n_s), -np.eye(n_s), [(z - 1e-9, _Z_BOUND)] * n_s)
    out = prog.solve(x)
    if out is None:
        return x, z
    y = out[0]
    m_y = c - _loss_sum(w, p, y, loss)
    # the refinement may lose up to its 1e-9 slack, never the verdict: a zone stays a zone
    crosses = z >= -ACCEPT_TOL > m_y.min()
    if crosses or m_y.min() < z - 1e-7 or m_y.sum() < (c - _loss_sum(w, p, x, loss)).sum():
        return x, z
    return y, float(m_y.min())


def _refine_quadratic(w: Array, p: Array, c: Array, z: float, x: Array) -> Array | None:
    """The refinement under quadratic loss, on the issues where the maximin points differ.

    A member whose margin is within ``BINDING_TOL`` of ``z`` at ``x`` binds; any move on an issue
    it weighs lowers its margin (its loss is strictly convex there and ``x`` is a maximin point),
    so the maximin points share ``x``'s values on every issue a binding member weighs and differ
    only on the others (none, as a rule: then ``x`` is the one maximin point). There the program
    is ``max sum_i m_i`` s.t. ``m_i >= z`` over the members that do not bind: the objective is
    ``-sum_j W_j (x_j - q_j)^2`` plus a constant (``W_j = sum_i w_ij``, ``q_j`` the
    ``w``-weighted mean of their ideal points), and ``x`` is a feasible start with every margin
    at least ``BINDING_TOL`` above ``z``. No slack below ``z``: a slack of 1e-9 on a zone of one
    point moved it by about 1e-5 (the square root), enough to change who binds (Iran-Israel).
    Where a member that weighs no issue sets the level, every other member is a constraint
    ``m_i >= z`` on every issue. Not covered: a member that weighs issues and sits at the level at
    ``x`` by chance but not at every maximin point (its issues stay at ``x``'s values).
    Returns the refined point, or None when ``x`` is the only maximin point.
    """
    margin = c - _loss_sum(w, p, x, "quadratic")
    binding = margin <= z + BINDING_TOL
    if (binding & ~(w > 0).any(axis=1)).any():
        # a member that weighs no issue sets the level everywhere: the maximin points are every
        # point where the others reach it, and those at it at x need not be at every one
        free: BoolArray = np.ones(w.shape[1], dtype=bool)
        cons = np.ones(len(c), dtype=bool)
    else:
        free = np.asarray(~(w[binding] > 0).any(axis=0))
        cons = ~binding
    if not free.any() or not cons.any():
        return None
    wf, pf = w[cons][:, free], p[cons][:, free]
    fixed = ~free
    d = x[fixed] - p[cons][:, fixed]
    cf = c[cons] - (w[cons][:, fixed] * d * d).sum(axis=1) - z
    tot = wf.sum(axis=0)
    q = np.where(tot > 0, (wf * pf).sum(axis=0) / np.where(tot > 0, tot, 1.0), 0.5)
    n_f = int(free.sum())
    sol = qcp.solve(
        wf,
        pf,
        cf,
        np.zeros((len(cf), 0)),
        np.zeros(n_f),
        np.zeros(0),
        np.zeros((0, 2)),
        x[free],
        rho=2.0 * tot,
        anchor=q,
    )
    y = x.copy()
    if sol.optimal:
        if sol.violation > 1e-7:
            return None
        y[free] = np.clip(sol.x, 0.0, 1.0)
        return y
    # the epigraph form, by SLSQP (as before qcp)
    n_o = len(cf)
    prog = _Program(
        wf, pf, cf, "quadratic", np.zeros(n_f), np.ones(n_o), -np.eye(n_o), [(0.0, _Z_BOUND)] * n_o
    )
    out = prog._slsqp(x[free])
    if out is None:
        return None
    y[free] = out[0]
    return y


# --------------------------------------------------------------------------------------------
# the zone, batched
# --------------------------------------------------------------------------------------------


def maximin(
    problem: Problem,
    loss: Loss = "quadratic",
    members: BoolArray | Sequence[str] | None = None,
) -> tuple[Array, Array]:
    """The maximin point ``(*B, I)`` (unit scale) and the smallest margin there ``(*B,)``.

    ``members``: whose margins count (default: the veto players). The smallest margin is
    :math:`z^* = \\max_x \\min_i m_i(x)`; a zone of possible agreement exists iff it is >= 0.
    """
    mask = _member_mask(problem, members)
    w, p, c = _members_data(problem, loss, mask)
    batch = problem.batch_shape
    if problem.n_issues == 1:
        x, z = _maximin_1d(w[..., 0], p[..., 0], np.broadcast_to(c, w.shape[:-1]), loss)
        return x[..., None], z
    wf = w.reshape((-1,) + w.shape[-2:])
    pf = p.reshape((-1,) + p.shape[-2:])
    cf = np.broadcast_to(c, w.shape[:-1]).reshape((-1, w.shape[-2]))
    xs = np.empty((wf.shape[0], problem.n_issues))
    zs = np.empty(wf.shape[0])
    for b in range(wf.shape[0]):  # draws differ: solved without the cache
        xs[b], zs[b] = _maximin_solve(wf[b], pf[b], cf[b], loss)
    return xs.reshape(batch + (problem.n_issues,)), zs.reshape(batch)


def zone_exists(
    problem: Problem,
    loss: Loss = "quadratic",
    members: BoolArray | Sequence[str] | None = None,
) -> BoolArray:
    """Whether any outcome is acceptable to every veto player: bool ``(*B,)`` (exact).

    One issue: the exact vectorised maximin. Several issues: exact certificates first,
    vectorised over the batch (:func:`_certificates`); only the draws they leave undecided,
    those within a hair of the boundary, are solved one by one.
    """
    mask = _member_mask(problem, members)
    if problem.n_issues == 1:
        return np.asarray(maximin(problem, loss, mask)[1] >= -ACCEPT_TOL)
    w, p, c = _members_data(problem, loss, mask)
    c = np.broadcast_to(c, w.shape[:-1])
    wf = w.reshape((-1,) + w.shape[-2:])
    pf = p.reshape(wf.shape)
    cf = c.reshape(wf.shape[:2])
    lower, upper = _certificates(wf, pf, cf, loss)
    out = lower >= -ACCEPT_TOL
    for b in np.flatnonzero(~out & (upper >= -ACCEPT_TOL)):
        out[b] = _maximin_solve(wf[b], pf[b], cf[b], loss)[1] >= -ACCEPT_TOL
    return np.asarray(out.reshape(problem.batch_shape), dtype=bool)


def _best_response(w: Array, p: Array, lam: Array, loss: Loss) -> Array:
    """``argmax_x sum_i lam_i m_i(x)`` on the box, per draw ``(N, I)``: separable per issue.

    Quadratic loss: the ``lam * w``-weighted mean of the ideal points (clipped to the box);
    linear loss: their weighted median (:mod:`accord.models.weighted`).
    """
    lw = lam[..., None] * w  # (N, S, I)
    tot = lw.sum(axis=-2)
    if loss == "quadratic":
        mean = weighted_mean(p, lw)[0]
        return np.asarray(np.where(tot > 0, np.clip(mean, 0.0, 1.0), 0.5))
    return np.asarray(np.where(tot > 0, weighted_median(p, lw), 0.5))


def _certificates(w: Array, p: Array, c: Array, loss: Loss, rounds: int = 60) -> tuple[Array, Array]:
    r"""Bounds ``lower <= z* <= upper`` on the maximin level of each draw, vectorised.

    Multiplicative weights on the veto players (Freund & Schapire 1999, *Games and Economic
    Behavior* 29): each round the outcome is the best response to the current weights
    :math:`\lambda` (:func:`_best_response`); weight moves to the players with the lowest margins.
    Every outcome tried gives a lower bound (its smallest margin), every :math:`\lambda` an upper
    bound :math:`\max_x \sum_i \lambda_i m_i(x) \ge z^*` (weak duality). Both bounds are exact
    certificates; only draws whose bounds straddle 0 need the solver.
    """
    n, s = c.shape
    lam = np.full((n, s), 1.0 / s)
    lower = np.full(n, -np.inf)
    upper = np.full(n, np.inf)
    avg = np.zeros((n, p.shape[-1]))
    for t in range(rounds):
        x = _best_response(w, p, lam, loss)
        m = c - _loss_sum(w, p, x, loss)
        upper = np.minimum(upper, (lam * m).sum(axis=-1))
        lower = np.maximum(lower, m.min(axis=-1))
        avg += (x - avg) / (t + 1)
        lower = np.maximum(lower, (c - _loss_sum(w, p, avg, loss)).min(axis=-1))
        if ((lower >= -ACCEPT_TOL) | (upper < -ACCEPT_TOL)).all():
            break
        lam = lam * np.exp(-4.0 / np.sqrt(t + 1.0) * m)
        lam /= lam.sum(axis=-1, keepdims=True)
    return lower, upper


# --------------------------------------------------------------------------------------------
# single-problem questions (no batch axis)
# --------------------------------------------------------------------------------------------


def _single(problem: Problem) -> None:
    if problem.batch_shape:
        raise ValueError("this analysis takes a problem without a batch axis (use problem[...] per draw)")


def zone_extent(problem: Problem, loss: Loss = "quadratic") -> tuple[Array, Array] | None:
    """Lowest and highest value of each issue over the zone ``((I,), (I,))``, unit scale.

    Each bound is a convex program (``min``/``max x_j`` over the zone). None when no zone.
    """
    _single(problem)
    mask = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, mask)
    x_star, z = _maximin_draw(w, p, c, loss)
    if z < -ACCEPT_TOL:
        return None
    n_i = problem.n_issues
    lo, hi = x_star.copy(), x_star.copy()
    if z <= ACCEPT_TOL:  # the zone is (numerically) the single maximin point
        return lo, hi
    for j in range(n_i):
        for sign, target in ((-1.0, lo), (1.0, hi)):
            g = np.zeros(n_i)
            g[j] = sign
            prog = _Program(w, p, c, loss, g, np.zeros(0), np.zeros((len(c), 0)), [])
            out = prog.solve(x_star)
            if out is not None:
                target[j] = out[0][j]
    return np.minimum(lo, x_star), np.maximum(hi, x_star)


def reservation_slack(problem: Problem, actor: str, loss: Loss = "quadratic") -> tuple[float, Array] | None:
    """How far actor ``actor``'s reservation can rise (> 0) or must fall (< 0) for a zone.

    The best margin the actor can get while every other veto player accepts,
    :math:`\\max m_k(x)` s.t. :math:`m_i(x) \\ge 0,\\ i \\in V \\setminus \\{k\\}`, and the point
    where it is reached. A negative value is the fall in its reservation utility (outside
    pressure, a worse no-deal alternative) that opens a zone. None when the other veto
    players have no zone among themselves: then no change by this actor alone suffices.
    Works for non-veto actors too (then: how far it is from accepting some zone point).
    """
    _single(problem)
    if actor not in problem.actor_ids:
        raise InputError(f"unknown actor {actor!r} (actors: {', '.join(problem.actor_ids)})")
    k = problem.actor_ids.index(actor)
    others = problem.veto.copy()
    others[k] = False
    mask = others.copy()
    mask[k] = True
    w, p, c = _members_data(problem, loss, mask)
    pos = int(np.flatnonzero(np.flatnonzero(mask) == k)[0])
    if others.any():
        wo, po, co = _members_data(problem, loss, others)
        x0, zo = _maximin_draw(wo, po, co, loss)
        if zo < -ACCEPT_TOL:
            return None
    else:
        x0 = p[pos].copy()
    e = np.zeros((len(c), 1))
    e[pos, 0] = -1.0
    prog = _Program(w, p, c, loss, np.zeros(problem.n_issues), np.ones(1), e, [(-_Z_BOUND, _Z_BOUND)])
    out = prog.solve(x0)
    if out is None:
        return None
    x = out[0]
    margin = c - _loss_sum(w, p, x, loss)
    return float(margin[pos]), x


@dataclass
class Concession:
    """The least total concession that opens a zone: per veto player, the utility it gives up."""

    total: float
    by_actor: dict[str, float]
    point: Array  # (I,) unit scale: where the zone opens


def least_concession(problem: Problem, loss: Loss = "quadratic") -> Concession:
    r"""The smallest total fall in reservations that opens a zone, and who makes it.

    :math:`\min \sum_i \delta_i` s.t. :math:`m_i(x) + \delta_i \ge 0`, :math:`\delta_i \ge 0`
    over veto players (utility units). Zero everywhere when a zone exists. When several
    allocations are equally small, the solver returns one of them (a vertex for the linear
    program).
    """
    _single(problem)
    mask = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, mask)
    x0, _ = _maximin_draw(w, p, c, loss)
    n_s = len(c)
    prog = _Program(
        w, p, c, loss, np.zeros(problem.n_issues), -np.ones(n_s), np.eye(n_s), [(0.0, _Z_BOUND)] * n_s
    )
    out = prog.solve(x0)
    assert out is not None  # always feasible
    x = out[0]
    delta = np.maximum(0.0, -(c - _loss_sum(w, p, x, loss)))
    delta = np.where(delta < 1e-9, 0.0, delta)
    ids = [problem.actor_ids[k] for k in np.flatnonzero(mask)]
    return Concession(float(delta.sum()), dict(zip(ids, map(float, delta), strict=True)), x)


def nearest_acceptable(
    problem: Problem,
    x0: Array,
    loss: Loss = "quadratic",
    members: BoolArray | Sequence[str] | None = None,
) -> Array | None:
    """The point nearest ``x0`` (Euclidean, unit scale) that every member accepts; None if none.

    With one member, the smallest change to ``x0`` that it accepts; with the veto players
    (default), the smallest change that would make ``x0`` pass.
    """
    _single(problem)
    mask = _member_mask(problem, members)
    w, p, c = _members_data(problem, loss, mask)
    x0 = np.asarray(x0, dtype=float)
    if ((c - _loss_sum(w, p, x0, loss)) >= -ACCEPT_TOL).all():
        return x0.copy()
    xm, z = _maximin_draw(w, p, c, loss)
    if z < -ACCEPT_TOL:
        return None
    return _project(w, p, c, loss, x0, xm)


def _project(w: Array, p: Array, c: Array, loss: Loss, x0: Array, start: Array) -> Array:
    """``min ||x - x0||^2`` over the members' acceptance sets (``start`` is feasible).

    Quadratic loss: :func:`accord.bargaining.qcp.solve`; linear loss: SLSQP on the epigraph form.
    """
    if loss == "linear":
        x = _project_linear(w, p, c, x0, start)
    else:
        sol = qcp.solve(
            w,
            p,
            c,
            np.zeros((len(c), 0)),
            np.zeros(len(x0)),
            np.zeros(0),
            np.zeros((0, 2)),
            start,
            rho=2.0,
            anchor=x0,
        )
        x = np.clip(sol.x, 0.0, 1.0) if sol.optimal else _project_slsqp(w, p, c, x0, start)
    if ((c - _loss_sum(w, p, x, loss)) < -1e-7).any():
        return start.copy()  # not solved: the feasible start is an acceptable answer
    return x


def _project_slsqp(w: Array, p: Array, c: Array, x0: Array, start: Array) -> Array:
    """The quadratic-loss projection by SLSQP, for the rare one :mod:`qcp` cannot show optimal."""
    from scipy.optimize import minimize  # loaded only then, as in _Program._slsqp

    def cons(v: Array) -> Array:
        d = v - p
        return np.asarray(c - (w * d * d).sum(axis=1))

    res = minimize(
        lambda v: float((v - x0) @ (v - x0)),
        start.copy(),
        jac=lambda v: 2.0 * (v - x0),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * len(x0),
        constraints=[{"type": "ineq", "fun": cons, "jac": lambda v: -2.0 * w * (v - p)}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    return np.clip(np.asarray(res.x), 0.0, 1.0)


def _project_linear(w: Array, p: Array, c: Array, x0: Array, start: Array) -> Array:
    from scipy.optimize import minimize  # loaded on the first program, as in _Program._lp

    n_i = len(x0)
    pairs = np.argwhere(w > 0)
    n_p = len(pairs)
    rows, cols = pairs[:, 0], pairs[:, 1]

    def fun(v: Array) -> float:
        d = v[:n_i] - x0
        return float(d @ d)

    def jac(v: Array) -> Array:
        return np.concatenate([2.0 * (v[:n_i] - x0), np.zeros(n_p)])

    # epigraph form: t_ij >= |x_j - p_ij|, c_i - sum_j w_ij t_ij >= 0 (smooth constraints)
    wt = np.zeros((len(c), n_p))
    wt[rows, np.arange(n_p)] = w[rows, cols]

    def cons(v: Array) -> Array:
        x, t = v[:n_i], v[n_i:]
        return np.concatenate([c - wt @ t, t - (x[cols] - p[rows, cols]), t + (x[cols] - p[rows, cols])])

    sel = np.zeros((n_p, n_i))
    sel[np.arange(n_p), cols] = 1.0
    eye = np.eye(n_p)
    cjac = np.vstack(
        [np.hstack([np.zeros((len(c), n_i)), -wt]), np.hstack([-sel, eye]), np.hstack([sel, eye])]
    )

    def cons_jac(v: Array) -> Array:
        return cjac

    res = minimize(
        fun,
        np.concatenate([start, np.abs(start[cols] - p[rows, cols])]),
        jac=jac,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n_i + [(0.0, None)] * n_p,
        constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    return np.clip(np.asarray(res.x[:n_i]), 0.0, 1.0)


def _blocks(w: Array, p: Array, c: Array, loss: Loss) -> bool:
    """Whether these members' acceptance sets do not meet: the exact bounds of
    :func:`_certificates` first, the maximin program only where they straddle the threshold."""
    lower, upper = _certificates(w[None], p[None], c[None], loss, rounds=8)
    if lower[0] >= -ACCEPT_TOL:
        return False
    if upper[0] < -ACCEPT_TOL:
        return True
    return _maximin_draw(w, p, c, loss)[1] < -ACCEPT_TOL


def blocking_coalitions(problem: Problem, loss: Loss = "quadratic") -> list[tuple[str, ...]] | None:
    """The minimal sets of veto players that cannot all accept any one outcome.

    Empty when a zone exists. Searched over sets of at most ``I + 1`` veto players (Helly's
    theorem); None when there are more than ``MAX_COALITION_SEARCH`` veto players.
    """
    _single(problem)
    veto = np.flatnonzero(problem.veto)
    mask = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, mask)
    if _maximin_draw(w, p, c, loss)[1] >= -ACCEPT_TOL:
        return []  # a zone: no set of veto players blocks
    if len(veto) > MAX_COALITION_SEARCH:
        return None
    found: list[tuple[int, ...]] = []
    for size in range(1, min(len(veto), problem.n_issues + 1) + 1):
        for combo in itertools.combinations(veto.tolist(), size):
            if any(set(f) <= set(combo) for f in found):
                continue
            mask = np.zeros(problem.n_actors, dtype=bool)
            mask[list(combo)] = True
            if _blocks(*_members_data(problem, loss, mask), loss):
                found.append(combo)
    return [tuple(problem.actor_ids[k] for k in f) for f in found]


# --------------------------------------------------------------------------------------------
# acceptance tables and the whole verdict
# --------------------------------------------------------------------------------------------


@dataclass
class Acceptance:
    """Every actor's view of one outcome (no batch axis; points on the unit scale)."""

    label: str
    point: Array  # (I,)
    utility: Array  # (A,)
    reservation: Array  # (A,)
    margin: Array  # (A,)
    accepts: BoolArray  # (A,)
    all_veto_accept: bool
    support: float  # capability-weighted share of actors that accept, in [0, 1]
    rejecting_veto: tuple[str, ...] = ()


def acceptance(problem: Problem, point: Array, loss: Loss = "quadratic", label: str = "") -> Acceptance:
    """The acceptance table of one outcome ``point`` ``(I,)`` on the unit scale.

    Issues where ``point`` is NaN (a proposal silent on an issue) are taken at the status quo
    when there is one; an outcome must say something on every issue an actor cares about.
    """
    _single(problem)
    x = np.asarray(point, dtype=float)
    if np.isnan(x).any():
        sq = np.asarray(problem.status_quo, dtype=float)
        x = np.where(np.isnan(x), sq, x)
        if np.isnan(x).any():
            missing = [problem.issue_ids[j] for j in np.flatnonzero(np.isnan(x))]
            raise InputError(
                f"{label or 'point'}: no value on issue(s) {', '.join(missing)} and no status quo"
            )
    r, _ = reservation(problem, loss)
    u = utility(problem, x, loss)
    m = u - r
    ok = accepts(m) & np.isfinite(m)
    veto_ok = bool(all_veto_accept(problem, m) & np.isfinite(np.where(problem.veto, m, 0.0)).all())
    rejecting = tuple(problem.actor_ids[k] for k in np.flatnonzero(problem.veto & ~ok))
    return Acceptance(
        label=label,
        point=x,
        utility=np.asarray(u),
        reservation=np.asarray(r),
        margin=np.asarray(m),
        accepts=np.asarray(ok),
        all_veto_accept=veto_ok,
        support=float(support(problem, np.where(np.isfinite(m), m, -1.0))),
        rejecting_veto=rejecting,
    )


@dataclass
class Verdict:
    """Whether a zone of possible agreement exists, and what decides it (one problem)."""

    loss: Loss
    exists: bool
    maximin_point: Array  # (I,) unit scale
    maximin_margin: float  # the smallest veto margin there (utility); < 0: the uniform gap
    maximin: Acceptance
    extent: tuple[Array, Array] | None  # per issue lowest and highest zone value (unit scale)
    binding: tuple[str, ...]  # veto players whose margin at the maximin point is the smallest
    slack: dict[str, float | None]  # per veto player: reservation headroom (>0) or needed fall (<0)
    concession: Concession
    shortfall: dict[str, Array]  # per veto player rejecting the maximin point: nearest acceptable - x*
    blocking: list[tuple[str, ...]] | None
    pivotal: tuple[str, ...]
    reservation_source: dict[str, str]
    notes: list[str] = field(default_factory=list)


def verdict(problem: Problem, loss: Loss = "quadratic") -> Verdict:
    """Decide the zone and answer every follow-up question for one problem (see module doc)."""
    _single(problem)
    check_problem(problem, loss)
    mask = _member_mask(problem, None)
    w, p, c = _members_data(problem, loss, mask)
    x_star, z = _maximin_refined(w, p, c, loss)
    exists = z >= -ACCEPT_TOL
    veto_ids = [problem.actor_ids[k] for k in np.flatnonzero(mask)]
    margin = c - _loss_sum(w, p, x_star, loss)
    binding = tuple(a for a, m in zip(veto_ids, margin, strict=True) if m <= z + BINDING_TOL)
    slack: dict[str, float | None] = {}
    for a in veto_ids:
        s = reservation_slack(problem, a, loss)
        slack[a] = None if s is None else s[0]
    shortfall: dict[str, Array] = {}
    if not exists:
        for a, m_a in zip(veto_ids, margin, strict=True):
            if m_a < -ACCEPT_TOL:
                y = nearest_acceptable(problem, x_star, loss, [a])
                if y is not None:
                    shortfall[a] = y - x_star
    blocking = blocking_coalitions(problem, loss)
    if exists:
        # whose consent decides it: the veto players whose margin binds at the maximin point
        pivotal = binding
    elif blocking is not None:
        # a veto player in every blocking coalition: relieve it of its veto and a zone opens
        pivotal = tuple(a for a in veto_ids if all(a in b for b in blocking))
    else:
        pivotal = ()
    _, source = reservation(problem, loss)
    notes: list[str] = []
    for k in np.flatnonzero(source == "none"):
        notes.append(
            f"{problem.actor_ids[k]} has no reservation and there is no status quo on its issues: "
            "its acceptance is unknown (it has no veto, so the zone does not depend on it)"
        )
    return Verdict(
        loss=loss,
        exists=bool(exists),
        maximin_point=x_star,
        maximin_margin=float(z),
        maximin=acceptance(problem, x_star, loss, "maximin"),
        extent=zone_extent(problem, loss) if exists else None,
        binding=binding,
        slack=slack,
        concession=least_concession(problem, loss),
        shortfall=shortfall,
        blocking=blocking,
        pivotal=pivotal,
        reservation_source={a: str(s) for a, s in zip(problem.actor_ids, source, strict=True)},
        notes=notes,
    )


def points_of(problem: Problem, values: dict[str, float]) -> Array:
    """A point on the unit scale ``(I,)`` from values in scale units by issue id (NaN if absent)."""
    x = np.full(problem.n_issues, np.nan)
    for issue, v in values.items():
        if issue not in problem.issue_ids:
            raise InputError(f"unknown issue {issue!r} (issues: {', '.join(problem.issue_ids)})")
        j = problem.issue_ids.index(issue)
        x[j] = (v - problem.scale_min[j]) / (problem.scale_max[j] - problem.scale_min[j])
    return x


__all__ = [
    "Acceptance",
    "Concession",
    "Verdict",
    "acceptance",
    "best_utility",
    "blocking_coalitions",
    "check_problem",
    "least_concession",
    "maximin",
    "nearest_acceptable",
    "points_of",
    "reservation_slack",
    "verdict",
    "zone_exists",
    "zone_extent",
]
