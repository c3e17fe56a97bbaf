"""The SMP's compiled assessment and bargain elections (kernels/assess.py) against the NumPy code,
bit for bit, on the same inputs: whole runs, and each kernel alone."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import DATA, need
from tests.strategies import scenarios

from accord.models import get, smp
from accord.models.registry import ModelResult
from accord.problem import Problem, to_problem
from accord.scenario import Scenario
from accord.scenario.io import load
from accord.uncertainty.draws import MONTE_CARLO, draw_uniforms, uncertain_inputs

PARAMS = [
    {},
    {"pce_model": "MarkovUniform", "voting_rule": "ASymProsp", "big_r_adjust": "Half"},
    {"victory_model": "Binary", "voting_rule": "Cubic", "big_r_range": "Min"},
    {"victory_model": "Octic", "voting_rule": "Binary", "interpolation": "S2PMax", "big_r_range": "Max"},
    {"bargain_model": "InitRcvrInterp", "transitions": "Stochastic", "voting_rule": "PropCbc"},
    {"bargain_model": "PWCompInterp", "third_party_commit": "NoCommit", "voting_rule": "PropBin"},
    {"third_party_commit": "FullCommit", "interpolation": "S1P1", "big_r_adjust": "TwoThirds"},
]


def _both(problem: Problem, params: dict[str, str]) -> tuple[ModelResult, ModelResult]:
    """The run on the NumPy path, then with the kernels forced on."""
    spec = get("smp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_SMALL_COMPILED_FROM", 1 << 62)
        numpy_run = spec.run(problem, params, seed=3)
        patch.setattr(smp, "_SMALL_COMPILED_FROM", 0)
        compiled = spec.run(problem, params, seed=3)
    return numpy_run, compiled


def _assert_same(a: ModelResult, b: ModelResult) -> None:
    assert np.array_equal(a.outcome, b.outcome, equal_nan=True)
    for part in ("trajectory", "details"):
        mine, theirs = getattr(a, part), getattr(b, part)
        assert mine.keys() == theirs.keys()
        for key, value in mine.items():
            if key == "history":
                assert value == theirs[key]
            else:
                assert np.array_equal(value, theirs[key], equal_nan=True), key


def _draws(s: Scenario, seed: int, n: int, copies: bool) -> Problem:
    inputs = uncertain_inputs(s, 0.05)
    values = inputs.ppf(draw_uniforms(seed, MONTE_CARLO, 0, inputs.k, n, n))
    base = to_problem(s)
    batch = inputs.apply(base, values)
    if copies and base.n_actors > 3:  # actors on one position: one option in the elections
        position = batch.position.copy()
        position[..., 2, :] = position[..., 1, :]
        position[::2, 3, :] = position[::2, 1, :] + 1e-4  # within the position tolerance
        batch = replace(batch, position=position)
    return batch


@pytest.mark.parametrize("params", PARAMS)
@given(
    s=scenarios(min_actors=2, max_actors=12, max_issues=10),
    seed=st.integers(0, 2**16),
    copies=st.booleans(),
)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_compiled_small_cases_run_as_numpy(
    params: dict[str, str], s: Scenario, seed: int, copies: bool
) -> None:
    """Batches of random cases (actors missing from issues, 8 or more issues, where NumPy sums
    pairwise over them, copies of positions) through both paths: every output."""
    _assert_same(*_both(_draws(s, seed, 7, copies), params))


@pytest.mark.parametrize("params", PARAMS[:2])
@pytest.mark.parametrize("name", ["dummyData_3Dim", "SOE-Policy"])
def test_compiled_small_cases_reproduce_the_ktab_runs(name: str, params: dict[str, str]) -> None:
    """KTAB's reference cases alone (their history in issue units) and as a batch of draws."""
    s = load(need(DATA / "ktab" / f"{name}.csv"))
    _assert_same(*_both(to_problem(s), params))
    _assert_same(*_both(_draws(s, 1, 5, False), params))


def test_the_kernels_serve_only_large_batches_of_small_cases() -> None:
    """The numba import is paid for a large batch only (then every batch takes the kernels);
    MarkovIncentive and 32 actors or more keep the NumPy code (the kernels do not have them)."""
    s = smp._Settings(**{p.name: p.default for p in get("smp").params if p.type is str})
    with pytest.MonkeyPatch.context() as patch:
        patch.delitem(sys.modules, "accord.models.kernels.assess", raising=False)
        assert not smp._small_compiled(s, 1, 9, 3)  # one case (accord analyze)
        assert smp._small_compiled(s, 1000, 9, 3)  # Gaza's Monte Carlo block
    from accord.models.kernels import assess  # noqa: F401

    assert smp._small_compiled(s, 1, 9, 3)
    assert not smp._small_compiled(s, 10**6, 32, 1)
    assert not smp._small_compiled(s, 10**6, 9, 129)
    s.pce = "MarkovIncentive"
    assert not smp._small_compiled(s, 1000, 9, 3)


def _settings(**params: str) -> smp._Settings:
    defaults = {p.name: p.default for p in get("smp").params if p.type is str}
    return smp._Settings(**{**defaults, **params})


@pytest.mark.parametrize("params", PARAMS[:4])
@pytest.mark.parametrize(("n_b", "n_a", "n_i"), [(5, 9, 1), (3, 8, 4), (2, 12, 9), (4, 2, 1)])
def test_compiled_assessment_is_numpys(params: dict[str, str], n_b: int, n_a: int, n_i: int) -> None:
    """Distances, risk attitudes and winning probabilities of random states (ideals apart from
    positions, saliences of very different sizes, zero saliences, copies of positions)."""
    rng = np.random.default_rng(n_b * 100 + n_a + n_i)
    s = _settings(**params)
    pos = rng.uniform(0, 1, (n_b, n_a, n_i))
    pos[:, -1] = pos[:, 0]
    ideal = np.clip(pos + rng.normal(0, 0.1, pos.shape), 0, 1)
    sal = rng.uniform(0, 1, pos.shape) * 10.0 ** rng.integers(-6, 1, pos.shape)
    sal[0, 0] = 0.0
    cap = rng.uniform(0.1, 100, (n_b, n_a))
    dist = smp.distance(ideal, pos, sal)
    risk = smp._risk(s, dist, cap)
    win, option = smp._win_probability(s, dist, risk, cap, pos)
    state = smp._compiled_assess(s, pos, ideal, sal, cap)
    assert state is not None
    for got, want in zip(state, (dist, risk, win, option), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("params", PARAMS[:4])
def test_compiled_bargain_elections_are_numpys(params: dict[str, str]) -> None:
    """Each actor's PCE over its own options, of widths 1 to 6, and the fall-back to NumPy where a
    Conditional PCE's products underflow (NumPy then takes logarithms)."""
    rng = np.random.default_rng(7)
    s = _settings(**params)
    n_b, n_a, n_o = 4, 9, 10
    cap = rng.uniform(0.1, 100, (n_b, n_a))
    util = rng.uniform(0, 1, (n_b, n_a, n_o)) * 10.0 ** rng.integers(-8, 1, (n_b, n_a, n_o))
    count = rng.integers(0, 6, (n_b, n_a))
    opts = np.zeros((n_b, n_a, 6), dtype=np.intp)
    for b in range(n_b):
        for a in range(n_a):
            opts[b, a, 1 : 1 + count[b, a]] = 1 + rng.permutation(n_o - 1)[: count[b, a]]
    got = smp._bargain_elections(s, cap, util, opts, count)
    assert got is not None
    np.testing.assert_array_equal(got, smp._elections(s, cap, util, opts, count))


def test_a_conditional_pce_that_underflows_is_left_to_numpy() -> None:
    """Where every option's product underflows (each loses two contests by 1e300 to 1e-8), NumPy
    takes logarithms; the kernel says so (False) and the callers run NumPy instead."""
    from accord.models.kernels import assess

    w = 5
    x, y = np.indices((w, w))
    c = np.where((y - x) % w < 3, 1e-8, 1e300)  # x loses to x + 3 and x + 4
    out, scratch = np.empty(w), np.empty((w + 3, w))
    valid = np.ones(w, dtype=bool)
    assert not assess._pce(0, 0, c, valid, w, out, scratch)
    p = smp.pce("Conditional", "Linear", c[None], valid[None])
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize(("n_b", "n_a", "n_i"), [(5, 9, 1), (3, 8, 4), (2, 12, 9), (4, 2, 1)])
def test_compiled_challenges_and_bargain_utilities_are_numpys(
    params: dict[str, str], n_b: int, n_a: int, n_i: int
) -> None:
    """Each actor's best challenge and its estimate of winning (equal gains included: twin actors),
    and the actors' utilities of the bargains, on random states with distances above 1."""
    rng = np.random.default_rng(n_b * 10 + n_a + n_i)
    s = _settings(**params)
    pos = rng.uniform(0, 1, (n_b, n_a, n_i))
    pos[:, -1] = pos[:, 0]
    ideal = np.clip(pos + rng.normal(0, 0.1, pos.shape), 0, 1)
    sal = rng.uniform(0, 1, pos.shape)
    cap = rng.uniform(0.1, 100, (n_b, n_a))
    cap[:, -1] = cap[:, 0]
    dist = smp.distance(ideal, pos, sal)
    dist[0, 0, -1] = 1.5  # KTAB's other branch of the utility
    risk = rng.uniform(-1, 1, (n_b, n_a))
    sal_total = sal.sum(axis=-1)
    weight = sal_total * cap
    want = smp._best_challenges(s, dist, risk, weight, sal_total)
    got = smp._compiled_challenges(s, dist, risk, weight, sal_total)
    for mine, theirs in zip(got, want, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    n_m = 2 * n_a
    bargains = (
        ideal,
        sal,
        dist,
        risk,
        rng.uniform(0, 1, (n_b, n_m, n_i)),
        rng.uniform(0, 1, (n_b, n_m, n_i)),
        np.repeat(np.arange(n_a), 2),
        rng.integers(0, n_a, (n_b, n_m)),
    )
    np.testing.assert_array_equal(
        smp._compiled_bargain_utilities(*bargains), smp._bargain_utilities(*bargains)
    )


def test_a_batch_result_is_assembled_on_first_access_as_the_run_left_it() -> None:
    """A batch's trajectory and details (built from the run's log when first read): cases that
    stopped early repeat their last state and have blank records after it; pickled, the result is a
    plain ModelResult with the same arrays; a case matches its run alone."""
    import pickle

    s = load(need(DATA / "ktab" / "dummyData_3Dim.csv"))
    batch = _draws(s, 2, 6, False)
    result = get("smp").run(batch, {"max_turns": 9}, seed=0)
    turns = result.details["turns"]
    assert turns.min() < turns.max()  # the cases stop at different turns
    positions, target = result.trajectory["positions"], result.details["target"]
    assert positions.shape[1] == turns.max() + 1 == target.shape[1] + 1
    for b, n in enumerate(turns):
        assert (positions[b, n:] == positions[b, n]).all()
        assert (target[b, n:] == -1).all() and np.isnan(result.details["probability"][b, n:]).all()
        assert (target[b, :n] >= -1).all() and not np.isnan(positions[b, : n + 1]).any()
    np.testing.assert_array_equal(positions[:, 0], batch.position)
    plain = pickle.loads(pickle.dumps(result))
    assert type(plain) is ModelResult
    _assert_same(result, plain)
    alone = get("smp").run(batch.take(np.array([3])), {"max_turns": 9}, seed=0)
    np.testing.assert_array_equal(alone.trajectory["positions"][0], positions[3, : turns[3] + 1])
