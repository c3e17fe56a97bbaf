"""Mediator proposals and the comparison of the scenario's proposals, on hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from accord.bargaining import agreement as ag
from accord.bargaining import mediation as md
from accord.bargaining.utility import reservation, utility_of_points
from accord.problem import Problem, to_problem
from accord.scenario import validate

LOSSES = ["linear", "quadratic"]


def one_issue(actors: list[tuple[str, float, float, float, bool]]) -> Problem:
    """Actors as (id, capability, ideal, reservation point, veto) on one issue 0..100."""
    data = [
        {
            "id": a,
            "capability": cap,
            "veto": veto,
            "positions": {"x": {"position": ideal, "salience": 1}},
            "reservation": {"point": {"x": res}},
        }
        for a, cap, ideal, res, veto in actors
    ]
    return to_problem(validate({"name": "m", "actors": data, "issues": [{"id": "x"}]}, "t"))


@pytest.mark.parametrize("loss", LOSSES)
def test_nash_proposal_maximises_the_weighted_log_margins(loss) -> None:
    p = one_issue([("a", 3, 20, 60, True), ("b", 1, 90, 40, True)])
    nash = md.nash_proposal(p, loss)
    assert nash is not None and nash.acceptance.all_veto_accept
    grid = np.linspace(0.4, 0.6, 20001)[:, None]
    r, _ = reservation(p, loss)
    m = utility_of_points(p, grid, loss) - r
    obj = (np.array([0.75, 0.25]) * np.log(np.maximum(m, 1e-300))).sum(axis=-1)
    assert nash.point[0] == pytest.approx(grid[np.argmax(obj), 0], abs=2e-4)
    # the stronger actor pulls the solution towards its ideal (a at 20: below the midpoint)
    equal = md.nash_proposal(one_issue([("a", 1, 20, 60, True), ("b", 1, 90, 40, True)]), loss)
    assert equal is not None and nash.point[0] < equal.point[0]


def test_nash_proposal_in_two_issues_matches_a_grid_search() -> None:
    actors = [
        {
            "id": a,
            "capability": cap,
            "positions": {"x": {"position": px, "salience": sx}, "y": {"position": py, "salience": 1}},
            "reservation": {"utility": 0.8},
        }
        for a, cap, px, py, sx in [("a", 2, 20, 30, 0.5), ("b", 1, 70, 60, 1.0), ("c", 1, 40, 80, 0.8)]
    ]
    p = to_problem(validate({"name": "n", "actors": actors, "issues": [{"id": "x"}, {"id": "y"}]}, "t"))
    nash = md.nash_proposal(p, "quadratic")
    assert nash is not None
    g = np.linspace(0, 1, 201)
    grid = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    m = utility_of_points(p, grid, "quadratic") - reservation(p, "quadratic")[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        obj = np.where((m > 0).all(-1), (np.array([0.5, 0.25, 0.25]) * np.log(m)).sum(-1), -np.inf)
    best = grid[np.argmax(obj)]
    np.testing.assert_allclose(nash.point, best, atol=0.01)
    assert (nash.acceptance.margin[p.veto] >= 0).all()


def test_no_zone_gives_no_nash_or_support_proposal_but_a_maximin_one() -> None:
    p = one_issue([("a", 1, 20, 35, True), ("b", 1, 90, 65, True)])
    assert md.nash_proposal(p, "linear") is None
    assert md.max_support_proposal(p, "linear") is None
    mm = md.maximin_proposal(p, "linear")
    assert mm.point[0] == pytest.approx(0.5) and not mm.acceptance.all_veto_accept
    assert "0.150 utility short" in mm.note


def test_most_support_picks_the_heaviest_set_of_non_veto_actors_that_fits() -> None:
    # zone of the veto players: [40, 60]; c (cap 5) accepts [45, 55]; d (cap 4) accepts [56, 64];
    # e (cap 3) accepts [50, 70]: c and d cannot both accept, {c, e} (8) beats {d, e} (7)
    p = one_issue(
        [
            ("a", 1, 20, 60, True),
            ("b", 1, 90, 40, True),
            ("c", 5, 50, 45, False),
            ("d", 4, 60, 56, False),
            ("e", 3, 60, 50, False),
        ]
    )
    best = md.max_support_proposal(p, "linear")
    assert best is not None
    assert set(best.supporters) == {"a", "b", "c", "e"}
    assert best.acceptance.support == pytest.approx(10 / 14)
    assert 0.50 - 1e-9 <= best.point[0] <= 0.55 + 1e-9


@pytest.mark.parametrize("loss", LOSSES)
def test_compare_says_who_rejects_by_how_much_and_what_would_pass(loss) -> None:
    p = one_issue([("a", 1, 20, 60, True), ("b", 1, 90, 40, True)])  # zone [40, 60]
    c = md.compare(p, np.array([0.3]), loss, "low", ("a",))
    assert c.acceptance.accepts.tolist() == [True, False]
    assert c.shortfall["b"] == pytest.approx(-c.acceptance.margin[1])
    assert c.nearest_for["b"][0] == pytest.approx(0.4, abs=1e-6)  # b's reservation point
    assert c.nearest_passing is not None and c.nearest_passing[0] == pytest.approx(0.4, abs=1e-6)
    ok = md.compare(p, np.array([0.5]), loss, "mid")
    assert ok.acceptance.all_veto_accept and ok.shortfall == {}
    none = md.compare(one_issue([("a", 1, 20, 35, True), ("b", 1, 90, 65, True)]), np.array([0.5]), loss)
    assert none.nearest_passing is None and "no change to this proposal" in none.notes[0]


def test_proposal_silent_on_an_issue_is_taken_at_the_status_quo() -> None:
    actors = [
        {"id": a, "positions": {"x": {"position": v, "salience": 1}, "y": {"position": v, "salience": 1}}}
        for a, v in (("a", 0), ("b", 100))
    ]
    issues = [{"id": "x", "status_quo": 50}, {"id": "y", "status_quo": 30}]
    p = to_problem(validate({"name": "s", "actors": actors, "issues": issues}, "t"))
    acc = ag.acceptance(p, ag.points_of(p, {"x": 40}), "linear")
    np.testing.assert_allclose(acc.point, [0.4, 0.3])
