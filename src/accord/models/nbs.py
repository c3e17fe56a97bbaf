r"""The asymmetric Nash bargaining solution, issue by issue.

On each issue :math:`j` the outcome maximises

.. math:: \sum_i w_{ij} \log\bigl(u_{ij}(x) - u_{ij}(d_j)\bigr)

over the outcomes that every actor weakly prefers to the disagreement point :math:`d_j`,
with bargaining weights :math:`w_{ij} = c_i s_{ij}` (capability x salience) and the
single-issue utility :math:`u_{ij}(x) = -(x - x_{ij})^2` (quadratic loss, the default) or
:math:`-|x - x_{ij}|` (linear loss). Nash (1950); the asymmetric form with capability and
salience as exponents is Achen (2006), "Evaluating political decision-making models", in
Thomson, Stokman, Achen & Koenig (eds.), *The European Union Decides*, ch. 4 and 10
(Schneider, Finke & Bailer 2010 use the same form with the status quo as ``d``).

Disagreement point: the issue's status quo where the scenario has one (``auto``), or the
``worst`` outcome for each actor (its utility at the far end of the scale). With the status
quo, the bargaining set is the intersection of the intervals
:math:`|x - x_{ij}| \le |d_j - x_{ij}|`; when actors sit on both sides of the status quo it
shrinks to the status quo itself, no move gains for everyone, and the solution is the status
quo (flagged as ``no_gain`` in the details).

The objective is concave, so its derivative is decreasing on the bargaining set; the
solution is found by bisection on the sign of the derivative (64 halvings: exact to
double precision), vectorised over the batch axis and the issues.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from accord.errors import ParameterError
from accord.models.baseline import actor_weights
from accord.models.registry import ModelResult, ModelSpec, Param
from accord.problem import Problem

Array = NDArray[np.float64]

_HALVINGS = 64


def _utility(x: Array, p: Array, loss: str) -> Array:
    return -np.square(x - p) if loss == "quadratic" else -np.abs(x - p)


def _slope(x: Array, p: Array, loss: str) -> Array:
    return -2.0 * (x - p) if loss == "quadratic" else -np.sign(x - p)


def nash_bargaining(
    problem: Problem, *, rng: np.random.Generator, loss: str, disagreement: str, weighting: str
) -> ModelResult:
    """Asymmetric Nash bargaining solution per issue (see the module docstring)."""
    mask = np.broadcast_to(problem.mask, problem.position.shape)
    w = actor_weights(problem, weighting)
    # issues where nobody has weight bargain with equal weights among those with a position
    w = np.where((w.sum(axis=-2, keepdims=True) <= 0) & mask, 1.0, w)
    active = w > 0
    p = np.where(active, problem.position, 0.5)
    sq = np.broadcast_to(problem.status_quo, problem.position.shape[:-2] + (problem.n_issues,))
    use_sq = np.isfinite(sq) if disagreement == "auto" else np.full(sq.shape, disagreement == "status_quo")
    if disagreement == "status_quo" and not np.isfinite(sq).all():
        missing = [
            problem.issue_ids[j] for j in np.flatnonzero(~np.isfinite(sq).reshape(-1, sq.shape[-1]).all(0))
        ]
        raise ParameterError(
            "model nbs, parameter disagreement=status_quo: no status quo on issue(s) " + ", ".join(missing)
        )
    d_sq = np.where(use_sq, sq, 0.5)[..., None, :]
    # disagreement utility per actor: at the status quo, or at the worse end of the scale
    worst = np.minimum(_utility(np.zeros_like(p), p, loss), _utility(np.ones_like(p), p, loss))
    d_util = np.where(use_sq[..., None, :], _utility(d_sq, p, loss), worst)
    radius = np.abs(d_sq - p)
    lo_sq = np.max(np.where(active, p - radius, -np.inf), axis=-2)
    hi_sq = np.min(np.where(active, p + radius, np.inf), axis=-2)
    lo = np.where(use_sq, np.maximum(lo_sq, 0.0), 0.0)
    hi = np.where(use_sq, np.minimum(hi_sq, 1.0), 1.0)
    no_gain = use_sq & (hi - lo <= 1e-12)
    a, b = lo.copy(), hi.copy()
    for _ in range(_HALVINGS):
        mid = 0.5 * (a + b)
        x = mid[..., None, :]
        gain = _utility(x, p, loss) - d_util
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(active, w * _slope(x, p, loss) / gain, 0.0)
            grad = terms.sum(axis=-2)
        up = grad > 0
        a = np.where(up, mid, a)
        b = np.where(up, b, mid)
    outcome = np.where(no_gain, np.where(use_sq, sq, 0.5), 0.5 * (a + b))
    return ModelResult(
        outcome=outcome,
        details={
            "disagreement": np.where(use_sq, "status_quo", "worst"),
            "no_gain": no_gain,
            "flag": np.where(no_gain, "= status quo: no outcome gains for every actor", ""),
        },
    )


SPEC = ModelSpec(
    name="nbs",
    summary="Asymmetric Nash bargaining solution per issue (status quo as disagreement point)",
    citation=(
        "Nash (1950), Econometrica 18; Achen (2006), in Thomson et al. (eds.), "
        "The European Union Decides, ch. 4 and 10"
    ),
    fn=nash_bargaining,
    params=(
        Param(
            "loss",
            "quadratic",
            "single-issue utility: quadratic or linear loss",
            str,
            choices=("quadratic", "linear"),
        ),
        Param(
            "disagreement",
            "auto",
            "disagreement point: auto (status quo where given, else worst), status_quo, worst",
            str,
            choices=("auto", "status_quo", "worst"),
        ),
        Param(
            "weighting",
            "power",
            "bargaining weights: power (capability x salience), capability, salience, equal",
            str,
            choices=("power", "capability", "salience", "equal"),
        ),
    ),
)
