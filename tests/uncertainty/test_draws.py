"""Draws of a Problem: distributions, ranges, seeds per block."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.stats import truncnorm

from accord.errors import InputError
from accord.problem import to_problem
from accord.scenario import validate
from accord.uncertainty.draws import (
    CAPABILITY,
    MONTE_CARLO,
    POSITION,
    SALIENCE,
    STATUS_QUO,
    block_seed,
    draw_problems,
    draw_uniforms,
    uncertain_inputs,
)
from strategies import scenario_data


def _scenario(pos_unc=None, sal_unc=None, cap_unc=None, sq_unc=None, power=None, salience_scale=1):
    top = salience_scale
    a = {
        "id": "a",
        "capability": 4,
        "positions": {"x": {"position": 20, "salience": 0.5 * top}},
    }
    if pos_unc or sal_unc:
        a["positions"]["x"]["uncertainty"] = {
            **({"position": pos_unc} if pos_unc else {}),
            **({"salience": sal_unc} if sal_unc else {}),
        }
    if cap_unc:
        a["uncertainty"] = {"capability": cap_unc}
    b = {"id": "b", "capability": 1, "positions": {"x": {"position": 100, "salience": top}}}
    if power is not None:
        b["positions"]["x"]["power"] = power
    issue = {"id": "x", "scale": {"min": 0, "max": 200}, "status_quo": 50}
    if sq_unc:
        issue["uncertainty"] = {"status_quo": sq_unc}
    return validate(
        {"name": "t", "salience_scale": salience_scale, "actors": [a, b], "issues": [issue]}, "t.yaml"
    )


def test_block_seed_is_the_spawned_child_whatever_the_count() -> None:
    for n in (3, 10):
        child = np.random.SeedSequence(42).spawn(2)[MONTE_CARLO].spawn(n)[2]
        assert np.array_equal(child.generate_state(4), block_seed(42, MONTE_CARLO, 2).generate_state(4))
    assert not np.array_equal(
        block_seed(42, MONTE_CARLO, 2).generate_state(4), block_seed(42, MONTE_CARLO, 3).generate_state(4)
    )


def test_entries_become_inputs_on_the_unit_scale() -> None:
    s = _scenario(pos_unc={"sd": 10}, sal_unc={"low": 30, "high": 80}, salience_scale=100)
    inp = uncertain_inputs(s)
    assert inp.names == ("position[a,x]", "salience[a,x]")
    assert list(inp.kind) == [POSITION, SALIENCE]
    assert inp.sd[0] == pytest.approx(10 / 200)
    assert inp.value[0] == pytest.approx(0.1)
    assert (inp.lo[1], inp.hi[1]) == pytest.approx((0.3, 0.8))
    assert not inp.normal[1]


def test_sd_zero_and_no_noise_leave_values_fixed() -> None:
    assert uncertain_inputs(_scenario(pos_unc={"sd": 0})).k == 0


def test_default_noise_covers_values_without_entries() -> None:
    inp = uncertain_inputs(_scenario(pos_unc={"sd": 10}), noise=0.1)
    kinds = dict(zip(inp.names, inp.kind, strict=True))
    assert kinds["capability[a]"] == CAPABILITY and kinds["status_quo[x]"] == STATUS_QUO
    by = dict(zip(inp.names, inp.sd, strict=True))
    assert by["position[a,x]"] == pytest.approx(0.05)  # its own entry wins
    assert by["position[b,x]"] == pytest.approx(0.1)
    assert by["capability[a]"] == pytest.approx(0.4)  # relative to the capability
    assert by["salience[b,x]"] == pytest.approx(0.1)


def test_range_is_cut_to_the_scale_and_an_empty_range_is_an_error() -> None:
    inp = uncertain_inputs(_scenario(pos_unc={"low": -50, "high": 40}))
    assert (inp.lo[0], inp.hi[0]) == pytest.approx((0.0, 0.2))
    with pytest.raises(
        InputError, match=r"actors\[0\] \(a\)\.positions\.x\.uncertainty: the range 300\.\.400"
    ):
        uncertain_inputs(_scenario(pos_unc={"low": 300, "high": 400}))


def test_distributions_have_the_documented_moments() -> None:
    s = _scenario(pos_unc={"sd": 10}, sal_unc={"low": 0.2, "high": 0.6}, cap_unc={"sd": 8})
    p = draw_problems(to_problem(s), uncertain_inputs(s), 20_000, seed=5)
    pos = p.to_scale(p.position)[:, 0, 0]
    # normal(20, 10) truncated to the scale 0..200
    ref = truncnorm((0 - 20) / 10, (200 - 20) / 10, loc=20, scale=10)
    assert pos.min() >= 0
    assert pos.mean() == pytest.approx(ref.mean(), abs=0.1)
    assert pos.std() == pytest.approx(ref.std(), rel=0.02)
    sal = p.salience[:, 0, 0]
    assert sal.min() >= 0.2 and sal.max() <= 0.6
    assert sal.mean() == pytest.approx(0.4, abs=0.005)
    assert sal.std() == pytest.approx(0.4 / np.sqrt(12), rel=0.03)
    cap = p.capability[:, 0]
    assert cap.min() >= 0 and cap.mean() > 4  # truncated at 0: the mean moves up
    assert np.array_equal(p.power[:, 0, 0], cap)  # power follows capability where not given


def test_given_per_issue_power_is_not_drawn() -> None:
    s = _scenario(power=7)
    p = draw_problems(to_problem(s), uncertain_inputs(s, noise=0.2), 50, seed=1)
    assert np.all(p.power[:, 1, 0] == 7)
    assert not np.all(p.capability[:, 1] == 1)


def test_draw_i_does_not_depend_on_the_total() -> None:
    s = _scenario(pos_unc={"sd": 10}, sal_unc={"sd": 0.1})
    p, inp = to_problem(s), uncertain_inputs(s, noise=0.05)
    long = draw_problems(p, inp, 2500, seed=3, block_size=1000)
    short = draw_problems(p, inp, 1200, seed=3, block_size=1000)
    assert np.array_equal(long.position[:1200], short.position)
    u = draw_uniforms(3, MONTE_CARLO, 1, inp.k, 1200, 1000)
    assert u.shape == (200, inp.k)


def test_nominal_values_give_the_problem_back() -> None:
    s = _scenario(pos_unc={"sd": 10})
    p, inp = to_problem(s), uncertain_inputs(s, noise=0.1)
    back = inp.apply(p, np.broadcast_to(inp.value, (3, inp.k)))
    ref = p.with_batch(3)
    for name in ("position", "salience", "capability", "power", "status_quo", "reservation_utility"):
        np.testing.assert_allclose(getattr(back, name), getattr(ref, name), rtol=0, atol=1e-15)


@settings(max_examples=25, deadline=None)
@given(scenario_data())
def test_draws_stay_inside_the_scale_and_the_salience_range(data) -> None:
    s = validate(data, "hypothesis")
    p = draw_problems(to_problem(s), uncertain_inputs(s, noise=0.5), 200, seed=0, block_size=64)
    mask = np.broadcast_to(p.mask, p.position.shape)
    assert np.all((p.position[mask] >= 0) & (p.position[mask] <= 1))
    assert np.all((p.salience >= 0) & (p.salience <= 1))
    assert np.all(p.capability >= 0)
    sq = p.status_quo[np.isfinite(p.status_quo)]
    assert np.all((sq >= 0) & (sq <= 1))
    ru = p.reservation_utility[np.isfinite(p.reservation_utility)]
    assert np.all((ru >= 0) & (ru <= 1))


def test_inputs_are_reported_in_the_scenarios_units() -> None:
    from accord.uncertainty.simulation import describe_inputs

    s = _scenario(pos_unc={"sd": 10}, sal_unc={"low": 30, "high": 80}, salience_scale=100)
    rows = describe_inputs(to_problem(s), uncertain_inputs(s))
    assert rows[0] == {
        "input": "position[a,x]",
        "value": pytest.approx(20),
        "distribution": "truncated normal",
        "sd": pytest.approx(10),
        "low": 0.0,
        "high": pytest.approx(200),
    }
    assert rows[1]["distribution"] == "uniform"
    assert (rows[1]["value"], rows[1]["low"], rows[1]["high"]) == pytest.approx((50, 30, 80))


def test_every_uncertainty_the_format_accepts_is_drawn_or_rejected() -> None:
    """Each `uncertainty:` the format accepts becomes an input; a utility uncertainty on a point
    reservation (which nothing could draw) is rejected at validation, naming the field."""
    import pytest

    from accord.errors import InputError
    from accord.scenario import validate
    from accord.uncertainty.draws import uncertain_inputs

    data = {
        "name": "t",
        "issues": [{"id": "x", "status_quo": 50, "uncertainty": {"status_quo": {"sd": 5}}}],
        "actors": [
            {
                "id": "a",
                "uncertainty": {"capability": {"low": 0.5, "high": 2}},
                "positions": {
                    "x": {"position": 10, "salience": 0.5, "uncertainty": {"position": {"sd": 5},
                                                                           "salience": {"sd": 0.1}}}
                },
                "reservation": {"utility": 0.6, "uncertainty": {"utility": {"sd": 0.05}}},
            },
            {"id": "b", "positions": {"x": {"position": 90, "salience": 1}}},
        ],
    }  # fmt: skip
    names = set(uncertain_inputs(validate(data, "t.yaml"), 0.0).names)
    assert names == {
        "status_quo[x]",
        "capability[a]",
        "position[a,x]",
        "salience[a,x]",
        "reservation_utility[a]",
    }
    data["actors"][0]["reservation"] = {"point": {"x": 40}, "uncertainty": {"utility": {"sd": 0.05}}}
    with pytest.raises(InputError, match=r"actors\[0\] \(a\)\.reservation: uncertainty\.utility applies"):
        validate(data, "t.yaml")
