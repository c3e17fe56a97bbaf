"""Random scenarios for the scaling benchmarks (imported by them; not a benchmark itself)."""

from __future__ import annotations

import numpy as np

from accord.problem import Problem, to_problem
from accord.scenario import Scenario, validate


def random_scenario(n_actors: int, n_issues: int, seed: int = 0, uncertain: int = 0) -> Scenario:
    """``n_actors`` actors on ``n_issues`` issues (0..100): uniform positions, saliences in 0.1..1,
    capabilities in 1..100, the first two actors veto players with a reservation utility; the
    first ``uncertain`` positions (actor by actor) uncertain with a standard deviation of 10."""
    rng = np.random.default_rng(seed)
    actors = [
        {
            "id": f"a{k}",
            "capability": float(rng.uniform(1, 100)),
            "veto": k < 2,
            "positions": {
                f"i{j}": {"position": float(rng.uniform(0, 100)), "salience": float(rng.uniform(0.1, 1))}
                for j in range(n_issues)
            },
            **({"reservation": {"utility": float(rng.uniform(0.3, 0.7))}} if k < 2 else {}),
        }
        for k in range(n_actors)
    ]
    cells = [(a, f"i{j}") for a in actors for j in range(n_issues)]
    for actor, issue in cells[:uncertain]:
        actor["positions"][issue]["uncertainty"] = {"position": {"sd": 10.0}}
    issues = [{"id": f"i{j}", "status_quo": float(rng.uniform(0, 100))} for j in range(n_issues)]
    return validate({"name": f"random {n_actors}x{n_issues}", "actors": actors, "issues": issues}, "random")


def random_problem(n_actors: int, n_issues: int, seed: int = 0) -> Problem:
    """:func:`random_scenario` as a Problem."""
    return to_problem(random_scenario(n_actors, n_issues, seed))
