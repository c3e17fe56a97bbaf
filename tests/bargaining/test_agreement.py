"""The zone of possible agreement on hand-worked cases, and its properties on random scenarios."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.strategies import scenarios

from accord.bargaining import agreement as ag
from accord.bargaining.utility import ACCEPT_TOL, all_veto_accept, margins, reservation
from accord.errors import InputError
from accord.problem import Problem, to_problem
from accord.scenario import load, validate

LOSSES = ["linear", "quadratic"]


def two_actors(res_a: float, res_b: float, extra_issue: bool = False) -> Problem:
    """A with ideal 20 and B with ideal 90 on 0..100, reservations given as points."""
    issues = [{"id": "x"}]
    pos_a = {"x": {"position": 20, "salience": 1}}
    pos_b = {"x": {"position": 90, "salience": 1}}
    if extra_issue:  # an issue nobody cares about: same zone, solved by the general solver
        issues.append({"id": "y"})
        pos_a["y"] = {"position": 50, "salience": 0}
        pos_b["y"] = {"position": 50, "salience": 0}
    actors = [
        {"id": "a", "capability": 1, "positions": pos_a, "reservation": {"point": {"x": res_a}}},
        {"id": "b", "capability": 1, "positions": pos_b, "reservation": {"point": {"x": res_b}}},
    ]
    return to_problem(validate({"name": "two", "actors": actors, "issues": issues}, "t"))


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("extra", [False, True])
def test_two_actors_zone_is_the_interval_between_reservation_points(loss, extra) -> None:
    p = two_actors(60, 40, extra)
    assert ag.zone_exists(p, loss)
    ext = ag.zone_extent(p, loss)
    assert ext is not None
    np.testing.assert_allclose(p.to_scale(ext[0])[0], 40, atol=1e-5)
    np.testing.assert_allclose(p.to_scale(ext[1])[0], 60, atol=1e-5)
    x, z = ag.maximin(p, loss)
    if loss == "linear":  # margins 0.4 - |x - 0.2| and 0.5 - |x - 0.9| meet at 0.5
        assert x[0] == pytest.approx(0.5, abs=1e-6)
        assert z == pytest.approx(0.1, abs=1e-9)
    else:  # 0.16 - (x - 0.2)^2 = 0.25 - (x - 0.9)^2  =>  x = 0.68 / 1.4
        assert x[0] == pytest.approx(0.68 / 1.4, abs=1e-6)
        assert z == pytest.approx(0.16 - (0.68 / 1.4 - 0.2) ** 2, abs=1e-8)
    v = ag.verdict(p, loss)
    assert v.exists and v.blocking == [] and v.concession.total == 0.0


@pytest.mark.parametrize("extra", [False, True])
def test_two_actors_gap_and_concessions_linear(extra) -> None:
    # A accepts [5, 35], B accepts [65, 100]: no zone
    p = two_actors(35, 65, extra)
    assert not ag.zone_exists(p, "linear")
    x, z = ag.maximin(p, "linear")
    assert x[0] == pytest.approx(0.5, abs=1e-6)
    assert z == pytest.approx(-0.15, abs=1e-9)
    v = ag.verdict(p, "linear")
    assert not v.exists and v.extent is None
    # A alone: best margin for A while B accepts (x >= 0.65) is 0.15 - 0.45
    assert v.slack["a"] == pytest.approx(-0.30, abs=1e-6)
    assert v.slack["b"] == pytest.approx(-0.30, abs=1e-6)
    assert v.concession.total == pytest.approx(0.30, abs=1e-6)
    assert v.blocking == [("a", "b")]
    assert set(v.pivotal) == {"a", "b"}
    # at the maximin point A needs the deal 15 points lower, B 15 points higher
    assert p.to_scale(v.shortfall["a"])[0] - p.scale_min[0] == pytest.approx(-15, abs=1e-4)
    assert p.to_scale(v.shortfall["b"])[0] - p.scale_min[0] == pytest.approx(15, abs=1e-4)


def test_one_issue_fast_path_matches_general_solver() -> None:
    rng = np.random.default_rng(3)
    for loss in LOSSES:
        for _ in range(20):
            ra, rb = rng.uniform(0, 100, 2)
            one, two = two_actors(ra, rb), two_actors(ra, rb, True)
            x1, z1 = ag.maximin(one, loss)
            x2, z2 = ag.maximin(two, loss)
            assert z1 == pytest.approx(z2, abs=1e-7)
            assert x1[0] == pytest.approx(x2[0], abs=1e-4)


def circles(radius: float) -> Problem:
    """Three actors, two issues, equal saliences and quadratic loss: acceptance sets are discs."""
    ideals = [(20, 20), (80, 20), (50, 80)]
    r_util = 1 - radius**2 / 2  # u = 1 - (dx^2 + dy^2) / 2 on the unit scale
    actors = [
        {
            "id": f"a{k}",
            "positions": {"x": {"position": px, "salience": 1}, "y": {"position": py, "salience": 1}},
            "reservation": {"utility": r_util},
        }
        for k, (px, py) in enumerate(ideals)
    ]
    return to_problem(validate({"name": "c", "actors": actors, "issues": [{"id": "x"}, {"id": "y"}]}, "t"))


@pytest.mark.parametrize("radius", [0.30, 0.36, 0.38, 0.45])
def test_three_discs_meet_iff_radius_reaches_the_circumradius(radius) -> None:
    # acute triangle (0.2,0.2), (0.8,0.2), (0.5,0.8): circumcentre (0.5, 0.425), circumradius 0.375
    p = circles(radius)
    assert bool(ag.zone_exists(p, "quadratic")) == (radius >= 0.375)
    x, z = ag.maximin(p, "quadratic")
    np.testing.assert_allclose(x, [0.5, 0.425], atol=1e-5)
    assert z == pytest.approx((radius**2 - 0.375**2) / 2, abs=1e-8)
    if radius > 0.375:
        lo, hi = ag.zone_extent(p, "quadratic")  # type: ignore[misc]
        # the lens is symmetric about x = 0.5; its extent stays inside every disc's box
        assert lo[0] == pytest.approx(1 - hi[0], abs=1e-5)
        assert lo[1] >= 0.8 - radius - 1e-6 and hi[1] <= 0.2 + radius + 1e-6


def test_batch_matches_draw_by_draw() -> None:
    rng = np.random.default_rng(0)
    p = circles(0.37).with_batch(40)
    p = replace(p, reservation_utility=p.reservation_utility + rng.normal(0, 0.01, (40, 3)))
    for loss in LOSSES:
        ze = ag.zone_exists(p, loss)
        x, z = ag.maximin(p, loss)
        assert ze.shape == (40,) and x.shape == (40, 2) and z.shape == (40,)
        np.testing.assert_array_equal(ze, z >= -ACCEPT_TOL)
        for b in (0, 7, 39):
            one = replace(circles(0.37), reservation_utility=p.reservation_utility[b].copy())
            assert ag.maximin(one, loss)[1] == pytest.approx(z[b], abs=1e-7)
        if loss == "quadratic":  # discs: the draws straddle the circumradius
            assert 0 < ze.sum() < 40


# --- bad input -------------------------------------------------------------------------------


def test_no_veto_player_is_a_clear_error() -> None:
    p = circles(0.4)
    p = replace(p, veto=np.zeros(3, dtype=bool))
    with pytest.raises(InputError, match="no actor has a veto"):
        ag.zone_exists(p)
    with pytest.raises(InputError, match="no actor has a veto"):
        ag.verdict(p)


def test_reservation_above_every_attainable_utility_is_a_clear_error() -> None:
    p = circles(0.4)
    p = replace(p, reservation_utility=np.array([1.2, 0.9, 0.9]))
    with pytest.raises(InputError, match=r"a0.*above the best it can get"):
        ag.check_problem(p)
    # the batch functions answer instead (a Monte Carlo draw may go past 1: no zone)
    assert not ag.zone_exists(p)


def test_unknown_reservation_of_a_veto_player_is_a_clear_error() -> None:
    actors = [
        {"id": "a", "positions": {"x": {"position": 0, "salience": 1}}},
        {"id": "b", "positions": {"x": {"position": 100, "salience": 1}}},
    ]
    p = to_problem(validate({"name": "n", "actors": actors, "issues": [{"id": "x"}]}, "t"))
    with pytest.raises(InputError, match="a, b have no reservation"):
        ag.maximin(p)


# --- properties --------------------------------------------------------------------------------

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _usable(s) -> Problem:
    p = to_problem(s)
    r, src = reservation(p, "quadratic")
    assume(p.veto.any() and not (p.veto & (src == "none")).any())
    return p


@PROPS
@given(scenarios(max_actors=5, max_issues=3), st.sampled_from(LOSSES), st.data())
def test_a_proposal_every_veto_player_accepts_implies_a_zone(s, loss, data) -> None:
    p = _usable(s)
    x = np.array([data.draw(st.floats(0, 1)) for _ in range(p.n_issues)])
    if all_veto_accept(p, margins(p, x, loss)):
        assert ag.zone_exists(p, loss)
        assert ag.maximin(p, loss)[1] >= -ACCEPT_TOL


@PROPS
@given(scenarios(max_actors=5, max_issues=3), st.sampled_from(LOSSES))
def test_the_maximin_point_is_acceptable_whenever_a_zone_exists(s, loss) -> None:
    p = _usable(s)
    x, z = ag.maximin(p, loss)
    assert ((0 <= x) & (x <= 1)).all()
    m = margins(p, x, loss)
    assert np.min(m[p.veto]) == pytest.approx(z, abs=1e-7)
    if ag.zone_exists(p, loss):
        assert all_veto_accept(p, m + 1e-7)


@PROPS
@given(scenarios(min_actors=3, max_actors=5, max_issues=3), st.sampled_from(LOSSES), st.data())
def test_adding_a_veto_player_never_enlarges_the_zone(s, loss, data) -> None:
    p = _usable(s)
    r, src = reservation(p, loss)
    candidates = [k for k in range(p.n_actors) if not p.veto[k] and src[k] != "none"]
    assume(candidates)
    k = data.draw(st.sampled_from(candidates))
    veto = p.veto.copy()
    veto[k] = True
    more = replace(p, veto=veto)
    z0, z1 = ag.maximin(p, loss)[1], ag.maximin(more, loss)[1]
    assert z1 <= z0 + 1e-7
    if ag.zone_exists(more, loss):
        assert ag.zone_exists(p, loss)


@PROPS
@given(scenarios(max_actors=5, max_issues=3), st.sampled_from(LOSSES), st.data())
def test_lowering_a_reservation_never_shrinks_the_zone(s, loss, data) -> None:
    p = _usable(s)
    r, _ = reservation(p, loss)
    k = data.draw(st.sampled_from(list(np.flatnonzero(p.veto))))
    drop = data.draw(st.floats(0, 0.5))
    lowered = r.copy()
    lowered[k] -= drop
    q = replace(p, reservation_utility=lowered)
    z0, z1 = ag.maximin(p, loss)[1], ag.maximin(q, loss)[1]
    assert z1 >= z0 - 1e-7
    if ag.zone_exists(p, loss):
        assert ag.zone_exists(q, loss)


@pytest.mark.parametrize("loss", LOSSES)
def test_maximin_beats_every_grid_point(loss) -> None:
    # optimality: no outcome on a fine grid leaves the worst-off veto player better off
    from accord.bargaining.utility import utility_of_points

    rng = np.random.default_rng(11)
    g = np.linspace(0, 1, 61)
    grid = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    for _ in range(8):
        actors = [
            {
                "id": f"a{k}",
                "positions": {
                    i: {"position": float(rng.uniform(0, 100)), "salience": float(rng.uniform(0.1, 1))}
                    for i in ("x", "y")
                },
                "reservation": {"utility": float(rng.uniform(0.4, 0.95))},
            }
            for k in range(4)
        ]
        p = to_problem(validate({"name": "g", "actors": actors, "issues": [{"id": "x"}, {"id": "y"}]}, "t"))
        x, z = ag.maximin(p, loss)
        r, _ = reservation(p, loss)
        best = (utility_of_points(p, grid, loss) - r).min(axis=-1).max()
        assert z >= best - 1e-9
        assert z <= best + 0.02  # and the grid gets close to it


@pytest.mark.parametrize("loss", LOSSES)
def test_certificates_agree_with_the_solver_on_random_draws(loss) -> None:
    # zone_exists decides most draws by primal or dual certificates: it must match the solver
    rng = np.random.default_rng(5)
    actors = [
        {
            "id": f"a{k}",
            "positions": {
                i: {"position": float(rng.uniform(0, 100)), "salience": float(rng.uniform(0.1, 1))}
                for i in ("x", "y", "z")
            },
            "reservation": {"utility": float(rng.uniform(0.6, 0.8))},
        }
        for k in range(4)
    ]
    issues = [{"id": i} for i in ("x", "y", "z")]
    p = to_problem(validate({"name": "r", "actors": actors, "issues": issues}, "t")).with_batch(60)
    p = replace(
        p,
        position=np.clip(p.position + rng.normal(0, 0.1, p.position.shape), 0, 1),
        reservation_utility=p.reservation_utility + rng.normal(0, 0.1, p.reservation_utility.shape),
    )
    ze = ag.zone_exists(p, loss)
    _, z = ag.maximin(p, loss)
    np.testing.assert_array_equal(ze, z >= -ACCEPT_TOL)
    assert 0 < ze.sum() < 60


def test_refining_the_maximin_point_never_flips_the_verdict() -> None:
    """On the Iran-Israel example the zone is one point (margin 0 up to the solver): the Pareto
    refinement moved the point by its 1e-9 slack and reported 'no zone' while every draw said yes."""
    from pathlib import Path

    from accord.scenario import load

    problem = to_problem(load(Path(__file__).parents[2] / "examples" / "iran_israel_2024.yaml"))
    v = ag.verdict(problem, "quadratic")
    z = ag.maximin(problem, "quadratic")[1]
    assert v.exists == bool(z >= -ACCEPT_TOL)
    assert v.exists


@pytest.mark.parametrize("loss", LOSSES)
def test_a_remembered_maximin_is_the_fresh_solve_and_cannot_be_altered_by_its_caller(loss) -> None:
    rng = np.random.default_rng(3)
    w = rng.uniform(0.1, 1.0, (4, 3)) / 3
    p = rng.uniform(0.0, 1.0, (4, 3))
    c = rng.uniform(0.6, 0.9, 4)
    ag._MAXIMIN_CACHE.clear()
    x1, z1 = ag._maximin_draw(w, p, c, loss)
    x1[:] = -1.0  # a caller that changes its copy changes nothing remembered
    x2, z2 = ag._maximin_draw(w, p, c, loss)
    x3, z3 = ag._maximin_solve(w, p, c, loss)
    assert len(ag._MAXIMIN_CACHE) == 1
    assert np.array_equal(x2, x3) and z2 == z3
    assert not np.array_equal(x1, x2)


@pytest.mark.parametrize("loss", LOSSES)
def test_the_verdict_is_the_same_with_and_without_remembered_solves(loss) -> None:
    gaza = to_problem(load(Path(__file__).parents[2] / "examples" / "gaza_ceasefire_2024.yaml"))
    ag._MAXIMIN_CACHE.clear()
    cold = ag.verdict(gaza, loss)
    warm = ag.verdict(gaza, loss)
    assert np.array_equal(cold.maximin_point, warm.maximin_point)
    for field in ("maximin_margin", "slack", "binding", "blocking", "pivotal"):
        assert repr(getattr(cold, field)) == repr(getattr(warm, field))
    assert np.array_equal(cold.concession.point, warm.concession.point)
    assert cold.concession.by_actor == warm.concession.by_actor
    assert cold.shortfall.keys() == warm.shortfall.keys()
    assert all(np.array_equal(cold.shortfall[a], warm.shortfall[a]) for a in cold.shortfall)
