"""The exchange model's compiled round (kernels/exchange.py) against the NumPy lock-step round.

Both paths run the same cases (the size threshold is moved to force each); every outcome,
trajectory and detail must be identical, ties and randomised rates included.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import accord.models.exchange as ex
from accord.models.exchange import SPEC, exchange
from accord.problem import Problem, to_problem
from accord.scenario import validate
from accord.scenario.io import load
from conftest import DATA, need

KERNEL = "accord.models.kernels.exchange"


def _scenario(n_actors: int, n_issues: int, seed: int, grid: bool) -> Problem:
    """Random actors; ``grid``: positions, saliences and capabilities on coarse grids (many exact ties)."""
    rng = np.random.default_rng(seed)

    def draw(values: list[float], low: float, high: float) -> float:
        return float(rng.choice(values)) if grid else float(rng.uniform(low, high))

    actors = [
        {
            "id": f"a{k}",
            "capability": draw([0.5, 1.0, 2.0], 1, 100),
            "positions": {
                f"i{j}": {
                    "position": draw([0, 25, 50, 75, 100], 0, 100),
                    "salience": draw([0.2, 0.5, 0.8, 1.0], 0.1, 1),
                }
                for j in range(n_issues)
                if grid or rng.random() > 0.1  # some actors absent from some issues
            },
        }
        for k in range(n_actors)
    ]
    issues = [{"id": f"i{j}"} for j in range(n_issues)]
    return to_problem(validate({"name": "random", "actors": actors, "issues": issues}, "test"))


def _both(monkeypatch: pytest.MonkeyPatch, problem: Problem, seed: int, **params: Any) -> tuple[Any, Any]:
    """The model with the lock-step round, then with the kernel round, on the same inputs."""
    used = []
    kinetic = ex._kinetic_runs  # the compiled round, whichever way its candidates were built

    def spy(*args: Any) -> Any:
        used.append(True)
        return kinetic(*args)

    monkeypatch.setattr(ex, "_kinetic_runs", spy)
    monkeypatch.setattr(ex, "KINETIC_MIN", 10**12)
    monkeypatch.setattr(ex, "KINETIC_LOADED_MIN", 10**12)
    plain = exchange(problem, rng=np.random.default_rng(seed), **SPEC.resolve(params))
    assert not used
    monkeypatch.setattr(ex, "KINETIC_MIN", 0)
    monkeypatch.setattr(ex, "KINETIC_LOADED_MIN", 0)
    fast = exchange(problem, rng=np.random.default_rng(seed), **SPEC.resolve(params))
    assert used
    return plain, fast


def _assert_identical(a: Any, b: Any) -> None:
    np.testing.assert_array_equal(a.outcome, b.outcome)
    assert a.trajectory.keys() == b.trajectory.keys()
    for key in a.trajectory:
        np.testing.assert_array_equal(a.trajectory[key], b.trajectory[key])
    assert a.details.keys() == b.details.keys()
    for key in a.details:
        if isinstance(a.details[key], np.ndarray):
            np.testing.assert_array_equal(a.details[key], b.details[key])
        else:
            assert a.details[key] == b.details[key], key  # the exchange records: floats compared exactly


@pytest.mark.parametrize(
    ("n_actors", "n_issues", "seed", "params"),
    [
        (40, 2, 1, {}),
        (30, 3, 2, {"p": 0.5}),
        (25, 4, 3, {"repetitions": 3, "side": "decide"}),
        (35, 2, 4, {"p": 0.2, "rounds": 4, "salience_weight": 0.2, "fixed_weight": 0.3}),
    ],
)
def test_kernel_breaks_ties_as_the_numpy_round(
    monkeypatch: pytest.MonkeyPatch, n_actors: int, n_issues: int, seed: int, params: dict[str, Any]
) -> None:
    plain, fast = _both(monkeypatch, _scenario(n_actors, n_issues, seed, grid=True), seed, **params)
    assert plain.details["ties"] > 0  # the case does exercise the tie draws
    _assert_identical(plain, fast)


@pytest.mark.parametrize(
    ("n_actors", "n_issues", "seed", "params"),
    [
        (60, 2, 5, {}),
        (50, 3, 6, {"p": 0.3, "repetitions": 2}),
        (40, 5, 7, {"outcome": "preference", "summary": "median", "repetitions": 3}),
    ],
)
def test_kernel_equals_the_numpy_round_on_random_cases(
    monkeypatch: pytest.MonkeyPatch, n_actors: int, n_issues: int, seed: int, params: dict[str, Any]
) -> None:
    plain, fast = _both(monkeypatch, _scenario(n_actors, n_issues, seed, grid=False), seed, **params)
    assert plain.details["rounds"][0]["exchanges"]
    _assert_identical(plain, fast)


def test_kernel_equals_the_numpy_round_on_decides_data(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = to_problem(load(need(DATA / "decide" / "cop21.csv")))  # actors missing from issues
    _assert_identical(*_both(monkeypatch, problem, 3, rounds=3))


def test_kernel_on_a_monte_carlo_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _scenario(12, 3, 8, grid=False).with_batch(20)
    rng = np.random.default_rng(0)
    position = np.clip(base.position + rng.normal(0, 0.05, base.position.shape), 0, 1)
    _assert_identical(*_both(monkeypatch, replace(base, position=position), 4, p=0.1))


def test_small_cases_load_the_kernel_only_once_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    m = ex._Merged(*_arrays(_scenario(20, 2, 9, grid=False)))
    kernel = importlib.import_module(KERNEL)
    numba = sys.modules["numba"]
    monkeypatch.delitem(sys.modules, KERNEL)  # as in a process that has not loaded it
    monkeypatch.delitem(sys.modules, "numba")
    assert not ex._kinetic(m, 1)
    monkeypatch.setitem(sys.modules, "numba", numba)  # another model's kernel loaded numba
    assert ex._kinetic(m, 1)
    monkeypatch.delitem(sys.modules, "numba")
    monkeypatch.setitem(sys.modules, KERNEL, kernel)
    assert ex._kinetic(m, 1)


@pytest.mark.parametrize("scan_max", [0, 45, 10**9])  # the lazy search only; each by run size; the scan only
@pytest.mark.parametrize(("grid", "params"), [(True, {}), (True, {"p": 0.3}), (False, {"repetitions": 2})])
def test_scan_and_lazy_search_equal_the_numpy_round_on_a_batch(
    monkeypatch: pytest.MonkeyPatch, scan_max: int, grid: bool, params: dict[str, Any]
) -> None:
    """A Monte Carlo batch of a small case (about 50 candidates per run; ties on the grid, runs of
    different sizes with noise) by the compiled scan, the lazy search, or each by its runs' sizes,
    against the NumPy round."""
    monkeypatch.setattr(ex, "SCAN_MAX", scan_max)
    base = _scenario(12, 3, 3 if grid else 4, grid=grid).with_batch(20)
    rng = np.random.default_rng(1)
    noise = 0.0 if grid else 0.05
    batch = replace(base, position=np.clip(base.position + rng.normal(0, noise, base.position.shape), 0, 1))
    if grid:  # each run of the batch is this case, with its own generator
        single = _scenario(12, 3, 3, grid=True)
        assert exchange(
            single, rng=np.random.default_rng(6), **SPEC.resolve({"rounds": 4, **params})
        ).details["ties"]
    else:
        x, s, w, mask = _arrays(batch)
        sizes = ex._Merged(x[0], s[0], w[0], mask).sizes  # the first round's candidates per run
        assert sizes.min() <= 45 < sizes.max()  # the middle setting splits the runs
    plain, fast = _both(monkeypatch, batch, 6, rounds=4, **params)
    _assert_identical(plain, fast)


@pytest.mark.parametrize(
    ("grid", "at_outcome_left", "randomised"),
    [(True, False, False), (True, True, True), (False, False, True), (False, True, False)],
)
def test_compiled_candidates_equal_the_numpy_ones(
    grid: bool, at_outcome_left: bool, randomised: bool
) -> None:
    """The candidate table a Monte Carlo block's compiled round builds in the kernel against the
    one built from :class:`exchange._Merged`: the same candidates in the same order, the same
    values bit for bit (ties on the grid, actors absent from issues, a supplier without weight)."""
    from accord.models.kernels import exchange as kx

    base = _scenario(10, 3, 5, grid=grid).with_batch(30)
    rng = np.random.default_rng(2)
    noise = 0.0 if grid else 0.05
    salience = base.salience.copy()
    salience[1, 0] = 0.0  # an actor that cares nothing for an issue: no weight to supply it
    batch = replace(
        base,
        position=np.clip(base.position + rng.normal(0, noise, base.position.shape), 0, 1),
        salience=salience,
    )
    mask = batch.mask
    x = np.where(mask, batch.position, np.nan) * ex.SCALE
    s = np.where(mask, batch.salience, 0.0)
    w = np.where(mask, np.broadcast_to(batch.power, x.shape) * s, 0.0)
    outcome0 = ex.expected_outcome(x, w)
    m = ex._Merged(x, s, w, mask, at_outcome_left, outcome0=outcome0, record=False, randomised=randomised)
    ci, cf = ex._table(m, randomised)
    got = kx.candidates(x, s, w, w.sum(axis=1), mask, outcome0, at_outcome_left, randomised)
    assert ci.shape[0] > 100
    for want, have in zip((ci, cf, m.alive, m.sizes), got[:4], strict=True):
        assert want.dtype == have.dtype and want.shape == have.shape
        assert want.tobytes() == have.tobytes()
    assert got[4] == max(m.conv_a.max(), m.conv_b.max())


def test_analyze_on_an_example_does_not_load_numba() -> None:
    # loading numba costs ~1 s: only a run large enough for the kernel may pay it
    gaza = Path(__file__).resolve().parents[2] / "examples" / "gaza_ceasefire_2024.yaml"
    code = (
        "import contextlib, io, sys; import accord.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = accord.cli.main(['analyze', {str(gaza)!r}, '--format', 'json'])\n"
        "print(rc, 'accord.models.exchange' in sys.modules, 'numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-3:] == ["0", "True", "False"]  # the exchange model ran, without numba


def _arrays(problem: Problem) -> tuple[Any, ...]:
    x = (np.where(problem.mask, problem.position, np.nan) * ex.SCALE)[None]
    s = np.where(problem.mask, problem.salience, 0.0)[None]
    w = np.where(problem.mask, problem.power * s, 0.0)
    return x, s, w, problem.mask
