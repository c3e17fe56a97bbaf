"""Hypothesis strategies shared by the property tests: random valid scenarios.

``scenarios()`` draws a Scenario with 2-8 actors and 1-4 issues on random scales, with
random capabilities, saliences and positions, some actors sitting out some issues (every
issue keeps at least two actors with a position), optional status quo, reservations and
proposals.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from accord.scenario import Scenario, validate

_finite = {"allow_nan": False, "allow_infinity": False}


@st.composite
def scales(draw: st.DrawFn) -> dict[str, float]:
    lo = draw(st.floats(-1000, 1000, **_finite))
    span = draw(st.floats(0.5, 2000, **_finite))
    return {"min": lo, "max": lo + span}


@st.composite
def scenario_data(
    draw: st.DrawFn,
    min_actors: int = 2,
    max_actors: int = 8,
    min_issues: int = 1,
    max_issues: int = 4,
    allow_missing: bool = True,
    min_salience: float = 0.0,
) -> dict[str, Any]:
    n_a = draw(st.integers(min_actors, max_actors))
    n_i = draw(st.integers(min_issues, max_issues))
    issues = []
    for j in range(n_i):
        sc = draw(scales())
        issue: dict[str, Any] = {"id": f"i{j}", "name": f"issue {j}", "scale": sc}
        if draw(st.booleans()):
            issue["status_quo"] = draw(st.floats(sc["min"], sc["max"], **_finite))
        issues.append(issue)
    actors = []
    for k in range(n_a):
        positions = {}
        for j, issue in enumerate(issues):
            sits_out = allow_missing and k >= 2 and draw(st.integers(0, 5)) == 0
            if sits_out:
                continue
            sc = issue["scale"]
            positions[f"i{j}"] = {
                "position": draw(st.floats(sc["min"], sc["max"], **_finite)),
                "salience": draw(st.floats(min_salience, 1.0, **_finite)),
            }
        actor: dict[str, Any] = {
            "id": f"a{k}",
            "name": f"actor {k}",
            "capability": draw(st.floats(0.01, 100.0, **_finite)),
            "role": draw(st.sampled_from(["party", "party", "mediator", "outside"])),
            "positions": positions,
        }
        if draw(st.booleans()):
            actor["reservation"] = {"utility": draw(st.floats(0.0, 1.0, **_finite))}
        actors.append(actor)
    return {"name": "random", "actors": actors, "issues": issues}


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """Random valid Scenarios (see :func:`scenario_data` for the knobs)."""
    return scenario_data(**kwargs).map(lambda d: validate(d, "hypothesis"))
