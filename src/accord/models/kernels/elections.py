"""The SMP's elections compiled: every voter's vote over every pair of options, summed.

:func:`option_votes` is :func:`accord.models.smp._option_votes` in one pass instead of one
NumPy pass per operation (difference, vote, clip at zero, sum): the same expressions in the
same order, and each sum over the voters in order from 0.0, as NumPy reduces a voter-major
block over its leading axis, so the bits are NumPy's (``tests/models/test_smp.py`` checks both
paths on the same inputs). Rules are numbered by their place in :data:`accord.models.smp.VOTING_RULES`
(:mod:`accord.models.kernels.votes`). Every rule but ASymProsp is odd, so its option votes come
from half the pairs (:func:`_half_rows`).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from accord.models.kernels.votes import ASYM_PROSP, BINARY, CUBIC, PROP_BIN, PROP_CBC, PROPORTIONAL, vote

_DISTINCT_FROM = 64  # options from which equal options (equal utility columns) are voted on once
_BLOCK = 8  # options whose votes one pass over the voters sums
_TILE = 128  # options y of those sums at a time: 2 x 8 x 128 sums (16 KB) in the first-level cache


def option_votes(rule: int, cap: Any, util: Any) -> tuple[Any, Any]:
    """Summed positive and negative votes over every pair of options, ``(N, O, O)`` each, from
    capabilities ``(N, A)`` and utilities ``(N, A, O)`` (see ``smp._option_votes``). Rows
    (case, option) are independent: they run on several threads (:mod:`.threads`), each row's
    sums over the voters in order on one thread, so the bits do not depend on the threads.

    Options whose utilities are equal bit for bit for every voter (actors at the very same
    position: the risk election votes over every actor's) have equal rows and columns, computed
    once from the same values (so with the same bits) and copied.
    """
    n_b, n_a, n_o = util.shape
    util = np.ascontiguousarray(util)
    cap = np.ascontiguousarray(cap)
    if n_o >= _DISTINCT_FROM:
        cols, inverse = _distinct_options(util)
        if cols.shape[1] < 0.9 * n_o:  # else the copies cost more than they save
            plus_d, minus_d = _votes(
                rule, cap, np.ascontiguousarray(np.take_along_axis(util, cols[:, None], -1))
            )
            at = (np.arange(n_b)[:, None, None], inverse[:, :, None], inverse[:, None, :])
            return plus_d[at], minus_d[at]
    return _votes(rule, cap, util)


def _distinct_options(util: Any) -> tuple[Any, Any]:
    """Per case, one option of each group of equal utility columns: their indices ``(N, D)``
    (padded with the case's last) and each option's place among them ``(N, O)``. Groups by a
    hash of each column's bits (equal bits, not equal values: 0.0 and -0.0 stay apart), checked
    exactly; on a collision every option is its own group."""
    n_b, n_a, n_o = util.shape
    bits = util.view(np.uint64)
    mix = np.arange(1, 2 * n_a, 2, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # odd: no bit lost
    key = ((bits ^ (bits >> np.uint64(29))) * mix[:, None]).sum(axis=1)  # (N, O), wrapping
    order = np.argsort(key, axis=-1, kind="stable")
    ordered = np.take_along_axis(key, order, -1)
    new = np.ones((n_b, n_o), dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(new, axis=-1) - 1
    inverse = np.empty((n_b, n_o), dtype=np.intp)
    np.put_along_axis(inverse, order, group, -1)
    width = int(group[:, -1].max()) + 1
    cols = np.empty((n_b, width), dtype=np.intp)
    cols[:] = order[:, -1:]
    case, at = np.nonzero(new)
    cols[case, group[case, at]] = order[case, at]
    same = np.take_along_axis(bits, np.take_along_axis(cols, inverse, -1)[:, None, :], -1) == bits
    if not same.all():
        return np.broadcast_to(np.arange(n_o), (n_b, n_o)), np.broadcast_to(np.arange(n_o), (n_b, n_o))
    return cols, inverse


def _votes(rule: int, cap: Any, util: Any) -> tuple[Any, Any]:
    from accord.models.kernels import threads

    n_b, n_a, n_o = util.shape
    plus = np.zeros((n_b, n_o, n_o))
    if rule != ASYM_PROSP:  # half the votes: a vote for y over x is the vote for x over y negated
        work = n_b * (n_o * n_o // 2) * n_a
        n_rows = n_b * ((n_o + _BLOCK - 1) // _BLOCK)
        threads.rows(_half_par, _half_rows, n_rows, work, rule, cap, util, plus)
        return plus, np.swapaxes(plus, -1, -2).copy()
    minus = np.zeros((n_b, n_o, n_o))
    threads.rows(_option_par, _option_rows, n_b * n_o, n_b * n_o * n_o * n_a, rule, cap, util, plus, minus)
    return plus, np.negative(minus, out=minus)


@numba.njit(cache=True)
def _option_rows(
    lo: int, hi: int, rule: int, cap: Any, util: Any, plus: Any, minus: Any
) -> None:  # pragma: no cover - compiled
    """Rows ``lo..hi`` of (case b, option x): votes for x over every y, voters in order from 0.0,
    as NumPy reduces a voter-major block over its leading axis (``minus``: ASymProsp only)."""
    n_a, n_o = util.shape[1], util.shape[2]
    for t in range(lo, hi):
        b, x = t // n_o, t % n_o
        p, m = plus[b, x], minus[b, x]
        for a in range(n_a):
            w = cap[b, a]
            ux = util[b, a, x]
            u = util[b, a]
            for y in range(n_o):
                v = vote(rule, w, ux - u[y])
                p[y] += max(v, 0.0)
                if rule == ASYM_PROSP:
                    m[y] += min(v, 0.0)


@numba.njit(cache=True, parallel=True)
def _option_par(
    n_rows: int, n_chunks: int, rule: int, cap: Any, util: Any, plus: Any, minus: Any
) -> None:  # pragma: no cover - compiled
    for c in numba.prange(n_chunks):
        _option_rows(n_rows * c // n_chunks, n_rows * (c + 1) // n_chunks, rule, cap, util, plus, minus)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _half_block(
    rule: int, x0: int, x1: int, cap: Any, util: Any, up: Any, down: Any
) -> None:  # pragma: no cover - compiled
    """One case's votes for each option x of ``x0..x1`` over each y >= x, voters in order from
    0.0: the positive parts in ``up[x - x0, y]``, the negative ones in ``down[x - x0, y]``. A
    block of rows reads each voter's utilities once for all its rows (row by row, large cases
    read the whole utility matrix from memory once per row); the options y go in tiles of
    :data:`_TILE`, so that the block's sums stay in the first-level cache, and the voters two at a
    time, so that each sum is loaded and stored once for two votes (added in voter order)."""
    n_a, n_o = util.shape
    for x in range(x0, x1):
        up[x - x0, x:] = 0.0
        down[x - x0, x:] = 0.0
    for y0 in range(x0, n_o, _TILE):
        y1 = min(y0 + _TILE, n_o)
        for a in range(0, n_a - 1, 2):
            w, w2 = cap[a], cap[a + 1]
            for x in range(x0, x1):
                ys = max(x, y0)
                ux, ux2 = util[a, x], util[a + 1, x]
                # slices indexed from 0: LLVM vectorises only loops whose indices cannot be negative
                u, u2 = util[a, ys:y1], util[a + 1, ys:y1]
                p, m = up[x - x0, ys:y1], down[x - x0, ys:y1]
                for k in range(y1 - ys):
                    v = vote(rule, w, ux - u[k])
                    v2 = vote(rule, w2, ux2 - u2[k])
                    p[k] = (p[k] + (v if not v < 0.0 else 0.0)) + (v2 if not v2 < 0.0 else 0.0)
                    m[k] = (m[k] + (v if not v > 0.0 else 0.0)) + (v2 if not v2 > 0.0 else 0.0)
        if n_a % 2:  # the last voter alone
            w = cap[n_a - 1]
            for x in range(x0, x1):
                ys = max(x, y0)
                ux, u = util[n_a - 1, x], util[n_a - 1, ys:y1]
                p, m = up[x - x0, ys:y1], down[x - x0, ys:y1]
                for k in range(y1 - ys):
                    v = vote(rule, w, ux - u[k])
                    p[k] += v if not v < 0.0 else 0.0
                    m[k] += v if not v > 0.0 else 0.0


@numba.njit(cache=True, error_model="numpy")
def _half_rows(
    lo: int, hi: int, rule: int, cap: Any, util: Any, plus: Any
) -> None:  # pragma: no cover - compiled
    """Rows ``lo..hi`` of (case b, block of :data:`_BLOCK` options), the blocks taken from both
    ends in turn (rows of a block near option O - 1 have fewer pairs, so ranges of rows cost
    alike): ``plus[b, x, y]`` and ``plus[b, y, x]`` for y >= x, from the votes for x over y.
    Every rule but ASymProsp is odd (``vote(-du) = -vote(du)`` bit for bit: IEEE rounding is
    symmetric), so the votes for y over x are these negated, and so are their sums in the same
    order: ``_option_rows``' bits from half its votes."""
    n_o = util.shape[2]
    n_k = (n_o + _BLOCK - 1) // _BLOCK
    up, down = np.empty((_BLOCK, n_o)), np.empty((_BLOCK, n_o))
    for t in range(lo, hi):
        b, k = t // n_k, t % n_k
        k = k // 2 if k % 2 == 0 else n_k - 1 - k // 2
        x0, x1 = k * _BLOCK, min(k * _BLOCK + _BLOCK, n_o)
        if rule == PROPORTIONAL:  # the rule a constant in each loop: LLVM vectorises it
            _half_block(PROPORTIONAL, x0, x1, cap[b], util[b], up, down)
        elif rule == CUBIC:
            _half_block(CUBIC, x0, x1, cap[b], util[b], up, down)
        elif rule == PROP_CBC:
            _half_block(PROP_CBC, x0, x1, cap[b], util[b], up, down)
        elif rule == BINARY:
            _half_block(BINARY, x0, x1, cap[b], util[b], up, down)
        else:
            _half_block(PROP_BIN, x0, x1, cap[b], util[b], up, down)
        p = plus[b]
        for x in range(x0, x1):
            q, m = up[x - x0], down[x - x0]
            p[x, x] = q[x]
            for y in range(x + 1, n_o):
                p[x, y] = q[y]
                p[y, x] = 0.0 - m[y]  # 0.0 - : +0.0 where no vote is against, as summed


@numba.njit(cache=True, parallel=True)
def _half_par(
    n_rows: int, n_chunks: int, rule: int, cap: Any, util: Any, plus: Any
) -> None:  # pragma: no cover - compiled
    for c in numba.prange(n_chunks):
        _half_rows(n_rows * c // n_chunks, n_rows * (c + 1) // n_chunks, rule, cap, util, plus)


def pair_votes(rule: int, cap: Any, util: Any, b: Any, first: Any, second: Any) -> tuple[Any, Any]:
    """Summed positive and negative votes for option ``first`` over ``second`` of the pairs
    (b, first, second), ``(P,)`` each (see ``smp._pair_votes``): voters in order from 0.0; the
    pairs on several threads (:mod:`.threads`)."""
    from accord.models.kernels import threads

    plus = np.empty(b.size)
    minus = np.empty(b.size)
    # options by voters: a pair's two options are two contiguous rows (a column of each, read
    # voter by voter, was two cache lines a vote)
    util_t = np.ascontiguousarray(np.swapaxes(util, 1, 2))
    args = (rule, np.ascontiguousarray(cap), util_t, b, first, second, plus, minus)
    threads.rows(_pair_par, _pair_rows, b.size, b.size * util.shape[1], *args)
    return plus, minus


@numba.njit(cache=True)
def _pair_rows(
    lo: int, hi: int, rule: int, cap: Any, util_t: Any, b: Any, first: Any, second: Any, plus: Any, minus: Any
) -> None:  # pragma: no cover - compiled
    n_a = util_t.shape[2]
    p = lo
    while p + 4 <= hi:  # four pairs side by side: eight sums, each in order, none waiting on another
        w0, w1, w2, w3 = cap[b[p]], cap[b[p + 1]], cap[b[p + 2]], cap[b[p + 3]]
        x0, y0 = util_t[b[p], first[p]], util_t[b[p], second[p]]
        x1, y1 = util_t[b[p + 1], first[p + 1]], util_t[b[p + 1], second[p + 1]]
        x2, y2 = util_t[b[p + 2], first[p + 2]], util_t[b[p + 2], second[p + 2]]
        x3, y3 = util_t[b[p + 3], first[p + 3]], util_t[b[p + 3], second[p + 3]]
        u0 = u1 = u2 = u3 = d0 = d1 = d2 = d3 = 0.0
        for a in range(n_a):
            v0 = vote(rule, w0[a], x0[a] - y0[a])
            v1 = vote(rule, w1[a], x1[a] - y1[a])
            v2 = vote(rule, w2[a], x2[a] - y2[a])
            v3 = vote(rule, w3[a], x3[a] - y3[a])
            u0 += max(v0, 0.0)
            u1 += max(v1, 0.0)
            u2 += max(v2, 0.0)
            u3 += max(v3, 0.0)
            d0 += min(v0, 0.0)
            d1 += min(v1, 0.0)
            d2 += min(v2, 0.0)
            d3 += min(v3, 0.0)
        plus[p], plus[p + 1], plus[p + 2], plus[p + 3] = u0, u1, u2, u3
        minus[p], minus[p + 1], minus[p + 2], minus[p + 3] = -d0, -d1, -d2, -d3
        p += 4
    for q in range(p, hi):
        c, x, y = b[q], first[q], second[q]
        w, ux, uy = cap[c], util_t[c, x], util_t[c, y]
        up, down = 0.0, 0.0
        for a in range(n_a):
            v = vote(rule, w[a], ux[a] - uy[a])
            up += max(v, 0.0)
            down += min(v, 0.0)
        plus[q] = up
        minus[q] = -down


@numba.njit(cache=True, parallel=True)
def _pair_par(
    n_rows: int,
    n_chunks: int,
    rule: int,
    cap: Any,
    util_t: Any,
    b: Any,
    first: Any,
    second: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    for c in numba.prange(n_chunks):
        lo, hi = n_rows * c // n_chunks, n_rows * (c + 1) // n_chunks
        _pair_rows(lo, hi, rule, cap, util_t, b, first, second, plus, minus)
