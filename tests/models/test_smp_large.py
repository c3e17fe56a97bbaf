"""The SMP's code paths for one large case (from 32 actors) against the plain ones."""

from __future__ import annotations

import numpy as np
import pytest

from accord.models import smp


def _scan(equiv: np.ndarray) -> np.ndarray:
    """The greedy first-occurrence scan, one position at a time."""
    n_b, n_a, _ = equiv.shape
    unique = np.zeros((n_b, n_a), dtype=bool)
    for a in range(n_a):
        unique[:, a] = ~(equiv[:, a, :a] & unique[:, :a]).any(axis=-1)
    return unique


@pytest.mark.parametrize("seed", range(12))
def test_first_occurrences_are_the_greedy_scan_s(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_a = int(rng.integers(1, 90))
    # positions on a fine grid, closer than the tolerance in chains: a ~ b ~ c with a !~ c
    pos = np.cumsum(rng.choice([0.0, 0.0006, 0.0011, 0.2], size=(3, n_a)), axis=-1)
    pos = rng.permuted(pos, axis=-1)
    equiv = np.abs(pos[:, :, None] - pos[:, None, :]) < smp.POSITION_TOLERANCE
    want = _scan(equiv)
    assert np.array_equal(smp._first_occurrences(equiv), want)
    if n_a > 3:
        assert not want.all()  # some positions are copies
    # any symmetric relation with a true diagonal, not only distances
    sym = rng.random((2, n_a, n_a)) < rng.uniform(0.01, 0.5)
    sym = sym | np.swapaxes(sym, -1, -2) | np.eye(n_a, dtype=bool)
    assert np.array_equal(smp._first_occurrences(sym), _scan(sym))


def test_first_occurrences_of_all_equal_and_all_apart() -> None:
    same = np.ones((1, 40, 40), dtype=bool)
    assert smp._first_occurrences(same).tolist() == [[True] + [False] * 39]
    apart = np.eye(40, dtype=bool)[None]
    assert smp._first_occurrences(apart).all()
