"""The SMP's compiled kernels on several threads: the same bits as one thread and as NumPy, safe
when two Python threads call them at once, serial in worker processes."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from numba import config

from accord.models import get, smp
from accord.models.kernels import threads
from accord.problem import to_problem
from accord.scenario import validate
from accord.uncertainty.draws import MONTE_CARLO, draw_uniforms, uncertain_inputs


@pytest.fixture(autouse=True)
def _default_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(threads, "PARALLEL_FROM", 0)  # small cases in parallel too
    yield
    threads.set_threads(None)


def _settings(**over: str) -> smp._Settings:
    return smp._Settings(**{p.name: p.default for p in get("smp").params if p.type is str} | over)


def _state(seed: int, n_b: int, n_a: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    pos = rng.random((n_b, n_a, 2))
    pos[:, : n_a // 4] = np.round(pos[:, : n_a // 4] * 2) / 2  # some equal positions: zero votes
    sal = rng.uniform(0.05, 0.5, (n_b, n_a, 2))
    cap = rng.uniform(1, 100, (n_b, n_a)) * 10.0 ** rng.integers(-4, 4, (n_b, n_a))
    dist = smp.distance(pos, pos, sal)
    risk = rng.uniform(-1, 1, (n_b, n_a))
    total = sal.sum(axis=-1)
    return dist, risk, total * cap, total, cap


def _kernels(s: smp._Settings, state: tuple[np.ndarray, ...], compiled_from: int) -> list[np.ndarray]:
    """Both views of the challenges, the risk election's votes and the pair votes."""
    dist, risk, weight, total, cap = state
    util = smp.utility(dist, risk[:, :, None])
    n_b, n_a = risk.shape
    pairs = np.random.default_rng(n_a).integers(0, n_a, (3, 4 * n_a))
    pairs[0] %= n_b
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_COMPILED_FROM", compiled_from)
        return [
            *smp._contests(s, dist, risk, weight, total),
            *smp._contests(s, dist, risk, weight, total, view="receiver"),
            *smp._option_votes(s.voting, cap, util),
            *smp._pair_votes(s.voting, cap, util, *pairs),
        ]


def _same(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want, strict=True)):
        assert np.array_equal(a, b, equal_nan=True), k


@pytest.mark.parametrize(
    ("rule", "third_party", "n_b", "n_a"),
    [
        ("Proportional", "SemiCommit", 1, 45),  # the receiver's last challenger summed pairwise
        ("PropCbc", "SemiCommit", 2, 45),  # likewise in both cases: rows of two cases in one call
        ("ASymProsp", "SemiCommit", 3, 23),
        ("PropBin", "NoCommit", 2, 30),
        ("Cubic", "SemiCommit", 1, 130),  # every receiver's row pairwise (over 128 third parties)
        ("Binary", "FullCommit", 40, 9),
    ],
)
def test_one_thread_two_threads_and_numpy_give_the_same_bits(
    rule: str, third_party: str, n_b: int, n_a: int
) -> None:
    s = _settings(voting_rule=rule, third_party_commit=third_party, big_r_adjust="TwoThirds")
    state = _state(n_b * 100 + n_a, n_b, n_a)
    numpy_path = _kernels(s, state, 1 << 62)
    for n in (1, 2, 3):
        threads.set_threads(n)
        _same(_kernels(s, state, 0), numpy_path)
    from accord.models.kernels import contests, elections

    votes = elections._option_par if rule == "ASymProsp" else elections._half_par  # odd rules: half the votes
    parallel = (contests._initiator_par, contests._receiver_par, votes, elections._pair_par)
    assert all(kernel.signatures for kernel in parallel)  # they ran


@pytest.mark.parametrize("rule", smp.VOTING_RULES)
def test_options_with_equal_utilities_are_voted_on_once_to_the_same_bits(rule: str) -> None:
    """From 64 options the compiled election votes once over each group of options that every
    voter values the same, bit for bit (actors at one position), and copies the sums."""
    from accord.models.kernels import elections

    rng = np.random.default_rng(3)
    cap = rng.uniform(0.1, 5.0, (3, 50)) * 10.0 ** rng.integers(-6, 6, (3, 50))
    util = rng.uniform(0.0, 1.0, (3, 50, 90)) * 10.0 ** rng.integers(-8, 1, (3, 50, 90))
    util[0, :, 40:] = util[0, :, :1]  # 50 copies of one option
    util[1, :, ::2] = util[1, :, 1::2]  # pairs
    util[1, 7, 10] = -0.0 if util[1, 7, 11] == 0.0 else np.nextafter(util[1, 7, 11], 2.0)  # not a copy
    util[2, :, 50:] = util[2, :, 49:50]
    util[2, :, 5] = 0.0
    util[2, :, 6] = -0.0  # equal values, other bits: voted on apart
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smp, "_COMPILED_FROM", 1 << 62)
        want = smp._option_votes(rule, cap, util)
    assert elections._distinct_options(util)[0].shape[1] < 0.9 * 90
    _same(list(elections.option_votes(smp.VOTING_RULES.index(rule), cap, util)), list(want))


def test_a_thread_that_finds_the_parallel_kernels_busy_runs_the_serial_twin() -> None:
    s = _settings()
    state = _state(5, 2, 40)
    threads.set_threads(2)
    want = _kernels(s, state, 0)
    with threads._LOCK:  # another thread is in a parallel kernel
        _same(_kernels(s, state, 0), want)


def test_two_python_threads_call_the_parallel_kernels_at_once() -> None:
    """The server runs analyses in a thread pool: numba's workqueue layer would abort the process
    on two parallel kernels at once; every call must finish with the one-thread bits."""
    s = _settings(voting_rule="PropCbc")
    states = [_state(k, 1, 60) for k in range(2)]
    threads.set_threads(1)
    want = [_kernels(s, state, 0) for state in states]
    threads.set_threads(2)
    start = threading.Barrier(2)
    got: list[Any] = [None, None]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            start.wait()
            for _ in range(5):
                got[k] = _kernels(s, states[k], 0)
                _same(got[k], want[k])
        except BaseException as exc:  # reported below: a thread's assertion does not fail the test
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors


def _child(queue: Any, state: tuple[np.ndarray, ...]) -> None:
    threads.PARALLEL_FROM = 0  # as in the parent: the child must still choose the serial twins
    queue.put((threads.threads(), _kernels(_settings(), state, 0)))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_worker_runs_the_kernels_serially_after_its_parent_ran_them_in_parallel() -> None:
    """--jobs workers are forked (the server's job pool spawns): they already fill the cores, and
    a thread pool the parent started does not exist in the child."""
    state = _state(7, 1, 50)
    threads.set_threads(2)
    want = _kernels(_settings(), state, 0)  # the parent's parallel kernels start their threads
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue, state))
    child.start()
    n, got = queue.get(timeout=120)
    child.join(30)
    assert child.exitcode == 0
    assert n == 1
    _same(got, want)


def test_the_thread_count_respects_numba_s_setting() -> None:
    threads.set_threads(10_000)
    assert threads.threads() == config.NUMBA_NUM_THREADS
    threads.set_threads(1)
    assert threads.threads() == 1
    with pytest.raises(ValueError, match="at least 1"):
        threads.set_threads(0)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"voting_rule": "ASymProsp", "bargain_model": "PWCompInterp", "big_r_range": "Max"},
        {"third_party_commit": "NoCommit", "pce_model": "MarkovIncentive", "bargain_model": "InitRcvrInterp"},
    ],
)
def test_a_monte_carlo_run_is_the_same_on_one_and_two_threads(params: dict[str, str]) -> None:
    scenario = validate(
        {
            "name": "random",
            "actors": [
                {
                    "id": f"a{k}",
                    "capability": 1 + (k * 37) % 11,
                    "positions": {"i0": {"position": (k * 29) % 101, "salience": 0.3 + 0.02 * (k % 30)}},
                }
                for k in range(36)
            ],
            "issues": [{"id": "i0"}],
        },
        "test",
    )
    inputs = uncertain_inputs(scenario, 0.1)
    batch = inputs.apply(to_problem(scenario), inputs.ppf(draw_uniforms(3, MONTE_CARLO, 0, inputs.k, 4, 4)))
    runs = []
    for n in (1, 2):
        threads.set_threads(n)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(smp, "_COMPILED_FROM", 0)
            runs.append(get("smp").run(batch, params))
    runs.append(get("smp").run(batch, params))  # the NumPy path
    for other in runs[1:]:
        assert np.array_equal(other.outcome, runs[0].outcome)
        for part in ("trajectory", "details"):
            mine, theirs = getattr(other, part), getattr(runs[0], part)
            for key, value in mine.items():
                assert np.array_equal(value, theirs[key], equal_nan=True), key
