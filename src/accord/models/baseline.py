"""The simple models the literature finds hardest to beat: mean, compromise, weighted median.

Each works issue by issue over the actors that hold a position on the issue, vectorised
over the batch axis and the issues.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from accord.models.registry import ModelResult, ModelSpec, Param
from accord.models.weighted import weighted_mean, weighted_median
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


def mean_model(problem: Problem, *, rng: np.random.Generator, weighting: str) -> ModelResult:
    """Mean of the positions (Achen 2006): weighted by ``weighting`` (default: unweighted)."""
    out, fallback = weighted_mean(problem.position, actor_weights(problem, weighting), problem.mask)
    return ModelResult(outcome=out, details={"fallback_to_plain_mean": fallback})


def compromise_model(problem: Problem, *, rng: np.random.Generator, weighting: str) -> ModelResult:
    r"""The compromise model: the capability x salience weighted mean of the positions.

    :math:`\hat{x}_j = \sum_i c_i s_{ij} x_{ij} / \sum_i c_i s_{ij}` (Achen 2006, "Evaluating
    political decision-making models", in Thomson, Stokman, Achen & Koenig (eds.), *The
    European Union Decides*, ch. 10, eq. 10.2; Van den Bos 1991). Where every weight on an
    issue is 0, the plain mean of the positions (reported in ``details``). The mean is
    :func:`accord.models.weighted.weighted_mean`.
    """
    out, fallback = weighted_mean(problem.position, actor_weights(problem, weighting), problem.mask)
    return ModelResult(outcome=out, details={"fallback_to_plain_mean": fallback})


def median_model(problem: Problem, *, rng: np.random.Generator, weighting: str) -> ModelResult:
    """The weighted median: the position that no coalition with a weighted majority can beat.

    Black (1948) median voter theorem with weights capability x salience, as used as a
    baseline by Achen (2006, in *The European Union Decides*, ch. 10) and by Bueno de
    Mesquita's expected-utility model for its forecast. ``weighting=equal`` is the median of
    the positions. The median and its tie rule (the midpoint on an exact half): see
    :mod:`accord.models.weighted`.
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
