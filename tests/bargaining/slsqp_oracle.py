"""SciPy's SLSQP on the agreement analysis's quadratic-loss programs: the oracle for
:mod:`accord.bargaining.qcp`, which replaced it at run time (``docs/performance.md``).

These are the solves the analysis ran before (same formulation, start, tolerances and
acceptance rules), so a test can swap them in (:func:`use_slsqp`) and compare every answer.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.optimize import minimize

from accord.bargaining import agreement as ag

Array = NDArray[np.float64]


def program(prog: ag._Program, x0: Array | None) -> tuple[Array, Array] | None:
    """``prog`` (quadratic loss) by SLSQP from a feasible start, as ``_Program`` solved it."""
    n_i = prog.w.shape[1]
    w, p, c, e = prog.w, prog.p, prog.c, prog.E
    if x0 is None:
        x0 = ag._start(w, p)
    v0 = np.concatenate([x0, prog.aux_start(x0)])
    obj = -np.concatenate([prog.g, prog.h])

    def cons(v: Array) -> Array:
        d = v[:n_i] - p
        return np.asarray(c - (w * d * d).sum(axis=1) + e @ v[n_i:])

    res = minimize(
        lambda v: float(obj @ v),
        v0,
        jac=lambda v: obj,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n_i + list(prog.s_bounds),
        constraints=[
            {"type": "ineq", "fun": cons, "jac": lambda v: np.hstack([-2.0 * w * (v[:n_i] - p), e])}
        ],
        options={"ftol": 1e-13, "maxiter": 500},
    )
    v = np.asarray(res.x)
    if not res.success and np.min(cons(v)) < -1e-7:
        return None
    return np.clip(v[:n_i], 0.0, 1.0), v[n_i:]


def project(w: Array, p: Array, c: Array, x0: Array, start: Array) -> Array:
    """``min |x - x0|^2`` over the quadratic-loss acceptance sets by SLSQP from ``start``."""

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


def use_slsqp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make :mod:`accord.bargaining.agreement` solve its quadratic programs with SLSQP."""
    monkeypatch.setattr(ag._Program, "_qcp", program)

    def qcp_project(w: Array, p: Array, c: Array, loss: ag.Loss, x0: Array, start: Array) -> Array:
        if loss == "linear":
            return ag._project_linear(w, p, c, x0, start)
        x = project(w, p, c, x0, start)
        if ((c - ag._loss_sum(w, p, x, loss)) < -1e-7).any():
            return start.copy()
        return x

    monkeypatch.setattr(ag, "_project", qcp_project)
    ag._MAXIMIN_CACHE.clear()
