"""The shipped ensemble: documented training data, DEU and generic variants, intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import ParameterError
from accord.forecast import run_forecasts
from accord.models import ensemble, registry
from accord.problem import Problem, to_problem
from accord.scenario import io as sio
from accord.scenario.model import Scenario
from conftest import DATA, need
from strategies import scenarios

DEV = DATA / "deu" / "deu_dev.tsv"


def _generic() -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "actors": [
                {"id": "a", "capability": 2, "positions": {"x": {"position": 10, "salience": 0.8}}},
                {"id": "b", "capability": 1, "positions": {"x": {"position": 60, "salience": 0.5}}},
                {"id": "c", "capability": 1, "positions": {"x": {"position": 90, "salience": 0.9}}},
            ],
            "issues": [{"id": "x", "scale": {"min": 0, "max": 200}, "status_quo": 20}],
        }
    )


def test_shipped_parameters_document_their_training() -> None:
    trained = ensemble.load_parameters()
    data = trained["training_data"]
    assert data["file"] == "deu_dev.tsv" and len(data["sha256"]) == 64
    assert data["issues"] == 262 and data["proposals"] == 98
    assert trained["trained"] and trained["anchor"] == "compromise"
    assert set(trained["variants"]) == {"deu", "generic"}
    for spec in trained["variants"].values():
        q = [spec["interval"][k] for k in ("0.5", "0.8", "0.95")]
        assert q == sorted(q)
        cv = spec["nested_cv"]
        assert cv["n"] == 262 and abs(cv["coverage"]["0.8"] - 0.8) < 0.1


def test_generic_scenario_uses_the_generic_variant() -> None:
    s = _generic()
    f = run_forecasts(s, ["ensemble"])["ensemble"]
    assert f.result.details["variant"] == "generic"
    x = f.outcome["x"]
    assert 0 <= x <= 200
    for level in (50, 80, 95):
        lo, hi = np.asarray(f.result.details[f"interval_{level}"])[:, 0]
        assert 0 <= lo <= x <= hi <= 200  # scale units, clipped to the scale
    lo50, hi50 = np.asarray(f.result.details["interval_50"])[:, 0]
    lo95, hi95 = np.asarray(f.result.details["interval_95"])[:, 0]
    assert lo95 <= lo50 and hi50 <= hi95
    with pytest.raises(ParameterError, match="lacks the procedure and the voting rule"):
        run_forecasts(s, ["ensemble"], {"variant": "deu"})


def test_deu_issue_uses_the_deu_variant_and_batches() -> None:
    s = sio.load(need(DEV), issue="d00032i1")
    f = run_forecasts(s, ["ensemble"])["ensemble"]
    assert f.result.details["variant"] == "deu"
    spec = registry.get("ensemble")
    prob = to_problem(s)
    one = spec.run(prob, seed=0).outcome
    many = spec.run(prob.with_batch(3), seed=0).outcome
    np.testing.assert_allclose(many, np.broadcast_to(one, (3, 1)))


def test_missing_parameter_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="cannot read"):
        run_forecasts(_generic(), ["ensemble"], {"params": str(tmp_path / "none.json")})


def test_candidates_are_distinct_positions_and_the_status_quo() -> None:
    s = Scenario.model_validate(
        {
            "name": "toy",
            "actors": [
                {"id": k, "positions": {"x": {"position": p, "salience": 1.0}}}
                for k, p in (("a", 10), ("b", 60), ("c", 60), ("d", 100))
            ],
            "issues": [{"id": "x", "status_quo": 10}],
        }
    )
    prob = to_problem(s)
    anchor = np.array([0.5])
    values, feats, valid = ensemble.candidate_arrays(prob, anchor, deu=False)
    assert values.shape == (1, 5) and feats.shape == (1, 5, len(ensemble.CHOICE_GENERIC))
    assert sorted(values[0][valid[0]].tolist()) == [0.1, 0.6, 1.0]  # the status quo repeats 0.1
    share = dict(zip(values[0][valid[0]].tolist(), feats[0][valid[0]][:, 0].tolist(), strict=True))
    assert share == {0.1: 0.25, 0.6: 0.5, 1.0: 0.25}
    is_sq = feats[0][valid[0]][:, ensemble.CHOICE_GENERIC.index("is_status_quo")]
    assert is_sq.tolist() == [1.0, 0.0, 0.0]
    # a choice learner that only counts supporters forecasts the most supported position
    learner = {
        "kind": "choice",
        "mix": 0.0,
        "center": [0.0] * feats.shape[-1],
        "scale": [1.0] * feats.shape[-1],
        "coef": [20.0] + [0.0] * (feats.shape[-1] - 1),
        "intercept": -5.0,
    }
    assert ensemble.choice_forecast(learner, anchor, values, feats, valid)[0] == pytest.approx(0.6)
    committee = {"kind": "committee", "members": [learner, {"kind": "anchor", "shift": 0.0}]}
    both = ensemble.forecast_rows(committee, anchor, np.zeros((1, 1)), (values, feats, valid))
    assert both[0] == pytest.approx(0.55)


def test_model_path_matches_training_path() -> None:
    """The registered model, run per proposal (as the backtest runs it), reproduces the fitted
    learner on the training rows exactly, a one-issue proposal (no exchange) included."""
    from accord.evaluation import backtest as bt
    from accord.evaluation import learn
    from accord.scenario.formats import deu

    issues = [s for s in deu.read_issues(need(DEV)) if s.meta["proposal"] in ("d00032", "d97264", "d96085")]
    trained = ensemble.load_parameters()
    data = learn.build_dataset(issues, trained["base_models"])
    for variant in ("deu", "generic"):
        spec = trained["variants"][variant]
        rows = data.rows(spec["features"], spec["feature_set"])
        expected = ensemble.forecast_rows(spec["learner"], rows.anchor, rows.X, rows.candidates) * 100
        run = bt.run_backtest(issues, models=["ensemble"], params={"variant": variant})
        assert run.runs["ensemble"].joint
        # a merged proposal lists actors in order of first appearance, one issue in the file's
        # order; SMP's sums then round differently (its forecasts differ by ~3e-6)
        np.testing.assert_allclose(run.runs["ensemble"].forecast, expected, atol=1e-3)


def test_issue_problem_keeps_the_actors_on_the_issue() -> None:
    s = sio.load(need(DEV), proposal="d00032")
    prob = to_problem(s)
    for k in range(prob.n_issues):
        sub = ensemble.issue_problem(prob, k)
        assert sub.mask.all() and sub.n_issues == 1 and sub.n_actors == int(prob.mask[:, k].sum())
        one = to_problem(sio.load(DEV, issue=prob.issue_ids[k]))
        assert sub.actor_ids == one.actor_ids
        np.testing.assert_array_equal(sub.position, one.position)
        np.testing.assert_array_equal(sub.capability, one.capability)


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_any_valid_scenario_gets_a_forecast_inside_its_scale(s: Scenario) -> None:
    f = run_forecasts(s, ["ensemble"])["ensemble"]
    assert f.result.details["variant"] == "generic"
    for issue in s.issues:
        x = f.outcome[issue.id]
        lo, hi = np.asarray(f.result.details["interval_80"])[:, s.issue_ids.index(issue.id)]
        assert issue.scale.min - 1e-9 <= lo <= x <= hi <= issue.scale.max + 1e-9


@given(s=scenarios(max_actors=6, max_issues=3, allow_missing=False))
@settings(max_examples=6, deadline=None)
def test_a_known_eum_forecast_is_the_one_the_ensemble_would_compute(s: Scenario) -> None:
    """same_forecasts names the base models whose forecast another model's run already is, and
    passing that forecast changes nothing, bit for bit (on a batch of draws)."""
    from accord.models import eum
    from accord.uncertainty.draws import draw_problems, uncertain_inputs

    trained = ensemble.load_parameters()
    base = trained["base_models"]
    problem = to_problem(s)
    assert ensemble.same_forecasts(problem, base, "eum", eum.SPEC.resolve({})) == ["eum"]
    assert ensemble.same_forecasts(problem, base, "eum", {"variant": "paper"}) == ["eum:paper"]
    assert ensemble.same_forecasts(problem, base, "eum", {"rounds": 3}) == []
    assert ensemble.same_forecasts(problem, base, "smp", {}) == []
    draws = draw_problems(problem, uncertain_inputs(s, 0.1), 30, seed=1)
    for key, params in (("eum", {}), ("eum:paper", {"variant": "paper"})):
        known = {key: registry.get("eum").run(draws, params).outcome}
        alone, _ = ensemble.predict(draws, trained)
        reused, _ = ensemble.predict(draws, trained, known=known)
        assert np.array_equal(alone, reused, equal_nan=True)


def test_an_actor_without_a_position_stops_the_reuse() -> None:
    s = _generic().model_copy(deep=True)
    data = s.model_dump(mode="json", exclude_none=True)
    data["issues"].append({"id": "y"})
    for actor, p in zip(data["actors"], (20, 50), strict=False):
        actor["positions"]["y"] = {"position": p, "salience": 0.5}
    problem = to_problem(Scenario.model_validate(data))
    assert not problem.mask.all()
    assert ensemble.same_forecasts(problem, ensemble.load_parameters()["base_models"], "eum", {}) == []


@given(s=scenarios(max_actors=6, max_issues=3, allow_missing=False), seed=st.sampled_from([None, 0, 3]))
@settings(max_examples=6, deadline=None)
def test_run_forecasts_gives_the_ensemble_its_own_forecasts(s: Scenario, seed: int | None) -> None:
    """run_forecasts hands the ensemble the EUM and exchange forecasts it already has (the exchange
    model's only when it ran with the ensemble's seed); the ensemble's result is, bit for bit, the
    one it computes alone."""
    from accord.forecast import run_forecasts

    base = ensemble.load_parameters()["base_models"]
    problem = to_problem(s)
    exchange = registry.get("exchange").resolve({})
    assert ensemble.same_forecasts(problem, base, "exchange", exchange, same_seed=True) == ["exchange"]
    assert ensemble.same_forecasts(problem, base, "exchange", exchange) == []
    assert ensemble.same_forecasts(problem, base, "exchange", {"rounds": 3}, same_seed=True) == []
    together = run_forecasts(s, seed=seed)["ensemble"]
    alone = registry.get("ensemble").run(problem, {}, seed=seed)
    if together.skipped is None:
        assert np.array_equal(together.result.outcome, alone.outcome, equal_nan=True)
        for key, value in alone.details.items():
            if isinstance(value, np.ndarray):
                assert np.array_equal(together.result.details[key], value, equal_nan=True)


@given(s=scenarios(max_actors=7, max_issues=3), seed=st.integers(0, 2**16))
@settings(max_examples=4, deadline=None)
def test_the_per_issue_smp_runs_each_distinct_case_once(s: Scenario, seed: int) -> None:
    """On a batch whose cases repeat (twice each here, and issue 0 the same in every draw when
    no uncertain input touches it) the per-issue SMP runs the distinct cases only, and its
    forecasts are, bit for bit, those of running every case."""
    from accord.uncertainty.draws import MONTE_CARLO, draw_uniforms, uncertain_inputs

    base = {"smp": {}, "smp:stochastic": {"transitions": "Stochastic"}}
    inputs = uncertain_inputs(s, 0.1)
    values = inputs.ppf(draw_uniforms(seed, MONTE_CARLO, 0, inputs.k, 20, 20))
    draws = inputs.apply(to_problem(s), np.concatenate([values, values]))
    ran: list[int] = []
    take = Problem.take
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Problem, "take", lambda p, first: ran.append(first.size) or take(p, first))
        distinct = ensemble.base_forecasts(draws, base, seed=seed)
        patch.setattr(ensemble, "_case_by_case", lambda key, params: False)
        every = ensemble.base_forecasts(draws, base, seed=seed)
    assert len(ran) == len(s.issues) and max(ran) <= 20  # the distinct cases, on every issue
    for key in base:
        assert np.array_equal(distinct[key], every[key], equal_nan=True), key
    # stochastic draws are keyed by the case's place in the batch: every case runs
    assert not ensemble._case_by_case("smp:stochastic", base["smp:stochastic"])
    assert not ensemble._case_by_case("smp", {"bargain_model": "InitRcvrInterp"})
