"""Unit tests of the baseline models on hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from accord.models import get
from accord.models.weighted import weighted_mean, weighted_median
from accord.problem import to_problem
from accord.scenario import validate


def _scenario(positions, saliences, capabilities, status_quo=None):
    actors = [
        {
            "id": f"a{k}",
            "capability": c,
            "positions": {"x": {"position": p, "salience": s}},
        }
        for k, (p, s, c) in enumerate(zip(positions, saliences, capabilities, strict=True))
    ]
    issue = {"id": "x", "scale": {"min": 0, "max": 100}}
    if status_quo is not None:
        issue["status_quo"] = status_quo
    return validate({"name": "t", "actors": actors, "issues": [issue]}, "test")


def test_compromise_is_capability_salience_weighted_mean() -> None:
    s = _scenario([0, 100], [1.0, 0.5], [1.0, 2.0])
    out = get("compromise").run(to_problem(s)).outcome
    # weights 1 and 1 -> 50
    assert out[0] == pytest.approx(0.5)


def test_weighted_median_ties_take_midpoint_like_numpy() -> None:
    x = np.array([[0.1], [0.4], [0.6], [0.9]])
    w = np.ones_like(x)
    assert weighted_median(x, w, np.ones_like(x, bool))[0] == pytest.approx(np.median(x))


def test_weighted_median_heavy_actor_wins() -> None:
    x = np.array([[0.1], [0.4], [0.9]])
    w = np.array([[1.0], [1.0], [5.0]])
    assert weighted_median(x, w, np.ones_like(x, bool))[0] == pytest.approx(0.9)


def test_nbs_status_quo_between_actors_gives_status_quo() -> None:
    s = _scenario([20, 80], [1, 1], [1, 1], status_quo=50)
    res = get("nbs").run(to_problem(s))
    assert res.outcome[0] == pytest.approx(0.5)
    assert bool(res.details["no_gain"][0])


def test_nbs_symmetric_without_status_quo_is_midpoint() -> None:
    s = _scenario([20, 80], [1, 1], [1, 1])
    assert get("nbs").run(to_problem(s)).outcome[0] == pytest.approx(0.5, abs=1e-9)


def test_weighted_median_tie_rule_is_the_midpoint_everywhere() -> None:
    """Two equal actors at 20 and 80: 50, on either axis convention (issue 19's 50-versus-20 case)."""
    x = np.array([[0.2], [0.8]])
    w = np.ones_like(x)
    assert weighted_median(x, w)[0] == pytest.approx(0.5)
    assert weighted_median(x.T, w.T, axis=-1)[0] == pytest.approx(0.5)
    assert weighted_median(x[:, 0], w[:, 0], axis=0) == pytest.approx(0.5)
    # not a tie: the heavier side wins outright
    assert weighted_median(x, np.array([[1.0], [1.0 + 1e-9]]))[0] == pytest.approx(0.8)


def test_weighted_mean_falls_back_to_the_plain_mean_and_survives_subnormal_weights() -> None:
    x = np.array([[0.2], [0.6]])
    mean, fallback = weighted_mean(x, np.zeros_like(x))
    assert mean[0] == pytest.approx(0.4) and bool(fallback[0])
    mean, fallback = weighted_mean(x, np.array([[5e-324], [0.0]]))
    assert mean[0] == 0.2 and not bool(fallback[0])
