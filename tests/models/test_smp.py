"""KTAB's Spatial Model of Politics: KTAB's reference runs, building blocks, determinism, properties."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import DATA, REFERENCE, need
from tests.strategies import scenarios

from accord.models import get, smp
from accord.problem import to_problem
from accord.scenario import Scenario, validate
from accord.scenario.io import load
from accord.uncertainty.draws import MONTE_CARLO, draw_uniforms, uncertain_inputs

KTAB = DATA / "ktab"
REF = REFERENCE / "ktab_smp"


def _run(name: str, **params: object) -> tuple[smp.ModelResult, tuple[str, ...]]:
    problem = to_problem(load(need(KTAB / f"{name}.csv")))
    return get("smp").run(problem, params), problem.actor_ids


# -- KTAB's reference runs (default parameters) ---------------------------------------


@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Policy"])
def test_every_turn_matches_ktab(name: str) -> None:
    result, ids = _run(name)
    with need(REF / f"{name}.positions.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    n_turns = max(int(r["turn"]) for r in rows)
    positions = result.trajectory["positions"] * 100
    assert result.details["turns"] == n_turns
    assert positions.shape[0] == n_turns + 1
    ref = np.full_like(positions, np.nan)
    for r in rows:
        ref[int(r["turn"]), ids.index(r["actor"]), int(r["dimension"])] = float(r["position"])
    assert not np.isnan(ref).any()
    # KTAB prints full double precision here; accord reproduces every turn to the last digits
    np.testing.assert_allclose(positions, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "name",
    [
        "dummyData_3Dim",
        "SOE-Policy",
        "SOE-Pol-Comp",
        "SOE-Competitive",
        "dummyData_6Dim",
        "dummyData-a040",
        "dummyData-a080",
    ],
)
def test_final_positions_and_probabilities_match_ktab(name: str) -> None:
    result, ids = _run(name)
    with need(REF / f"final_positions_{name}.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    final = result.trajectory["positions"][-1] * 100
    win = result.trajectory["win_probability"][-1, :, 0]
    n_issues = final.shape[1]
    seen: dict[str, int] = {}
    for r in rows:
        k = ids.index(r["actor"])
        d = seen.get(r["actor"], 0)
        seen[r["actor"]] = d + 1
        assert final[k, d] == pytest.approx(float(r["final"]), abs=0.1), (r["actor"], d)
        assert win[k] == pytest.approx(float(r["final_prob"]), abs=1e-4), r["actor"]
        assert int(r["num_states"]) == result.details["turns"] + 1
    assert all(v == n_issues for v in seen.values())


# -- building blocks ----------------------------------------------------------------------


def test_votes_under_every_rule() -> None:
    du = np.array([-0.5, 0.0, 0.25])
    np.testing.assert_allclose(smp.vote("Proportional", 2.0, du), [-1.0, 0.0, 0.5])
    np.testing.assert_allclose(smp.vote("Binary", 2.0, du), [-2.0, 0.0, 2.0])
    np.testing.assert_allclose(smp.vote("PropBin", 1.0, du), [-0.6, 0.0, 0.4])
    np.testing.assert_allclose(smp.vote("Cubic", 1.0, du), [-0.125, 0.0, 0.015625])
    np.testing.assert_allclose(smp.vote("PropCbc", 1.0, du), [-0.3125, 0.0, 0.1328125])
    np.testing.assert_allclose(smp.vote("ASymProsp", 3.0, du), [-1.5, 0.0, 0.5])


def test_victory_models() -> None:
    s1, s2 = np.array([3.0, 1.0, 1.05]), np.array([1.0, 3.0, 1.0])
    np.testing.assert_allclose(smp.victory_pair("Linear", s1, s2)[0], [0.75, 0.25, 1.05 / 2.05])
    np.testing.assert_allclose(smp.victory_pair("Square", s1, s2)[0][:2], [0.9, 0.1])
    np.testing.assert_allclose(smp.victory_pair("Quartic", s1, s2)[0][:2], [81 / 82, 1 / 82])
    np.testing.assert_allclose(smp.victory_pair("Octic", s1, s2)[0][:2], [3**8 / (3**8 + 1), 1 / (3**8 + 1)])
    binary = smp.victory_pair("Binary", s1, s2)[0]
    assert binary[0] == pytest.approx(1.0, abs=1e-5) and binary[1] == pytest.approx(0.0, abs=1e-5)
    # within 10 %: linear interpolation between certain loss and certain win
    assert 0.5 < binary[2] < 1.0


def _coalitions(n: int, seed: int) -> np.ndarray:
    g = np.random.default_rng(seed)
    c = g.uniform(0.1, 5.0, (1, n, n))
    c[0, np.arange(n), np.arange(n)] = smp.MIN_COALITION
    return c


@pytest.mark.parametrize("model", smp.PCE_MODELS)
def test_pce_is_a_distribution_and_ignores_missing_options(model: str) -> None:
    c = _coalitions(5, 1)
    valid = np.ones((1, 5), dtype=bool)
    p = smp.pce(model, "Linear", c, valid)
    assert p.sum() == pytest.approx(1.0) and (p >= 0).all()
    # an option that is not on the table changes nothing for the others
    big = np.full((1, 6, 6), 7.0)
    big[:, :5, :5] = c
    p6 = smp.pce(model, "Linear", big, np.array([[True] * 5 + [False]]))
    assert p6[0, 5] == 0.0
    np.testing.assert_allclose(p6[0, :5], p[0], atol=1e-7)


def test_conditional_pce_is_the_normalised_product() -> None:
    c = _coalitions(4, 2)
    pv = smp.victory_matrix("Linear", c)[0]
    expected = pv.prod(axis=1) / pv.prod(axis=1).sum()
    np.testing.assert_allclose(smp.pce("Conditional", "Linear", c, np.ones((1, 4), bool))[0], expected)


def test_markov_pce_favours_the_option_that_beats_the_others() -> None:
    c = np.ones((1, 3, 3))
    c[0, 0, 1:] = 10.0  # option 0 beats both others
    for model in ("MarkovUniform", "MarkovIncentive"):
        p = smp.pce(model, "Linear", c, np.ones((1, 3), bool))[0]
        assert p.argmax() == 0 and p[0] > 0.6


def test_big_r_ranges_and_equal_probabilities() -> None:
    p = np.array([[0.1, 0.2, 0.7]])
    np.testing.assert_allclose(smp.big_r(p, "Mid"), [[-0.5, -0.25, 1.0]])
    np.testing.assert_allclose(smp.big_r(p, "Min"), [[0.0, 1 / 6, 1.0]])
    np.testing.assert_allclose(smp.big_r(p, "Max"), [[-1.0, -2 / 3, 1.0]])
    assert (smp.big_r(np.full((1, 3), 1 / 3), "Mid") == 0).all()


def test_estimated_risk_and_utility() -> None:
    rh, ri = np.array(0.9), np.array(-0.3)
    assert smp.estimated_risk(rh, ri, "OneThird") == pytest.approx(0.5)
    assert smp.estimated_risk(rh, ri, "Half") == pytest.approx(0.3)
    assert smp.estimated_risk(rh, ri, "TwoThirds") == pytest.approx(0.1)
    assert smp.estimated_risk(rh, ri, "None") == pytest.approx(0.9)
    assert smp.estimated_risk(rh, ri, "Full") == pytest.approx(-0.3)
    d = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(smp.utility(d, np.array(0.0)), [1.0, 0.5, 0.0])
    np.testing.assert_allclose(smp.utility(d, np.array(1.0)), [1.0, 0.75, 0.0])  # risk-averse: concave


def test_distance_is_salience_weighted_rms() -> None:
    ideal = np.array([[[0.2, 0.9]]])
    pos = np.array([[[0.2, 0.9], [0.6, 0.9], [0.6, 0.5]]])
    sal = np.array([[[0.3, 0.1]]])
    d = smp.distance(ideal, pos, sal)[0, 0]
    np.testing.assert_allclose(d, [0.0, np.sqrt(0.09 * 0.16 / 0.1), np.sqrt((0.09 + 0.01) * 0.16 / 0.1)])
    one_d = smp.distance(np.array([[[0.3]]]), np.array([[[0.8]]]), np.array([[[0.4]]]))
    assert one_d[0, 0, 0] == pytest.approx(0.5)


def test_bargain_interpolation_rounds_to_four_decimals() -> None:
    t_i, t_j = np.array([0.123456]), np.array([0.987654])
    s_i, s_j = np.array([0.5]), np.array([0.5])
    b_i, b_j = smp.interpolate("S2P2", t_i, s_i, np.array([0.5]), t_j, s_j, np.array([0.5]))
    assert b_i[0] == pytest.approx(0.5556) and b_j[0] == pytest.approx(0.5556)
    b_i, b_j = smp.interpolate("S1P1", t_i, s_i, np.array([0.9]), t_j, s_j, np.array([0.1]))
    assert b_i[0] == round(b_i[0], 4) and 0.123456 < b_i[0] < 0.25
    b_i, b_j = smp.interpolate("S2PMax", t_i, s_i, np.array([0.3]), t_j, s_j, np.array([0.7]))
    assert t_i[0] < b_i[0] < t_j[0] and b_j[0] == pytest.approx(t_j[0])  # the likelier winner stays


def test_uniform_draws_depend_only_on_their_indices() -> None:
    a = smp.uniform_draws(7, np.arange(10)[:, None], 3, np.arange(4)[None, :])
    b = smp.uniform_draws(7, np.arange(2, 5)[:, None], 3, np.arange(4)[None, :])
    np.testing.assert_array_equal(a[2:5], b)
    assert ((a >= 0) & (a < 1)).all() and len(np.unique(a)) == a.size
    assert not np.array_equal(a, smp.uniform_draws(8, np.arange(10)[:, None], 3, np.arange(4)[None, :]))


# -- stochastic mode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [{}, {"pce_model": "MarkovUniform", "bargain_model": "InitRcvrInterp", "voting_rule": "PropCbc"}],
)
def test_stochastic_mode_is_reproducible_across_runs_and_batch_sizes(extra: dict[str, str]) -> None:
    problem = to_problem(load(need(KTAB / "dummyData_3Dim.csv")))
    spec = get("smp")
    params = {"transitions": "Stochastic", **extra}
    big = spec.run(problem.with_batch(6), params, seed=11)
    again = spec.run(problem.with_batch(6), params, seed=11)
    small = spec.run(problem.with_batch(2), params, seed=11)
    single = spec.run(problem, params, seed=11)
    np.testing.assert_array_equal(big.trajectory["positions"], again.trajectory["positions"])
    turns = big.details["turns"]
    assert len(set(turns.tolist())) > 1  # the draws differ between batch elements
    for b in range(2):
        t = turns[b] + 1
        np.testing.assert_array_equal(
            big.trajectory["positions"][b, :t], small.trajectory["positions"][b, :t]
        )
    assert single.details["turns"] == turns[0]
    np.testing.assert_array_equal(
        single.trajectory["positions"], big.trajectory["positions"][0, : turns[0] + 1]
    )
    other = spec.run(problem.with_batch(6), params, seed=12)
    assert not np.array_equal(other.outcome, big.outcome)


# -- every option runs; properties ----------------------------------------------------------

OPTIONS = [
    (name, value)
    for name, values in [
        ("victory_model", smp.VICTORY_MODELS),
        ("pce_model", smp.PCE_MODELS),
        ("voting_rule", smp.VOTING_RULES),
        ("big_r_adjust", smp.BIG_R_ADJUST),
        ("big_r_range", smp.BIG_R_RANGE),
        ("third_party_commit", smp.THIRD_PARTY),
        ("interpolation", smp.INTERPOLATION),
        ("bargain_model", smp.BARGAIN_MODELS),
    ]
    for value in values
]


@pytest.mark.parametrize(("name", "value"), OPTIONS)
def test_every_option_runs_and_stays_in_the_box(name: str, value: str) -> None:
    result, _ = _run("dummyData_3Dim", **{name: value, "max_turns": 6})
    pos = result.trajectory["positions"]
    assert np.isfinite(pos).all() and (pos >= 0).all() and (pos <= 1).all()
    assert np.isfinite(result.outcome).all()


def test_parameters_are_checked() -> None:
    spec = get("smp")
    with pytest.raises(Exception, match="voting_rule"):
        spec.resolve({"voting_rule": "Plurality"})
    assert spec.resolve({"pce_model": "MarkovIncentive"})["pce_model"] == "MarkovIncentive"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_actors=6, max_issues=3))
def test_positions_stay_in_the_unit_box(scenario) -> None:  # type: ignore[no-untyped-def]
    problem = to_problem(scenario)
    result = get("smp").run(problem, {"max_turns": 8})
    pos = result.trajectory["positions"]
    inside = pos[:, problem.mask]
    assert np.isfinite(inside).all() and (inside >= 0).all() and (inside <= 1).all()
    assert np.isfinite(result.outcome).all()


# -- a case's numbers do not depend on its batch ----------------------------------------------


def _same_case(batch: smp.ModelResult, n: int, alone: smp.ModelResult) -> None:
    """Element ``n`` of a batched result is, bit for bit, a batch of one: outcome, trajectories
    and details (a batch runs as many turns as its longest case; compare the case's own)."""
    assert np.array_equal(batch.outcome[n], alone.outcome[0], equal_nan=True)
    for key, value in batch.trajectory.items():
        own = alone.trajectory[key][0]
        assert np.array_equal(value[n][: own.shape[0]], own, equal_nan=True), key
    for key, value in batch.details.items():
        own = np.asarray(alone.details[key])[0]
        mine = np.asarray(value)[n]
        assert np.array_equal(mine[: own.shape[0]] if own.ndim else mine, own, equal_nan=True), key


# Not the receiver's estimates (bargain_model InitRcvrInterp, PWCompInterp): the challenge kernel
# (_contest_block) sums their third parties' votes pairwise where several cases share a block of
# one challenger's row and in order otherwise, so positions differ by up to 5e-15 (this test finds
# it); branch 'contests' replaces that kernel with one that computes each case on its own.
BATCH_PARAMS = [
    {},
    {"pce_model": "MarkovIncentive", "voting_rule": "PropBin", "big_r_adjust": "Half"},
    {"interpolation": "S2PMax", "victory_model": "Quartic", "big_r_range": "Max"},
    {"pce_model": "MarkovUniform", "voting_rule": "ASymProsp", "third_party_commit": "NoCommit"},
]


@pytest.mark.parametrize("params", BATCH_PARAMS)
@given(s=scenarios(min_actors=8, max_actors=10, max_issues=3), seed=st.integers(0, 2**16))
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_case_gives_the_same_numbers_alone_and_in_any_batch(
    params: dict[str, str], s: Scenario, seed: int
) -> None:
    """What running on the distinct cases only relies on (the ensemble's per-issue SMP): a case
    run alone and the same case inside batches of other cases, in two orders and memory layouts and
    cut into small blocks, with repeats and an issue that no draw changes (as Monte Carlo and
    Saltelli rows have)."""
    spec = get("smp")
    inputs = uncertain_inputs(s, 0.1)
    values = inputs.ppf(draw_uniforms(seed, MONTE_CARLO, 0, inputs.k, 40, 40))
    values = np.where(inputs.issue != 0, values, inputs.value)
    rows = np.concatenate([values, values[::-1], values[:20]])
    order = np.random.default_rng(seed).permutation(rows.shape[0])
    base = to_problem(s)
    batch = inputs.apply(base, rows)
    # batch-major in memory, as a batch cut from a larger one by fancy indexing (the ensemble's
    # issues) is: its sums over actors must still run as the case's alone
    whole = spec.run(
        replace(
            batch,
            position=np.asfortranarray(batch.position),
            salience=np.asfortranarray(batch.salience),
            capability=np.asfortranarray(batch.capability),
        ),
        params,
    )
    with pytest.MonkeyPatch.context() as patch:  # small blocks, as a large batch of large cases
        patch.setattr(smp, "_CHUNK", 3 * base.n_actors**2)
        mixed = spec.run(inputs.apply(base, rows[order]), params)
    for n in (0, 23, 39):
        alone = spec.run(inputs.apply(base, rows[n : n + 1]), params)
        _same_case(whole, n, alone)
        _same_case(mixed, int(np.flatnonzero(order == n)[0]), alone)


@pytest.mark.parametrize("rule", smp.VOTING_RULES)
@pytest.mark.parametrize(("n_b", "n_a", "n_o"), [(1, 12, 9), (3, 10, 14), (2, 7, 5)])
def test_pair_votes_are_the_option_votes_entries_bit_for_bit(rule: str, n_b: int, n_a: int, n_o: int) -> None:
    """The bargain elections vote only over the pairs of an actor's options (_pair_votes); each
    pair's sums must be those of the full matrix (_option_votes), summed in the same order, on
    the NumPy path and the compiled one."""
    rng = np.random.default_rng(n_b * 100 + n_a)
    cap = rng.uniform(0.1, 5.0, (n_b, n_a))
    util = rng.uniform(0.0, 1.0, (n_b, n_a, n_o))
    util[:, :, 1] = util[:, :, 0]  # equal utilities: zero votes
    plus, minus = smp._option_votes(rule, cap, util)
    c_full = smp.coalition_matrix(plus, minus)
    b, after, before = np.nonzero(np.tril(np.ones((n_o, n_o), dtype=bool), -1)[None].repeat(n_b, 0))
    for size in (b.size, 1):  # all pairs at once, and a single pair (one column)
        for compiled_from in (smp._COMPILED_FROM, 0):  # NumPy, then the compiled kernel
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(smp, "_COMPILED_FROM", compiled_from)
                p_pair, m_pair = smp._pair_votes(rule, cap, util, b[:size], after[:size], before[:size])
            np.testing.assert_array_equal(
                smp.MIN_COALITION + p_pair, c_full[b[:size], after[:size], before[:size]]
            )
            np.testing.assert_array_equal(
                smp.MIN_COALITION + m_pair, c_full[b[:size], before[:size], after[:size]]
            )


@pytest.mark.parametrize("rule", smp.VOTING_RULES)
@pytest.mark.parametrize(
    ("n_b", "n_a", "n_o"), [(1, 40, 40), (3, 10, 14), (2, 7, 5), (1, 2, 1), (1, 41, 300)]
)  # 300 options: three tiles of the half-vote kernel; 41 voters: two a pass and one alone
def test_compiled_option_votes_are_numpys_bit_for_bit(rule: str, n_b: int, n_a: int, n_o: int) -> None:
    """The compiled elections (kernels/elections.py) against the NumPy code on the same inputs:
    utilities of very different sizes (a sum in another order shows) and equal ones (zero votes)."""
    from accord.models.kernels import elections

    rng = np.random.default_rng(n_b * 1000 + n_a)
    cap = rng.uniform(0.1, 5.0, (n_b, n_a)) * 10.0 ** rng.integers(-6, 6, (n_b, n_a))
    util = rng.uniform(0.0, 1.0, (n_b, n_a, n_o)) * 10.0 ** rng.integers(-8, 1, (n_b, n_a, n_o))
    util[:, :, -1] = util[:, :, 0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_COMPILED_FROM", 1 << 62)
        plus, minus = smp._option_votes(rule, cap, util)
        patch.setattr(smp, "_COMPILED_FROM", 0)
        via_smp = smp._option_votes(rule, cap, util)
    for got in (elections.option_votes(smp.VOTING_RULES.index(rule), cap, util), via_smp):
        np.testing.assert_array_equal(got[0], plus)
        np.testing.assert_array_equal(got[1], minus)


@pytest.mark.parametrize(
    ("voting_rule", "n_actors", "n_draws"),
    [("Proportional", 12, 6), ("ASymProsp", 12, 6), ("PropBin", 12, 6), ("Proportional", 34, 2)],
)
def test_a_run_with_compiled_elections_is_the_numpy_run(
    voting_rule: str, n_actors: int, n_draws: int
) -> None:
    """Both paths of the elections on the same cases (a batch of draws; from 32 actors the bargain
    elections take the pairs of each actor's options): every output."""
    s = validate(
        {
            "name": "random",
            "actors": [
                {
                    "id": f"a{k}",
                    "capability": 1 + (k * 37) % 11,
                    "positions": {
                        f"i{j}": {"position": (k * 29 + j * 13) % 101, "salience": 0.3 + 0.02 * (k % 30)}
                        for j in range(2)
                    },
                }
                for k in range(n_actors)
            ],
            "issues": [{"id": f"i{j}"} for j in range(2)],
        },
        "test",
    )
    inputs = uncertain_inputs(s, 0.1)
    u = draw_uniforms(5, MONTE_CARLO, 0, inputs.k, n_draws, n_draws)
    batch = inputs.apply(to_problem(s), inputs.ppf(u))
    params = {"voting_rule": voting_rule}
    numpy_run = get("smp").run(batch, params)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_COMPILED_FROM", 0)
        compiled = get("smp").run(batch, params)
    assert np.array_equal(compiled.outcome, numpy_run.outcome)
    for part in ("trajectory", "details"):
        mine, theirs = getattr(compiled, part), getattr(numpy_run, part)
        assert mine.keys() == theirs.keys()
        for key, value in mine.items():
            assert np.array_equal(value, theirs[key], equal_nan=True), key


def test_win_probability_votes_only_over_distinct_positions() -> None:
    """Positions that coincide are one option; the election over the distinct ones gives the same
    probabilities, bit for bit, as the election over every position with the copies masked."""
    problem = to_problem(load(need(KTAB / "dummyData-a040.csv")))
    assert problem.n_actors >= smp._PAIR_VOTES_FROM  # the size from which only distinct ones vote
    pos, sal, cap = smp._inputs(problem)
    pos = pos.copy()
    pos[0, 5:12] = pos[0, 4]  # seven copies of one position
    s = smp._Settings(**{p.name: p.default for p in get("smp").params if p.type is str})
    dist = smp.distance(pos, pos, sal)
    risk = smp._risk(s, dist, cap)
    win, option = smp._win_probability(s, dist, risk, cap, pos)
    util = smp.utility(dist, risk[:, :, None])
    x = pos[0, :, 0]
    kept: list[int] = []  # posTol: a position within tolerance of an earlier distinct one is a copy
    for a in range(x.size):
        if all(abs(x[a] - x[k]) >= smp.POSITION_TOLERANCE for k in kept):
            kept.append(a)
    distinct = np.isin(np.arange(x.size), kept)[None]
    assert distinct.sum() <= problem.n_actors - 7
    np.testing.assert_array_equal(option > 0, distinct)
    every = smp.pce(s.pce, s.victory, smp._coalitions("Proportional", cap, util), distinct)
    np.testing.assert_array_equal(option, every)


def test_identical_actors_do_not_move() -> None:
    actors = [
        {
            "id": f"a{k}",
            "capability": 3.0,
            "positions": {"x": {"position": 40, "salience": 0.6}, "y": {"position": 70, "salience": 0.3}},
        }
        for k in range(4)
    ]
    issues = [{"id": "x", "scale": {"min": 0, "max": 100}}, {"id": "y", "scale": {"min": 0, "max": 100}}]
    problem = to_problem(validate({"name": "same", "actors": actors, "issues": issues}, "test"))
    result = get("smp").run(problem, {})
    pos = result.trajectory["positions"]
    np.testing.assert_array_equal(pos, np.broadcast_to(pos[0], pos.shape))
    np.testing.assert_allclose(result.outcome, [0.4, 0.7])


def test_accommodation_moves_ideals_slowly(tmp_path: Path) -> None:
    # with ideals lagging positions, the run differs from the cynical (identity) model
    scenario = load(need(KTAB / "dummyData_3Dim.csv"))
    ids = [a.id for a in scenario.actors]
    pairs = [{"adjusting": a, "reference": a, "adjust": 0.5} for a in ids]
    data = scenario.model_dump(mode="json")
    data["meta"] = {"ktab": {"ideal_adjustment": pairs}}
    lagging = get("smp").run(to_problem(validate(data, "test")), {"max_turns": 5})
    cynical = get("smp").run(to_problem(scenario), {"max_turns": 5})
    assert not np.allclose(
        lagging.trajectory["positions"],
        cynical.trajectory["positions"][: lagging.trajectory["positions"].shape[0]],
    )


def test_cli_forecast_json_has_outcome_and_trajectory() -> None:
    from typer.testing import CliRunner

    from accord.cli import app, main

    path = need(KTAB / "dummyData_3Dim.csv")
    out = CliRunner().invoke(app, ["forecast", str(path), "--model", "smp", "--format", "json"])
    assert out.exit_code == 0, out.output
    issues = json.loads(out.output)["forecasts"]["smp"]["issues"]
    assert set(issues) == {"Pstn1", "Pstn2", "Pstn3"}
    traj = issues["Pstn2"]["trajectory"]
    assert len(traj) == 11
    assert traj[-1]["positions"]["SActor-00"] == pytest.approx(31.8, abs=0.05)
    assert 0 <= issues["Pstn2"]["outcome"] <= 100
    assert main(["forecast", str(path), "--model", "smp", "--param", "pce_model=Other"]) == 2


@pytest.mark.parametrize(
    ("name", "max_turns", "expected"),
    [
        # KTAB's "Fractional change compared to first step" (../shared/notes/smp.md, section 3.2)
        (
            "dummyData_3Dim",
            100,
            [0.9999, 0.7631, 0.1780, 0.0801, 0.0853, 0.0686, 0.0639, 0.1058, 0.0398, 0.0045],
        ),
        ("dummyData-a160", 3, [1.0000, 0.6479, 0.3926]),  # KTAB's a160 run was stopped after 3 turns
    ],
)
def test_fractional_change_per_turn_matches_ktab(name: str, max_turns: int, expected: list[float]) -> None:
    result, _ = _run(name, max_turns=max_turns)
    pos = result.trajectory["positions"]
    moved = np.linalg.norm(np.diff(pos, axis=0), axis=-1).sum(axis=-1)
    np.testing.assert_allclose(moved / (moved[0] + smp.MIN_SIG_DELTA), expected, atol=6e-5)


def _literal_contest(
    s: smp._Settings,
    dist: np.ndarray,
    risk: np.ndarray,
    weight: np.ndarray,
    total: np.ndarray,
    h: int,
    i: int,
    j: int,
) -> tuple[float, float]:
    """KTAB's probEduChlg term by term for one estimator h and one challenge of i to j (k = i):
    h's P[i beats j] and h's estimate of i's gain. Scalars, no layout tricks: the oracle."""

    def r_est(a: int) -> float:  # h knows its own risk attitude and estimates the others'
        return float(risk[h]) if a == h else float(smp.estimated_risk(risk[h], risk[a], s.adjust))

    def u(a: int, b: int) -> float:  # h's estimate of a's utility of b's position
        return float(smp.utility(dist[a, b], r_est(a)))

    def v(w: float, du: float) -> float:
        return float(smp.vote(s.voting, w, du))

    c_i, c_j = v(weight[i], u(i, i) - u(i, j)), v(weight[j], u(j, i) - u(j, j))
    chij = smp.MIN_CHALLENGE_COALITION + max(c_i, 0) + max(c_j, 0)
    chji = smp.MIN_CHALLENGE_COALITION + max(-c_i, 0) + max(-c_j, 0)
    plus = minus = 0.0
    for n in range(len(risk)):
        if n in (i, j):
            continue
        uni, unj, unn = u(n, i), u(n, j), u(n, n)
        v0 = v(weight[n], uni - unj)
        pin = (chij + max(v0, 0)) / (chij + max(v0, 0) + chji + max(-v0, 0))
        pjn = 1 - pin
        if s.third_party == "SemiCommit":  # n joins i (or j) and shares the winner's position
            ik_j = pin * (uni + uni + unn) + pjn * (unj + unj + unj)
            i_jk = pin * (uni + uni + uni) + pjn * (unj + unj + unn)
        elif s.third_party == "FullCommit":
            ik_j = i_jk = pin * 3 * uni + pjn * 3 * unj
        else:
            ik_j = i_jk = pin * (2 * uni + unn) + pjn * (2 * unj + unn)
        vn = v(weight[n], ik_j - i_jk)
        plus += max(vn, 0)
        minus += max(-vn, 0)
    p_ij = (chij + plus) / (chij + plus + chji + minus)
    u_win, u_lose = 2 * u(i, i), 2 * u(i, j)
    contest = p_ij * u_win + (1 - p_ij) * u_lose
    return p_ij, (1 - total[j]) * u_win + total[j] * contest - (u(i, i) + u(i, j))


@pytest.mark.parametrize(
    ("third_party", "voting"),
    [(tp, "Proportional") for tp in smp.THIRD_PARTY] + [("SemiCommit", "Cubic"), ("SemiCommit", "ASymProsp")],
)
def test_challenge_kernel_matches_probedchlg_term_by_term(third_party: str, voting: str) -> None:
    # the one kernel (_contests) against a literal scalar transcription, from both estimators'
    # views: the initiator's (whom to challenge) and the receiver's (InitRcvrInterp)
    problem = to_problem(load(need(KTAB / "SOE-Pol-Comp.csv")))
    pos, sal, cap = smp._inputs(problem)
    s = smp._Settings(
        **{p.name: p.default for p in get("smp").params if p.type is str}
        | {"third_party_commit": third_party, "voting_rule": voting}
    )
    dist = smp.distance(pos, pos, sal)
    risk = smp._risk(s, dist, cap)
    weight, total = sal.sum(-1) * cap, sal.sum(-1)
    n = problem.n_actors
    for view in ("initiator", "receiver"):
        p, gain = smp._contests(s, dist, risk, weight, total, view=view)
        for i in range(n):
            for j in range(n):
                if dist[0, i, j] == 0 and dist[0, j, i] == 0:
                    # same position: every vote is 0 but for rounding (the kernel expands one
                    # utility), so P is arbitrary; the gain is 0 and j is never a target
                    continue
                h = i if view == "initiator" else j
                p_ref, gain_ref = _literal_contest(s, dist[0], risk[0], weight[0], total[0], h, i, j)
                assert p[0, i, j] == pytest.approx(p_ref, rel=1e-12, abs=1e-15), (view, i, j)
                if view == "initiator":
                    assert gain[0, i, j] == pytest.approx(gain_ref, rel=1e-9, abs=1e-12), (i, j)
    target, p_win = smp._best_challenges(s, dist, risk, weight, total)
    assert (target[0] >= 0).sum() > n // 2


# -- every KTAB option checked against its definition (../shared/notes/smp.md, section 2) -------


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, v in OPTIONS if v != get("smp").resolve()[n]])
def test_every_non_default_option_changes_the_run_and_is_deterministic(name: str, value: str) -> None:
    """No option is silently ignored: each changes KTAB's dummyData_3Dim run, and repeats exactly."""
    base, _ = _run("dummyData_3Dim", max_turns=6)
    result, _ = _run("dummyData_3Dim", **{name: value, "max_turns": 6})
    again, _ = _run("dummyData_3Dim", **{name: value, "max_turns": 6})
    a, b = base.trajectory["positions"], result.trajectory["positions"]
    assert a.shape != b.shape or not np.array_equal(a, b)
    np.testing.assert_array_equal(b, again.trajectory["positions"])


def _ktab_interpolation(rule: str, t_i, s_i, p_i, t_j, s_j):  # type: ignore[no-untyped-def]
    """``SMPActor::interpolateBrgn`` as the notes write it (independent of accord's implementation)."""
    p_j = 1.0 - p_i
    if rule == "S2PMax":
        d_i, d_j = max(0.0, p_j - p_i), max(0.0, p_i - p_j)
        dik = d_i * s_j**2 / (d_i * s_j**2 + 1e-6 + (1 - d_i) * s_i**2)
        djk = d_j * s_i**2 / (d_j * s_i**2 + 1e-6 + (1 - d_j) * s_j**2)
        return t_i + dik * (t_j - t_i), t_j + djk * (t_i - t_j)
    k = 1 if rule == "S1P1" else 2
    w_i, w_j = (s_i * p_i) ** k, (s_j * p_j) ** k
    b_i = ((w_i + 1e-6) * t_i + w_j * t_j) / (w_i + 1e-6 + w_j)
    b_j = (w_i * t_i + (w_j + 1e-6) * t_j) / (w_i + 1e-6 + w_j)
    return np.floor(0.5 + b_i * 1e4) / 1e4, np.floor(0.5 + b_j * 1e4) / 1e4


@pytest.mark.parametrize("rule", smp.INTERPOLATION)
def test_every_recorded_bargain_follows_ktabs_interpolation(rule: str) -> None:
    """Each turn's bargains, rebuilt from the previous positions, the saliences and the recorded
    probability with KTAB's formulas, match what the run recorded (to its 6 printed decimals)."""
    problem = to_problem(load(need(KTAB / "SOE-Pol-Comp.csv")))
    result = get("smp").run(problem, {"interpolation": rule, "max_turns": 5})
    ids, issues = problem.actor_ids, problem.issue_ids
    pos = result.trajectory["positions"]
    sal = problem.salience
    checked = 0
    for turn, state in result.details["history"].items():
        t = int(turn)
        for bargain in state.get("bargains", []):
            i, j = ids.index(bargain["initiator"]), ids.index(bargain["receiver"])
            for d, issue in enumerate(issues):
                b_i, b_j = _ktab_interpolation(
                    rule, pos[t, i, d], sal[i, d], bargain["probability"], pos[t, j, d], sal[j, d]
                )
                lo, hi = problem.scale_min[d], problem.scale_max[d]
                got_i = (bargain["initiator_position"][issue] - lo) / (hi - lo)
                got_j = (bargain["receiver_position"][issue] - lo) / (hi - lo)
                assert got_i == pytest.approx(b_i, abs=1e-8) and got_j == pytest.approx(b_j, abs=1e-8)
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("bargain_model", ["InitRcvrInterp", "PWCompInterp"])
def test_two_estimate_bargains_stay_between_the_partners(bargain_model: str) -> None:
    """InitRcvrInterp adds the receiver's bargain, PWCompInterp averages the two; every interpolation
    lies between the partners' positions, dimension by dimension, so the positions do too."""
    problem = to_problem(load(need(KTAB / "SOE-Pol-Comp.csv")))
    result = get("smp").run(problem, {"bargain_model": bargain_model, "max_turns": 5})
    pos = result.trajectory["positions"]
    ids = problem.actor_ids
    for turn, state in result.details["history"].items():
        t = int(turn)
        for bargain in state.get("bargains", []):
            i, j = ids.index(bargain["initiator"]), ids.index(bargain["receiver"])
            for d, issue in enumerate(problem.issue_ids):
                lo, hi = sorted((pos[t, i, d], pos[t, j, d]))
                x = (bargain["initiator_position"][issue] - problem.scale_min[d]) / (
                    problem.scale_max[d] - problem.scale_min[d]
                )
                assert lo - 1e-4 <= x <= hi + 1e-4


def _markov_map(model: str, p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """One step q(p) of KTAB's Markov PCEs, written from the notes (section 2.3)."""
    pv = c / (c + c.T)  # linear victory: P[i > j]
    np.fill_diagonal(pv, 0.5)
    if model == "MarkovUniform":
        return (pv * (p[:, None] + p[None, :])).sum(axis=1) / len(p)
    incentive = c * pv + np.eye(len(p)) * 1e-10
    challenge = incentive / incentive.sum(axis=0, keepdims=True)  # P[i -> j]
    return (pv * (p[:, None] * challenge.T + p[None, :] * challenge)).sum(axis=1)


@pytest.mark.parametrize(("model", "tol"), [("MarkovUniform", 1e-6), ("MarkovIncentive", 1e-8)])
def test_markov_pces_iterate_ktabs_map_to_its_stopping_rule(model: str, tol: float) -> None:
    c = _coalitions(6, 4)
    got = smp.pce(model, "Linear", c, np.ones((1, 6), bool))[0]
    p = np.full(6, 1 / 6)
    for _ in range(smp.MAX_PCE_ITERATIONS):
        q = _markov_map(model, p, c[0])
        change = np.abs(q - p).max()
        p = (p + q) / 2
        if change <= tol:
            break
    np.testing.assert_allclose(got, p, rtol=0, atol=1e-14)
    # and it is (nearly) a fixed point of the map
    np.testing.assert_allclose(_markov_map(model, got, c[0]), got, atol=10 * tol)


def test_binary_victory_is_ktabs_ten_percent_rule() -> None:
    s1 = np.array([1.2, 1.0, 1.05, 1.0, 0.9])
    s2 = np.array([1.0, 1.2, 1.0, 1.05, 1.0])
    p12, p21 = smp.victory_pair("Binary", s1, s2)
    r = s1 / (s1 + s2)
    x1 = np.where(s1 >= 1.1 * s2, 1.0, np.where(s2 >= 1.1 * s1, 1e-6, (r * 2.1 - 1) / 0.1))
    x2 = np.where(s1 >= 1.1 * s2, 1e-6, np.where(s2 >= 1.1 * s1, 1.0, 1 - (r * 2.1 - 1) / 0.1))
    np.testing.assert_allclose(p12, x1 / (x1 + x2), rtol=1e-14)
    np.testing.assert_allclose(p12 + p21, 1.0, rtol=1e-14)
