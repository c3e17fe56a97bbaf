"""Tests of the expected-utility model: reference implementations, Scholz et al.'s Table 2,
properties (range, permutation, affine rescaling) and degenerate cases."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.cli import main
from accord.forecast import run_forecasts
from accord.models import eum, get
from accord.problem import Problem, to_problem
from accord.scenario import load, validate
from conftest import DATA, REFERENCE, need
from strategies import scenarios

DATASETS = ("eu_emissions", "sultan", "china", "honduras", "argentina", "iran2013")
# the options under which the paper variant reproduces the decisionmechanics implementation
DECISIONMECHANICS = {
    "compromise_position": "weighted_average",
    "same_position": "true",
    "drift_view": "receiver",
}
TOL = 1e-6


def _problem(name: str) -> Problem:
    return to_problem(load(need(DATA / "bdm" / f"{name}.csv")))


def _reference(mode: str, name: str) -> dict[str, Any]:
    return json.loads(need(REFERENCE / "bdm_eum" / f"{mode}__{name}.json").read_text())


def _run(problem: Problem, **params: Any) -> Any:
    return get("eum").run(problem, {"rounds": 10, "early_stop": False, **params})


def _assert_matches(problem: Problem, res: Any, ref: dict[str, Any], check_r: bool) -> float:
    """Compare every round in scale units; returns the largest deviation."""
    lo, hi = problem.scale_min[0], problem.scale_max[0]
    traj = res.trajectory
    assert traj["median"].shape[0] == len(ref["rounds"])
    worst = 0.0
    for t, rnd in enumerate(ref["rounds"]):
        got = {
            "median": lo + traj["median"][t, 0] * (hi - lo),
            "mean": lo + traj["mean"][t, 0] * (hi - lo),
            "positions": lo + traj["positions"][t, :, 0] * (hi - lo),
        }
        for key, value in got.items():
            np.testing.assert_allclose(value, rnd[key], rtol=0, atol=TOL, err_msg=f"round {t} {key}")
            worst = max(worst, float(np.max(np.abs(np.asarray(value) - rnd[key]))))
        if check_r and "r" in rnd:
            np.testing.assert_allclose(traj["r"][t, :, 0], rnd["r"], rtol=0, atol=TOL, err_msg=f"round {t} r")
    return worst


@pytest.mark.parametrize("name", DATASETS)
def test_scholz_matches_the_scholz_code_reference_every_round(name: str) -> None:
    problem = _problem(name)
    _assert_matches(problem, _run(problem), _reference("scholz_code", name), check_r=True)


@pytest.mark.parametrize("q", [1.0, 0.5])
@pytest.mark.parametrize("name", DATASETS)
def test_paper_with_decisionmechanics_choices_matches_paper_literal(name: str, q: float) -> None:
    problem = _problem(name)
    mode = "paper_literal_q1" if q == 1.0 else "paper_literal_q05"
    res = _run(problem, variant="paper", q=q, **DECISIONMECHANICS)
    _assert_matches(problem, res, _reference(mode, name), check_r=False)


@pytest.mark.parametrize("name", ["eu_emissions", "china", "honduras", "argentina", "iran2013"])
def test_paper_default_matches_paper_literal_where_no_compromise_is_made(name: str) -> None:
    # at Q = 1 the only difference left is where a compromise lands (eq. 36 against a
    # weighted average); these data sets make no compromise
    problem = _problem(name)
    _assert_matches(problem, _run(problem, variant="paper"), _reference("paper_literal_q1", name), False)


def test_paper_default_departs_from_paper_literal_on_sultan_through_eq36() -> None:
    problem = _problem("sultan")
    ref = _reference("paper_literal_q1", "sultan")
    res = _run(problem, variant="paper")
    with pytest.raises(AssertionError):
        _assert_matches(problem, res, ref, check_r=False)
    res = _run(problem, variant="paper", compromise_position="weighted_average")
    _assert_matches(problem, res, ref, check_r=False)


def test_published_ec_emissions_figures() -> None:
    """Scholz et al. (2011) p. 28 and Table 2; BDM (1994): initial median 7.0, mean 7.39."""
    problem = _problem("eu_emissions")
    res = _run(problem, rounds=8)
    scale = problem.to_scale(res.trajectory["median"])[:, 0]
    mean = problem.to_scale(res.trajectory["mean"])[:, 0]
    assert scale[0] == pytest.approx(7.0)
    assert round(mean[0], 2) == 7.39
    assert math.floor(scale[1] * 10) / 10 == pytest.approx(8.4)
    table_median = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
    table_mean = [7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6]
    truncated = [math.floor(v * 10 + 1e-9) / 10 for v in scale[1:]]
    agree = sum(abs(a - b) < 1e-9 for a, b in zip(truncated, table_median, strict=True))
    assert agree == 7  # round 2 reads 9.6 against the printed 9.9, as in Scholz's code
    assert np.max(np.abs(mean[1:] - table_mean)) < 0.07


def test_early_stop_truncates_at_the_fixed_point_without_changing_the_forecast() -> None:
    problem = _problem("sultan")  # no actor ever moves under Scholz's code
    full = _run(problem)
    short = get("eum").run(problem, {"rounds": 10})
    t = short.trajectory["median"].shape[0]
    assert t < 11
    assert int(short.details["rounds_run"][0]) == t - 1
    np.testing.assert_allclose(short.trajectory["positions"], full.trajectory["positions"][:t])
    np.testing.assert_allclose(short.outcome, full.outcome)


def test_pair_data_quadrants_on_the_ec_example() -> None:
    """Scholz et al. (2011) figs. 7-10: from Belgium's view Ireland and Greece sit at (0, 0)."""
    problem = _problem("eu_emissions")
    pairs = eum.pair_data(problem, rounds=1)
    ids = [a.lower() for a in problem.actor_ids]
    be, ie, gr, fr = (ids.index(k) for k in ("belgium", "ireland", "greece", "france"))
    a, b, offer = pairs.eu_challenger[1, :, :, 0], pairs.eu_target[1, :, :, 0], pairs.offer[1, :, :, 0]
    assert pairs.eu_challenger.shape == (2, 10, 10, 1)
    for other in (ie, gr):
        assert a[be, other] == pytest.approx(0, abs=1e-12) and b[be, other] == pytest.approx(0, abs=1e-12)
        assert offer[be, other] == eum.NONE
    assert np.isnan(a[be, be])
    # every offer sits in the quadrant its code names
    contested = np.abs(offer) >= eum.STALEMATE
    assert contested[be, fr]
    both = contested & (a > 0) & (b > 0)
    assert np.all(np.abs(offer[both]) == eum.CONFLICT)
    assert np.all(offer[contested & (a < 0) & (b < 0)] == eum.STALEMATE)
    assert np.all(pairs.offer_names()[1, be, fr, 0] == eum.OFFER_TYPES[abs(int(offer[be, fr]))])


def _assert_finite(res: Any, problem: Problem) -> None:
    mask = np.broadcast_to(problem.mask, problem.position.shape)
    assert np.all(np.isfinite(res.outcome))
    assert np.all(np.isfinite(res.trajectory["median"]))
    assert np.all(np.isfinite(res.trajectory["mean"]))
    pos = res.trajectory["positions"]
    m = np.broadcast_to(mask[..., None, :, :], pos.shape)
    assert np.all(np.isfinite(pos[m]))
    r = res.trajectory["r"][..., 1:, :, :]
    assert np.all(np.isfinite(r[np.broadcast_to(mask[..., None, :, :], r.shape)]))
    assert np.all((r[np.isfinite(r)] >= 0.5 - 1e-12) & (r[np.isfinite(r)] <= 2 + 1e-12))


def _scenario(
    positions: list[list[float | None]], saliences: list[float] | None = None, caps: list[float] | None = None
) -> Problem:
    n_i = len(positions[0])
    actors = []
    for k, row in enumerate(positions):
        stances = {
            f"i{j}": {"position": p, "salience": 0.5 if saliences is None else saliences[k]}
            for j, p in enumerate(row)
            if p is not None
        }
        actors.append({"id": f"a{k}", "capability": 1.0 if caps is None else caps[k], "positions": stances})
    issues = [{"id": f"i{j}", "scale": {"min": 0, "max": 100}} for j in range(n_i)]
    return to_problem(validate({"name": "t", "actors": actors, "issues": issues}, "test"))


DEGENERATE = {
    "all at one position": _scenario([[40.0], [40.0], [40.0]]),
    "equal security (symmetric pair)": _scenario([[20.0], [80.0]]),
    "two actors": _scenario([[10.0], [70.0]], [0.9, 0.3], [1.0, 2.0]),
    "salience 0": _scenario([[10.0], [50.0], [90.0]], [0.0, 0.6, 0.8]),
    "all saliences 0": _scenario([[10.0], [50.0], [90.0]], [0.0, 0.0, 0.0]),
    "missing actor": _scenario([[10.0, 20.0], [50.0, None], [90.0, 60.0], [30.0, 80.0]]),
    "one actor": _scenario([[30.0, 10.0], [None, 20.0]]),
}


@pytest.mark.parametrize("variant", eum.VARIANTS)
@pytest.mark.parametrize("q", [1.0, 0.5])
@pytest.mark.parametrize("case", list(DEGENERATE))
def test_degenerate_cases_give_finite_numbers(case: str, variant: str, q: float) -> None:
    problem = DEGENERATE[case]
    res = get("eum").run(problem, {"variant": variant, "q": q, "early_stop": False, "pairs": True})
    _assert_finite(res, problem)


def test_equal_security_levels_give_r_one_and_identical_positions_never_move() -> None:
    res = get("eum").run(DEGENERATE["equal security (symmetric pair)"], {"early_stop": False})
    np.testing.assert_allclose(res.trajectory["r"][1:], 1.0)
    same = get("eum").run(DEGENERATE["all at one position"], {})
    assert same.trajectory["median"].shape[0] == 2  # a fixed point after one round
    np.testing.assert_allclose(same.trajectory["positions"], 0.4)


def test_missing_actor_is_left_out_of_the_issue() -> None:
    problem = DEGENERATE["missing actor"]
    res = get("eum").run(problem, {"early_stop": False})
    assert np.all(np.isnan(res.trajectory["positions"][:, 1, 1]))
    alone = get("eum").run(problem.select_issues([1]), {"early_stop": False})
    np.testing.assert_allclose(res.trajectory["median"][:, 1], alone.trajectory["median"][:, 0])
    # the same issue without the missing actor at all
    three = _scenario([[20.0], [60.0], [80.0]])
    np.testing.assert_allclose(
        get("eum").run(three, {"early_stop": False}).trajectory["median"][:, 0],
        res.trajectory["median"][:, 1],
    )


def _random_problem(seed: int, n_actors: int, n_issues: int = 2) -> Problem:
    rng = np.random.default_rng(seed)
    positions = rng.uniform(0, 100, (n_actors, n_issues)).round(6).tolist()
    return _scenario(
        positions, rng.uniform(0.05, 1, n_actors).tolist(), rng.uniform(0.05, 1, n_actors).tolist()
    )


@settings(max_examples=15, deadline=None)
@given(scenario=scenarios(max_actors=7, max_issues=3))
def test_forecasts_stay_within_the_range_of_positions(scenario: Any) -> None:
    problem = to_problem(scenario)
    for variant in eum.VARIANTS:
        res = get("eum").run(problem, {"variant": variant, "rounds": 6, "q": 0.7})
        lo = np.nanmin(problem.position, axis=0) - 1e-12
        hi = np.nanmax(problem.position, axis=0) + 1e-12
        for key in ("median", "mean"):
            v = res.trajectory[key]
            assert np.all((v >= lo) & (v <= hi))
        pos = res.trajectory["positions"]
        assert np.all(np.isnan(pos) | ((pos >= lo[None, None]) & (pos <= hi[None, None])))
        _assert_finite(res, problem)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12), variant=st.sampled_from(eum.VARIANTS))
def test_actor_permutation_changes_only_labels(seed: int, n: int, variant: str) -> None:
    problem = _random_problem(seed, n)
    perm = np.random.default_rng(seed + 1).permutation(n)
    permuted = replace(
        problem,
        position=problem.position[perm],
        salience=problem.salience[perm],
        capability=problem.capability[perm],
        power=problem.power[perm],
        mask=problem.mask[perm],
        actor_ids=tuple(problem.actor_ids[k] for k in perm),
    )
    params = {"variant": variant, "early_stop": False, "q": 0.6}
    a, b = get("eum").run(problem, params), get("eum").run(permuted, params)
    np.testing.assert_allclose(a.trajectory["median"], b.trajectory["median"], atol=1e-12)
    np.testing.assert_allclose(a.trajectory["mean"], b.trajectory["mean"], atol=1e-12)
    np.testing.assert_allclose(a.trajectory["positions"][:, perm], b.trajectory["positions"], atol=1e-12)
    np.testing.assert_allclose(a.trajectory["r"][:, perm], b.trajectory["r"], atol=1e-9)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 12),
    scale=st.floats(0.01, 100),
    shift=st.floats(-1000, 1000),
    variant=st.sampled_from(eum.VARIANTS),
)
def test_affine_rescaling_changes_only_units(
    seed: int, n: int, scale: float, shift: float, variant: str
) -> None:
    problem = _random_problem(seed, n)
    moved = replace(problem, position=0.1 + 0.5 * problem.position)  # on the unit scale
    params = {"variant": variant, "early_stop": False, "q": 0.6}
    a, b = get("eum").run(problem, params), get("eum").run(moved, params)
    np.testing.assert_allclose(0.1 + 0.5 * a.trajectory["positions"], b.trajectory["positions"], atol=1e-9)
    np.testing.assert_allclose(0.1 + 0.5 * a.trajectory["median"], b.trajectory["median"], atol=1e-9)
    np.testing.assert_allclose(a.trajectory["r"], b.trajectory["r"], atol=1e-7)
    # and through the scale: the same scenario written in other units
    rescaled = replace(
        problem, scale_min=problem.scale_min * scale + shift, scale_max=problem.scale_max * scale + shift
    )
    c = get("eum").run(rescaled, params)
    np.testing.assert_allclose(
        rescaled.to_scale(c.outcome),
        problem.to_scale(a.outcome) * scale + shift,
        rtol=1e-9,
        atol=1e-9 * scale,
    )


@pytest.mark.parametrize("variant", eum.VARIANTS)
def test_batch_and_issues_run_independently(variant: str) -> None:
    problem = _random_problem(3, 9, n_issues=3)
    params = {"variant": variant, "early_stop": False, "q": 0.8}
    whole = get("eum").run(problem, params)
    batch = get("eum").run(problem.with_batch(4), params)
    assert batch.trajectory["positions"].shape == (4, *whole.trajectory["positions"].shape)
    np.testing.assert_allclose(batch.trajectory["positions"][2], whole.trajectory["positions"])
    for j in range(3):
        one = get("eum").run(problem.select_issues([j]), params)
        np.testing.assert_allclose(one.trajectory["positions"][..., 0], whole.trajectory["positions"][..., j])


@pytest.mark.parametrize("variant", eum.VARIANTS)
def test_sorted_prefix_sums_agree_with_the_direct_sum(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _random_problem(11, 30, n_issues=2)
    problem = replace(problem, position=np.round(problem.position * 20) / 20)  # ties and shared midpoints
    params = {"variant": variant, "early_stop": False, "q": 0.5}
    direct = get("eum").run(problem, params)
    monkeypatch.setattr(eum, "_DIRECT_MAX_ACTORS", 2)
    ranked = get("eum").run(problem, params)
    np.testing.assert_allclose(direct.trajectory["positions"], ranked.trajectory["positions"], atol=1e-12)
    np.testing.assert_allclose(direct.trajectory["r"], ranked.trajectory["r"], atol=1e-9)


def test_probability_pairwise_is_eq_31_and_complementary() -> None:
    rng = np.random.default_rng(5)
    x, w = rng.uniform(0, 1, (1, 6)), rng.uniform(0.1, 1, (1, 6))
    active = np.ones((1, 6), bool)
    geo = eum.geometry(x, np.ones(1), np.full(1, 0.5), active, sort=False)
    p = eum.probability(geo, w, None, "pairwise")[0]
    xi, xj, xk = x[0][:, None, None], x[0][None, :, None], x[0][None, None, :]
    v = w[0][None, None, :] * (np.abs(xk - xj) - np.abs(xk - xi))
    with np.errstate(invalid="ignore"):  # the diagonal is 0 / 0
        expected = np.where(v > 0, v, 0).sum(-1) / np.abs(v).sum(-1)
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose(p[off], expected[off])
    np.testing.assert_allclose((p + p.T)[off], 1.0)


def test_cli_forecast_json_gives_outcome_and_trajectory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = need(DATA / "bdm" / "eu_emissions.csv")
    rc = main(
        ["forecast", str(path), "--model", "eum", "--param", "variant=paper", "--param", "rounds=3"]
        + ["--param", "q=0.5", "--format", "json"]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    text = json.dumps(out)
    assert "eum" in text
    issue = _find_issue(out)
    assert isinstance(issue["outcome"], float)
    traj = issue["trajectory"]
    assert [t["round"] for t in traj] == list(range(len(traj)))
    assert traj[0]["median"] == pytest.approx(7.0)
    assert set(traj[0]["positions"]) == {"Netherlands", "Belgium", "Luxembourg", "Germany", "France"} | {
        "Italy",
        "UK",
        "Ireland",
        "Denmark",
        "Greece",
    }
    assert traj[-1]["median"] == pytest.approx(issue["outcome"])


def _find_issue(out: Any) -> dict[str, Any]:
    """The single issue entry of the eum forecast, wherever the CLI nests it."""
    if isinstance(out, dict):
        if "trajectory" in out and "outcome" in out:
            return out
        for value in out.values():
            found = _find_issue(value)
            if found:
                return found
    if isinstance(out, list):
        for value in out:
            found = _find_issue(value)
            if found:
                return found
    return {}


def test_pairs_detail_only_on_request_and_json_able() -> None:
    scenario = load(need(DATA / "bdm" / "eu_emissions.csv"))
    plain = run_forecasts(scenario, ["eum"], {"rounds": "2"})["eum"].to_json()
    assert "eu_challenger" not in json.dumps(plain)
    full = run_forecasts(scenario, ["eum"], {"rounds": "2", "pairs": "true"})["eum"].to_json()
    item = next(iter(full["issues"].values()))
    assert len(item["offer"]) == len(item["trajectory"])
    assert len(item["eu_challenger"][1]) == 10
    assert full["details"]["offer_types"]["3"] == "compromise"
    json.dumps(full)


def test_bad_parameters_are_refused() -> None:
    from accord.errors import ParameterError

    problem = DEGENERATE["two actors"]
    for bad in ({"variant": "bdm"}, {"q": 1.5}, {"probability": "local"}, {"rounds": -1}):
        with pytest.raises(ParameterError):
            get("eum").run(problem, bad)


@pytest.mark.parametrize("variant", eum.VARIANTS)
@pytest.mark.parametrize("name", ["eu_emissions", "argentina", "china"])
def test_actors_move_exactly_when_they_concede_an_offer(name: str, variant: str) -> None:
    problem = _problem(name)
    params = {"variant": variant, "rounds": 4, "early_stop": False}
    pairs = eum.pair_data(problem, **params)
    pos = get("eum").run(problem, params).trajectory["positions"][..., 0]
    concede = [-eum.CONFLICT, -eum.COMPROMISE] + ([-eum.CAPITULATION] if variant == "paper" else [])
    for t in range(1, pos.shape[0]):
        offers = pairs.offer[t, :, :, 0]
        conceding = np.isin(offers, concede).any(axis=1)
        moved = np.abs(pos[t] - pos[t - 1]) > 1e-12
        np.testing.assert_array_equal(moved, conceding, err_msg=f"round {t}")


def test_zero_rounds_returns_the_initial_median() -> None:
    problem = _problem("eu_emissions")
    res = get("eum").run(problem, {"rounds": 0})
    assert res.trajectory["positions"].shape == (1, 10, 1)
    assert problem.to_scale(res.outcome)[0] == pytest.approx(7.0)
