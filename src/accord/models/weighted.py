"""The weighted mean and the weighted median over actors: one implementation each, used everywhere.

Both reduce one axis (the actor axis, ``-2`` in ``(*B, A, I)`` arrays, unless told otherwise)
and skip the entries outside ``mask``. Where every weight along the axis is 0, the mean falls
back to the plain mean and the median to equal weights over the entries in ``mask``.

Tie rule of the weighted median (documented once, here): sorted by value, it is the first value
at which the cumulative weight reaches half the total; when the cumulative weight there equals
half the total exactly (within a relative 1e-12, so that sums of equal weights count), the
midpoint between that value and the next one with positive weight. Equal weights therefore give
``numpy.median``: two equal actors at 20 and 80 give 50. Any point between the two is a weighted
median (it minimises the weighted sum of absolute deviations); the midpoint is the one that
treats both sides alike.

Bueno de Mesquita's expected-utility model forecasts a different object, the *held* position
that no other held position beats in a weighted vote (Scholz et al. 2011, eq. 26-28; there two
equal actors tie and the lower actor index wins): :func:`accord.models.eum.held_median`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

TIE_RTOL = 1e-12
"""Relative tolerance under which the cumulative weight counts as exactly half the total."""


def weighted_mean(
    position: Array, weight: Array, mask: BoolArray | bool = True, axis: int = -2
) -> tuple[Array, BoolArray]:
    r"""The weighted mean :math:`\sum_i w_i x_i / \sum_i w_i` over ``axis`` (entries in ``mask``).

    Returns the mean and a bool array marking where every weight was 0, where the plain mean of
    the entries in ``mask`` stands in (NaN where ``mask`` holds none). The compromise model's
    formula (Achen 2006, eq. 10.2) and the exchange model's expected outcome (Stokman & Van
    Oosten 1994, eq. 1) are this mean with weights capability x salience.
    """
    mask_b = np.broadcast_to(mask, np.broadcast_shapes(np.shape(position), np.shape(weight)))
    x = np.where(mask_b, position, 0.0)
    w = np.where(mask_b, weight, 0.0)
    # weights so small that w * x underflows (subnormal sums) are rescaled; others are left alone
    top = np.max(w, axis=axis, keepdims=True) if w.size else w
    tiny = np.sum(w, axis=axis, keepdims=True) < np.finfo(float).tiny
    w = np.where(tiny, w / np.where(top > 0, top, 1.0), w)
    total = w.sum(axis=axis)
    count = mask_b.sum(axis=axis)
    fallback = total <= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = np.where(count > 0, x.sum(axis=axis) / np.maximum(count, 1), np.nan)
        mean = (w * x).sum(axis=axis) / np.where(fallback, 1.0, total)
    return np.where(fallback, plain, mean), np.asarray(fallback)


def weighted_median(position: Array, weight: Array, mask: BoolArray | bool = True, axis: int = -2) -> Array:
    """The weighted median over ``axis`` with the module's tie rule (midpoint on an exact half).

    Vectorised over every other axis. NaN where ``mask`` holds no entry.
    """
    shape = np.broadcast_shapes(np.shape(position), np.shape(weight))
    arrays = [np.broadcast_to(a, shape) for a in (position, weight, mask)]
    if len(shape) < 2 or axis % len(shape) != len(shape) - 2:
        # reduce over a new second-to-last axis: the reduced axis moved last, a unit axis after it
        pos, wgt, msk = (np.moveaxis(a, axis, -1)[..., None] for a in arrays)
        return weighted_median(pos, wgt, msk, axis=-2)[..., 0]
    pos, wgt, msk = arrays
    w = np.where(msk, wgt, 0.0)
    all_zero = w.sum(axis=-2, keepdims=True) <= 0
    w = np.where(all_zero & msk, 1.0, w)
    # entries outside the mask sort last with no weight
    x = np.where(msk, pos, np.inf)
    order = np.argsort(x, axis=-2, kind="stable")
    xs = np.take_along_axis(x, order, axis=-2)
    ws = np.take_along_axis(w, order, axis=-2)
    cum = np.cumsum(ws, axis=-2)
    half = 0.5 * cum[..., -1:, :]
    tol = TIE_RTOL * np.maximum(cum[..., -1:, :], 1e-300)
    k = np.argmax(cum >= half - tol, axis=-2)[..., None, :]
    at = np.take_along_axis(xs, k, axis=-2)[..., 0, :]
    exact = np.abs(np.take_along_axis(cum, k, axis=-2)[..., 0, :] - half[..., 0, :]) <= tol[..., 0, :]
    # the next value with positive weight after k: the midpoint's partner on a tie
    idx = np.arange(xs.shape[-2]).reshape((1,) * (xs.ndim - 2) + (-1, 1))
    later = (idx > k) & (ws > 0)
    nxt = np.take_along_axis(xs, np.argmax(later, axis=-2)[..., None, :], axis=-2)[..., 0, :]
    out = np.where(exact & later.any(axis=-2), 0.5 * (at + nxt), at)
    out = np.where(msk.any(axis=-2), out, np.nan)
    return np.asarray(out)
