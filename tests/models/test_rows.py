"""Distinct rows of a batch, and the property that lets the EUM run on them alone: a row's
numbers do not depend on the other rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.models import get
from accord.models.rows import distinct_rows
from accord.problem import Problem, to_problem
from accord.scenario.model import Scenario
from accord.uncertainty.draws import MONTE_CARLO, draw_uniforms, uncertain_inputs
from strategies import scenarios


def test_distinct_rows_groups_equal_rows_in_order_of_first_appearance() -> None:
    x = np.array([[1.0, 2.0], [0.5, np.nan], [1.0, 2.0], [0.5, np.nan], [-0.0, 1.0], [0.0, 1.0]])
    flag = np.array([True, False, True, False, True, True])
    first, inverse = distinct_rows(x, flag)
    # NaN equals NaN (same bytes); -0.0 and 0.0 differ
    assert first.tolist() == [0, 1, 4, 5]
    assert inverse.tolist() == [0, 1, 0, 1, 2, 3]
    assert np.array_equal(x[first][inverse], x, equal_nan=True)
    # a second array that tells rows 0 and 2 apart splits their group
    first, inverse = distinct_rows(x, np.array([1, 1, 2, 1, 1, 1]))
    assert first.tolist() == [0, 1, 2, 4, 5] and inverse.tolist() == [0, 1, 2, 1, 3, 4]


def test_distinct_rows_of_nothing() -> None:
    first, inverse = distinct_rows(np.zeros((0, 3)))
    assert first.size == 0 and inverse.size == 0
    first, inverse = distinct_rows(np.zeros((4, 0)))
    assert first.tolist() == [0] and inverse.tolist() == [0, 0, 0, 0]


def _draws(s: Scenario, n: int, seed: int) -> Problem:
    """``n`` draws of ``s`` with every value uncertain, each draw repeated (ABAB...) and one issue
    left as it was: rows that repeat, as in Monte Carlo batches and Saltelli designs."""
    inputs = uncertain_inputs(s, 0.1)
    u = draw_uniforms(seed, MONTE_CARLO, 0, inputs.k, n, n)
    keep = inputs.issue != 0  # issue 0 stays at the scenario's values in every draw
    values = np.where(keep, inputs.ppf(u), inputs.value)
    return inputs.apply(to_problem(s), np.concatenate([values, values[::-1]]))


def _element(p: Problem, n: int) -> Problem:
    """Element ``n`` of a batch of one axis, as a batch of one (unbatched arrays stay so)."""

    def one(a: np.ndarray, tail: int) -> np.ndarray:
        return a[n : n + 1] if a.ndim == tail + 1 else a

    return replace(
        p,
        position=one(p.position, 2),
        salience=one(p.salience, 2),
        capability=one(p.capability, 1),
        power=one(p.power, 2),
        status_quo=one(p.status_quo, 1),
        reservation_utility=one(p.reservation_utility, 1),
        reservation_point=one(p.reservation_point, 2),
    )


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("eum", {}),
        ("eum", {"variant": "paper", "pairs": True}),
        ("eum", {"q": 0.5, "early_stop": False}),
    ],
)
@given(s=scenarios(max_actors=6), seed=st.integers(0, 2**16))
@settings(max_examples=8, deadline=None)
def test_a_row_does_not_depend_on_the_other_rows(
    model: str, params: dict[str, Any], s: Scenario, seed: int
) -> None:
    """What running on the distinct rows alone relies on: a large batch and some of its elements
    run alone give the same numbers bit for bit (outcome and trajectories)."""
    spec = get(model)
    batch = _draws(s, 150, seed)
    whole = spec.run(batch, params)
    for n in (0, 77, 299):
        alone = spec.run(_element(batch, n), params)
        assert np.array_equal(whole.outcome[n], alone.outcome[0], equal_nan=True)
        for key, value in whole.trajectory.items():
            got = alone.trajectory[key][0]
            # an element that stops early repeats its last state: compare its own rounds
            assert np.array_equal(value[n][: got.shape[0]], got, equal_nan=True), key
