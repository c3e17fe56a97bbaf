"""Forward-mode automatic differentiation over a batch of observations.

A :class:`Dual` holds values ``v`` (rows,) and their derivatives ``d`` (rows, parameters). The
strategic likelihoods are built from a handful of operations (sums, products, quotients, square
roots, exp, a link's CDF), so carrying the Jacobian through them gives the exact gradient of the
log-likelihood at the cost of a few (rows x parameters) array operations.
"""

from __future__ import annotations

import numpy as np
from scipy import special

_SQRT2PI = np.sqrt(2.0 * np.pi)


class Dual:
    __slots__ = ("v", "d")

    def __init__(self, v: np.ndarray, d: np.ndarray) -> None:
        self.v = v
        self.d = d

    @staticmethod
    def const(v: np.ndarray | float, rows: int, params: int) -> Dual:
        return Dual(np.broadcast_to(np.asarray(v, dtype=float), (rows,)).copy(), np.zeros((rows, params)))

    def _lift(self, other: Dual | np.ndarray | float) -> Dual:
        if isinstance(other, Dual):
            return other
        return Dual(np.broadcast_to(np.asarray(other, dtype=float), self.v.shape), np.zeros_like(self.d))

    def __add__(self, other: Dual | np.ndarray | float) -> Dual:
        o = self._lift(other)
        return Dual(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __sub__(self, other: Dual | np.ndarray | float) -> Dual:
        o = self._lift(other)
        return Dual(self.v - o.v, self.d - o.d)

    def __rsub__(self, other: Dual | np.ndarray | float) -> Dual:
        return self._lift(other) - self

    def __neg__(self) -> Dual:
        return Dual(-self.v, -self.d)

    def __mul__(self, other: Dual | np.ndarray | float) -> Dual:
        if not isinstance(other, Dual):
            c = np.asarray(other, dtype=float)
            return Dual(self.v * c, self.d * (c[..., None] if c.ndim else c))
        return Dual(self.v * other.v, self.d * other.v[:, None] + other.d * self.v[:, None])

    __rmul__ = __mul__

    def __truediv__(self, other: Dual | np.ndarray | float) -> Dual:
        if not isinstance(other, Dual):
            return self * (1.0 / np.asarray(other, dtype=float))
        inv = 1.0 / other.v
        return Dual(self.v * inv, (self.d - other.d * (self.v * inv)[:, None]) * inv[:, None])

    def sqrt(self) -> Dual:
        s = np.sqrt(self.v)
        return Dual(s, self.d * (0.5 / s)[:, None])

    def exp(self) -> Dual:
        e = np.exp(self.v)
        return Dual(e, self.d * e[:, None])

    def log(self) -> Dual:
        return Dual(np.log(self.v), self.d / self.v[:, None])


def cdf(x: Dual, link: str) -> Dual:
    """The link's CDF: standard normal (probit) or standard logistic (logit)."""
    if link == "probit":
        return Dual(special.ndtr(x.v), x.d * (np.exp(-0.5 * x.v**2) / _SQRT2PI)[:, None])
    p = special.expit(x.v)
    return Dual(p, x.d * (p * (1.0 - p))[:, None])


def log_cdf(x: Dual, link: str) -> Dual:
    """log of the link's CDF, accurate far in the tails."""
    if link == "probit":
        lv = special.log_ndtr(x.v)
        # d/dx log Phi(x) = phi(x) / Phi(x), evaluated stably through the log
        ratio = np.exp(np.minimum(-0.5 * x.v**2 - lv, 700.0)) / _SQRT2PI
        return Dual(lv, x.d * ratio[:, None])
    lv = -np.logaddexp(0.0, -x.v)
    return Dual(lv, x.d * special.expit(-x.v)[:, None])
