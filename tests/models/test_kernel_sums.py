"""The compiled kernels' summation order gives NumPy's bits, and cached kernels reload."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.models.kernels.sums import pairwise_plan, planned_sum


def _values(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)  # wide magnitudes: order shows


def _sum(a: np.ndarray) -> float:
    lo, length = pairwise_plan(a.size)
    return float(planned_sum(a, lo, length, np.empty(64)))


def test_planned_sum_matches_numpy_at_every_length_around_the_block_edges() -> None:
    for n in [*range(1, 300), 1000, 1001, 1027, 4099, 9000]:
        a = _values(n, n)
        assert _sum(a) == np.add.reduce(a), n


def test_planned_sum_of_a_strided_view_is_numpys_sum_of_it() -> None:
    view = _values(700, 1)[::3]
    assert _sum(view) == np.add.reduce(view)


def test_planned_sum_of_negative_zeros_is_positive_zero_as_numpy() -> None:
    for n in (3, 20):
        z = np.full(n, -0.0)
        assert not np.signbit(np.add.reduce(z)) and not np.signbit(_sum(z))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2**31))
def test_planned_sum_property(n: int, seed: int) -> None:
    a = _values(n, seed)
    assert _sum(a) == np.add.reduce(a)


def test_the_orders_differ_on_these_values() -> None:
    # the tests above can fail: on the same values a plain loop gives other bits
    a = _values(1000, 3)
    seq = 0.0
    for x in a:
        seq += x
    assert seq != np.add.reduce(a)


_RELOAD = """
import numpy as np
from accord.models.kernels.sums import pairwise_plan, planned_sum
a = np.arange(300.0)
print(planned_sum(a, *pairwise_plan(300), np.empty(64)) == np.add.reduce(a))
"""


def test_a_cached_kernel_reloads_in_a_fresh_process() -> None:
    # numba crashed (SIGSEGV) reloading a cached kernel that called a recursive function: the
    # second process loads what the first compiled or found
    for _ in range(2):
        run = subprocess.run([sys.executable, "-c", _RELOAD], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0 and run.stdout.strip() == "True", run.stderr[-2000:]
