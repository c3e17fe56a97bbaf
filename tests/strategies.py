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


# -- scenarios that use every field (for the round-trip properties) -------------------------

_text = st.text(
    st.characters(
        codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\u2028\u2029"
    ),
    max_size=12,
).map(str.strip)
_label = _text.filter(bool)


@st.composite
def _uncertainty(draw: st.DrawFn, low: float, high: float) -> dict[str, float]:
    if draw(st.booleans()):
        return {"sd": draw(st.floats(0, high - low, **_finite))}
    a, b = sorted(draw(st.lists(st.floats(low, high, **_finite), min_size=2, max_size=2)))
    return {"low": a, "high": b}


@st.composite
def full_scenario_data(draw: st.DrawFn, flat: bool = False) -> dict[str, Any]:
    """Scenario data using every field the format has; ``flat=True`` keeps to what a flat table holds
    (no proposals, labelled points, uncertainty, deal or meta)."""
    data = draw(scenario_data(max_actors=5, max_issues=3))
    hundred = draw(st.booleans())
    data["name"] = draw(_label)
    data["description"] = draw(_text)
    if draw(st.booleans()):
        data["as_of"] = draw(st.dates()).isoformat()
    data["sources"] = draw(st.lists(_label, max_size=2))
    if hundred:
        data["salience_scale"] = 100
    issue_ids = [i["id"] for i in data["issues"]]
    for issue in data["issues"]:
        sc = issue["scale"]
        issue["name"] = draw(_text)
        issue["description"] = draw(_text)
        sc["min_label"], sc["max_label"], sc["unit"] = draw(_label), draw(_label), draw(_text)
        if draw(st.booleans()):
            issue["outcome"] = draw(st.floats(sc["min"], sc["max"], **_finite))
        if not flat:
            if draw(st.booleans()):
                sc["points"] = [
                    {"value": draw(st.floats(sc["min"], sc["max"], **_finite)), "label": draw(_label)}
                ]
            if "status_quo" in issue and draw(st.booleans()):
                issue["uncertainty"] = {"status_quo": draw(_uncertainty(sc["min"], sc["max"]))}
    scales = {i["id"]: i["scale"] for i in data["issues"]}
    for actor in data["actors"]:
        actor["name"] = draw(_text)
        if draw(st.booleans()):
            actor["group"] = draw(_label)
        if draw(st.booleans()):
            actor["veto"] = draw(st.booleans())
        for issue_id, stance in actor["positions"].items():
            if hundred:
                stance["salience"] *= 100
            if draw(st.integers(0, 3)) == 0:
                stance["power"] = draw(st.floats(0, 50, **_finite))
            if not flat and draw(st.integers(0, 3)) == 0:
                sc = scales[issue_id]
                stance["uncertainty"] = {"position": draw(_uncertainty(sc["min"], sc["max"]))}
        if "reservation" not in actor and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(issue_ids), min_size=1, unique=True))
            actor["reservation"] = {
                "point": {j: draw(st.floats(scales[j]["min"], scales[j]["max"], **_finite)) for j in chosen}
            }
        if not flat and draw(st.integers(0, 3)) == 0:
            actor["uncertainty"] = {"capability": draw(_uncertainty(0, 10))}
    if not flat:
        actor_ids = [a["id"] for a in data["actors"]]
        data["proposals"] = [
            {
                "id": f"p{k}",
                "name": draw(_text),
                "tabled_by": draw(st.lists(st.sampled_from(actor_ids), max_size=2, unique=True)),
                "point": {
                    j: draw(st.floats(scales[j]["min"], scales[j]["max"], **_finite)) for j in issue_ids
                },
            }
            for k in range(draw(st.integers(0, 2)))
        ]
        if draw(st.booleans()):
            data["deal"] = {
                "written": draw(st.booleans()),
                "mediated": draw(st.booleans()),
                "purpose": draw(st.lists(st.sampled_from(["humanitarian", "peace_process"]), unique=True)),
                "fixed_term_days": draw(st.integers(1, 90)),
            }
        if draw(st.booleans()):
            data["meta"] = {"importer": draw(_text), "count": draw(st.integers(0, 9))}
    return data


def full_scenarios(flat: bool = False) -> st.SearchStrategy[Scenario]:
    """Random valid Scenarios that use every field (see :func:`full_scenario_data`)."""
    return full_scenario_data(flat=flat).map(lambda d: validate(d, "hypothesis"))
