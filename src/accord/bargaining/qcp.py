r"""The agreement analysis's convex programs under quadratic loss, solved in NumPy.

Every question of :mod:`accord.bargaining.agreement` under quadratic loss (the maximin, its
refinement, the zone's extent, an actor's slack, the least concession, the nearest acceptable
point) is a small convex quadratically constrained program in the issues ``x`` and a few
auxiliary variables ``s`` (the maximin level, per-actor concessions):

.. math::

    \min_{v = (x, s)} \ \tfrac{\rho}{2} \lVert x - a \rVert^2 - g \cdot x - h \cdot s
    \quad \text{s.t.} \quad m_i(v) = c_i - \sum_j w_{ij} (x_j - p_{ij})^2 + E_i \cdot s \ge 0,
    \quad lb \le v \le ub.

Each margin :math:`m_i` is concave, so the program is convex and the Hessian of its Lagrangian,
:math:`\rho I + 2 \sum_i \lambda_i \operatorname{diag}(w_i)` on ``x`` and 0 on ``s``, is
diagonal and positive semidefinite. It is solved in two stages:

1. A primal-dual interior-point method with slack variables for the inequalities (Nocedal &
   Wright, *Numerical Optimization*, 2nd ed., 2006, ch. 19.2-19.3, Algorithm 19.1) and
   Mehrotra's predictor-corrector choice of the centring parameter (Mehrotra 1992, *SIAM J.
   Optim.* 2(4); N&W ch. 16.6, eq. 16.58-16.61). The Newton system is reduced to the variables
   (N&W eq. 19.12 with the slacks and multipliers eliminated), ``n x n`` with ``n`` the issues
   plus auxiliaries; a backtracking line search on the norm of the KKT residual keeps the
   steps on the nonlinear constraints safe (Boyd & Vandenberghe, *Convex Optimization*, 2004,
   ch. 11.7.3). It starts from any point: the slacks carry the infeasibility.
2. Polishing: the constraints the interior point ends on (slack below multiplier) are taken
   as the active set, and Newton's method on the KKT equations of that set (N&W ch. 18.1,
   eq. 18.6) brings the point and multipliers to the optimum to rounding, the accuracy of an
   active-set method such as SLSQP. The polished point is kept only when its KKT conditions
   (feasibility, nonnegative multipliers, stationarity) hold at least as well as the
   interior point's.

Each margin without auxiliary variables is first divided by its constant ``c`` where that is
below 1 (a member that accepts only a small neighbourhood of its ideal point), so that every
multiplier is of order 1; unscaled, multipliers of order ``1 / c`` stalled the line search.

The KKT conditions are checked at the end (:attr:`Solution.kkt`, :attr:`Solution.optimal`:
to 1e-9 per unit of multiplier, which for a convex program shows the optimum); the caller decides
what a failure means. The interior point can still stall at a degenerate corner (a constraint
that binds with a multiplier near 0 where a bound binds too): :mod:`accord.bargaining.agreement`
then solves that program by SLSQP. Issues that no member weighs and the objective ignores (a free coordinate,
where every point of a segment is optimal) keep the start's value, as an active-set method
started there would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

_TOL = 1e-13  # residuals below this (the data are of order 1) end the interior-point stage
_MAX_ITER = 200
_POLISHED = 1e-14  # the KKT residual of a polished optimum, per unit of multiplier: rounding
_STEP_TO_BOUNDARY = 0.995  # fraction-to-the-boundary rule (N&W eq. 19.9)
_FLOORS = (1e-2, 1e-1, 1.0)  # the starting slacks' floor, tried in turn
_CERTIFIED = 1e-9  # a KKT residual below this, per unit of multiplier, shows the optimum found
_SCALE_FLOOR = 1e-12  # the smallest constant a margin is divided by (below: no interior to speak of)


@dataclass
class Solution:
    """A solved program: the point ``x`` ``(I,)``, the auxiliaries ``s`` ``(m,)``, the
    multipliers of the margins ``(S,)`` and the largest KKT residual (0 at the optimum)."""

    x: Array
    s: Array
    multipliers: Array
    kkt: float
    violation: float  # the largest violation of a margin or a bound (>= 0)
    optimal: bool  # the KKT conditions hold to 1e-9 per unit of multiplier: the optimum, to that


@dataclass
class _Qcp:
    w: Array  # (S, n_x) weights of the free issues
    p: Array  # (S, n_x)
    c: Array  # (S,) constants, with the fixed issues' losses taken out
    e: Array  # (S, m)
    lin: Array  # (n,) the linear cost (minimised)
    rho: Array  # (n_x,) curvature of the objective
    anchor: Array  # (n_x,)
    lb: Array  # (n,)
    ub: Array  # (n,)

    @property
    def n_x(self) -> int:
        return int(self.w.shape[1])

    def constraints(self, v: Array) -> tuple[Array, Array]:
        """Every constraint value ``G(v) >= 0`` ``(K,)``: margins, ``v - lb``, ``ub - v``; and
        their Jacobian ``(K, n)``."""
        n_x, n = self.n_x, v.size
        d = v[:n_x] - self.p
        jac = np.zeros((self.c.size + 2 * n, n))
        jac[: self.c.size, :n_x] = -2.0 * self.w * d
        jac[: self.c.size, n_x:] = self.e
        jac[self.c.size :][np.arange(n), np.arange(n)] = 1.0
        jac[self.c.size + n :][np.arange(n), np.arange(n)] = -1.0
        m = self.c - (self.w * d * d).sum(axis=1) + self.e @ v[n_x:]
        return np.concatenate([m, v - self.lb, self.ub - v]), jac

    def gradient(self, v: Array) -> Array:
        grad = self.lin.copy()
        grad[: self.n_x] += self.rho * (v[: self.n_x] - self.anchor)
        return grad

    def hessian(self, lam_m: Array, n: int) -> Array:
        """The Lagrangian's Hessian, diagonal ``(n,)``, at margin multipliers ``lam_m``."""
        diag = np.zeros(n)
        diag[: self.n_x] = self.rho + 2.0 * (lam_m[:, None] * self.w).sum(axis=0)
        return diag


def solve(
    w: Array,
    p: Array,
    c: Array,
    e: Array,
    g: Array,
    h: Array,
    s_bounds: Array,
    start: Array,
    s_start: Array | None = None,
    *,
    rho: float | Array = 0.0,
    anchor: Array | None = None,
) -> Solution:
    """Solve the program of the module docstring.

    ``w, p`` ``(S, I)``, ``c`` ``(S,)``, ``e`` ``(S, m)``; maximise ``g.x + h.s`` (``g`` ``(I,)``,
    ``h`` ``(m,)``) less ``sum_j rho_j / 2 (x_j - anchor_j)^2`` (``rho`` a number or ``(I,)``);
    ``x`` in ``[0, 1]^I``, ``s`` in ``s_bounds`` ``(m, 2)``. ``start`` ``(I,)`` (and ``s_start``)
    is where the search begins; it need not be feasible.
    """
    n_i = w.shape[1]
    m = e.shape[1]
    if anchor is None:
        anchor = np.zeros(n_i)
    x = np.clip(np.asarray(start, dtype=float), 0.0, 1.0)
    curvature = np.broadcast_to(np.asarray(rho, dtype=float), (n_i,))
    weighed = (w > 0).any(axis=0)
    # an issue no member weighs: its optimum is the anchor's value where the objective has one;
    # where the objective ignores it too every value is optimal, and it keeps the start's
    x = np.where(weighed | (curvature == 0), x, np.clip(anchor, 0.0, 1.0))
    fixed = ~weighed & ((curvature > 0) | (g == 0))
    # a member that accepts only its own ideal point (c = 0, no auxiliary) pins the issues it
    # weighs there: the acceptance set is a point, without the interior the method needs
    for i in np.flatnonzero((e == 0).all(axis=1) & (c <= 0)):
        on = w[i] > 0
        x[on] = p[i, on]
        fixed |= on
    keep = ~fixed
    d_fixed = x[fixed] - p[:, fixed]
    c_kept = np.asarray(c - (w[:, fixed] * d_fixed * d_fixed).sum(axis=1))
    # a member's margin that no longer depends on the variables is a constant, checked at the
    # end; a member whose constraint repeats another's adds nothing (and would make the Newton
    # systems singular)
    rows = (w[:, keep] > 0).any(axis=1) | (e != 0).any(axis=1)
    table = np.hstack([w[:, keep], p[:, keep], c_kept[:, None], e])
    for i in np.flatnonzero(rows):
        if (table[:i][rows[:i]] == table[i]).all(axis=1).any():
            rows[i] = False
    # a margin without auxiliary variables is divided by its constant where that is below 1: a
    # member that accepts only a small neighbourhood of its ideal point has a constraint of size
    # c, and unscaled its multiplier is of order 1 / c, which stalls the interior point's line
    # search; a margin with auxiliaries is measured in their units and keeps its scale, and one
    # that no point meets (c <= 0) keeps it too
    size = np.maximum(c_kept, np.abs(e).max(axis=1, initial=0.0))[rows]
    scale = np.where(size > 0.0, np.clip(size, _SCALE_FLOOR, 1.0), 1.0)
    qcp = _Qcp(
        w=w[rows][:, keep] / scale[:, None],
        p=p[rows][:, keep],
        c=c_kept[rows] / scale,
        e=e[rows] / scale[:, None],
        lin=-np.concatenate([g[keep], h]),
        rho=curvature[keep],
        anchor=anchor[keep],
        lb=np.concatenate([np.zeros(int(keep.sum())), s_bounds[:, 0]]),
        ub=np.concatenate([np.ones(int(keep.sum())), s_bounds[:, 1]]),
    )
    s0 = np.zeros(m) if s_start is None else np.asarray(s_start, dtype=float)
    v0 = np.clip(np.concatenate([x[keep], s0]), qcp.lb, qcp.ub)
    v, lam = v0, np.zeros(qcp.c.size + 2 * v0.size)
    kkt = np.inf
    # rarely the iterates jam against the boundary of a thin feasible set (the refinement's) before
    # the optimum; a start with larger slacks takes another path
    for floor in _FLOORS if v0.size else ():
        v1, lam1 = _interior_point(qcp, v0, floor)
        kkt1 = _kkt(qcp, v1, lam1)[0]
        if kkt1 < kkt:
            v, lam, kkt = v1, lam1, kkt1
        if kkt <= _POLISHED * max(1.0, float(np.abs(lam).max(initial=0.0))):
            break
    if not v0.size:
        kkt = _kkt(qcp, v, lam)[0]
    x[keep] = v[: qcp.n_x]
    s = v[qcp.n_x :]
    multipliers = np.zeros(len(c))
    multipliers[rows] = lam[: qcp.c.size] / scale
    d = x - p
    margins = c - (w * d * d).sum(axis=1) + e @ s
    violation = max(
        float(np.maximum(-margins, 0.0).max(initial=0.0)),
        float(np.maximum(np.maximum(-x, x - 1.0), 0.0).max(initial=0.0)),
        float(np.maximum(np.maximum(s_bounds[:, 0] - s, s - s_bounds[:, 1]), 0.0).max(initial=0.0)),
    )
    # a convex program: a point that meets the KKT conditions is its optimum
    optimal = bool(kkt <= _CERTIFIED * max(1.0, float(np.abs(lam).max(initial=0.0))))
    return Solution(x, s, multipliers, kkt, violation, optimal)


def _interior_point(qcp: _Qcp, v: Array, floor: float = 1e-2) -> tuple[Array, Array]:
    """Primal-dual interior point with slacks ``t`` (N&W Algorithm 19.1, Mehrotra's centring).

    The constraints are the margins ``(S,)``, then ``v - lb`` and ``ub - v`` ``(n,)`` each; the
    bounds' Jacobian (plus and minus the identity) is applied without being formed. Once the
    duality measure is small, each iterate is handed to :func:`_polish`, which ends the search
    when it reaches the optimum to rounding.
    """
    n = v.size
    n_s = qcp.c.size
    n_x = qcp.n_x
    k = n_s + 2 * n
    w2 = 2.0 * qcp.w
    jm = np.empty((n_s, n))
    jm[:, n_x:] = qcp.e
    diag = np.diag_indices(n)

    def state(v: Array) -> tuple[Array, Array, Array]:
        """Constraint values ``(K,)``, the margins' Jacobian ``(S, n)`` and the gradient."""
        d = v[:n_x] - qcp.p
        jac = jm.copy()
        jac[:, :n_x] = -w2 * d
        m = qcp.c - (qcp.w * d * d).sum(axis=1) + qcp.e @ v[n_x:]
        g_val = np.concatenate((m, v - qcp.lb, qcp.ub - v))
        return g_val, jac, qcp.gradient(v)

    def dual_residual(jac: Array, grad: Array, lam: Array) -> Array:  # grad - J^T lam
        return np.asarray(grad - jac.T @ lam[:n_s] - lam[n_s : n_s + n] + lam[n_s + n :])

    g_val, jac, grad = state(v)
    t = np.maximum(g_val, floor)  # the slacks carry the start's infeasibility
    lam = np.ones(k)
    r_d = dual_residual(jac, grad, lam)
    for _ in range(_MAX_ITER):
        r_p = g_val - t
        mu = float(t @ lam) / k
        if max(np.abs(r_d).max(), np.abs(r_p).max(), mu) < _TOL:
            break
        if mu < 1e-8:
            polished = _polish(qcp, v, lam)
            if polished is not None:
                return polished
        ratio = lam / t
        mat = jac.T @ (ratio[:n_s, None] * jac)
        mat[diag] += qcp.hessian(lam[:n_s], n) + ratio[n_s : n_s + n] + ratio[n_s + n :]

        # predictor: the affine-scaling direction; its progress sets the centring (Mehrotra)
        tl = t * lam
        dv_a, dt_a, dlam_a = _direction(mat, jac, r_d, r_p, t, lam, tl)
        a_p, a_d = _max_step(t, dt_a, 1.0), _max_step(lam, dlam_a, 1.0)  # separate: a prediction
        mu_aff = float((t + a_p * dt_a) @ (lam + a_d * dlam_a)) / k
        target = min(1.0, (mu_aff / mu) ** 3) * mu
        before = _norm(r_d, r_p, tl - target)
        step = None
        # Mehrotra's corrected direction, else Newton's, which is a descent direction for the
        # residual; each backtracked on the KKT residual (the constraints are not linear)
        for r_c in (tl + dt_a * dlam_a - target, tl - target):
            dv, dt, dlam = _direction(mat, jac, r_d, r_p, t, lam, r_c)
            alpha = _max_step(np.concatenate((t, lam)), np.concatenate((dt, dlam)), _STEP_TO_BOUNDARY)
            while alpha > 1e-10:
                v1, t1, lam1 = v + alpha * dv, t + alpha * dt, lam + alpha * dlam
                g1, jac1, grad1 = state(v1)
                r_d1 = dual_residual(jac1, grad1, lam1)
                after = _norm(r_d1, g1 - t1, t1 * lam1 - target)
                if after <= (1.0 - 0.01 * alpha) * before or after < _TOL:
                    step = (v1, t1, lam1, g1, jac1, grad1, r_d1)
                    break
                alpha *= 0.5
            if step is not None:
                break
        if step is None:
            break  # no progress possible: the polishing stage takes over
        v, t, lam, g_val, jac, grad, r_d = step
    return _polish(qcp, v, lam) or (v, lam)


def _direction(
    mat: Array, jac: Array, r_d: Array, r_p: Array, t: Array, lam: Array, r_c: Array
) -> tuple[Array, Array, Array]:
    """The Newton step for the complementarity residual ``r_c`` (N&W eq. 19.12, reduced to the
    variables: ``mat`` is the Lagrangian's Hessian plus ``J^T (lam / t) J``)."""
    n_s, n = jac.shape
    y = (r_c + lam * r_p) / t
    dv = _solve(mat, -r_d - (jac.T @ y[:n_s] + y[n_s : n_s + n] - y[n_s + n :]))
    dt = np.concatenate((jac @ dv, dv, -dv)) + r_p
    return dv, dt, -(r_c + lam * dt) / t


def _polish(qcp: _Qcp, v: Array, lam: Array) -> tuple[Array, Array] | None:
    """Newton's method on the KKT equations of the active set (N&W eq. 18.6).

    The active set starts as the constraints whose value is below their multiplier; a
    constraint whose multiplier turns negative leaves it and a violated one joins it (the
    primal active-set rule, N&W ch. 16.5), a few times at most. Returns the polished point and
    multipliers when their KKT conditions hold to rounding (:func:`_polished`), else None.
    """
    g_val, _ = qcp.constraints(v)
    active = g_val < lam
    for _ in range(4):
        out = _newton_kkt(qcp, v, lam, np.flatnonzero(active))
        if out is None:
            return None
        u, lam_u = out
        if _polished(qcp, u, lam_u):
            return u, lam_u
        g_u, _ = qcp.constraints(u)
        worst_sign = int(np.argmin(np.where(active, lam_u, np.inf)))
        worst_feas = int(np.argmin(np.where(active, np.inf, g_u)))
        if active[worst_sign] and lam_u[worst_sign] < 0 and -lam_u[worst_sign] >= -g_u[worst_feas]:
            active[worst_sign] = False
        elif g_u[worst_feas] < 0:
            active[worst_feas] = True
        else:
            return None
    return None


def _newton_kkt(qcp: _Qcp, v: Array, lam: Array, active: NDArray[np.intp]) -> tuple[Array, Array] | None:
    """Newton's method on ``grad f = J_A^T lam_A``, ``G_A = 0`` from ``(v, lam)``, until the
    residual stops falling."""
    n = v.size
    n_s = qcp.c.size
    u, mult = v.copy(), lam[active].copy()
    lam_new = np.zeros(lam.size)
    last = np.inf
    for _ in range(8):
        g_val, jac = qcp.constraints(u)
        ja = jac[active]
        rhs = -np.concatenate([qcp.gradient(u) - ja.T @ mult, g_val[active]])
        size = float(np.abs(rhs).max(initial=0.0))
        if size >= 0.5 * last or size == 0.0:
            break  # at rounding: a further step only moves the last bits
        last = size
        lam_new[:] = 0.0
        lam_new[active] = mult
        hess = np.diag(qcp.hessian(lam_new[:n_s], n))
        kkt = np.block([[hess, -ja.T], [ja, np.zeros((active.size, active.size))]])
        step = _solve(kkt, rhs)
        if not np.all(np.isfinite(step)):
            return None
        u, mult = u + step[:n], mult + step[n:]
    lam_new[:] = 0.0
    lam_new[active] = mult
    return u, lam_new


def _polished(qcp: _Qcp, v: Array, lam: Array) -> bool:
    """Whether the KKT conditions hold to rounding, relative to the multipliers' size."""
    return _kkt(qcp, v, lam)[0] <= _POLISHED * max(1.0, float(np.abs(lam).max(initial=0.0)))


def _kkt(qcp: _Qcp, v: Array, lam: Array) -> tuple[float, float]:
    """The largest KKT residual (stationarity, feasibility, sign, complementarity) and the
    largest violation of a constraint."""
    g_val, jac = qcp.constraints(v)
    lam_pos = np.maximum(lam, 0.0)
    stationarity = np.abs(qcp.gradient(v) - jac.T @ lam_pos).max(initial=0.0)
    violation = float(np.maximum(-g_val, 0.0).max(initial=0.0))
    complementarity = np.abs(lam_pos * g_val).max(initial=0.0)
    sign = float(np.maximum(-lam, 0.0).max(initial=0.0))
    return float(max(stationarity, violation, complementarity, sign)), violation


def _max_step(z: Array, dz: Array, frac: float) -> float:
    """The largest step in ``[0, 1]`` that keeps ``z + step dz`` positive, times ``frac``."""
    neg = dz < -1e-300  # a smaller fall cannot reach 0 within one step (and would overflow)
    if not neg.any():
        return 1.0
    return float(min(1.0, frac * (z[neg] / -dz[neg]).min()))


def _norm(*parts: Array) -> float:
    return float(np.sqrt(sum(float(q @ q) for q in parts)))


def _solve(a: Array, b: Array) -> Array:
    try:
        out = np.linalg.solve(a, b)
        if np.all(np.isfinite(out)):
            return np.asarray(out)
    except np.linalg.LinAlgError:
        pass
    return np.asarray(np.linalg.lstsq(a, b, rcond=None)[0])


__all__ = ["Solution", "solve"]
