"""accord.sweep: each grid point answers what the edited scenario answers, one by one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accord
from accord.bargaining.agreement import check_problem, zone_exists
from accord.errors import InputError, ParameterError
from accord.forecast import plan_models
from accord.problem import to_problem
from accord.scenario import Scenario
from accord.uncertainty.simulation import veto_acceptance
from conftest import EXAMPLES
from strategies import scenarios

# cheap models for the property tests; the Gaza test runs every model
CHEAP = ["mean", "compromise", "median", "nbs", "eum"]


@pytest.fixture(scope="module")
def gaza() -> Scenario:
    return accord.load(EXAMPLES / "gaza_ceasefire_2024.yaml")


def one_by_one(
    s: Scenario, models: list[str] | None
) -> tuple[dict[str, dict[str, float]], float, dict[str, bool]]:
    """What a grid point should say: forecasts, zone (NaN when it cannot be judged), acceptability."""
    f = accord.forecast(s, models)
    p = to_problem(s)
    try:
        check_problem(p)
        zone = float(zone_exists(p)[()])
    except InputError:
        zone = float("nan")
    acc = {}
    for m, fc in f.items():
        x = p.to_unit(np.array([fc.outcome[i] for i in s.issue_ids]))
        acc[m] = bool(veto_acceptance(p, x[None, :], "quadratic")[0])
    return {m: dict(fc.outcome) for m, fc in f.items()}, zone, acc


def edit(s: Scenario, actor: str, issue: str | None, field: str, v: float) -> Scenario:
    if field == "position":
        return s.with_position(actor, issue, position=v)  # type: ignore[arg-type]
    if field == "salience":
        return s.with_position(actor, issue, salience=v)  # type: ignore[arg-type]
    if issue is None:
        return s.with_reservation(actor, utility=v)
    return s.with_reservation(actor, issue, v)


def check_rows(sw: accord.api.whatif.Sweep, edited: list[Scenario], models: list[str] | None) -> None:  # type: ignore[name-defined]
    frame = sw.to_frame()
    for k, s in enumerate(edited):
        outcomes, zone, acc = one_by_one(s, models)
        assert set(sw.outcomes) == set(outcomes)
        if np.isnan(zone):
            assert np.isnan(sw.zone[k])
        else:
            assert sw.zone[k] == zone
        for m, out in outcomes.items():
            got = sw.outcomes[m][k]
            want = np.array([out[i] for i in s.issue_ids])
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)
            assert bool(sw.acceptable[m][k]) == acc[m]
    assert len(frame) == sw.n_points * len(sw.outcomes) * len(edited[0].issues)


def test_gaza_reservation_sweep_rows_equal_one_by_one_runs_of_every_model(gaza: Scenario) -> None:
    values = [0.0, 45.0, 64.0, 100.0]
    sw = accord.sweep(gaza, "hamas", "presence", "reservation", values=values)
    check_rows(sw, [gaza.with_reservation("hamas", "presence", v) for v in values], None)
    # the zone opens as Hamas's reservation on Israel's presence rises (it accepts more presence)
    assert list(sw.zone) == [0.0, 0.0, 1.0, 1.0]
    points = sw.to_frame("points")
    assert list(points.columns) == [
        "hamas.presence.reservation",
        "zone",
        "accepts:us_bridging",
        "accepts:hamas_july",
    ]


def test_gaza_position_and_salience_sweeps(gaza: Scenario) -> None:
    for field, values in (("position", [0.0, 20.0, 60.0]), ("salience", [0.1, 0.5, 1.0])):
        sw = accord.sweep(gaza, "israel", "end_of_war", field, values=values, models=CHEAP + ["smp"])
        check_rows(sw, [edit(gaza, "israel", "end_of_war", field, v) for v in values], CHEAP + ["smp"])


def test_two_dimensional_grid(gaza: Scenario) -> None:
    a, b = [30.0, 70.0, 100.0], [20.0, 55.0]
    sw = accord.sweep(
        gaza,
        grid=[
            ("hamas", "presence", "reservation", a),
            {"actor": "israel", "issue": "presence", "field": "position", "values": b},
        ],
        models="compromise",
    )
    assert sw.n_points == 6
    edited = [
        gaza.with_reservation("hamas", "presence", x).with_position("israel", "presence", position=y)
        for x in a
        for y in b
    ]
    check_rows(sw, edited, ["compromise"])
    frame = sw.to_frame()
    assert list(frame.columns[:2]) == ["hamas.presence.reservation", "israel.presence.position"]
    assert "6 grid points" in repr(sw) or "grid points" in repr(sw)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), s=scenarios(max_actors=5, max_issues=3))
def test_sweep_rows_equal_one_by_one_runs(data: st.DataObject, s: Scenario) -> None:
    actor = data.draw(st.sampled_from([a for a in s.actors if a.positions]))
    field = data.draw(st.sampled_from(["position", "salience", "reservation", "utility"]))
    if field == "utility":
        if actor.reservation is not None and actor.reservation.point is not None:
            return
        issue, lo, hi = None, 0.0, 1.0
        field = "reservation"
    else:
        if field == "reservation" and actor.reservation is not None and actor.reservation.utility is not None:
            return
        issue = data.draw(st.sampled_from(sorted(actor.positions)))
        sc = s.issue(issue).scale
        lo, hi = (0.0, float(s.salience_scale)) if field == "salience" else (sc.min, sc.max)
    values = data.draw(st.lists(st.floats(lo, hi, allow_nan=False), min_size=1, max_size=3))
    models = [m for m in CHEAP if plan_models(to_problem(s), None)[1].get(m) is None]
    sw = accord.sweep(s, actor.id, issue, field, values=values, models=models)
    check_rows(sw, [edit(s, actor.id, issue, field, v) for v in values], models)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=scenarios(max_actors=4, max_issues=2), seed=st.integers(0, 2**16))
def test_models_do_not_read_reservations(s: Scenario, seed: int) -> None:
    # the sweep shares one model run among grid points that differ in reservations only
    p = to_problem(s)
    rng = np.random.default_rng(seed)
    q = replace(
        p,
        reservation_utility=rng.uniform(0, 1, p.reservation_utility.shape),
        reservation_point=rng.uniform(0, 1, p.reservation_point.shape),
    )
    runs, _ = plan_models(p, None)
    for spec, params in runs:
        a = spec.run(p, params, seed=0).outcome
        b = spec.run(q, params, seed=0).outcome
        np.testing.assert_array_equal(a, b, err_msg=spec.name)


def test_sweep_errors_speak_python(gaza: Scenario) -> None:
    with pytest.raises(InputError, match=r"sweep: values\[1\] = 140: outside the scale 0..100 of presence"):
        accord.sweep(gaza, "hamas", "presence", "reservation", values=[10, 140])
    with pytest.raises(InputError, match="actor='ghost': unknown actor"):
        accord.sweep(gaza, "ghost", "presence", values=[10])
    with pytest.raises(InputError, match="field='power'"):
        accord.sweep(gaza, "hamas", "presence", "power", values=[10])
    with pytest.raises(InputError, match="sweep: us2 has no position on hostages"):
        accord.sweep(gaza.with_actor("us2", positions={"presence": (1, 1)}), "us2", "hostages", values=[10])
    with pytest.raises(InputError, match="not a point"):
        accord.sweep(
            gaza.with_reservation("hamas", utility=0.5), "hamas", "presence", "reservation", values=[1]
        )
    with pytest.raises(InputError, match="no values"):
        accord.sweep(gaza, "hamas", "presence", values=[])
    with pytest.raises(
        ParameterError, match=r"sweep\(rounds=...\): no selected model has a parameter 'rounds'"
    ):
        accord.sweep(gaza, "hamas", "presence", values=[1], models="compromise", rounds=3)


def test_sweep_without_veto_reservations_says_why(gaza: Scenario) -> None:
    s = gaza.with_reservation("hamas").model_copy(
        update={"issues": [i.model_copy(update={"status_quo": None}) for i in gaza.issues]}
    )
    sw = accord.sweep(s, "israel", "presence", values=[10, 20], models="compromise")
    assert np.isnan(sw.zone).all() and "no reservation" in (sw.zone_note or "")
    assert "zone:" in repr(sw)


def test_plots(gaza: Scenario) -> None:
    from matplotlib.figure import Figure

    sw = accord.sweep(
        gaza, "hamas", "presence", "reservation", values=np.linspace(0, 100, 11), models=["compromise", "eum"]
    )
    assert isinstance(sw.plot(), Figure)
    assert len(sw.plot(issue="presence").axes) == 1
    grid = accord.sweep(
        gaza,
        grid=[
            ("hamas", "presence", "reservation", [20, 60, 90]),
            ("israel", "presence", "reservation", [30, 60]),
        ],
        models="compromise",
    )
    assert isinstance(grid.plot(), Figure)
    assert isinstance(grid.plot(model="compromise", issue="presence"), Figure)
    assert "<b>" in grid._repr_html_()
    assert len(repr(sw).splitlines()) <= 5
