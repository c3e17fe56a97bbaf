"""NumPy's float64 summation orders, for kernels that must give NumPy's bits.

``np.add.reduce`` starts from the identity 0.0 (so a sum of negative zeros is +0.0) and then:

- over a contiguous run of ``n`` values (``sum(axis=-1)`` of a C-ordered array) adds a
  pairwise sum (NumPy's ``pairwise_sum``, ``loops_utils.h.src``): below 8 values a plain loop,
  up to 128 values eight interleaved accumulators combined as a tree, above that the two
  halves (the first a multiple of 8 long) summed separately: :func:`planned_sum` with the tree
  of :func:`pairwise_plan`;
- over a leading axis adds the rows one after the other, in order: a plain loop.

Which of the two a NumPy reduction used depends on the memory layout of the array it reduced;
a kernel replacing it must use the same one (check with ``numpy.array_equal``).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

_BLOCK = 128  # NumPy's PW_BLOCKSIZE


def pairwise_plan(n: int) -> tuple[Any, Any]:
    """NumPy's pairwise summation tree over ``n`` values as a postfix program for
    :func:`planned_sum`: leaves ``(lo, length)``, and ``length`` -1 for "add the last two".

    A program, not recursion: numba's cache cannot reload a cached kernel that calls a
    recursive function (the process crashes), and the tree is the same for every row.
    """
    lo: list[int] = []
    length: list[int] = []

    def split(a: int, m: int) -> None:
        if m <= _BLOCK:
            lo.append(a)
            length.append(m)
            return
        half = m // 2
        half -= half % 8
        split(a, half)
        split(a + half, m - half)
        lo.append(0)
        length.append(-1)

    split(0, n)
    return np.array(lo, dtype=np.int64), np.array(length, dtype=np.int64)


@numba.njit(cache=True, error_model="numpy")
def _block_sum(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    # one leaf of NumPy's pairwise_sum (loops_utils.h.src): eight interleaved accumulators
    if n < 8:
        res = -0.0
        for k in range(lo, lo + n):
            res += a[k]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    k = lo + 8
    end = lo + n - n % 8
    while k < end:
        r0 += a[k]
        r1 += a[k + 1]
        r2 += a[k + 2]
        r3 += a[k + 3]
        r4 += a[k + 4]
        r5 += a[k + 5]
        r6 += a[k + 6]
        r7 += a[k + 7]
        k += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while k < lo + n:
        res += a[k]
        k += 1
    return res


@numba.njit(cache=True, error_model="numpy")
def planned_sum(a: Any, plan_lo: Any, plan_len: Any, stack: Any) -> float:  # pragma: no cover - compiled
    # np.add.reduce(a) by the tree of pairwise_plan(a.size); starts from the identity 0.0
    top = 0
    for k in range(plan_lo.size):
        if plan_len[k] < 0:
            top -= 1
            stack[top - 1] = stack[top - 1] + stack[top]
        else:
            stack[top] = _block_sum(a, plan_lo[k], plan_len[k])
            top += 1
    return 0.0 + stack[0]
