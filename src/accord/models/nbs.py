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
double precision), vectorised over the batch axis and the issues. The solver,
:func:`nash_per_issue` (one issue) and :func:`nash_solution` (several issues at once), is the
one accord has: the mediator's Nash proposal (:mod:`accord.bargaining.mediation`) uses it too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from accord.errors import ParameterError
from accord.models.baseline import actor_weights
from accord.models.registry import Field, ModelResult, ModelSpec, Param
from accord.problem import Problem

Array = NDArray[np.float64]

_HALVINGS = 64

FIELDS = {
    "disagreement": Field(("issue",), doc="the disagreement point used: status_quo or worst"),
    "no_gain": Field(("issue",), doc="no outcome gains for every actor: the status quo stands"),
    "flag": Field(("issue",), doc="a note on the issue's outcome (empty when none)"),
}


def _loss(d: Array, loss: str) -> Array:
    return np.square(d) if loss == "quadratic" else np.abs(d)


def _loss_slope(d: Array, loss: str) -> Array:
    return 2.0 * d if loss == "quadratic" else np.sign(d)


def quadratic_margins(
    w: Array, p: Array, c: Array
) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """Members' margins under quadratic loss at a point ``v`` ``(I,)``, and their Jacobian.

    With weights ``w`` and ideal points ``p`` ``(S, I)`` and ``c = 1 - r`` ``(S,)``:
    margin ``c - sum_j w (v - p)^2`` ``(S,)`` and Jacobian ``-2 w (v - p)`` ``(S, I)``.
    """

    def margin(v: Array) -> Array:
        d = v - p
        return np.asarray(c - (w * d * d).sum(axis=1))

    def jacobian(v: Array) -> Array:
        return -2.0 * w * (v - p)

    return margin, jacobian


def nash_per_issue(
    power: Array, weight: Array, ideal: Array, gain: Array, mask: NDArray[np.bool_], loss: str
) -> tuple[Array, NDArray[np.bool_]]:
    r"""The asymmetric Nash bargaining solution of a separate one-dimensional problem per column.

    Arrays ``(*N, S, I)``: for every column (issue) and batch row, the players ``s`` in ``mask``
    bargain over :math:`x \in [0, 1]` with margins
    :math:`m_s(x) = g_s - w_s \ell(x - p_s)` (``gain`` g, ``weight`` w, ``ideal`` p; loss
    :math:`\ell` quadratic or linear), and the solution maximises
    :math:`\sum_s a_s \log m_s(x)` (``power`` a) over the points where every margin is
    positive (Nash 1950; the asymmetric form of Kalai 1977). That set is an interval (each
    margin is positive on one around its ideal); the objective is concave on it, so the solution
    is where its derivative changes sign, found by 64 bisections (exact to double precision).

    Returns the solution ``(*N, I)`` and a flag marking columns whose interval is (nearly) a
    point: no outcome gains for every player (the solution there is meaningless; callers put the
    disagreement point).
    """
    active = mask & (power > 0)
    # only the ratios of the powers matter: scaled to a largest of 1, tiny ones do not underflow
    top = np.max(np.where(active, power, 0.0), axis=-2, keepdims=True)
    power = np.where(active, power / np.where(top > 0, top, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = gain / weight
    reach = np.where(weight > 0, reach, np.where(gain > 0, np.inf, -np.inf))
    radius = np.sqrt(np.maximum(reach, 0.0)) if loss == "quadratic" else np.maximum(reach, 0.0)
    lo = np.maximum(np.max(np.where(active, ideal - radius, -np.inf), axis=-2), 0.0)
    hi = np.minimum(np.min(np.where(active, ideal + radius, np.inf), axis=-2), 1.0)
    no_gain = (hi - lo <= 1e-12) | ~active.any(axis=-2)
    a, b = lo.copy(), hi.copy()
    # every halving in the same buffers (C-ordered, as np.where's result: the same sums over the
    # players); with unit weights (the nbs model's) w * l is l and -w * l' is -l' exactly
    unit = bool((weight == 1.0).all())
    neg_weight = -weight
    shape = np.broadcast_shapes(
        active.shape, power.shape, weight.shape, ideal.shape, gain.shape, a.shape[:-1] + (1, a.shape[-1])
    )
    idle = np.broadcast_to(~active, shape)
    d, margin, terms = np.empty(shape), np.empty(shape), np.empty(shape)
    for _ in range(_HALVINGS):
        mid = 0.5 * (a + b)
        np.subtract(mid[..., None, :], ideal, out=d)
        if loss == "quadratic":
            np.square(d, out=margin)
        else:
            np.abs(d, out=margin)
        if not unit:
            np.multiply(weight, margin, out=margin)
        np.subtract(gain, margin, out=margin)
        if loss == "quadratic" and unit:
            np.multiply(d, -2.0, out=terms)  # -(2 d), exactly
        else:
            if loss == "quadratic":
                np.multiply(2.0, d, out=terms)
            else:
                np.sign(d, out=terms)
            if unit:
                np.negative(terms, out=terms)
            else:
                np.multiply(neg_weight, terms, out=terms)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.multiply(power, terms, out=terms)
            np.divide(terms, margin, out=terms)
            np.copyto(terms, 0.0, where=idle)
            grad = terms.sum(axis=-2)
        up = grad > 0
        a = np.where(up, mid, a)
        b = np.where(up, b, mid)
    return 0.5 * (a + b), no_gain


def nash_solution(power: Array, weight: Array, ideal: Array, gain: Array, loss: str, start: Array) -> Array:
    r"""The asymmetric Nash bargaining solution over several issues at once: ``(I,)``.

    Players ``s`` with bargaining power ``a`` ``(S,)`` and margins
    :math:`m_s(x) = g_s - \sum_j w_{sj} \ell(x_j - p_{sj})` (``gain`` ``(S,)``, ``weight`` and
    ``ideal`` ``(S, I)``) maximise :math:`\sum_s a_s \log m_s(x)` over :math:`x \in [0, 1]^I`
    with every margin positive, from ``start`` (a point where every margin is positive). One
    issue is :func:`nash_per_issue` (exact bisection); several go to SLSQP on the concave
    problem, with the linear loss's kinks lifted into epigraph variables. Returns ``start``
    when the optimiser ends outside the set or below it.
    """
    n_s, n_i = weight.shape
    if n_i == 1:
        x, no_gain = nash_per_issue(
            power[:, None],
            weight,
            ideal,
            np.broadcast_to(gain[:, None], weight.shape),
            np.ones_like(weight, bool),
            loss,
        )
        return start if bool(no_gain[0]) else x
    from scipy.optimize import minimize

    floor = 1e-12
    if loss == "quadratic":
        margin, margin_jac = quadratic_margins(weight, ideal, gain)
        v0 = start.copy()
        bounds: list[tuple[float, float | None]] = [(0.0, 1.0)] * n_i
        lin: list[dict[str, object]] = []
    else:
        # epigraph variables t_sj >= |x_j - p_sj| make the linear-loss objective smooth
        pairs = np.argwhere(weight > 0)
        rows, cols = pairs[:, 0], pairs[:, 1]
        n_p = len(pairs)
        wt = np.zeros((n_s, n_p))
        wt[rows, np.arange(n_p)] = weight[rows, cols]
        sel = np.zeros((n_p, n_i))
        sel[np.arange(n_p), cols] = 1.0
        eye = np.eye(n_p)
        jac_lin = np.vstack([np.hstack([-sel, eye]), np.hstack([sel, eye])])

        def margin(v: Array) -> Array:
            return np.asarray(gain - wt @ v[n_i:])

        def margin_jac(v: Array) -> Array:
            return np.hstack([np.zeros((n_s, n_i)), -wt])

        def abs_cons(v: Array) -> Array:
            d = v[:n_i][cols] - ideal[rows, cols]
            return np.concatenate([v[n_i:] - d, v[n_i:] + d])

        v0 = np.concatenate([start, np.abs(start[cols] - ideal[rows, cols])])
        bounds = [(0.0, 1.0)] * n_i + [(0.0, None)] * n_p
        lin = [{"type": "ineq", "fun": abs_cons, "jac": lambda v: jac_lin}]

    def fun(v: Array) -> float:
        m = margin(v)
        if (m <= 0).any():
            return 1e10  # outside the set's interior: the line search backs off
        return float(-(power * np.log(m)).sum())

    def jac(v: Array) -> Array:
        m = np.maximum(margin(v), floor)
        return np.asarray(-((power / m)[:, None] * margin_jac(v)).sum(axis=0))

    res = minimize(
        fun,
        v0,
        jac=jac,
        method="SLSQP",
        bounds=bounds,
        constraints=[{"type": "ineq", "fun": lambda v: margin(v) - floor, "jac": margin_jac}, *lin],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    x = np.clip(np.asarray(res.x[:n_i]), 0.0, 1.0)
    if (gain - (weight * _loss(x - ideal, loss)).sum(axis=1) < -1e-9).any() or fun(res.x) > fun(v0):
        return start
    return x


def nash_bargaining(
    problem: Problem, *, rng: np.random.Generator, loss: str, disagreement: str, weighting: str
) -> ModelResult:
    """Asymmetric Nash bargaining solution per issue (see the module docstring).

    Each issue is a one-dimensional problem for :func:`nash_per_issue`: the players are the
    actors with weight, the margin is the utility gained over the disagreement point,
    ``l(d - p) - l(x - p)``.
    """
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
    # what each actor loses at the disagreement point: at the status quo, or at the worse end
    worst = np.maximum(_loss(p, loss), _loss(1.0 - p, loss))
    d_loss = np.where(use_sq[..., None, :], _loss(d_sq - p, loss), worst)
    x, empty = nash_per_issue(w, np.ones_like(p), p, d_loss, active, loss)
    no_gain = use_sq & empty
    outcome = np.where(no_gain, np.where(use_sq, sq, 0.5), x)
    return ModelResult(
        outcome=outcome,
        details={
            "disagreement": np.where(use_sq, "status_quo", "worst"),
            "no_gain": no_gain,
            "flag": np.where(no_gain, "= status quo: no outcome gains for every actor", ""),
        },
        fields=FIELDS,
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
