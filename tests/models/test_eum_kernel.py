"""The EUM's compiled round (kernels/eum.py) against the NumPy round.

Both paths run the same rows; every position, exponent, median, mean and pairwise record must
be identical bit for bit, under every variant and every option that changes the arithmetic.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pytest

from accord.models import eum, get
from accord.problem import Problem, to_problem
from accord.scenario.io import load
from conftest import ROOT

# option sets that between them take every branch of the kernels
OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"q": 0.5},
    {"q": 0.0, "same_position": True},
    {"probability": "pairwise", "perspective": "own", "offer_choice": "least_move", "capitulation": True},
    {"q": 0.7, "perspective": "own", "drift_view": "receiver", "salience_ji": "challenger"},
    {"q": 0.6, "drift_view": "receiver", "eu_zero": 1e-3, "compromise_position": "weighted_average"},
    {"q": 0.4, "perspective": "own", "eu_zero": 1e-4, "drift_term": False, "offer_choice": "least_move"},
]


def _rows(seed: int, n_rows: int, n_actors: int, grid: bool, missing: bool) -> tuple[Any, ...]:
    """Random rows ``(N, A)``; ``grid``: positions and weights on coarse grids (ties, shared
    positions); ``missing``: some actors without a position."""
    rng = np.random.default_rng(seed)
    if grid:
        x = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], (n_rows, n_actors))
        w = rng.choice([0.5, 1.0, 2.0], (n_rows, n_actors))
        s = rng.choice([0.2, 0.5, 1.0], (n_rows, n_actors))
    else:
        x, w, s = rng.uniform(0, 1, (3, n_rows, n_actors))
    active = rng.random((n_rows, n_actors)) > 0.15 if missing else np.ones((n_rows, n_actors), bool)
    return x, w, s, active


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _assert_same(one: eum.Simulation, other: eum.Simulation) -> None:
    for f in fields(one):
        assert _same(getattr(one, f.name), getattr(other, f.name)), f.name


@pytest.mark.parametrize("variant", eum.VARIANTS)
@pytest.mark.parametrize("options", OPTION_SETS)
@pytest.mark.parametrize(
    ("n_actors", "grid", "missing"), [(2, False, False), (7, True, True), (12, False, True)]
)
def test_compiled_round_gives_the_numpy_bits(
    variant: str, options: dict[str, Any], n_actors: int, grid: bool, missing: bool
) -> None:
    x, w, s, active = _rows(n_actors, 40, n_actors, grid, missing)
    opt = replace(eum.VARIANT_OPTIONS[variant], **options)
    runs = [
        eum.simulate(x, w, s, active, opt, rounds=8, early_stop=False, record_pairs=True, compiled=c)
        for c in (False, True)
    ]
    _assert_same(*runs)
    assert np.any(runs[0].positions[:, -1] != runs[0].positions[:, 0])  # the rounds moved someone


def _gaza() -> Problem:
    return to_problem(load(ROOT / "examples" / "gaza_ceasefire_2024.yaml"))


@pytest.mark.parametrize("params", [{}, {"variant": "paper"}, {"q": 0.5, "pairs": True}])
def test_a_monte_carlo_batch_gives_the_same_forecast_either_way(
    params: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _gaza()
    rng = np.random.default_rng(3)
    batch = replace(
        base.with_batch(300),
        position=np.clip(base.position + rng.normal(0, 0.03, (300, *base.position.shape)), 0, 1),
    )
    monkeypatch.setattr(eum, "use_compiled", lambda rows, actors: False)
    numpy_run = get("eum").run(batch, params)
    monkeypatch.setattr(eum, "use_compiled", lambda rows, actors: True)
    compiled_run = get("eum").run(batch, params)
    assert _same(numpy_run.outcome, compiled_run.outcome)
    for key, value in numpy_run.trajectory.items():
        assert _same(value, compiled_run.trajectory[key]), key
    for key, value in numpy_run.details.items():
        if isinstance(value, np.ndarray):
            assert _same(value, compiled_run.details[key]), key


def test_the_compiled_round_needs_more_work_than_a_small_case() -> None:
    """Alone, the kernels wait for a run that pays numba's import (``accord analyze`` and small
    batches stay NumPy); once numba is loaded, a Monte Carlo block of the examples takes them."""
    code = (
        "import sys\n"
        "from accord.models import eum\n"
        "assert not eum.use_compiled(2000, 9) and eum.use_compiled(20000, 9)\n"
        "import numba\n"
        "assert eum.use_compiled(2000, 9) and not eum.use_compiled(1, 9)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_many_actors_keep_the_sorted_numpy_path() -> None:
    x, w, s, active = _rows(4, 3, eum._DIRECT_MAX_ACTORS + 2, grid=True, missing=False)
    opt = eum.VARIANT_OPTIONS["scholz"]
    runs = [eum.simulate(x, w, s, active, opt, rounds=3, compiled=c) for c in (False, True)]
    _assert_same(*runs)


@pytest.mark.parametrize("drift", [False, True])
def test_the_kernels_powers_are_numpys(drift: bool) -> None:
    """The compiled round raises the utilities' bases to the risk exponents itself: each power
    must be NumPy's ``np.power`` bit for bit (``0.5 ** r`` too, the exponents' extremes 0.5 and 2,
    distances shared by several actors, whose powers the kernel raises once)."""
    from accord.models.kernels import eum as kernel

    if not kernel.powers_match():  # the model then keeps its NumPy round (the next test)
        pytest.skip("this NumPy raises powers with its own SIMD code: the kernel's are not its bits")
    rng = np.random.default_rng(5)
    n_a = 9
    for trial in range(300):
        x = rng.choice([0.0, 0.2, 0.5, 0.9, 1.0], n_a) if trial % 2 else rng.uniform(0, 1, n_a)
        d = np.abs(x[:, None] - x[None, :]) * (1.0 / max(np.ptp(x), 1e-3))
        big_r = rng.uniform(-1, 1, n_a)
        big_r[:2] = -1.0, 1.0  # the extremes: r = 2 and r = 0.5
        r = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
        bm, bp = np.maximum(0.5 - 0.5 * d, 0.0), 0.5 + 0.5 * d
        e = rng.uniform(0, 2, (n_a, n_a))
        bem, bep = np.maximum(0.5 - 0.25 * e, 0.0), 0.5 + 0.25 * e
        out = [np.empty((n_a, n_a)) for _ in range(7)]
        usq = np.empty(n_a)
        kernel._powers(r, 0.5, True, drift, drift, d, bm, bp, bem, bep, *out[:3], usq, *out[3:])
        rk = r[:, None]
        want = [d**rk, bm**rk, bp**rk]
        if drift:
            want += [bem**rk, bep**rk, bem.T**rk, bep.T**rk]
        for got, expected in zip(out, want, strict=False):
            assert _same(got, expected)
        assert _same(usq, 2.0 - 4.0 * 0.5**r)


def test_a_numpy_with_other_powers_keeps_the_numpy_round(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where NumPy's powers are not the kernel's (its own SIMD code), ``compiled=True`` runs the
    NumPy round: the same bits as without it, and the kernel is never called."""
    from accord.models.kernels import eum as kernel

    def fail(*args: Any) -> None:
        raise AssertionError("the compiled round ran")

    x, w, s, active = _rows(9, 30, 6, grid=True, missing=False)
    opt = eum.VARIANT_OPTIONS["scholz"]
    numpy_run = eum.simulate(x, w, s, active, opt, rounds=5, compiled=False)
    monkeypatch.setattr(kernel, "powers_match", lambda: False)
    monkeypatch.setattr(kernel, "round_rows", fail)
    _assert_same(numpy_run, eum.simulate(x, w, s, active, opt, rounds=5, compiled=True))
    monkeypatch.undo()
    with pytest.raises(AssertionError, match="compiled round ran"):
        monkeypatch.setattr(kernel, "round_rows", fail)
        eum.simulate(x, w, s, active, opt, rounds=5, compiled=True)
