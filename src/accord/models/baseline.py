"""The simple models the literature finds hardest to beat: mean, compromise, weighted median.

Each works issue by issue over the actors that hold a position on the issue, vectorised
over the batch axis and the issues.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from accord.models.registry import ModelResult, ModelSpec, Param
from accord.problem import Problem

Array = NDArray[np.float64]

WEIGHTINGS = ("power", "capability", "salience", "equal")


def actor_weights(problem: Problem, weighting: str) -> Array:
    """Weights ``(*B, A, I)`` per actor and issue, 0 where the actor sits out.

    ``power``: capability (per-issue power where given) x salience; ``capability``: capability
    alone; ``salience``: salience alone; ``equal``: 1.
    """
    if weighting == "power":
        w = problem.power * problem.salience
    elif weighting == "capability":
        w = problem.power
    elif weighting == "salience":
        w = problem.salience
    elif weighting == "equal":
        w = np.ones_like(problem.salience)
    else:  # guarded by Param.choices
        raise ValueError(weighting)
    return np.where(problem.mask, w, 0.0)


def weighted_mean(position: Array, weight: Array, mask: NDArray[np.bool_]) -> tuple[Array, Array]:
    """Weighted mean over the actor axis (-2); where all weights are 0, the plain mean.

    Returns the mean ``(*B, I)`` and a bool array marking the issues that fell back.
    """
    x = np.where(mask, position, 0.0)
    total = weight.sum(axis=-2)
    count = mask.sum(axis=-2)
    plain = x.sum(axis=-2) / np.maximum(count, 1)
    fallback = total <= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (weight * x).sum(axis=-2) / np.where(fallback, 1.0, total)
    return np.where(fallback, plain, mean), np.broadcast_to(fallback, mean.shape)


def weighted_median(position: Array, weight: Array, mask: NDArray[np.bool_]) -> Array:
    """The weighted median over the actor axis (-2): the position no weighted majority beats.

    Sorted by position, it is the first position at which the cumulative weight reaches half
    the total; where the cumulative weight equals exactly half, the midpoint between that
    position and the next (so equal weights give ``numpy.median``). Issues whose weights are
    all 0 use equal weights over the actors with a position.
    """
    mask_b = np.broadcast_to(mask, position.shape)
    w = np.where(mask_b, weight, 0.0)
    all_zero = w.sum(axis=-2, keepdims=True) <= 0
    w = np.where(all_zero & mask_b, 1.0, w)
    # actors without a position sort last with no weight
    x = np.where(mask_b, position, np.inf)
    order = np.argsort(x, axis=-2, kind="stable")
    xs = np.take_along_axis(x, order, axis=-2)
    ws = np.take_along_axis(w, order, axis=-2)
    cum = np.cumsum(ws, axis=-2)
    half = 0.5 * cum[..., -1:, :]
    # relative tolerance so that sums of equal weights that hit half exactly count as ties
    tol = 1e-12 * np.maximum(cum[..., -1:, :], 1e-300)
    k = np.argmax(cum >= half - tol, axis=-2)[..., None, :]
    at = np.take_along_axis(xs, k, axis=-2)[..., 0, :]
    exact = np.abs(np.take_along_axis(cum, k, axis=-2)[..., 0, :] - half[..., 0, :]) <= tol[..., 0, :]
    # next position with positive weight after k (the midpoint partner on a tie)
    idx = np.arange(xs.shape[-2]).reshape((1,) * (xs.ndim - 2) + (-1, 1))
    later = (idx > k) & (ws > 0)
    nxt_k = np.argmax(later, axis=-2)[..., None, :]
    has_next = later.any(axis=-2)
    nxt = np.take_along_axis(xs, nxt_k, axis=-2)[..., 0, :]
    return np.where(exact & has_next, 0.5 * (at + nxt), at)


def mean_model(problem: Problem, *, rng: np.random.Generator, weighting: str) -> ModelResult:
    """Mean of the positions (Achen 2006): weighted by ``weighting`` (default: unweighted)."""
    out, fallback = weighted_mean(problem.position, actor_weights(problem, weighting), problem.mask)
    return ModelResult(outcome=out, details={"fallback_to_plain_mean": fallback})


def compromise_model(problem: Problem, *, rng: np.random.Generator, weighting: str) -> ModelResult:
    r"""The compromise model: the capability x salience weighted mean of the positions.

    :math:`\hat{x}_j = \sum_i c_i s_{ij} x_{ij} / \sum_i c_i s_{ij}` (Achen 2006, "Evaluating
    political decision-making models", in Thomson, Stokman, Achen & Koenig (eds.), *The
    European Union Decides*, ch. 10, eq. 10.2; Van den Bos 1991). Where every weight on an
    issue is 0, the plain mean of the positions (reported in ``details``).
    """
    out, fallback = weighted_mean(problem.position, actor_weights(problem, weighting), problem.mask)
    return ModelResult(outcome=out, details={"fallback_to_plain_mean": fallback})


def median_model(problem: Problem, *, rng: np.random.Generator, weighting: str) -> ModelResult:
    """The weighted median: the position that no coalition with a weighted majority can beat.

    Black (1948) median voter theorem with weights capability x salience, as used as a
    baseline by Achen (2006, in *The European Union Decides*, ch. 10) and by Bueno de
    Mesquita's expected-utility model for its forecast. ``weighting=equal`` is the median of
    the positions.
    """
    out = weighted_median(problem.position, actor_weights(problem, weighting), problem.mask)
    return ModelResult(outcome=out)


def _weighting(default: str) -> Param:
    return Param(
        "weighting",
        default,
        "actor weights: power (capability x salience), capability, salience or equal",
        type=str,
        choices=WEIGHTINGS,
    )


SPECS: list[ModelSpec] = [
    ModelSpec(
        name="mean",
        summary="Mean of the positions (unweighted by default)",
        citation="Achen (2006), in Thomson et al. (eds.), The European Union Decides, ch. 10",
        fn=mean_model,
        params=(_weighting("equal"),),
    ),
    ModelSpec(
        name="compromise",
        summary="Capability x salience weighted mean of the positions",
        citation=(
            "Van den Bos (1991); Achen (2006), in Thomson et al. (eds.), "
            "The European Union Decides, ch. 10, eq. 10.2"
        ),
        fn=compromise_model,
        params=(_weighting("power"),),
    ),
    ModelSpec(
        name="median",
        summary="Capability x salience weighted median (the position no weighted majority beats)",
        citation="Black (1948); Achen (2006), in Thomson et al. (eds.), The European Union Decides",
        fn=median_model,
        params=(_weighting("power"),),
    ),
]
