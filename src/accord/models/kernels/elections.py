"""The SMP's elections compiled: every voter's vote over every pair of options, summed.

:func:`option_votes` is :func:`accord.models.smp._option_votes` in one pass instead of one
NumPy pass per operation (difference, vote, clip at zero, sum): the same expressions in the
same order, and each sum over the voters in order from 0.0, as NumPy reduces a voter-major
block over its leading axis, so the bits are NumPy's (``tests/models/test_smp.py`` checks both
paths on the same inputs). Rules are numbered by their place in :data:`accord.models.smp.VOTING_RULES`
(:mod:`accord.models.kernels.votes`).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from accord.models.kernels.votes import ASYM_PROSP, vote


@numba.njit(cache=True)
def option_votes(rule: int, cap: Any, util: Any) -> tuple[Any, Any]:  # pragma: no cover - compiled
    """Summed positive and negative votes over every pair of options, ``(N, O, O)`` each, from
    capabilities ``(N, A)`` and utilities ``(N, A, O)`` (see ``smp._option_votes``)."""
    n_b, n_a, n_o = util.shape
    plus = np.zeros((n_b, n_o, n_o))
    minus = np.zeros((n_b, n_o, n_o))
    for b in range(n_b):
        for a in range(n_a):  # voters in order: each sum accumulates from 0.0 as NumPy's
            w = cap[b, a]
            for x in range(n_o):
                ux = util[b, a, x]
                for y in range(n_o):
                    v = vote(rule, w, ux - util[b, a, y])
                    plus[b, x, y] += max(v, 0.0)
                    if rule == ASYM_PROSP:
                        minus[b, x, y] += min(v, 0.0)
    if rule == ASYM_PROSP:
        for b in range(n_b):
            for x in range(n_o):
                for y in range(n_o):
                    minus[b, x, y] = -minus[b, x, y]
    else:
        for b in range(n_b):
            for x in range(n_o):
                for y in range(n_o):
                    minus[b, x, y] = plus[b, y, x]
    return plus, minus


@numba.njit(cache=True)
def pair_votes(
    rule: int, cap: Any, util: Any, b: Any, first: Any, second: Any
) -> tuple[Any, Any]:  # pragma: no cover - compiled
    """Summed positive and negative votes for option ``first`` over ``second`` of the pairs
    (b, first, second), ``(P,)`` each (see ``smp._pair_votes``): voters in order from 0.0."""
    n_a = util.shape[1]
    plus = np.zeros(b.size)
    minus = np.zeros(b.size)
    for p in range(b.size):
        c, x, y = b[p], first[p], second[p]
        up, down = 0.0, 0.0
        for a in range(n_a):
            v = vote(rule, cap[c, a], util[c, a, x] - util[c, a, y])
            up += max(v, 0.0)
            down += min(v, 0.0)
        plus[p] = up
        minus[p] = -down
    return plus, minus
