"""The compiled kernels' summation orders give NumPy's bits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.models.kernels.sums import pairwise_sum


def _values(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)  # wide magnitudes: order shows


def test_pairwise_sum_matches_numpy_at_every_length_around_the_block_edges() -> None:
    for n in [*range(0, 300), 1000, 1001, 1027, 4099, 9000]:
        a = _values(n, n)
        assert pairwise_sum(a, 0, n) == np.add.reduce(a), n


def test_pairwise_sum_of_a_strided_slice_is_numpys_sum_of_that_slice() -> None:
    a = _values(700, 1)
    view = a[::3]
    assert pairwise_sum(view, 5, 200) == np.add.reduce(view[5:205])


def test_pairwise_sum_of_negative_zeros_is_positive_zero_as_numpy() -> None:
    z = np.full(20, -0.0)
    assert np.signbit(np.add.reduce(z)) == np.signbit(pairwise_sum(z, 0, 20))
    assert not np.signbit(pairwise_sum(z[:3], 0, 3))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.integers(0, 2**31))
def test_pairwise_sum_property(n: int, seed: int) -> None:
    a = _values(n, seed)
    assert pairwise_sum(a, 0, n) == np.add.reduce(a)


def test_the_reference_sums_differ_on_these_values() -> None:
    # the test above can fail: on the same values a plain loop gives other bits
    a = _values(1000, 3)
    seq = 0.0
    for x in a:
        seq += x
    assert seq != np.add.reduce(a)
