"""Utility, reservation and acceptance on hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from accord.bargaining.utility import (
    accepts,
    all_veto_accept,
    margins,
    reservation,
    support,
    utility,
    utility_of_points,
)
from accord.problem import to_problem
from accord.scenario import validate


def _problem(res_a=None, res_b=None, sq=None):
    a = {
        "id": "a",
        "capability": 3,
        "positions": {"x": {"position": 0, "salience": 1}, "y": {"position": 100, "salience": 0.5}},
    }
    b = {"id": "b", "capability": 1, "positions": {"x": {"position": 100, "salience": 1}}}
    if res_a is not None:
        a["reservation"] = res_a
    if res_b is not None:
        b["reservation"] = res_b
    issues = [{"id": "x"}, {"id": "y"}]
    if sq is not None:
        for i, v in zip(issues, sq, strict=True):
            i["status_quo"] = v
    return to_problem(validate({"name": "t", "actors": [a, b], "issues": issues}, "t"))


def test_utility_is_one_at_ideal_and_weighted_by_salience() -> None:
    p = _problem()
    u = utility(p, np.array([0.0, 1.0]), "linear")
    assert u[0] == pytest.approx(1.0)
    assert u[1] == pytest.approx(0.0)  # b only cares about x, at the far end
    u = utility(p, np.array([0.5, 0.0]), "linear")
    assert u[0] == pytest.approx(1 - (0.5 * 1 + 1.0 * 0.5) / 1.5)
    u = utility(p, np.array([0.5, 1.0]), "quadratic")
    assert u[0] == pytest.approx(1 - 0.25 / 1.5)


def test_utility_of_points_matches_utility() -> None:
    p = _problem()
    pts = np.array([[0.2, 0.3], [0.9, 0.1]])
    many = utility_of_points(p, pts)
    for k in range(2):
        np.testing.assert_allclose(many[k], utility(p, pts[k]))


def test_reservation_sources() -> None:
    p = _problem(res_a={"utility": 0.4}, res_b={"point": {"x": 50}})
    r, src = reservation(p, "linear")
    assert list(src) == ["utility", "point"]
    assert r[0] == pytest.approx(0.4)
    assert r[1] == pytest.approx(0.5)
    p = _problem(sq=[50, 50])
    r, src = reservation(p, "linear")
    assert list(src) == ["status_quo", "status_quo"]
    assert r[1] == pytest.approx(0.5)
    r, src = reservation(_problem(), "linear")
    assert list(src) == ["none", "none"] and np.isnan(r).all()


def test_acceptance_and_support() -> None:
    p = _problem(res_a={"utility": 0.5}, res_b={"utility": 0.5})
    m = margins(p, np.array([0.4, 1.0]), "linear")
    ok = accepts(m)
    assert ok.tolist() == [True, False]
    assert not all_veto_accept(p, m)
    assert support(p, m) == pytest.approx(0.75)
