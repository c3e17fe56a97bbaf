"""Properties every baseline model and the Nash bargaining solution must have, on random scenarios."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.forecast import run_forecasts
from accord.problem import to_problem
from accord.scenario import validate
from strategies import scenario_data

MODELS = ["mean", "compromise", "median", "nbs"]
_settings = settings(max_examples=30, deadline=None)


def _outcomes(data: dict[str, Any], models: list[str] = MODELS) -> dict[str, dict[str, float]]:
    return {name: f.outcome for name, f in run_forecasts(validate(data, "hypothesis"), models).items()}


def _span(data: dict[str, Any], issue: str) -> float:
    sc = next(i["scale"] for i in data["issues"] if i["id"] == issue)
    return float(sc["max"] - sc["min"])


@_settings
@given(scenario_data())
def test_outcome_within_the_range_of_positions(data: dict[str, Any]) -> None:
    """Mean, compromise and median are averages or order statistics of the positions; the Nash solution
    lies in the bargaining set, which the positions bound. None may leave the range of positions."""
    s = validate(data, "hypothesis")
    p = to_problem(s)
    lo = p.to_scale(np.nanmin(p.position, axis=0))
    hi = p.to_scale(np.nanmax(p.position, axis=0))
    tol = 1e-9 * (p.scale_max - p.scale_min)
    for name, forecast in run_forecasts(s, MODELS).items():
        out = np.array([forecast.outcome[i] for i in p.issue_ids])
        assert np.all(out >= lo - tol) and np.all(out <= hi + tol), (name, out, lo, hi)


@_settings
@given(scenario_data(), st.randoms(use_true_random=False))
def test_permuting_actors_changes_nothing(data: dict[str, Any], random: Any) -> None:
    before = _outcomes(data)
    shuffled = dict(data, actors=random.sample(data["actors"], len(data["actors"])))
    after = _outcomes(shuffled)
    for name in MODELS:
        for issue, value in before[name].items():
            assert abs(after[name][issue] - value) <= 1e-7 * _span(data, issue), (name, issue)


def _affine(data: dict[str, Any], issue: str, a: float, b: float) -> dict[str, Any]:
    """The same case with issue ``issue`` measured on the scale ``a x + b`` (a > 0)."""

    def f(x: float) -> float:
        return a * x + b

    issues = []
    for i in data["issues"]:
        i = dict(i)
        if i["id"] == issue:
            i["scale"] = {"min": f(i["scale"]["min"]), "max": f(i["scale"]["max"])}
            if "status_quo" in i:
                i["status_quo"] = min(max(f(i["status_quo"]), i["scale"]["min"]), i["scale"]["max"])
        issues.append(i)
    actors = []
    for actor in data["actors"]:
        actor = dict(actor)
        positions = {}
        for j, stance in actor["positions"].items():
            if j == issue:
                lo, hi = issues[[k["id"] for k in issues].index(j)]["scale"].values()
                stance = dict(stance, position=min(max(f(stance["position"]), lo), hi))
            positions[j] = stance
        actor["positions"] = positions
        actors.append(actor)
    return dict(data, issues=issues, actors=actors)


@_settings
@given(
    scenario_data(),
    st.floats(0.01, 100, allow_nan=False),
    st.floats(-1000, 1000, allow_nan=False),
    st.data(),
)
def test_affine_change_of_scale_moves_the_outcome_alike(
    data: dict[str, Any], a: float, b: float, draw: st.DataObject
) -> None:
    issue = draw.draw(st.sampled_from([i["id"] for i in data["issues"]]))
    before = _outcomes(data)
    after = _outcomes(_affine(data, issue, a, b))
    for name in MODELS:
        expected = a * before[name][issue] + b
        assert abs(after[name][issue] - expected) <= 1e-7 * a * _span(data, issue), (name, expected)
        for other, value in before[name].items():  # other issues do not move
            if other != issue:
                assert abs(after[name][other] - value) <= 1e-9 * _span(data, other)


@_settings
@given(scenario_data(min_salience=0.01))
def test_unanimity_is_the_outcome(data: dict[str, Any]) -> None:
    """When every actor holds the same position, every model forecasts it."""
    for actor in data["actors"]:
        for j, stance in actor["positions"].items():
            sc = next(i["scale"] for i in data["issues"] if i["id"] == j)
            stance["position"] = (sc["min"] + sc["max"]) / 2
    for name, outcome in _outcomes(data).items():
        for issue, value in outcome.items():
            sc = next(i["scale"] for i in data["issues"] if i["id"] == issue)
            assert abs(value - (sc["min"] + sc["max"]) / 2) <= 1e-9 * (sc["max"] - sc["min"]), name
