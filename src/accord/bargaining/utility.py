r"""Actors' utilities of outcomes, their reservation utilities, and acceptance.

One form is used everywhere in accord's analysis. For actor :math:`i` with positions
:math:`p_{ij}` and saliences :math:`s_{ij}` on the unit scale, the utility of an outcome
:math:`x` over all issues is

.. math:: u_i(x) = 1 - \frac{\sum_j s_{ij}\, \ell(x_j - p_{ij})}{\sum_j s_{ij}},
   \qquad \ell(d) = |d| \text{ (linear)} \quad\text{or}\quad d^2 \text{ (quadratic)},

summed over the issues the actor holds a position on: 1 at the actor's ideal point, 0 at the
far end of every scale, falling with salience-weighted distance (the weighted city-block or
weighted squared-Euclidean loss of spatial models of politics: Enelow & Hinich 1984, *The
Spatial Theory of Voting*, ch. 2; Achen 2006 uses the quadratic form). Both forms are concave
in :math:`x`, so every acceptance set :math:`\{x : u_i(x) \ge r_i\}` is convex. An actor with
no salience anywhere is indifferent (utility 1 everywhere).

Reservation utility :math:`r_i` (what actor *i* gets without a deal): the scenario's utility;
else the utility of its reservation point (issues the point leaves out count at the actor's own
position); else the utility of the status quo when every issue the actor cares about has one;
else unknown (NaN), which the analysis reports rather than guesses.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from accord.problem import Problem

Array = NDArray[np.float64]
Loss = Literal["linear", "quadratic"]
LOSSES: tuple[Loss, ...] = ("linear", "quadratic")

# a margin this close to 0 counts as acceptance (floating-point noise on the boundary)
ACCEPT_TOL = 1e-9


def _loss(d: Array, loss: Loss) -> Array:
    return np.abs(d) if loss == "linear" else np.square(d)


def issue_weights(problem: Problem) -> Array:
    """Each actor's saliences normalised to sum to 1 over its issues: ``(*B, A, I)``."""
    s = np.where(problem.mask, problem.salience, 0.0)
    total = s.sum(axis=-1, keepdims=True)
    return np.divide(s, total, out=np.zeros_like(s), where=total > 0)


def utility(problem: Problem, x: Array, loss: Loss = "quadratic") -> Array:
    """Every actor's utility of outcome ``x`` ``(*B, I)`` (unit scale): ``(*B, A)``."""
    x = np.asarray(x, dtype=float)
    w = issue_weights(problem)
    p = np.where(problem.mask, problem.position, 0.0)
    return 1.0 - (w * _loss(x[..., None, :] - p, loss)).sum(axis=-1)


def utility_of_points(problem: Problem, points: Array, loss: Loss = "quadratic") -> Array:
    """Every actor's utility of ``K`` candidate outcomes ``(*B, K, I)``: ``(*B, K, A)``."""
    points = np.asarray(points, dtype=float)
    w = issue_weights(problem)[..., None, :, :]
    p = np.where(problem.mask, problem.position, 0.0)[..., None, :, :]
    return 1.0 - (w * _loss(points[..., :, None, :] - p, loss)).sum(axis=-1)


def status_quo_point(problem: Problem) -> Array:
    """The status quo as an outcome ``(*B, I)``; NaN on issues without one."""
    return np.broadcast_to(problem.status_quo, problem.batch_shape + (problem.n_issues,))


def reservation(problem: Problem, loss: Loss = "quadratic") -> tuple[Array, NDArray[np.str_]]:
    """Reservation utility per actor ``(*B, A)`` and where it came from ``(A,)``.

    Sources: ``utility`` (given), ``point`` (utility of the reservation point), ``status_quo``
    (utility of the status quo), ``none`` (unknown: NaN). See the module docstring.
    """
    w = issue_weights(problem)
    p = np.where(problem.mask, problem.position, 0.0)
    given_u = problem.reservation_utility
    rp = problem.reservation_point
    has_point = np.isfinite(rp).any(axis=-1)
    rp_filled = np.where(np.isfinite(rp), rp, p)
    u_point = 1.0 - (w * _loss(rp_filled - p, loss)).sum(axis=-1)
    sq = status_quo_point(problem)[..., None, :]
    sq_needed = w > 0
    sq_ok = ~(sq_needed & ~np.isfinite(sq)).any(axis=-1)
    u_sq = 1.0 - (w * _loss(np.where(np.isfinite(sq), sq, p) - p, loss)).sum(axis=-1)
    r = np.where(
        np.isfinite(given_u),
        given_u,
        np.where(has_point, u_point, np.where(sq_ok, u_sq, np.nan)),
    )
    # sources are fixed across the batch (uncertainty perturbs values, not their kind)
    first = (0,) * len(problem.batch_shape)
    g = np.asarray(np.isfinite(given_u))[first]
    hp = np.asarray(has_point)[first]
    so = np.asarray(sq_ok)[first]
    source = np.where(g, "utility", np.where(hp, "point", np.where(so, "status_quo", "none")))
    return r, source


def margins(problem: Problem, x: Array, loss: Loss = "quadratic") -> Array:
    """Utility minus reservation per actor for outcome ``x`` ``(*B, I)``: ``(*B, A)``."""
    r, _ = reservation(problem, loss)
    return utility(problem, x, loss) - r


def accepts(margin: Array) -> NDArray[np.bool_]:
    """Whether each actor accepts: its margin is at least 0 (within ``ACCEPT_TOL``)."""
    return np.asarray(margin >= -ACCEPT_TOL)


def all_veto_accept(problem: Problem, margin: Array) -> NDArray[np.bool_]:
    """Whether every veto player accepts; False where a veto player's reservation is unknown."""
    ok = accepts(margin) | ~problem.veto
    return np.asarray(ok.all(axis=-1))


def support(problem: Problem, margin: Array) -> Array:
    """Capability-weighted share of actors that accept, in [0, 1]."""
    cap = problem.capability
    if margin.ndim == cap.ndim + 1:
        cap = cap[..., None, :]
    total = cap.sum(axis=-1)
    return np.divide((cap * accepts(margin)).sum(axis=-1), total, out=np.zeros_like(total), where=total > 0)
