"""Monte Carlo forecasts: point forecasts at zero uncertainty, ordering, invariance, acceptance."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings

from accord.bargaining.utility import all_veto_accept, margins
from accord.models import registry
from accord.models.baseline import compromise_model
from accord.models.registry import ModelResult, ModelSpec
from accord.problem import to_problem
from accord.scenario import validate
from accord.uncertainty import simulation as unc
from accord.uncertainty.draws import draw_problems, uncertain_inputs
from accord.uncertainty.simulation import QUANTILES, simulate
from strategies import scenario_data

HAS_AGREEMENT = importlib.util.find_spec("accord.bargaining.agreement") is not None


def scenario(unc_sd: float | None = 8.0, reservations: bool = True, proposals=None):
    """Four actors on two issues, two of them veto players with reservations via the status quo."""
    spec = [
        ("isr", 5, True, (10, 20)),
        ("ham", 2, True, (90, 70)),
        ("usa", 6, False, (30, 40)),
        ("egy", 1, False, (60, 60)),
    ]
    actors = []
    for k, (aid, cap, veto, pos) in enumerate(spec):
        positions = {}
        for j, (issue, p) in enumerate(zip(("x", "y"), pos, strict=True)):
            stance = {"position": p, "salience": 0.4 + 0.15 * ((k + j) % 4)}
            if unc_sd is not None:
                stance["uncertainty"] = {"position": {"sd": unc_sd}}
            positions[issue] = stance
        actors.append({"id": aid, "capability": cap, "veto": veto, "positions": positions})
    issues = [{"id": "x"}, {"id": "y"}]
    if reservations:
        issues = [{"id": "x", "status_quo": 50}, {"id": "y", "status_quo": 45}]
    data = {"name": "mc", "actors": actors, "issues": issues}
    if proposals:
        data["proposals"] = proposals
    return validate(data, "mc.yaml")


def test_zero_uncertainty_gives_the_point_forecast_in_every_draw() -> None:
    s = scenario(unc_sd=None)
    sim = simulate(s, 300, ["mean", "compromise", "median", "nbs"], seed=1)
    assert sim.inputs.k == 0
    for name, out in sim.outcomes.items():
        assert out.shape == (300, 2)
        point = registry.get(name).run(to_problem(s), seed=1).outcome
        np.testing.assert_allclose(out, np.broadcast_to(point, out.shape), rtol=0, atol=1e-12)
        summary = sim.outcome_summary(name)
        for j, issue in enumerate(("x", "y")):
            assert summary[issue]["quantiles"]["5"] == pytest.approx(100 * point[j])
            assert summary[issue]["sd"] == pytest.approx(0, abs=1e-9)


def test_quantiles_are_ordered_and_the_histogram_counts_every_draw() -> None:
    sim = simulate(scenario(), 1500, ["compromise", "nbs"], seed=2, noise=0.05)
    for name in sim.outcomes:
        for d in sim.outcome_summary(name, bins=15).values():
            qs = [d["quantiles"][str(q)] for q in QUANTILES]
            assert qs == sorted(qs) and qs[0] < qs[-1]
            assert 0 <= qs[0] and qs[-1] <= 100
            assert sum(d["counts"]) == 1500 and len(d["edges"]) == 16
            assert qs[0] <= d["mean"] <= qs[-1]


def test_numbers_do_not_depend_on_the_chunk_size() -> None:
    s = scenario(proposals=[{"id": "p", "point": {"x": 50, "y": 40}}])
    runs = [
        simulate(s, 230, ["compromise", "nbs"], seed=9, noise=0.1, block_size=50, chunk_blocks=c)
        for c in (1, 2, 5)
    ]
    for other in runs[1:]:
        for name in runs[0].outcomes:
            assert np.array_equal(runs[0].outcomes[name], other.outcomes[name])
        assert np.array_equal(runs[0].proposal_accepted, other.proposal_accepted)
        assert np.array_equal(runs[0].point_acceptable, other.point_acceptable)
    again = simulate(s, 230, ["compromise"], seed=9, noise=0.1, block_size=50)
    assert np.array_equal(again.outcomes["compromise"], runs[0].outcomes["compromise"])
    other_seed = simulate(s, 230, ["compromise"], seed=10, noise=0.1, block_size=50)
    assert not np.array_equal(other_seed.outcomes["compromise"], runs[0].outcomes["compromise"])


def test_stochastic_models_get_a_seed_per_block(monkeypatch) -> None:
    def noisy(problem, *, rng, scale):
        out = compromise_model(problem, rng=rng, weighting="power").outcome
        return ModelResult(outcome=out + scale * rng.standard_normal(out.shape))

    registry._load()
    monkeypatch.setitem(
        registry._REGISTRY,
        "noisy",
        ModelSpec("noisy", "test", "none", noisy, (registry.Param("scale", 0.01, "sd"),), stochastic=True),
    )
    s = scenario(unc_sd=None)
    a = simulate(s, 200, ["noisy"], seed=4, block_size=40, chunk_blocks=1).outcomes["noisy"]
    b = simulate(s, 200, ["noisy"], seed=4, block_size=40, chunk_blocks=5).outcomes["noisy"]
    assert np.array_equal(a, b)
    assert np.std(a[:, 0]) > 0.005  # the model's own randomness differs across draws and blocks
    assert not np.array_equal(a[:40], a[40:80])


def test_acceptance_matches_the_utility_functions_on_the_same_draws() -> None:
    props = [{"id": "mid", "point": {"x": 50, "y": 45}}, {"id": "far", "point": {"x": 0, "y": 0}}]
    s = scenario(proposals=props)
    sim = simulate(s, 400, ["compromise"], seed=3, noise=0.05, block_size=100)
    draws = draw_problems(to_problem(s), uncertain_inputs(s, 0.05), 400, seed=3, block_size=100)
    for k, p in enumerate(props):
        x = draws.to_unit(np.array([p["point"]["x"], p["point"]["y"]], dtype=float))
        ok = all_veto_accept(draws, margins(draws, np.broadcast_to(x, (400, 2))))
        assert np.array_equal(sim.proposal_accepted[:, k], ok)
    point = sim.point["compromise"]
    ok = all_veto_accept(draws, margins(draws, np.broadcast_to(point, (400, 2))))
    assert np.array_equal(sim.point_acceptable[:, 0], ok)
    data = sim.to_json()
    assert data["proposals"]["far"]["accepted_by_all_veto"] == 0.0  # ham (90, 70) prefers the status quo
    assert data["models"]["compromise"]["point_acceptable"] == pytest.approx(ok.mean())


def test_the_status_quo_is_accepted_by_everyone_without_uncertainty() -> None:
    s = scenario(
        unc_sd=None, proposals=[{"id": "sq", "point": {"x": 50, "y": 45}}, {"id": "half", "point": {"x": 50}}]
    )
    data = simulate(s, 50, ["compromise"], seed=0).to_json()
    assert data["proposals"]["sq"]["accepted_by_all_veto"] == 1.0
    # an issue the proposal leaves out stays at the status quo
    assert data["proposals"]["half"]["accepted_by_all_veto"] == 1.0


def test_unknown_reservations_are_reported_not_guessed() -> None:
    s = scenario(reservations=False, proposals=[{"id": "p", "point": {"x": 50, "y": 45}}])
    data = simulate(s, 50, ["compromise"], seed=0, noise=0.05).to_json()
    assert data["proposals"]["p"]["accepted_by_all_veto"] is None
    assert data["models"]["compromise"]["point_acceptable"] is None
    assert "isr, ham" in data["acceptance_note"]


def test_bad_arguments_are_input_errors() -> None:
    from accord.errors import InputError

    with pytest.raises(InputError, match="--draws 0"):
        simulate(scenario(), 0)
    with pytest.raises(InputError, match="--noise -1"):
        simulate(scenario(), 10, noise=-1)


@pytest.mark.skipif(
    not HAS_AGREEMENT, reason="accord.bargaining.agreement (zone_exists) is not in this branch yet"
)
def test_zone_probability_is_the_share_of_draws_with_a_zone() -> None:
    from accord.bargaining.agreement import zone_exists

    s = scenario()
    sim = simulate(s, 300, ["compromise"], seed=5, noise=0.05, block_size=100)
    draws = draw_problems(to_problem(s), uncertain_inputs(s, 0.05), 300, seed=5, block_size=100)
    assert sim.zone_exists is not None
    assert np.array_equal(sim.zone_exists, zone_exists(draws, loss="quadratic"))
    assert sim.to_json()["zone_exists"]["probability"] == pytest.approx(np.mean(sim.zone_exists))


def test_without_the_agreement_module_the_zone_is_reported_missing(monkeypatch) -> None:
    monkeypatch.setattr(unc, "zone_function", lambda: None)
    data = simulate(scenario(), 20, ["compromise"], seed=0).to_json()
    assert data["zone_exists"]["probability"] is None
    assert "agreement" in data["zone_exists"]["note"]


def test_zone_exists_is_called_on_every_block_of_draws(monkeypatch) -> None:
    from accord.bargaining import agreement

    seen: list[tuple[int, ...]] = []

    def zone_exists(problem, loss="quadratic"):
        seen.append(problem.batch_shape)
        assert loss == "quadratic"
        return problem.status_quo[..., 0] < 0.5

    monkeypatch.setattr(agreement, "zone_exists", zone_exists)
    s = scenario()
    inp = uncertain_inputs(s, 0.05)
    sim = simulate(s, 250, ["compromise"], seed=6, noise=0.05, block_size=100)
    draws = draw_problems(to_problem(s), inp, 250, seed=6, block_size=100)
    assert seen == [(100,), (100,), (50,)]
    assert np.array_equal(sim.zone_exists, draws.status_quo[:, 0] < 0.5)
    data = sim.to_json()["zone_exists"]
    assert data["note"] is None and 0 < data["probability"] < 1


@settings(max_examples=15, deadline=None)
@given(scenario_data())
def test_random_scenarios_without_uncertainty_reproduce_the_point_forecast(data) -> None:
    s = validate(data, "hypothesis")
    sim = simulate(s, 30, ["compromise", "median", "nbs"], seed=0, block_size=16)
    for name, out in sim.outcomes.items():
        np.testing.assert_allclose(out, np.broadcast_to(sim.point[name], out.shape), rtol=0, atol=1e-12)
    assert sim.point_acceptable.shape == (30, 3)


def test_draws_that_leave_a_reservation_unknown_are_counted_not_guessed() -> None:
    # b has salience 0 on y, which has no status quo: its reservation (from the status quo) is
    # known on the scenario, unknown in every draw that gives it a salience on y
    s = validate(
        {
            "name": "t",
            "issues": [{"id": "x", "status_quo": 50}, {"id": "y"}],
            "actors": [
                {"id": "a", "positions": {"x": {"position": 10, "salience": 1}}},
                {
                    "id": "b",
                    "positions": {"x": {"position": 90, "salience": 1}, "y": {"position": 20, "salience": 0}},
                },
            ],
        },
        "t",
    )
    zone = simulate(s, 200, ["compromise"], seed=3, noise=0.05).to_json()["zone_exists"]
    assert zone["draws_unknown"] == 200 and zone["probability"] is None  # noise moves every 0
    assert "reservation unknown" in zone["note"]
    zone = simulate(s, 200, ["compromise"], seed=3, noise=0.0).to_json()["zone_exists"]
    assert zone["draws_unknown"] == 0 and zone["probability"] == 1.0  # the status quo itself


def test_the_ensemble_takes_the_eum_outcome_of_the_same_draws() -> None:
    """Every actor holds a position on every issue: the ensemble's issue-by-issue EUM is the EUM
    run on the draws, which it then takes instead of recomputing; the numbers do not change."""
    s = scenario()
    runs, _ = unc.select_models(to_problem(s), ["eum", "ensemble"], None)
    assert runs[1].reuses == (("eum", "eum"),)
    both = simulate(s, 120, ["eum", "ensemble"], seed=2, block_size=50)
    alone = simulate(s, 120, ["ensemble"], seed=2, block_size=50)
    assert not alone.models[0].reuses
    assert np.array_equal(both.outcomes["ensemble"], alone.outcomes["ensemble"], equal_nan=True)


def _twins(uncertain: bool = True):
    """Exact ties in the exchange model: a0 and a1 are twins, as are a2 and a3, so exchanges
    with either twin gain the same; only a4's values are uncertain."""
    pos = {"a0": (20, 80, 30), "a1": (20, 80, 30), "a2": (80, 20, 70), "a3": (80, 20, 70), "a4": (50, 50, 50)}
    sal = {"a0": (0.9, 0.2, 0.5), "a1": (0.9, 0.2, 0.5), "a2": (0.2, 0.9, 0.5), "a3": (0.2, 0.9, 0.5)}
    actors = [
        {
            "id": a,
            "capability": 5 if a == "a4" else 10,
            "veto": k < 2,
            "positions": {
                f"i{j}": {"position": pos[a][j], "salience": sal.get(a, (0.5,) * 3)[j]} for j in range(3)
            },
        }
        for k, a in enumerate(pos)
    ]
    if uncertain:
        actors[4]["positions"]["i0"]["uncertainty"] = {"position": {"sd": 15}}
    issues = [{"id": f"i{j}", "status_quo": 40} for j in range(3)]
    return validate({"name": "twins", "actors": actors, "issues": issues}, "twins")


@pytest.mark.parametrize("case", ["no ties", "ties"])
def test_the_ensemble_takes_the_exchange_outcome_where_its_run_broke_no_tie(monkeypatch, case) -> None:
    """The simulation runs the exchange model with the block's seed, the ensemble with its
    training seed; a run that drew nothing from its generator (no tie broken) is the same with
    either, and the ensemble takes it; a block with a tie is run again with the ensemble's seed.
    Either way the ensemble's numbers are those it computes alone."""
    from accord.models import ensemble

    s = scenario() if case == "no ties" else _twins()
    runs, _ = unc.select_models(to_problem(s), ["exchange", "ensemble"], None)
    assert runs[0].watch and runs[1].seed_free == ("exchange",)
    assert ("exchange", "exchange") in runs[1].reuses
    given: list[bool] = []
    real = ensemble.base_forecasts

    def spy(problem, base_models, seed=0, anchor=None, known=None):
        given.append("exchange" in (known or {}))
        return real(problem, base_models, seed, anchor, known)

    monkeypatch.setattr(ensemble, "base_forecasts", spy)
    kw = {"seed": 2, "block_size": 50, "noise": 0.05 if case == "no ties" else 0.0}
    both = simulate(s, 120, ["exchange", "ensemble"], **kw)
    alone = simulate(s, 120, ["ensemble"], **kw)
    assert not alone.models[0].reuses
    # the point forecast, then 3 blocks with the exchange model run; then the same without it
    assert given[:4] == [False] + [case == "no ties"] * 3 and not any(given[4:])
    assert np.array_equal(both.outcomes["ensemble"], alone.outcomes["ensemble"], equal_nan=True)
    exchange_alone = simulate(s, 120, ["exchange"], **kw).outcomes["exchange"]
    assert np.array_equal(both.outcomes["exchange"], exchange_alone)


def test_a_run_that_draws_is_noted() -> None:
    from accord.models.ensemble import run_noting_draws

    problem = to_problem(_twins(uncertain=False))
    ref = registry.get("exchange").run(problem, {}, seed=4)
    result, drew = run_noting_draws("exchange", problem, {}, 4)
    assert drew and ref.details["ties"] > 0
    assert np.array_equal(result.outcome, ref.outcome)
    problem = to_problem(scenario())
    result, drew = run_noting_draws("exchange", problem, {}, 4)
    assert not drew
    assert np.array_equal(result.outcome, registry.get("exchange").run(problem, {}, seed=4).outcome)
    _, drew = run_noting_draws("exchange", problem, {"p": 0.5}, 4)  # a randomised rate
    assert drew
