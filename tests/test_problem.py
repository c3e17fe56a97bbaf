"""The Problem arrays: shapes, the unit scale and its exact inverse, masks, batch and issue selection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.problem import to_problem
from accord.scenario import Scenario, validate
from strategies import scenarios


def _scenario() -> Scenario:
    return validate(
        {
            "name": "t",
            "salience_scale": 100,
            "actors": [
                {
                    "id": "a",
                    "capability": 2,
                    "positions": {
                        "x": {"position": 20, "salience": 50},
                        "y": {"position": -1, "salience": 100},
                    },
                    "reservation": {"utility": 0.3},
                },
                {
                    "id": "b",
                    "capability": 1,
                    "role": "mediator",
                    "positions": {"x": {"position": 80, "salience": 100, "power": 5}},
                    "reservation": {"point": {"y": 0.5}},
                },
                {"id": "c", "capability": 0, "positions": {"y": {"position": 1, "salience": 0}}},
            ],
            "issues": [
                {"id": "x", "scale": {"min": 0, "max": 100}, "status_quo": 50},
                {"id": "y", "scale": {"min": -1, "max": 1}},
            ],
        },
        "t",
    )


def test_arrays() -> None:
    p = to_problem(_scenario())
    assert p.batch_shape == () and p.n_actors == 3 and p.n_issues == 2
    assert p.actor_ids == ("a", "b", "c") and p.issue_ids == ("x", "y")
    np.testing.assert_array_equal(p.mask, [[True, True], [True, False], [False, True]])
    np.testing.assert_allclose(p.position, [[0.2, 0.0], [0.8, np.nan], [np.nan, 1.0]])
    np.testing.assert_allclose(p.salience, [[0.5, 1.0], [1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(p.capability, [2, 1, 0])
    np.testing.assert_allclose(p.power, [[2, 2], [5, 1], [0, 0]])
    np.testing.assert_allclose(p.status_quo, [0.5, np.nan])
    np.testing.assert_allclose(p.reservation_utility, [0.3, np.nan, np.nan])
    np.testing.assert_allclose(p.reservation_point, [[np.nan, np.nan], [np.nan, 0.75], [np.nan, np.nan]])
    np.testing.assert_array_equal(p.veto, [True, False, True])


def test_weights_and_filled_positions() -> None:
    p = to_problem(_scenario())
    np.testing.assert_allclose(p.weights(), [[1.0, 2.0], [5.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(p.filled_position(-1), [[0.2, 0.0], [0.8, -1], [-1, 1.0]])


def test_to_scale_and_to_unit() -> None:
    p = to_problem(_scenario())
    np.testing.assert_allclose(p.to_scale(np.array([0.5, 0.25])), [50, -0.5])
    np.testing.assert_allclose(p.to_unit(np.array([50, -0.5])), [0.5, 0.25])
    # another issue axis
    np.testing.assert_allclose(
        p.to_scale(np.array([[0.0, 1.0], [1.0, 0.0]]), issue_axis=0), [[0, 100], [1, -1]]
    )


def test_with_batch_repeats_and_copies() -> None:
    p = to_problem(_scenario())
    b = p.with_batch(4)
    assert b.batch_shape == (4,)
    assert b.position.shape == (4, 3, 2) and b.capability.shape == (4, 3) and b.status_quo.shape == (4, 2)
    assert b.mask.shape == (3, 2)  # the mask is shared by every draw
    b.position[0, 0, 0] = 0.9  # a writable copy, not a view
    assert p.position[0, 0] == pytest.approx(0.2)
    np.testing.assert_allclose(b.position[3], p.position)


def test_select_issues() -> None:
    p = to_problem(_scenario()).with_batch(2)
    q = p.select_issues([1])
    assert q.issue_ids == ("y",) and q.position.shape == (2, 3, 1) and q.mask.shape == (3, 1)
    np.testing.assert_allclose(q.scale_min, [-1])
    np.testing.assert_allclose(q.position[0, :, 0], [0.0, np.nan, 1.0])


def test_round_trip_is_exact_to_float_resolution_not_bitwise() -> None:
    """to_unit is not injective in floating point (0.23 and the float below it share 0.23 / 100), so no
    inverse can be bitwise exact; to_scale(to_unit(x)) is exact to within a few ulps of the scale."""
    p = to_problem(_scenario()).select_issues([0])
    x = np.array([0.23])
    assert p.to_unit(x)[0] == p.to_unit(np.nextafter(x, 0))[0]
    assert abs(p.to_scale(p.to_unit(x))[0] - 0.23) <= np.spacing(100.0)
    np.testing.assert_array_equal(p.to_scale(p.to_unit(np.array([0.0, 25.0, 50.0, 100.0]))), [0, 25, 50, 100])


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.data())
def test_to_scale_inverts_to_unit(s: Scenario, data: st.DataObject) -> None:
    """Every position maps into [0, 1] and back to itself, to within 4 ulps of the scale's magnitude."""
    p = to_problem(s)
    raw = np.full((p.n_actors, p.n_issues), np.nan)
    for r, actor in enumerate(s.actors):
        for c, issue in enumerate(s.issue_ids):
            if issue in actor.positions:
                raw[r, c] = actor.positions[issue].position
    assert np.all((p.position[p.mask] >= 0) & (p.position[p.mask] <= 1))
    back = p.to_scale(p.to_unit(raw))
    span = np.maximum(np.abs(p.scale_min), np.abs(p.scale_max))
    tol = 4 * np.spacing(span)
    assert np.all(np.abs(back - raw)[p.mask] <= np.broadcast_to(tol, raw.shape)[p.mask])
    # the ends of each scale map exactly
    np.testing.assert_array_equal(p.to_scale(np.zeros(p.n_issues)), p.scale_min)
    np.testing.assert_array_equal(p.to_unit(p.scale_min), np.zeros(p.n_issues))
    np.testing.assert_array_equal(p.to_unit(p.scale_max), np.ones(p.n_issues))
    del data
