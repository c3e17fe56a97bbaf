"""The statistical ultimatum game (Ramsay & Signorino 2009; ``games::ultimatum``), by maximum likelihood.

Player 1 offers ``y`` in ``[min_offer, max_offer]`` (= ``[0, Q]``); player 2 accepts (payoffs
``Q - y``, ``y``) or rejects (reservation values ``R1 + e1``, ``R2 + e2``). ``R1 = X1 b1`` and
``R2 = X2 b2`` are linear in covariates; ``e1``, ``e2`` are private logistic shocks with scales
``s1``, ``s2``. Player 2 accepts when ``y > R2 + e2``: ``P(accept | y) = L((y - R2) / s2)``. Player 1
maximises ``(Q - y) L((y - R2)/s2) + (R1 + e1) (1 - L(...))``; the first-order condition gives

    e1 = g(y) = Q - y - s2 (1 + exp((y - R2) / s2)) - R1,

decreasing in ``y``, so the offer's density is ``f1(g(y)) |g'(y)|`` in the interior, with point
masses ``1 - L1(g(0))`` at the lowest offer and ``L1(g(Q))`` at the highest. The likelihood of an
observation is that density times the probability of the observed acceptance (``outcome="both"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from accord.errors import InputError, ParameterError
from accord.games.formula import Design, design, factor_levels, parse_formula
from accord.games.strategic import Coefficients, hessian_from_gradient, load_data

OFFER_TOL = math.sqrt(np.finfo(float).eps)
LOG_EPS = math.log(np.finfo(float).eps)


@dataclass
class UltimatumFit(Coefficients):
    """A fitted statistical ultimatum game."""

    formula: str
    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    loglik: float
    n: int
    max_offer: float
    min_offer: float
    converged: bool
    _designs: Any = field(repr=False)
    _loglik: Any = field(repr=False)

    def loglik_at(self, coef: Sequence[float]) -> float:
        """The log-likelihood at other coefficients (same order as ``names``, both log-scales included)."""
        return float(self._loglik(np.asarray(coef, dtype=float)))

    def predict(self, data: Any = None, *, points: int = 2000) -> np.ndarray:
        """(rows, 2): the expected offer and the probability that it is accepted, by quadrature over e1."""
        x1, x2 = self._designs(None if data is None else load_data(data))
        k1 = x1.shape[1]
        r1 = x1 @ self.coef[:k1]
        r2 = x2 @ self.coef[k1 : k1 + x2.shape[1]]
        s1, s2 = math.exp(self.coef[-2]), math.exp(self.coef[-1])
        u = (np.arange(points) + 0.5) / points
        e1 = s1 * special.logit(u)  # logistic quantiles
        offers = _optimal_offer(e1[None, :], r1[:, None], r2[:, None], s2, self.min_offer, self.max_offer)
        accept = special.expit((offers - r2[:, None]) / s2)
        return np.column_stack([offers.mean(axis=1), accept.mean(axis=1)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "ultimatum",
            "formula": self.formula,
            "n": self.n,
            "loglik": self.loglik,
            "coefficients": self.coefficients,
            "std_errors": self.std_errors,
        }


def _g(y: np.ndarray, r1: np.ndarray, r2: np.ndarray, s2: float, q: float) -> np.ndarray:
    return q - y - s2 * (1.0 + np.exp(np.minimum((y - r2) / s2, 700.0))) - r1


def _optimal_offer(
    e1: np.ndarray, r1: np.ndarray, r2: np.ndarray, s2: float, lo: float, hi: float
) -> np.ndarray:
    """Player 1's best offer for shock ``e1`` (g is decreasing: bisection, clipped to [lo, hi])."""
    a = np.broadcast_to(np.asarray(lo, dtype=float), np.broadcast_shapes(e1.shape, r1.shape)).copy()
    b = np.full_like(a, hi)
    for _ in range(60):
        mid = 0.5 * (a + b)
        above = _g(mid, r1, r2, s2, hi) > e1
        a = np.where(above, mid, a)
        b = np.where(above, b, mid)
    y = 0.5 * (a + b)
    y = np.where(_g(np.full_like(y, lo), r1, r2, s2, hi) <= e1, lo, y)
    return np.where(_g(np.full_like(y, hi), r1, r2, s2, hi) >= e1, hi, y)


def fit_ultimatum(
    formula: str,
    data: Any,
    *,
    max_offer: float,
    min_offer: float = 0.0,
    s1: float | None = None,
    s2: float | None = None,
    outcome: str = "both",
    start: Sequence[float] | None = None,
) -> UltimatumFit:
    """Fit the statistical ultimatum game (``games::ultimatum``) by maximum likelihood.

    formula: ``"offer + accept ~ <R1 covariates> | <R2 covariates>"`` (R's two right-hand sides).
    s1, s2: fix a scale instead of estimating it. outcome: ``"both"`` or ``"offer"`` (acceptance
    not used).
    """
    from scipy import optimize

    form = parse_formula(formula)
    if len(form.parts) != 2:
        raise InputError(f"formula {formula!r}: the ultimatum game needs 2 parts (R1 | R2)")
    if outcome not in ("both", "offer"):
        raise ParameterError(f"outcome {outcome!r}: expected both or offer")
    if not max_offer > min_offer:
        raise ParameterError(f"max_offer {max_offer} must be above min_offer {min_offer}")
    frame = load_data(data)
    import pandas as pd

    lhs = form.lhs
    if len(lhs) != (2 if outcome == "both" else 1) and not (outcome == "offer" and len(lhs) == 2):
        raise InputError(f"formula {formula!r}: the left-hand side is offer + acceptance")
    needed = list(lhs) + [v for p in form.parts for v in p.variables if v not in lhs]
    missing = [v for v in needed if v not in frame.columns]
    if missing:
        raise InputError(f"formula {formula!r}: no column {missing[0]!r} in the data")
    frame = frame.loc[~pd.isna(frame[needed]).any(axis=1)].reset_index(drop=True)
    fac = factor_levels({v: frame[v].to_numpy() for v in needed[len(lhs) :]}, needed[len(lhs) :])
    offer = frame[lhs[0]].to_numpy(dtype=float)
    if np.any(offer < min_offer - OFFER_TOL) or np.any(offer > max_offer + OFFER_TOL):
        raise InputError(f"column {lhs[0]!r}: offers must lie in [{min_offer:g}, {max_offer:g}]")
    accept = frame[lhs[1]].to_numpy(dtype=float) if len(lhs) == 2 else None
    if accept is not None and not np.all(np.isin(accept, (0.0, 1.0))):
        raise InputError(f"column {lhs[1]!r}: acceptance must be 0 or 1")

    def designs(fr: Any) -> tuple[np.ndarray, np.ndarray]:
        fr = frame if fr is None else fr
        cols = {v: fr[v].to_numpy() for v in needed[len(lhs) :]}
        ds: list[Design] = [design(p, cols, len(fr), fac, lhs) for p in form.parts]
        return ds[0].matrix, ds[1].matrix

    x1, x2 = designs(None)
    base = {v: frame[v].to_numpy() for v in needed[len(lhs) :]}
    d1 = design(form.parts[0], base, len(frame), fac, lhs).names
    d2 = design(form.parts[1], base, len(frame), fac, lhs).names
    k1, k2 = x1.shape[1], x2.shape[1]
    at_lo = offer <= min_offer + OFFER_TOL
    at_hi = offer >= max_offer - OFFER_TOL
    inner = ~(at_lo | at_hi)
    q = float(max_offer)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
        pos = k1 + k2
        ls1 = math.log(s1) if s1 is not None else theta[pos]
        pos += s1 is None
        ls2 = math.log(s2) if s2 is not None else theta[pos]
        return theta[:k1], theta[k1 : k1 + k2], ls1, ls2

    def loglik_obs(theta: np.ndarray) -> np.ndarray:
        b1, b2, ls1, ls2 = unpack(theta)
        if abs(ls1) > 50 or abs(ls2) > 50:
            return np.full(len(offer), -1e300)
        sc1, sc2 = math.exp(ls1), math.exp(ls2)
        r1, r2 = x1 @ b1, x2 @ b2
        ll = np.zeros(len(offer))
        g = _g(offer, r1, r2, sc2, q) / sc1
        # interior: logistic density at g times |g'(y)|
        jac = 1.0 + np.exp(np.minimum((offer - r2) / sc2, 700.0))
        ll_in = -ls1 - g - 2.0 * np.logaddexp(0.0, -g) + np.log(jac)
        ll = np.where(inner, ll_in, ll)
        ll = np.where(at_lo, -np.logaddexp(0.0, g), ll)  # P(e1 >= g(lo))
        ll = np.where(at_hi, -np.logaddexp(0.0, -g), ll)  # P(e1 <= g(hi))
        if accept is not None and outcome == "both":
            z = (offer - r2) / sc2
            # games floors this probability at machine epsilon; without the floor a few accepted
            # low offers under a tight s2 dominate the likelihood (student_offers: 35 log points)
            ll += np.maximum(np.where(accept == 1.0, -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)), LOG_EPS)
        return ll

    def negll(theta: np.ndarray) -> float:
        v = -float(loglik_obs(theta).sum())
        return v if math.isfinite(v) else 1e300

    def grad(theta: np.ndarray) -> np.ndarray:
        out = np.zeros_like(theta)
        for j in range(len(theta)):
            h = 1e-6 * max(1.0, abs(theta[j]))
            tp, tm = theta.copy(), theta.copy()
            tp[j] += h
            tm[j] -= h
            out[j] = (negll(tp) - negll(tm)) / (2 * h)
        return out

    names = [f"R1:{c}" for c in d1] + [f"R2:{c}" for c in d2]
    if s1 is None:
        names.append("log(s1)")
    if s2 is None:
        names.append("log(s2)")
    # start: R1 at the mean kept share, R2 at the mean offer, scales from the offers' spread
    theta0 = np.zeros(len(names))
    if k1 and "(Intercept)" in d1:
        theta0[list(d1).index("(Intercept)")] = q - offer.mean()
    if k2 and "(Intercept)" in d2:
        theta0[k1 + list(d2).index("(Intercept)")] = offer.mean()
    spread = math.log(max(offer.std(), 1e-3 * q))
    for j in range(k1 + k2, len(names)):
        theta0[j] = spread
    if start is not None:
        theta0 = np.asarray(start, dtype=float)
        if theta0.shape != (len(names),):
            raise ParameterError(f"start: need {len(names)} values ({', '.join(names)})")
    best: Any = None
    for method in ("BFGS", "Nelder-Mead"):
        res = optimize.minimize(
            negll,
            theta0 if best is None else best.x,
            jac=grad if method == "BFGS" else None,
            method=method,
            options={"maxiter": 20000} if method == "Nelder-Mead" else {},
        )
        if best is None or res.fun < best.fun:
            best = res
    res = optimize.minimize(negll, best.x, jac=grad, method="BFGS", options={"gtol": 1e-8})
    if res.fun > best.fun:
        res = best
    theta = np.asarray(res.x, dtype=float)
    n_par = len(theta)
    hess = hessian_from_gradient(grad, theta, 1e-4)
    try:
        se = np.sqrt(np.abs(np.diag(np.linalg.inv(hess))))
    except np.linalg.LinAlgError:
        se = np.full(n_par, np.nan)
    # report both log-scales, fixed ones with no standard error (as games does)
    coef = list(theta[: k1 + k2])
    ses = list(se[: k1 + k2])
    pos = k1 + k2
    out_names = list(names[: k1 + k2]) + ["log(s1)", "log(s2)"]
    for fixed_scale in (s1, s2):
        if fixed_scale is None:
            coef.append(theta[pos])
            ses.append(se[pos])
            pos += 1
        else:
            coef.append(math.log(fixed_scale))
            ses.append(np.nan)

    def _free(c: np.ndarray) -> np.ndarray:
        keep = list(c[: k1 + k2])
        if s1 is None:
            keep.append(c[k1 + k2])
        if s2 is None:
            keep.append(c[k1 + k2 + 1])
        return np.asarray(keep)

    return UltimatumFit(
        formula=formula,
        names=tuple(out_names),
        coef=np.asarray(coef),
        se=np.asarray(ses),
        loglik=-float(res.fun),
        n=len(offer),
        max_offer=q,
        min_offer=float(min_offer),
        converged=bool(res.success or np.max(np.abs(grad(theta))) < 1e-3),
        _designs=designs,
        _loglik=lambda c: float(loglik_obs(_free(c)).sum()),
    )
