"""The voting rules compiled: :func:`accord.models.smp.vote` (KTAB ``Model::vote``) for one
voter, written as NumPy evaluates it, and for a row of voters. Rules are numbered by their
place in :data:`accord.models.smp.VOTING_RULES`.
"""

from __future__ import annotations

from typing import Any

import numba

from accord.models.smp import VOTING_RULES

_NAMES = ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")
BINARY, PROP_BIN, PROPORTIONAL, PROP_CBC, CUBIC, ASYM_PROSP = (VOTING_RULES.index(r) for r in _NAMES)


@numba.njit(cache=True, error_model="numpy", inline="always")
def vote(rule: int, w: float, du: float) -> float:  # pragma: no cover - compiled
    """A voter's vote for option 1 over option 2 given ``du = u1 - u2`` and its weight ``w``."""
    if rule == PROPORTIONAL:
        return w * du
    if rule == CUBIC:
        return w * (du * du * du)
    if rule == PROP_CBC:
        return w * (0.5 * du + 0.5 * (du * du * du))
    if rule == ASYM_PROSP:
        return w * du if du < 0 else ((2.0 * w * du) / 3.0 if du > 0 else 0.0)
    b = du / 1e-8  # np.clip(du / 1e-8, -1, 1), NaN passing through
    b = -1.0 if b < -1.0 else (1.0 if b > 1.0 else b)
    return w * b if rule == BINARY else w * (0.8 * du + 0.2 * b)


@numba.njit(cache=True, error_model="numpy")
def votes(rule: int, w: Any, du: Any, out: Any, m: int) -> None:  # pragma: no cover - compiled
    """``out[:m] = smp.vote(rule, w[:m], du[:m])``: one loop per rule, the rule a constant in it
    (the rule's branches inside one loop keep LLVM from vectorising it)."""
    if rule == PROPORTIONAL:
        for k in range(m):
            out[k] = vote(PROPORTIONAL, w[k], du[k])
    elif rule == CUBIC:
        for k in range(m):
            out[k] = vote(CUBIC, w[k], du[k])
    elif rule == PROP_CBC:
        for k in range(m):
            out[k] = vote(PROP_CBC, w[k], du[k])
    elif rule == ASYM_PROSP:
        for k in range(m):
            out[k] = vote(ASYM_PROSP, w[k], du[k])
    elif rule == BINARY:
        for k in range(m):
            out[k] = vote(BINARY, w[k], du[k])
    else:
        for k in range(m):
            out[k] = vote(PROP_BIN, w[k], du[k])
