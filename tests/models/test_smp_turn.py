"""The SMP's whole turn compiled (kernels/turn.py) against the NumPy turn and the kernels it calls
one operation at a time, bit for bit, on the same inputs: single turns and whole runs, every option."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import DATA, need
from tests.models.test_smp_assess import _assert_same, _draws, _settings
from tests.strategies import scenarios

from accord.models import get, smp
from accord.models.registry import ModelResult
from accord.problem import Problem, to_problem
from accord.scenario import Scenario
from accord.scenario.io import load

# every value of every option at least once, in mixed company
PARAMS = [
    {},
    {"pce_model": "MarkovUniform", "voting_rule": "ASymProsp", "big_r_adjust": "Half"},
    {"victory_model": "Binary", "voting_rule": "Cubic", "big_r_range": "Min"},
    {"victory_model": "Octic", "voting_rule": "Binary", "interpolation": "S2PMax", "big_r_range": "Max"},
    {"bargain_model": "InitRcvrInterp", "transitions": "Stochastic", "voting_rule": "PropCbc"},
    {"bargain_model": "PWCompInterp", "third_party_commit": "NoCommit", "voting_rule": "PropBin"},
    {"third_party_commit": "FullCommit", "interpolation": "S1P1", "big_r_adjust": "TwoThirds"},
    {"victory_model": "Square", "big_r_adjust": "Full", "transitions": "Stochastic", "min_turns": 3},
    {"victory_model": "Quartic", "big_r_adjust": "None", "bargain_model": "PWCompInterp", "max_turns": 6},
    {"bargain_model": "InitRcvrInterp", "interpolation": "S2PMax", "pce_model": "MarkovUniform"},
]


def _declined(
    s: object,
    t: int,
    active: object,
    pos: object,
    sal: object,
    cap: object,
    dist: object,
    risk: object,
    *rest: object,
) -> tuple[object, ...]:
    return t, active, dist, risk  # as the fused kernel returns where its first turn needs NumPy


@contextmanager
def _path(which: str) -> Iterator[None]:
    """Runs inside take the fused kernel of whole runs ("run", where it applies), the whole-turn
    kernel turn by turn ("turn"), the kernels one operation at a time ("steps") or the NumPy code
    ("numpy")."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_SMALL_COMPILED_FROM", 0)
        if which != "run":
            patch.setattr(smp, "_compiled_run", _declined)
        if which in ("steps", "numpy"):
            patch.setattr(smp, "_compiled_turn", lambda *args: None)
        if which == "numpy":
            patch.setattr(smp, "_small_compiled", lambda *args: False)
        yield


def _runs(problem: Problem, params: dict[str, object]) -> list[ModelResult]:
    spec = get("smp")
    out = []
    for which in ("run", "turn", "steps", "numpy"):
        with _path(which):
            out.append(spec.run(problem, params, seed=5))
    return out


@pytest.mark.parametrize("params", PARAMS)
@given(
    s=scenarios(min_actors=2, max_actors=12, max_issues=10),
    seed=st.integers(0, 2**16),
    copies=st.booleans(),
)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_whole_turn_kernel_runs_as_the_numpy_code(
    params: dict[str, object], s: Scenario, seed: int, copies: bool
) -> None:
    """Monte Carlo batches of random cases (actors missing from issues, many issues, copies of
    positions): outcome, trajectory and every detail through the four paths."""
    fused, turn, steps, numpy_run = _runs(_draws(s, seed, 6, copies), params)
    _assert_same(fused, turn)
    _assert_same(turn, steps)
    _assert_same(turn, numpy_run)


@pytest.mark.parametrize("params", PARAMS)
def test_whole_turn_kernel_on_the_ktab_case_alone_and_in_large_batches(params: dict[str, object]) -> None:
    """KTAB's case alone (its history in issue units) and 150 draws of it, where NumPy summed the
    receivers' third parties pairwise (InitRcvrInterp, PWCompInterp): every output."""
    s = load(need(DATA / "ktab" / "dummyData_3Dim.csv"))
    for problem in (to_problem(s), _draws(s, 4, 150, True)):
        fused, turn, steps, numpy_run = _runs(problem, params)
        _assert_same(fused, turn)
        _assert_same(turn, steps)
        _assert_same(turn, numpy_run)


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize(("n_k", "n_a", "n_i"), [(5, 9, 1), (3, 8, 4), (2, 12, 9), (4, 2, 1), (130, 9, 2)])
def test_one_compiled_turn_is_the_numpy_turn(params: dict[str, object], n_k: int, n_a: int, n_i: int) -> None:
    """One turn of random states (ideals apart from positions, distances above 1, twin actors, a
    subset of the batch active) and the assessment of the new state, against ``smp._turn``."""
    s = _settings(**{k: v for k, v in params.items() if isinstance(v, str)})
    rng = np.random.default_rng(n_k * 100 + n_a + n_i)
    n_b = n_k + 3
    pos = rng.uniform(0, 1, (n_b, n_a, n_i))
    pos[:, -1] = pos[:, 0]
    ideal = np.clip(pos + rng.normal(0, 0.1, pos.shape), 0, 1)
    sal = rng.uniform(0, 1, pos.shape)
    cap = rng.uniform(0.1, 100, (n_b, n_a))
    cap[:, -1] = cap[:, 0]
    active = np.sort(rng.permutation(n_b)[:n_k])
    dist = smp.distance(ideal[active], pos[active], sal[active])
    dist[0, 0, -1] = 1.5  # KTAB's other branch of the utility
    risk = rng.uniform(-1, 1, (n_k, n_a))
    stochastic = s.transitions == "Stochastic"
    draws = smp.uniform_draws(9, active[:, None], 2, np.arange(n_a)[None, :]) if stochastic else None
    state = smp._compiled_turn(s, active, pos, ideal, sal, cap, dist, risk, draws)
    assert state is not None
    new_pos, record, moved, assessed = state
    want_pos, _, want_record = smp._turn(
        s, pos[active], ideal[active], sal[active], cap[active], None, dist, risk, draws
    )
    np.testing.assert_array_equal(new_pos, want_pos)
    assert record.keys() == want_record.keys()
    for key, value in record.items():
        np.testing.assert_array_equal(value, want_record[key], err_msg=key)
        assert value.dtype == want_record[key].dtype
    np.testing.assert_array_equal(moved, np.linalg.norm(want_pos - pos[active], axis=-1).sum(axis=-1))
    d = smp.distance(want_pos, want_pos, sal[active])
    r = smp._risk(s, d, cap[active])
    win, option = smp._win_probability(s, d, r, cap[active], want_pos)
    for got, want in zip(assessed, (d, r, win, option), strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_whole_turn_serves_the_compiled_regime_without_accommodation() -> None:
    """The fused kernel takes the Deterministic runs that the compiled kernels take, the whole-turn
    kernel the Stochastic ones (their draws stay in Python), except those with an accommodation
    matrix (new ideals are not the positions there) and the PCEs the kernels lack."""
    calls: list[str] = []
    real_run, real_turn = smp._compiled_run, smp._compiled_turn

    def counting_run(*args: object) -> object:
        calls.append("run")
        return real_run(*args)  # type: ignore[arg-type]

    def counting_turn(*args: object) -> object:
        calls.append("turn")
        return real_turn(*args)  # type: ignore[arg-type]

    s = load(need(DATA / "ktab" / "dummyData_3Dim.csv"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_compiled_run", counting_run)
        patch.setattr(smp, "_compiled_turn", counting_turn)
        patch.setattr(smp, "_SMALL_COMPILED_FROM", 0)
        get("smp").run(_draws(s, 1, 4, False), {})
        assert calls == ["run"]
        calls.clear()
        get("smp").run(_draws(s, 1, 4, False), {"transitions": "Stochastic"})
        assert calls and set(calls) == {"turn"}
        calls.clear()
        get("smp").run(_draws(s, 1, 4, False), {"pce_model": "MarkovIncentive"})
        assert not calls


@pytest.mark.parametrize("n_a", [2, 9, 31])
def test_the_fused_kernels_pairwise_rows_are_the_numpy_codes(n_a: int) -> None:
    """The receivers' rows NumPy summed pairwise, which the fused kernel works out turn by turn as
    the batch shrinks: the same as ``smp._pairwise_rows`` for every batch size."""
    from accord.models.kernels import turn

    out = np.ones((5000, n_a), dtype=bool)
    for n_b in [0, 1, 2, 3, 7, 19, 20, 21, 201, 202, 203, 1000, 4096, 5000]:
        turn.pairwise_rows(n_b, n_a, smp._CHUNK, out)
        np.testing.assert_array_equal(out[:n_b], smp._pairwise_rows(n_b, n_a), err_msg=str(n_b))


@pytest.mark.parametrize("params", [PARAMS[k] for k in (0, 2, 5, 9)])
def test_the_fused_kernel_resumes_after_a_numpy_turn_and_in_short_logs(params: dict[str, object]) -> None:
    """Where a turn needs NumPy (a Conditional PCE that underflows) the fused kernel returns before
    it, NumPy runs it, and the kernel goes on from that state; a log too short for the run makes it
    take a new log: here its first call declines every turn, and each log holds one turn."""
    calls: list[int] = []
    real_run = smp._compiled_run

    def first_declined(*args: object) -> object:
        calls.append(1)
        return _declined(*args) if len(calls) == 1 else real_run(*args)  # type: ignore[arg-type]

    s = load(need(DATA / "ktab" / "dummyData_3Dim.csv"))
    problem = _draws(s, 2, 40, True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_compiled_run", first_declined)
        patch.setattr(smp, "_LOG_TURNS", 1)
        patch.setattr(smp, "_SMALL_COMPILED_FROM", 0)
        resumed = get("smp").run(problem, params, seed=5)
    assert len(calls) == 2
    with _path("numpy"):
        numpy_run = get("smp").run(problem, params, seed=5)
    _assert_same(resumed, numpy_run)
