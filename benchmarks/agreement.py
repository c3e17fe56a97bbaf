"""Speed of the zone decision: ``zone_exists`` and ``maximin`` per Monte Carlo draw.

Run on its own: ``python benchmarks/agreement.py``. Draws perturb the positions and
reservations of a random scenario (6 actors, 4 of them veto players) so that some draws have
a zone and some not; prints milliseconds per draw, the share of draws with a zone, and a check
that ``zone_exists`` agrees with the sign of the maximin level.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from accord.bargaining.agreement import maximin, zone_exists
from accord.problem import Problem, to_problem
from accord.scenario import validate


def scenario(n_issues: int, rng: np.random.Generator, n_actors: int = 6) -> Problem:
    actors = [
        {
            "id": f"a{k}",
            "role": "party" if k < 4 else "mediator",
            "capability": float(rng.uniform(1, 10)),
            "positions": {
                f"i{j}": {"position": float(rng.uniform(0, 100)), "salience": float(rng.uniform(0.1, 1))}
                for j in range(n_issues)
            },
            "reservation": {"utility": float(rng.uniform(0.5, 0.9))},
        }
        for k in range(n_actors)
    ]
    issues = [{"id": f"i{j}"} for j in range(n_issues)]
    return to_problem(validate({"name": "bench", "actors": actors, "issues": issues}, "bench"))


def draws(p: Problem, n: int, rng: np.random.Generator) -> Problem:
    b = p.with_batch(n)
    return replace(
        b,
        position=np.clip(b.position + rng.normal(0, 0.1, b.position.shape), 0, 1),
        reservation_utility=np.clip(
            b.reservation_utility + rng.normal(0, 0.08, b.reservation_utility.shape), 0, 1
        ),
    )


def main(n: int = 1000) -> None:
    rng = np.random.default_rng(2026)
    head = ("loss", "issues", "zone_exists ms/draw", "maximin ms/draw", "share with zone")
    print(f"{head[0]:<10}{head[1]:>7}{head[2]:>22}{head[3]:>18}{head[4]:>18}")
    for loss in ("linear", "quadratic"):
        for n_issues in (1, 2, 3, 5):
            p = draws(scenario(n_issues, rng), n, rng)
            t0 = time.perf_counter()
            ze = zone_exists(p, loss)
            t1 = time.perf_counter()
            _, z = maximin(p, loss)
            t2 = time.perf_counter()
            assert (ze == (z >= -1e-9)).all(), "zone_exists disagrees with maximin"
            ms_zone, ms_maximin = (t1 - t0) / n * 1e3, (t2 - t1) / n * 1e3
            print(f"{loss:<10}{n_issues:>7}{ms_zone:>22.3f}{ms_maximin:>18.3f}{ze.mean():>18.2f}")


if __name__ == "__main__":
    main()
