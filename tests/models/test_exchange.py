"""Stokman's exchange model: hand-worked cases, Decide's reference outputs, invariants."""

from __future__ import annotations

import csv
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.errors import ParameterError
from accord.forecast import run_forecasts
from accord.models import get
from accord.models.exchange import SPEC, exchange
from accord.problem import Problem, to_problem
from accord.scenario import validate
from accord.scenario.io import load
from conftest import DATA, REFERENCE, need
from strategies import scenarios

DECIDE = DATA / "decide"


def _two_actors() -> Problem:
    """A (0, 0) cares about q, B (100 on p, 10 on a 0..10 q) cares about p: they trade."""
    return to_problem(
        validate(
            {
                "name": "t",
                "issues": [{"id": "p"}, {"id": "q", "scale": {"min": 0, "max": 10}}],
                "actors": [
                    {
                        "id": "A",
                        "positions": {
                            "p": {"position": 0, "salience": 0.2},
                            "q": {"position": 0, "salience": 0.8},
                        },
                    },
                    {
                        "id": "B",
                        "positions": {
                            "p": {"position": 100, "salience": 0.8},
                            "q": {"position": 10, "salience": 0.2},
                        },
                    },
                ],
            },
            "test",
        )
    )


def _run(problem: Problem, seed: int = 0, **params: Any) -> Any:
    return exchange(problem, rng=np.random.default_rng(seed), **SPEC.resolve(params))


def test_hand_worked_two_actor_exchange() -> None:
    problem = _two_actors()
    res = _run(problem, rounds=2)
    (ex,) = res.details["rounds"][0]["exchanges"]
    # A supplies p (its salience ratio 0.2/0.8 is lower), B supplies q; both move all the way
    assert (ex["supplier_p"], ex["issue_p"], ex["from_p"], ex["to_p"]) == ("A", "p", 0.0, 100.0)
    assert (ex["supplier_q"], ex["issue_q"], ex["from_q"], ex["to_q"]) == ("B", "q", 10.0, 0.0)
    # outcome shifts of 20 points each; gain = 20 * 0.8 - 20 * 0.2 = 12 for both
    assert ex["gain_p"] == pytest.approx(12.0) and ex["gain_q"] == pytest.approx(12.0)
    np.testing.assert_allclose(problem.to_scale(res.trajectory["voting"][1]), [100.0, 0.0])
    # preferences move (1 - 0.8) * 0.4 + 0.1 = 0.42 of the way to the vote: A to 42, B to 5.8
    np.testing.assert_allclose(
        problem.to_scale(res.trajectory["positions"][1], issue_axis=-1), [[42, 0], [100, 5.8]]
    )
    np.testing.assert_allclose(problem.to_scale(res.trajectory["preference"][1]), [88.4, 1.16])
    np.testing.assert_allclose(problem.to_scale(res.outcome), [100.0, 0.0])
    ext = res.details["rounds"][0]["externalities"]
    assert ext["A"]["own"] == pytest.approx(12.0) and ext["B"]["own"] == pytest.approx(12.0)
    # salience and fixed weights are parameters
    res0 = _run(problem, rounds=1, salience_weight=0.0, fixed_weight=0.0)
    np.testing.assert_allclose(res0.trajectory["positions"][1], res0.trajectory["positions"][0])
    with pytest.raises(ParameterError, match="at most 1"):
        _run(problem, salience_weight=0.6, fixed_weight=0.5)


def test_initial_outcomes_match_decide() -> None:
    runs = json.loads(need(REFERENCE / "decide" / "runs_seed42.json").read_text())
    for run in runs:
        problem = to_problem(load(need(DECIDE / run["file"])))
        res = _run(problem, rounds=1)
        got = problem.to_scale(res.trajectory["voting"][0])
        want = [run["initial_mds"][i] for i in problem.issue_ids]
        np.testing.assert_allclose(got, want, atol=5e-4)  # the JSON keeps 3 decimals


def _reference_round1() -> list[dict[tuple[str, str], tuple[float, float, float]]]:
    """Decide's round-1 exchanges: (actor, supply issue) -> (move in points, gain, outcome before)."""
    path = need(REFERENCE / "decide" / "sample_data.round1_exchanges.csv")
    with path.open() as fh:
        rows = list(csv.reader(fh, delimiter=";"))[1:]
    out = []
    for row in rows:
        halves = (row[:21], row[22:])
        out.append({(h[0], h[1].split(" [")[0]): (float(h[7]), float(h[16]), float(h[17])) for h in halves})
    return out


def _as_reference(problem: Problem, ex: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float, float]]:
    """A recorded exchange as the reference has it: (actor, supply issue) -> (move, gain, outcome before)."""
    span = problem.scale_max - problem.scale_min
    got = {}
    for side in ("p", "q"):
        j = problem.issue_ids.index(ex[f"issue_{side}"])
        move = (ex[f"to_{side}"] - ex[f"from_{side}"]) * 100 / span[j]
        before = (ex[f"outcome_{side}"][0] - problem.scale_min[j]) * 100 / span[j]
        got[ex[f"supplier_{side}"], ex[f"issue_{side}"]] = (move, ex[f"gain_{side}"], before)
    return got


def test_round1_matches_decide_up_to_the_first_tie() -> None:
    problem = to_problem(load(need(DECIDE / "sample_data.txt")))
    reference = _reference_round1()
    res = _run(problem, seed=3, rounds=1)
    mine = res.details["rounds"][0]["exchanges"]
    first_tie = next(k for k, ex in enumerate(mine) if ex["tied"])
    assert first_tie >= 6  # Decide's data: the first six exchanges are forced
    for k in range(first_tie):
        got, ref = _as_reference(problem, mine[k]), reference[k]
        assert got.keys() == ref.keys(), k
        for key, (move, gain, before) in ref.items():
            assert got[key][0] == pytest.approx(move, abs=1e-9), (k, key)
            assert got[key][1] == pytest.approx(gain, abs=1e-9), (k, key)
            if k == 0:  # the initial outcome, at full precision
                assert got[key][2] == pytest.approx(before, abs=1e-9), (k, key)


def test_decide_variant_reproduces_round1_exchange_by_exchange() -> None:
    """variant=decide: every one of Decide's 38 exchanges of round 1, in order: partners, supply
    issues, moves and gains. The default drops out at exchange 15 (Wcentr's 61.05 -> 100 on
    tolheffing for Willems), which Decide refuses: that candidate's first computed move (0 -> 100)
    stays in its move history when exchange 1 moves Wcentr, and with the new move (38.95) sums
    to more than 100."""
    problem = to_problem(load(need(DECIDE / "sample_data.txt")))
    reference = _reference_round1()
    res = _run(problem, seed=0, rounds=1, variant="decide")
    mine = res.details["rounds"][0]["exchanges"]
    assert len(mine) == len(reference) == 38
    # the one tie, at exchange 7: seed 0's coin takes the first of the two, as Decide's run did
    assert [k for k, ex in enumerate(mine) if ex["tied"]] == [6]
    for k, (ex, ref) in enumerate(zip(mine, reference, strict=True)):
        got = _as_reference(problem, ex)
        assert got.keys() == ref.keys(), k
        for key, (move, gain, _) in ref.items():
            assert got[key][0] == pytest.approx(move, abs=1e-9), (k, key)
            assert got[key][1] == pytest.approx(gain, abs=1e-9), (k, key)
    assert res.details["ties"] == 1
    # the other side of the coin takes the other tied exchange
    other = _run(problem, seed=5, rounds=1, variant="decide").details["rounds"][0]["exchanges"]
    assert _as_reference(problem, other[6]).keys() != reference[6].keys()
    # the default rules agree up to the tie and differ at exchange 15
    default = _run(problem, seed=3, rounds=1).details["rounds"][0]["exchanges"]
    keys = [_as_reference(problem, ex).keys() for ex in default]
    assert keys[:14] == [ref.keys() for ref in reference[:14]]
    assert keys[14] != reference[14].keys()


@pytest.mark.parametrize("name", ["sample_data.txt", "copenhagen.csv"])
def test_decide_variant_matches_decides_runs_as_a_distribution(name: str) -> None:
    """Rounds 2-10 as distributions: 30 seeded runs of variant=decide against Decide's 60 seeds
    (distributions.json). Every issue's Decide mean lies inside our 5-95 % band and a two-sample
    Kolmogorov-Smirnov test does not reject at 1 %; the default rules fail this on both data sets
    (docs/models/exchange.md gives the numbers, COP21's too)."""
    from scipy.stats import ks_2samp

    from accord.models.exchange import SCALE
    from accord.models.exchange_decide import run_decide

    reference = json.loads(need(REFERENCE / "decide" / "distributions.json").read_text())["files"][name]
    problem = to_problem(load(need(DECIDE / name)))
    n = 30
    x = np.where(problem.mask, problem.position, np.nan) * SCALE
    s = np.where(problem.mask, problem.salience, 0.0)
    c = np.broadcast_to(problem.power, x.shape)
    voting = run_decide(
        *(np.repeat(v[None], n, 0) for v in (x, s, c)), problem.mask, np.random.default_rng(0).spawn(n),
        10, 0.4, 0.1, False, problem.actor_ids, problem.issue_ids, at_outcome_left=True,
    )[0]  # fmt: skip
    for j, issue in enumerate(problem.issue_ids):
        ours = voting[:, -1, j]
        decide = np.array(reference["issues"][issue]["voting"])
        low, high = np.quantile(ours, [0.05, 0.95])
        assert low <= decide.mean() <= high, (issue, low, decide.mean(), high)
        assert ks_2samp(ours, decide).pvalue > 0.01, issue


def test_decide_variant_parameters() -> None:
    """The variant states its side rule once (side=auto follows it) and is equal gain only."""
    problem = to_problem(load(need(DECIDE / "sample_data.txt")))
    a = _run(problem, seed=1, rounds=2, variant="decide")
    b = _run(problem, seed=1, rounds=2, variant="decide", side="decide")
    np.testing.assert_array_equal(a.trajectory["voting"], b.trajectory["voting"])
    with pytest.raises(ParameterError, match="p = 0"):
        _run(problem, rounds=1, variant="decide", p=0.2)
    # repetitions and a batch axis run each case with its own generators, as the default does
    rep = get("exchange").run(problem, {"rounds": 2, "repetitions": 3, "variant": "decide"}, seed=4)
    assert rep.details["final_quantiles"].shape == (5, problem.n_issues)
    batched = _run(problem.with_batch(2), seed=5, rounds=2, variant="decide")
    single = _run(problem, seed=5, rounds=2, variant="decide")
    np.testing.assert_allclose(batched.outcome[0], single.outcome)


def test_decide_record_keeps_the_first_vote_unless_a_later_lies_behind() -> None:
    """Decide's ``updates``: the vote a demander has on record for a supplier is its first, and a
    later one replaces it only when it lies behind it (seen from the supplier's start)."""
    from accord.models.exchange_decide import _Views

    x = np.array([[20.0, 0.0], [60.0, 0.0]])
    views = _Views(x, np.ones_like(x), np.ones_like(x, dtype=bool))
    views.note(1, 0, 0, 40.0)  # supplier 0 (start 20) moves up to 40, then to 50: 40 stays on record
    views.note(1, 0, 0, 50.0)
    assert views.record[1, 0, 0] == 40.0
    views.note(1, 0, 0, 30.0)  # behind 40: replaces it
    assert views.record[1, 0, 0] == 30.0
    # the outcome demander 1 sees on issue 0 with supplier 1 at its preference: (30 + 60) / 2
    others = views.others(np.array([1]), np.array([0]), np.array([1]))
    assert (others[0] + 60.0) / views.W[0] == pytest.approx(45.0)


def test_outcomes_land_on_demanders_when_truncated() -> None:
    """The outcome check binds in the sample case, and never lets an outcome pass a demander."""
    problem = to_problem(load(need(DECIDE / "sample_data.txt")))
    res = _run(problem, rounds=10)
    landed = _check_invariants(problem, res, equal_gain=True)
    assert landed > 0


def _check_invariants(problem: Problem, res: Any, equal_gain: bool) -> int:
    """Asserts the model's invariants on a recorded run; returns how many outcomes landed on a demander."""
    lo, hi = problem.scale_min, problem.scale_max
    tol = 1e-9 * (hi - lo)
    pos = problem.to_scale(res.trajectory["positions"], issue_axis=-1)
    ok = np.isnan(pos) | ((pos >= lo - tol) & (pos <= hi + tol))
    assert ok.all()
    landed = 0
    for rd in res.details["rounds"]:
        pref = pos[rd["round"] - 1]
        for ex in rd["exchanges"]:
            g_p, g_q = ex["gain_p"], ex["gain_q"]
            if equal_gain:
                assert g_p == pytest.approx(g_q, abs=1e-9)
                assert g_p > 0
            else:
                assert g_p >= -1e-9 and g_q >= -1e-9
            for side, demander in (("p", "supplier_q"), ("q", "supplier_p")):
                j = problem.issue_ids.index(ex[f"issue_{side}"])
                target = pref[problem.actor_ids.index(ex[demander]), j]
                before, after = ex[f"outcome_{side}"]
                # the outcome moves towards the demander and stops at the latest on its position
                assert (after - before) * (target - after) >= -tol[j] * abs(target - before) - tol[j] ** 2
                # a randomised rate can leave one issue a shift below the float resolution of the
                # scale's values (262.0 + 1e-15 == 262.0); at equal gain both shifts are sizeable
                assert abs(after - before) > 0 or not equal_gain
                landed += abs(after - target) <= tol[j]
                assert lo[j] - tol[j] <= ex[f"to_{side}"] <= hi[j] + tol[j]
    return landed


_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(scenarios(min_actors=3, max_actors=7, min_issues=2, max_issues=4), st.integers(0, 2**16))
def test_invariants_equal_gain(scenario: Any, seed: int) -> None:
    problem = to_problem(scenario)
    _check_invariants(problem, _run(problem, seed, rounds=3), equal_gain=True)


@_settings
@given(
    scenarios(min_actors=3, max_actors=7, min_issues=2, max_issues=4),
    st.integers(0, 2**16),
    st.floats(0.05, 1.0),
)
def test_invariants_randomised(scenario: Any, seed: int, p: float) -> None:
    problem = to_problem(scenario)
    _check_invariants(problem, _run(problem, seed, rounds=3, p=p), equal_gain=False)


@st.composite
def grid_scenarios(draw: st.DrawFn) -> Any:
    """Positions and saliences on coarse grids, as analysts write them: many exact ties."""
    n_a, n_i = draw(st.integers(3, 8)), draw(st.integers(2, 4))
    actors = [
        {
            "id": f"a{k}",
            "capability": draw(st.sampled_from([0.5, 1.0, 2.0])),
            "positions": {
                f"i{j}": {
                    "position": draw(st.sampled_from([0, 25, 50, 75, 100])),
                    "salience": draw(st.sampled_from([0.2, 0.5, 0.8, 1.0])),
                }
                for j in range(n_i)
            },
        }
        for k in range(n_a)
    ]
    issues = [{"id": f"i{j}"} for j in range(n_i)]
    return validate({"name": "grid", "actors": actors, "issues": issues}, "hypothesis")


@_settings
@given(grid_scenarios(), st.integers(0, 2**16), st.sampled_from([0.0, 0.5]))
def test_invariants_with_ties(scenario: Any, seed: int, p: float) -> None:
    problem = to_problem(scenario)
    _check_invariants(problem, _run(problem, seed, rounds=3, p=p), equal_gain=p == 0.0)


@_settings
@given(grid_scenarios(), st.integers(0, 2**16))
def test_decide_variant_invariants(scenario: Any, seed: int) -> None:
    """Decide's rules on random scenarios with many ties: every exchange has equal, positive gains
    and keeps both votes on their scales; every preference stays on its scale. (Outcomes may pass
    a demander there: rule 3, so that invariant of the default is not checked.)"""
    problem = to_problem(scenario)
    res = _run(problem, seed, rounds=3, variant="decide")
    lo, hi = problem.scale_min, problem.scale_max
    pos = problem.to_scale(res.trajectory["positions"], issue_axis=-1)
    assert ((pos >= lo - 1e-9) & (pos <= hi + 1e-9)).all()
    for rd in res.details["rounds"]:
        for ex in rd["exchanges"]:
            assert ex["gain_p"] == pytest.approx(ex["gain_q"], abs=1e-9) and ex["gain_p"] > 0
            for side in ("p", "q"):
                j = problem.issue_ids.index(ex[f"issue_{side}"])
                assert lo[j] - 1e-9 <= ex[f"to_{side}"] <= hi[j] + 1e-9
                assert ex[f"to_{side}"] != ex[f"from_{side}"]


def test_randomised_gains_differ_and_p0_is_equal_gain() -> None:
    problem = to_problem(load(need(DECIDE / "copenhagen.csv")))
    rex = _run(problem, rounds=1, p=0.5)
    exs = rex.details["rounds"][0]["exchanges"]
    assert any(abs(ex["gain_p"] - ex["gain_q"]) > 1e-3 for ex in exs)
    assert _run(problem, rounds=2, p=0.0).outcome == pytest.approx(_run(problem, rounds=2).outcome)


def test_repetitions_summarise_seeded_runs() -> None:
    problem = to_problem(load(need(DECIDE / "sample_data.txt")))
    spec = get("exchange")
    a = spec.run(problem, {"repetitions": 6, "rounds": 3}, seed=7)
    b = spec.run(problem, {"repetitions": 6, "rounds": 3}, seed=7)
    np.testing.assert_array_equal(a.outcome, b.outcome)
    d = a.details
    assert d["final_quantiles"].shape == (5, problem.n_issues)
    np.testing.assert_allclose(problem.to_unit(d["final_mean"]), a.outcome)
    assert (d["final_sd"] > 0).any()  # ties broken differently across runs
    med = spec.run(problem, {"repetitions": 6, "rounds": 3, "summary": "median"}, seed=7)
    np.testing.assert_allclose(problem.to_scale(med.outcome), d["final_quantiles"][2])
    pref = spec.run(problem, {"rounds": 3, "outcome": "preference"}, seed=7)
    np.testing.assert_allclose(pref.outcome, pref.trajectory["preference"][-1])


def test_batch_axis_runs_each_case() -> None:
    problem = to_problem(load(need(DECIDE / "copenhagen.csv")))
    single = _run(problem, seed=5, rounds=2)
    batched = _run(problem.with_batch(2), seed=5, rounds=2)
    assert batched.outcome.shape == (2, problem.n_issues)
    assert batched.trajectory["positions"].shape == (2, 3, problem.n_actors, problem.n_issues)
    np.testing.assert_allclose(batched.outcome[0], single.outcome)


def test_forecast_json_and_missing_pairs() -> None:
    scenario = load(need(DECIDE / "cop21.csv"))  # some actor-issue pairs are missing
    fc = run_forecasts(scenario, ["exchange"], {"rounds": "2", "repetitions": "2"}, seed=1)["exchange"]
    out = json.loads(json.dumps(fc.to_json()))
    issue = out["issues"]["ld"]
    assert set(issue) >= {
        "outcome",
        "final_mean",
        "final_sd",
        "final_quantiles",
        "initial_outcome",
        "trajectory",
    }
    assert set(issue["trajectory"][1]) == {"round", "voting", "preference", "positions"}
    assert out["details"]["rounds"][0]["exchanges"]


def test_does_not_apply_to_one_issue() -> None:
    problem = _two_actors().select_issues([0])
    assert "two" in (get("exchange").why_not(problem) or "")


@pytest.mark.parametrize("p", [0.0, 0.4])
def test_lock_step_runs_equal_single_runs(p: float) -> None:
    """Repetitions run in lock step; each must equal the same run made alone (ties and REX draws too)."""
    from accord.models.exchange import SCALE, _run_many

    problem = to_problem(load(need(DECIDE / "cop21.csv")))  # with missing actor-issue pairs
    x = np.where(problem.mask, problem.position, np.nan) * SCALE
    s = np.where(problem.mask, problem.salience, 0.0)
    args = (3, p, 0.4, 0.1, True, problem.actor_ids, problem.issue_ids)
    n = 4
    many = _run_many(
        np.repeat(x[None], n, 0),
        np.repeat(s[None], n, 0),
        np.repeat(problem.power[None], n, 0),
        problem.mask,
        np.random.default_rng(11).spawn(n),
        *args,
    )
    for r, gen in enumerate(np.random.default_rng(11).spawn(n)):
        alone = _run_many(x[None], s[None], problem.power[None], problem.mask, [gen], *args)
        voting, preference, positions, records, ties = (
            alone[0][0],
            alone[1][0],
            alone[2][0],
            alone[3],
            alone[4],
        )
        np.testing.assert_array_equal(many[0][r], voting)
        np.testing.assert_array_equal(many[1][r], preference)
        np.testing.assert_array_equal(many[2][r], positions)
        if r == 0:
            assert many[3] == records and many[4] == ties
    assert not np.array_equal(many[0][0], many[0][1])  # the runs did break ties differently


def test_decides_side_rule_puts_an_actor_on_the_outcome_left() -> None:
    """side=decide: x <= O is left (Decide's code); the default: x < O. Only an actor exactly on the
    outcome changes group, so on Decide's own data sets the two rules give the same runs."""
    from accord.models.exchange import _Round

    x = np.array([[0.0, 20.0], [50.0, 80.0], [100.0, 60.0]])  # actor 1 sits on O_p = 50, none on O_q
    s = np.full_like(x, 0.5)
    w = np.ones_like(x)
    mask = np.ones_like(x, dtype=bool)
    strict, decide = _Round(x, s, w, mask), _Round(x, s, w, mask, at_outcome_left=True)
    assert strict.group[1, 0] % 2 == 0 and decide.group[1, 0] % 2 == 1  # bit 0: left on p
    np.testing.assert_array_equal(np.delete(strict.group, 1, axis=0), np.delete(decide.group, 1, axis=0))
    problem = to_problem(load(need(DECIDE / "sample_data.txt")))
    a = _run(problem, seed=0, rounds=3)
    b = _run(problem, seed=0, rounds=3, side="decide")
    np.testing.assert_array_equal(a.trajectory["voting"], b.trajectory["voting"])


def test_final_outcomes_over_ten_rounds_as_a_distribution_against_decides_seeds() -> None:
    """Rounds 2-10 are compared as distributions: Decide's median over its seeds
    (distributions.json) against our 5-95 % band over seeded runs. The measured agreement
    (docs/models/exchange.md: 19 of 26 issues with 100 runs) is pinned from below so that a
    change that moves accord away from Decide fails here."""
    reference = json.loads(need(REFERENCE / "decide" / "distributions.json").read_text())["files"]
    inside = total = 0
    gaps = []
    for name, info in reference.items():
        problem = to_problem(load(need(DECIDE / name)))
        res = _run(problem, seed=0, rounds=10, repetitions=60)
        q = res.details["final_quantiles"]
        for j, issue in enumerate(problem.issue_ids):
            ours = (q[:, j] - problem.scale_min[j]) / (problem.scale_max[j] - problem.scale_min[j]) * 100
            decide = info["issues"][issue]["voting_quantiles"]
            median = decide[2] if isinstance(decide, list) else decide["0.5"]
            total += 1
            inside += bool(ours[0] <= median <= ours[-1])
            gaps.append(abs(ours[2] - median))
    assert total == 26
    assert inside >= 18, inside
    assert np.mean(gaps) < 3.0 and np.max(gaps) < 8.0, (np.mean(gaps), np.max(gaps))


def test_run_generators_give_the_streams_of_spawn() -> None:
    """Each run's generator, made when the run first draws, is the one ``rng.spawn`` gives it,
    also after earlier spawns and for a generator subclass; none is made until asked for."""
    from accord.models.exchange import RunGenerators

    for spawned_before in (0, 2):
        rng, ref = np.random.default_rng(11), np.random.default_rng(11)
        rng.spawn(spawned_before)
        ref.spawn(spawned_before)
        lazy, eager = RunGenerators(rng, 6), ref.spawn(6)
        assert len(lazy) == 6 and not lazy._made
        for r in (4, 0, -1, 4):
            assert lazy[r] is lazy[r % 6]
            assert np.array_equal(lazy[r].random(3), eager[r % 6].random(3))
        assert sorted(lazy._made) == [0, 4, 5]
        with pytest.raises(IndexError):
            lazy[6]
    noted: list[np.random.Generator] = []

    class Watch(np.random.Generator):
        def note_child(self, child: np.random.Generator) -> None:
            noted.append(child)

    child = RunGenerators(Watch(np.random.PCG64(3)), 2)[1]
    assert type(child) is Watch and noted == [child]
    assert child.integers(1000) == np.random.default_rng(3).spawn(2)[1].integers(1000)
