"""The SMP's compiled challenge kernel gives the NumPy kernel's bits, on the same inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tests.conftest import DATA, need

from accord.models import get, smp
from accord.models.kernels import contests, sums
from accord.problem import to_problem
from accord.scenario.io import load

KTAB = DATA / "ktab"


def _settings(**over: str) -> smp._Settings:
    return smp._Settings(**{p.name: p.default for p in get("smp").params if p.type is str} | over)


def _state(
    seed: int, n_b: int, n_a: int, outside: bool = False, ties: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pos = rng.random((n_b, n_a, 2))
    if ties:  # equal positions: zero distances and votes, ties between rivals
        pos = np.round(pos * 2) / 2
    sal = rng.uniform(0.05, 0.5, (n_b, n_a, 2))
    cap = rng.uniform(1, 100, (n_b, n_a))
    dist = smp.distance(pos, pos, sal) * (1.3 if outside else 1.0)
    risk = rng.uniform(-1, 1, (n_b, n_a))
    total = sal.sum(axis=-1)
    return dist, risk, total * cap, total


def _both(
    s: smp._Settings, dist: np.ndarray, risk: np.ndarray, weight: np.ndarray, total: np.ndarray, view: str
) -> None:
    """The compiled path against the NumPy path (which is main's code, cut into its blocks)."""
    saved = smp._COMPILED_FROM
    try:
        smp._COMPILED_FROM = 1 << 62
        ref = smp._contests(s, dist, risk, weight, total, view=view)
        smp._COMPILED_FROM = 0
        out = smp._contests(s, dist, risk, weight, total, view=view)
    finally:
        smp._COMPILED_FROM = saved
    for a, b in zip(ref, out, strict=True):
        assert np.array_equal(a, b, equal_nan=True), (view, float(np.nanmax(np.abs(a - b))))


@pytest.mark.parametrize(("rule", "third_party"), list(itertools.product(smp.VOTING_RULES, smp.THIRD_PARTY)))
def test_compiled_contests_are_the_numpy_contests_bit_for_bit(rule: str, third_party: str) -> None:
    s = _settings(voting_rule=rule, third_party_commit=third_party, big_r_adjust="Half")
    # sizes where NumPy summed the receiver's third parties in order, pairwise (one challenger
    # per block: 2 x 45, 203 x 9's second block, 129 actors) and across pairwise blocks (> 128)
    for k, (n_b, n_a) in enumerate([(1, 2), (4, 5), (3, 9), (203, 9), (2, 17), (2, 45), (1, 40), (1, 129)]):
        for outside, ties in [(False, False), (False, True), (True, False)]:
            state = _state(k, n_b, n_a, outside, ties)
            for view in ("initiator", "receiver"):
                _both(s, *state, view)


def test_the_receiver_s_pairwise_rows_are_where_numpy_s_blocks_held_one_challenger() -> None:
    # the compiled kernel must know them: on these sizes the two orders give other bits
    assert smp._pairwise_rows(1, 9).sum() == 0  # one block of all nine challengers
    assert smp._pairwise_rows(203, 9)[:202].all() and not smp._pairwise_rows(203, 9)[202].any()
    rows = smp._pairwise_rows(2, 45)  # blocks of four challengers, the last of one
    assert rows[:, 44].all() and rows.sum() == 2
    assert smp._pairwise_rows(1, 129).all()
    dist, risk, weight, _ = _state(3, 1, 45)
    est = smp.estimated_risk(risk[:, :, None], risk[:, None, :], "Half")
    coalition = weight[:, :, None] * dist + 1e-3

    def plus(pairwise: np.ndarray) -> np.ndarray:
        out, minus = np.empty_like(dist), np.empty_like(dist)
        plan = sums.pairwise_plan(45)
        contests.third_party_votes(
            2,
            True,
            True,
            False,
            dist,
            est,
            weight,
            coalition,
            np.swapaxes(coalition, -1, -2).copy(),
            pairwise,
            *plan,
            out,
            minus,
        )
        return out

    rows = smp._pairwise_rows(1, 45)
    flip = rows.copy()
    flip[0, 3] = True  # challenger 3's row summed pairwise instead of in order
    ref, other = plus(rows), plus(flip)
    assert np.array_equal(np.delete(ref, 3, axis=1), np.delete(other, 3, axis=1))
    assert not np.array_equal(ref[0, 3], other[0, 3])


@pytest.mark.parametrize("n", [*range(0, 20), 127, 128, 129, 136, 255, 256, 257, 300, 1000, 1031])
def test_the_pairwise_plan_sums_as_numpy(n: int) -> None:
    a = np.random.default_rng(n).standard_normal(n) * 10.0 ** np.random.default_rng(n + 1).uniform(-8, 8, n)
    lo, length = sums.pairwise_plan(n)
    assert sums.planned_sum(a, lo, length, np.empty(64)) == np.add.reduce(a)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"bargain_model": "InitRcvrInterp", "voting_rule": "Cubic"},
        {"bargain_model": "PWCompInterp", "third_party_commit": "NoCommit", "big_r_adjust": "None"},
        {"transitions": "Stochastic", "voting_rule": "ASymProsp"},
    ],
)
def test_a_whole_run_is_the_same_with_the_compiled_kernel(
    params: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = to_problem(load(need(KTAB / "dummyData-a040.csv")))
    spec = get("smp")
    ref = spec.run(problem, params, seed=3)
    monkeypatch.setattr(smp, "_COMPILED_FROM", 0)
    out = spec.run(problem, params, seed=3)
    assert np.array_equal(ref.outcome, out.outcome)
    for key in ref.trajectory:
        assert np.array_equal(ref.trajectory[key], out.trajectory[key], equal_nan=True), key
    for key, value in ref.details.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, out.details[key], equal_nan=True), key
        else:
            assert value == out.details[key], key


def _best_both(
    s: smp._Settings, dist: np.ndarray, risk: np.ndarray, weight: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """The pruned compiled best challenges against the NumPy path (nothing pruned); returns the
    kept challenges."""
    saved = smp._COMPILED_FROM
    try:
        smp._COMPILED_FROM = 1 << 62
        ref = smp._best_challenges(s, dist, risk, weight, total)
        smp._COMPILED_FROM = 0
        out = smp._best_challenges(s, dist, risk, weight, total)
    finally:
        smp._COMPILED_FROM = saved
    target, p, keep = smp._pruned_challenges(s, dist, risk, weight, total)
    for a, b in zip(ref, out, strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    for a, b in zip(ref, (target, p), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    return keep


@pytest.mark.parametrize(("rule", "third_party"), list(itertools.product(smp.VOTING_RULES, smp.THIRD_PARTY)))
def test_pruned_best_challenges_are_the_numpy_ones(rule: str, third_party: str) -> None:
    s = _settings(voting_rule=rule, third_party_commit=third_party, big_r_adjust="Half")
    pruned = 0
    for k, (n_b, n_a) in enumerate([(1, 2), (4, 5), (3, 9), (2, 17), (1, 40), (1, 70)]):
        for outside, ties in [(False, False), (False, True), (True, False)]:
            keep = _best_both(s, *_state(k, n_b, n_a, outside, ties))
            pruned += int((~keep).sum())
    assert pruned > 0  # the bounds did skip challenges


def test_pruning_keeps_rivals_whose_bounds_tie() -> None:
    # rivals 1 and 2 of salience total 0: their gain u_win - eu_sq = 0.8 - 0.5 does not depend on
    # P, so both bounds are equal and tie the best lower bound: both kept; rival 3 (at most
    # 0.5 * 0.8 + 0.5 * 0.8 - 0.55) is pruned, rival 0 always kept; risk-neutral: u = 1 - d
    dist = np.array([[[0.6, 0.9, 0.9, 0.85]] * 4])
    dist[0, np.arange(4), np.arange(4)] = 0.6  # u^i(i) = 0.4: u_win = 0.8
    risk, weight = np.zeros((1, 4)), np.ones((1, 4))
    total = np.array([[0.5, 0.0, 0.0, 0.5]])
    est, chij, chji = np.empty((1, 4, 4)), np.empty((1, 4, 4)), np.empty((1, 4, 4))
    keep, best = np.empty((1, 4, 4), dtype=bool), np.empty((1, 4))
    sound = np.ones(1, dtype=bool)
    contests.challenge_bounds(2, 1, dist, risk, weight, total, sound, est, chij, chji, keep, best)
    assert best[0, 0] == (0.4 + 0.4) - (0.4 + (1 - 0.9))
    assert keep[0, 0].tolist() == [True, True, True, False]
    assert keep[0, 3].tolist() == [True, True, True, False]  # the diagonal never sets the bound
    # the same ties in whole states: actors of salience 0, at equal positions
    s = _settings()
    tied = 0
    for seed in range(4):
        dist, risk, weight, total = _state(seed, 2, 12, ties=True)
        total[:, [2, 5, 7]] = 0.0
        weight[:, [2, 5, 7]] = 0.0
        keep = _best_both(s, dist, risk, weight, total)
        _, gain = smp._contests(s, dist, risk, weight, total)  # NumPy: nothing pruned
        gain = np.where(np.eye(12, dtype=bool), -np.inf, gain)
        top = gain == gain.max(axis=-1, keepdims=True)
        tied += int(((top.sum(axis=-1) > 1) & (top & keep).all(axis=-1, where=top)).sum())
    assert tied > 0  # rows whose best gain several rivals share, all of them kept


def test_pruning_falls_back_where_its_premises_fail() -> None:
    s = _settings()
    dist, risk, weight, total = _state(5, 2, 10)
    total[0, 3] = -0.5  # a negative salience total: gain no longer grows with P
    keep = _best_both(s, dist, risk, weight, total)
    assert keep[0, :, 3].all()
    weight[1] *= 1e300  # votes near overflow: nothing pruned in that case
    keep = _best_both(s, dist, risk, weight, total)
    assert keep[1].all()


@pytest.mark.parametrize("scale", [1.0, 1.4])
def test_utility_inside_the_unit_box_is_bsutil_s_first_branch(scale: float) -> None:
    # utility skips KTAB's other branch where no distance exceeds 1: same bits, shapes, dtype
    rng = np.random.default_rng(int(scale * 10))
    for shape_d, shape_r in [((3, 40, 40), (3, 40, 1)), ((2, 1, 30), (2, 30, 30)), ((50,), ())]:
        d, r = rng.random(shape_d) * scale, rng.uniform(-1, 1, shape_r)
        want = np.where(d <= 1, (1 - d) * (1 + d * r), (1 - d) * (1 + r))
        got = smp.utility(d, r)
        assert got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want)
    assert (d > 1).any() == (scale > 1)
