"""The Nash bargaining solution against an independent numerical optimiser (scipy), to 1e-9."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from accord.models import get
from accord.models.nbs import nash_per_issue, nash_solution
from accord.problem import Problem, to_problem
from accord.scenario import validate


def _scenario(rng: np.random.Generator, n_actors: int, n_issues: int, status_quo: bool) -> Problem:
    actors = [
        {
            "id": f"a{k}",
            "capability": float(rng.uniform(0.1, 5.0)),
            "positions": {
                f"i{j}": {"position": float(rng.uniform(0, 100)), "salience": float(rng.uniform(0.05, 1.0))}
                for j in range(n_issues)
            },
        }
        for k in range(n_actors)
    ]
    issues = [{"id": f"i{j}", "scale": {"min": 0, "max": 100}} for j in range(n_issues)]
    if status_quo:
        for issue in issues:
            issue["status_quo"] = float(rng.uniform(0, 15))  # mostly one side: a bargaining set
    return to_problem(validate({"name": "oracle", "actors": actors, "issues": issues}, "test"))


def _oracle(problem: Problem, j: int, loss: str) -> float | None:
    """The Nash solution of issue ``j``: the root of the objective's derivative (scipy's brentq)."""
    p = problem.position[:, j]
    a = problem.capability * problem.salience[:, j]

    def ell(d: np.ndarray) -> np.ndarray:
        return d * d if loss == "quadratic" else np.abs(d)

    sq = problem.status_quo[j]
    d_loss = ell(sq - p) if np.isfinite(sq) else np.maximum(ell(p), ell(1 - p))
    if np.isfinite(sq):
        radius = np.abs(sq - p)
        lo, hi = max(np.max(p - radius), 0.0), min(np.min(p + radius), 1.0)
    else:
        lo, hi = 0.0, 1.0
    if hi - lo <= 1e-9:
        return None  # no outcome gains for every actor

    def slope(x: float) -> float:
        """The derivative of sum a log(gain): decreasing, so its sign change is the solution."""
        d = x - p
        gain = d_loss - ell(d)
        return float((a * -(2 * d if loss == "quadratic" else np.sign(d)) / gain).sum())

    eps = 1e-13
    left, right = lo + eps, hi - eps
    if slope(left) <= 0:
        return lo
    if slope(right) >= 0:
        return hi
    return float(brentq(slope, left, right, xtol=1e-15, rtol=4 * np.finfo(float).eps))


def _objective(problem: Problem, j: int, loss: str, x: float) -> float:
    p = problem.position[:, j]
    a = problem.capability * problem.salience[:, j]
    ell = (lambda d: d * d) if loss == "quadratic" else np.abs
    sq = problem.status_quo[j]
    d_loss = ell(sq - p) if np.isfinite(sq) else np.maximum(ell(p), ell(1 - p))
    gain = d_loss - ell(x - p)
    return -1e300 if (gain <= 0).any() else float((a * np.log(gain)).sum())


@pytest.mark.parametrize("loss", ["quadratic", "linear"])
@pytest.mark.parametrize("status_quo", [True, False])
def test_nbs_matches_a_numerical_optimiser_on_random_small_cases(loss: str, status_quo: bool) -> None:
    rng = np.random.default_rng(7 if status_quo else 8)
    checked = 0
    for _ in range(40):
        problem = _scenario(rng, int(rng.integers(2, 6)), int(rng.integers(1, 4)), status_quo)
        res = get("nbs").run(problem, {"loss": loss})
        for j in range(problem.n_issues):
            want = _oracle(problem, j, loss)
            if want is None:
                assert bool(res.details["no_gain"][j])
                assert res.outcome[j] == pytest.approx(problem.status_quo[j], abs=1e-15)
                continue
            assert res.outcome[j] == pytest.approx(want, abs=1e-9), (loss, j)
            # and no better point: a bounded Brent search on the objective itself
            brent = minimize_scalar(
                lambda x, j=j, pr=problem: -_objective(pr, j, loss, x), bounds=(0, 1), method="bounded"
            ).x
            assert _objective(problem, j, loss, res.outcome[j]) >= _objective(problem, j, loss, brent) - 1e-12
            checked += 1
    assert checked > 30


def test_nbs_two_actors_on_one_side_of_the_status_quo_solves_the_first_order_condition() -> None:
    """Ideals 0.6 and 0.8, status quo 0, equal weights: the gains are x(2p - x), so the solution solves
    2/x = 1/(1.2 - x) + 1/(1.6 - x); the compromise (0.7) does not."""
    actors = [
        {"id": f"a{k}", "capability": 1, "positions": {"x": {"position": pos, "salience": 1}}}
        for k, pos in enumerate((60, 80))
    ]
    problem = to_problem(
        validate(
            {"name": "t", "actors": actors, "issues": [{"id": "x", "status_quo": 0}]},
            "test",
        )
    )
    exact = brentq(lambda x: 2 / x - 1 / (1.2 - x) - 1 / (1.6 - x), 0.6, 0.8, xtol=1e-15)
    assert get("nbs").run(problem).outcome[0] == pytest.approx(exact, abs=1e-12)
    assert abs(get("compromise").run(problem).outcome[0] - exact) > 0.02


def test_one_solver_for_one_and_several_issues() -> None:
    """nash_solution on one issue is nash_per_issue; on several it matches a direct scipy optimisation."""
    rng = np.random.default_rng(3)
    power = rng.uniform(0.2, 2.0, 4)
    weight = rng.uniform(0.1, 1.0, (4, 1))
    ideal = rng.uniform(0, 1, (4, 1))
    gain = 0.5 + weight[:, 0]
    one = nash_solution(power, weight, ideal, gain, "quadratic", np.array([0.5]))
    per, _ = nash_per_issue(power[:, None], weight, ideal, gain[:, None], np.ones((4, 1), bool), "quadratic")
    assert one[0] == per[0]

    weight2 = rng.uniform(0.1, 1.0, (3, 2))
    ideal2 = rng.uniform(0, 1, (3, 2))
    gain2 = np.full(3, 0.6)
    start = (weight2 * ideal2).sum(axis=0) / weight2.sum(axis=0)
    x = nash_solution(power[:3], weight2, ideal2, gain2, "quadratic", start)
    g = np.linspace(0, 1, 401)
    grid = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
    m = gain2 - (weight2 * (grid[:, None, :] - ideal2) ** 2).sum(axis=-1)
    obj = np.where((m > 0).all(axis=1), (power[:3] * np.log(np.maximum(m, 1e-300))).sum(axis=1), -np.inf)
    assert x == pytest.approx(grid[np.argmax(obj)], abs=3e-3)


@pytest.mark.parametrize(
    "params", [{}, {"disagreement": "worst"}, {"loss": "linear", "weighting": "salience"}]
)
def test_a_case_gives_its_own_numbers_in_any_batch(params: dict[str, str]) -> None:
    """The ensemble runs the NBS issue by issue on the distinct cases only: a case's solution
    must not depend on the rest of the batch or its layout (the issue cut out by fancy indexing)."""
    from accord.models.ensemble import issue_problem
    from accord.models.rows import distinct_rows

    spec = get("nbs")
    rng = np.random.default_rng(4)
    base = _scenario(rng, 9, 3, status_quo=True)
    n = 60
    draws = rng.integers(0, 12, n)  # repeated cases
    pos = np.clip(base.position + rng.normal(0, 0.1, (12, *base.position.shape))[draws], 0, 1)
    batch = replace(base, position=pos)
    for k in range(batch.n_issues):
        part = issue_problem(batch, k)
        first, inverse = distinct_rows(*(getattr(part, name) for name in part.batched()))
        assert first.size < n
        whole = np.asarray(spec.run(part, params).outcome)
        distinct = np.asarray(spec.run(part.take(first), params).outcome)[inverse]
        alone = np.stack(
            [np.asarray(spec.run(part.take(np.array([c])), params).outcome)[0] for c in range(n)]
        )
        assert whole.tobytes() == distinct.tobytes() == alone.tobytes()
