"""The SMP's challenge kernel compiled: the third parties' votes on every challenge in one pass.

:func:`third_party_votes` computes what ``smp._contest_block``'s loop over third parties
computes, the summed positive and negative votes of every third party n on every challenge
(i, j) (KTAB's ``probEduChlg``: ``vProbLittle`` and ``thirdPartyVoteSU``), with the same
operations in the same order, so its bits are NumPy's. The order of the sums over n is the
one NumPy's reduction took, which follows the memory layout of its ``(N, i, j, n)`` block
(``tests/models/test_smp.py`` checks both against the NumPy code):

- the initiator's view: n is never the innermost axis of NumPy's block (j is), so NumPy adds
  the third parties in order of n; so does the kernel, vectorised across j (for SemiCommit
  inside the unit box, one fused loop per rule, :func:`_semi_loop`);
- the receiver's view: in order of n (i innermost) where NumPy's block held several
  challengers, but pairwise over n (n innermost, :mod:`accord.models.kernels.sums`) where it
  held one challenger's row: ``pairwise`` marks those rows.

Each row (a case's challenger, or a receiver's column of challenges) is computed on its own
(the initiator's rows up to :data:`_GROUP` at a time, one read of the distances for them), by
one thread, with O(A) scratch and no ``(A, A, A)`` temporaries; the rows run on several
threads where that pays (:mod:`accord.models.kernels.threads`), with the same bits. The options
arrive as integer codes (the voting rule by its place in ``smp.VOTING_RULES``).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from accord.models.kernels.assess import estimated_risk
from accord.models.kernels.sums import planned_sum
from accord.models.kernels.votes import (
    ASYM_PROSP,
    BINARY,
    CUBIC,
    PROP_BIN,
    PROP_CBC,
    PROPORTIONAL,
    vote,
    votes,
)

_GROUP = 4  # challengers that go through the third parties together (one read of each distance row)


@numba.njit(cache=True, error_model="numpy")
def _utility(d: float, r: float) -> float:  # pragma: no cover - compiled
    # smp.utility: np.where(d <= 1, (1 - d) * (1 + d * r), (1 - d) * (1 + r))
    return (1 - d) * (1 + d * r) if d <= 1 else (1 - d) * (1 + r)


@numba.njit(cache=True, error_model="numpy")
def _third_parties(
    rule: int, semi: bool, w: Any, u_ni: Any, unj: Any, u_nn: Any, c_ij: Any, c_ji: Any, s: Any, m: int
) -> None:  # pragma: no cover - compiled
    """Votes ``s.vn[:m]`` of third parties on i against j (vProbLittle, thirdPartyVoteSU), as
    smp._contest_block's loop computes them, for one row of m challenges or third parties:
    u_ni, unj, u_nn their utilities (h's estimates) of i's position, j's and their own,
    c_ij and c_ji the principals' coalitions, w their weights. s: scratch rows (x, v0, vn)."""
    x, v0, vn = s[0], s[1], s[2]
    if not semi:  # NoCommit, FullCommit: both states are worth the same to n
        x[:m] = 0.0
        votes(rule, w, x, vn, m)
        return
    for k in range(m):
        x[k] = u_ni[k] - unj[k]
    votes(rule, w, x, v0, m)
    for k in range(m):
        v = v0[k]
        cni = (v if not v < 0.0 else 0.0) + c_ij[k]
        cnj = c_ji[k] - (v if not v > 0.0 else 0.0)
        pin = cni / (cni + cnj)
        pjn = 1.0 - pin
        x[k] = pin * (u_nn[k] - u_ni[k]) + (unj[k] - u_nn[k]) * pjn
    votes(rule, w, x, vn, m)


@numba.njit(cache=True, error_model="numpy")
def _unj(outside: bool, d: Any, e: Any, out: Any, m: int) -> None:  # pragma: no cover - compiled
    # u^h(n, j) from d = dist[n, j] and h's estimate e of n's risk attitude
    if outside:
        for k in range(m):
            out[k] = _utility(d[k], e[k])
    else:  # the NumPy code's expansion: slope * e + (1 - d), slope = (1 - d) d
        for k in range(m):
            om = 1.0 - d[k]
            out[k] = (om * d[k]) * e[k] + om


@numba.njit(cache=True, error_model="numpy", inline="always")
def _semi_loop(
    rule: int,
    w: float,
    d: Any,
    r: float,
    u_ni: float,
    u_nn: float,
    skip: int,
    c_ij: Any,
    c_ji: Any,
    acc_p: Any,
    acc_m: Any,
    m: int,
) -> None:  # pragma: no cover - compiled
    """:func:`_unj`, :func:`_third_parties` (SemiCommit, inside the unit box) and the sums of
    their votes in one loop over one row's m challenges, for third party n: the same
    expressions in the same order, so the same bits. d: dist[n, j]; skip: n's place among the
    j (-1: none), where n is a principal and votes 0. Inlined with the rule a constant, LLVM
    vectorises it (with the rule's branches inside, or a gather from the row, it does not)."""
    for k in range(m):
        om = 1.0 - d[k]
        unj = (om * d[k]) * r + om
        v = vote(rule, w, u_ni - unj)
        cni = (v if not v < 0.0 else 0.0) + c_ij[k]
        cnj = c_ji[k] - (v if not v > 0.0 else 0.0)
        pin = cni / (cni + cnj)
        pjn = 1.0 - pin
        vn = vote(rule, w, pin * (u_nn - u_ni) + (unj - u_nn) * pjn)
        vn = 0.0 if k == skip else vn
        acc_p[k] += vn if not vn < 0.0 else 0.0
        acc_m[k] += vn if not vn > 0.0 else 0.0


@numba.njit(cache=True, error_model="numpy")
def _semi_commit(
    rule: int,
    w: float,
    d: Any,
    r: float,
    u_ni: float,
    u_nn: float,
    skip: int,
    c_ij: Any,
    c_ji: Any,
    acc_p: Any,
    acc_m: Any,
    m: int,
) -> None:  # pragma: no cover - compiled
    """:func:`_semi_loop` with the rule a constant: one loop per rule."""
    if rule == PROPORTIONAL:
        _semi_loop(PROPORTIONAL, w, d, r, u_ni, u_nn, skip, c_ij, c_ji, acc_p, acc_m, m)
    elif rule == CUBIC:
        _semi_loop(CUBIC, w, d, r, u_ni, u_nn, skip, c_ij, c_ji, acc_p, acc_m, m)
    elif rule == PROP_CBC:
        _semi_loop(PROP_CBC, w, d, r, u_ni, u_nn, skip, c_ij, c_ji, acc_p, acc_m, m)
    elif rule == ASYM_PROSP:
        _semi_loop(ASYM_PROSP, w, d, r, u_ni, u_nn, skip, c_ij, c_ji, acc_p, acc_m, m)
    elif rule == BINARY:
        _semi_loop(BINARY, w, d, r, u_ni, u_nn, skip, c_ij, c_ji, acc_p, acc_m, m)
    else:
        _semi_loop(PROP_BIN, w, d, r, u_ni, u_nn, skip, c_ij, c_ji, acc_p, acc_m, m)


def third_party_votes(
    rule: int,
    semi: bool,
    receiver: bool,
    outside: bool,
    dist: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    pairwise: Any,
    plan_lo: Any,
    plan_len: Any,
    plus: Any,
    minus: Any,
    keep: Any = None,
) -> None:
    """Fill ``plus[b, i, j]`` and ``minus[b, i, j]`` with the third parties' summed votes.

    dist ``(N, A, A)``; est: h's estimates of n's risk attitudes ``est[b, h, n]``; weight
    ``(N, A)``; chij, chji: the principals' coalitions ``(N, A, A)``, all C-contiguous. The
    estimator h is i (``receiver`` False) or j (True). semi: KTAB's SemiCommit (otherwise n
    votes on du = 0); outside: the batch has distances above 1 (``_contest_block``'s other
    branch). pairwise ``(N, A)``: the challengers' rows summed pairwise over n (receiver only),
    by the tree ``sums.pairwise_plan(A)`` gives; the others are summed in order of n.
    keep ``(N, A, A)`` bool (initiator's view only; None: all): the challenges to compute, the
    others left at 0 (:func:`challenge_bounds` prunes those that cannot be the best).

    Rows (one challenger's, or one receiver's column) are independent, so they run on several
    threads (:mod:`accord.models.kernels.threads`); each is computed by one thread in the serial
    order, so the bits do not depend on the number of threads.
    """
    n_b, n_a = weight.shape
    d_nn = np.ascontiguousarray(np.diagonal(dist, axis1=1, axis2=2))
    if not receiver:  # h = i; NumPy's order: i, then n, then j (vectorised across j)
        cases = np.arange(n_b)
        if keep is None:
            keep = np.ones((n_b, n_a, n_a), dtype=np.bool_)
        init = (rule, semi, outside, dist, est, weight, chij, chji, d_nn, cases, keep, plus, minus)
        _run(_initiator_rows, _initiator_par, cases.size * n_a, init)
        return
    ordered = np.flatnonzero(~pairwise.all(axis=1))  # h = j; NumPy's order: j, then n, then i
    if ordered.size:
        chij_t = np.ascontiguousarray(np.swapaxes(chij, 1, 2))
        chji_t = np.ascontiguousarray(np.swapaxes(chji, 1, 2))
        args = (rule, semi, outside, dist, est, weight, chij_t, chji_t, d_nn, ordered, plus, minus)
        _run(_receiver_rows, _receiver_par, ordered.size * n_a, args)
    summed = np.flatnonzero(pairwise.any(axis=1))  # rows NumPy summed pairwise, over n
    if summed.size:  # after the rows in order: these overwrite the pairwise rows' entries
        dist_t = np.ascontiguousarray(np.swapaxes(dist, 1, 2))  # dist_t[b, x, n] = dist[b, n, x]
        args = (  # type: ignore[assignment]
            rule, semi, outside, dist_t, est, weight, chij, chji, d_nn, summed, pairwise,
            plan_lo, plan_len, plus, minus,
        )  # fmt: skip
        _run(_pairwise_rows, _pairwise_par, summed.size * n_a, args)


def _run(serial: Any, parallel: Any, n_rows: int, args: tuple[Any, ...]) -> None:
    from accord.models.kernels import threads

    n_a = args[5].shape[1]  # weight
    threads.rows(parallel, serial, n_rows, n_rows * n_a * n_a, *args)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _semi_loop2(
    rule: int,
    w: float,
    d: Any,
    r: float,
    u_ni: float,
    u_nn: float,
    skip: int,
    w2: float,
    d2: Any,
    r2: float,
    u_ni2: float,
    u_nn2: float,
    skip2: int,
    c_ij: Any,
    c_ji: Any,
    acc_p: Any,
    acc_m: Any,
    m: int,
) -> None:  # pragma: no cover - compiled
    """:func:`_semi_loop` for third parties n (w, d, r, u_ni, u_nn, skip) and n + 1 (w2, ...) in one
    loop: each sum is loaded and stored once for the two votes, and adds n's, then n + 1's."""
    for k in range(m):
        om = 1.0 - d[k]
        unj = (om * d[k]) * r + om
        v = vote(rule, w, u_ni - unj)
        cni = (v if not v < 0.0 else 0.0) + c_ij[k]
        cnj = c_ji[k] - (v if not v > 0.0 else 0.0)
        pin = cni / (cni + cnj)
        pjn = 1.0 - pin
        vn = vote(rule, w, pin * (u_nn - u_ni) + (unj - u_nn) * pjn)
        vn = 0.0 if k == skip else vn
        om2 = 1.0 - d2[k]
        unj2 = (om2 * d2[k]) * r2 + om2
        v2 = vote(rule, w2, u_ni2 - unj2)
        cni2 = (v2 if not v2 < 0.0 else 0.0) + c_ij[k]
        cnj2 = c_ji[k] - (v2 if not v2 > 0.0 else 0.0)
        pin2 = cni2 / (cni2 + cnj2)
        pjn2 = 1.0 - pin2
        vn2 = vote(rule, w2, pin2 * (u_nn2 - u_ni2) + (unj2 - u_nn2) * pjn2)
        vn2 = 0.0 if k == skip2 else vn2
        acc_p[k] = (acc_p[k] + (vn if not vn < 0.0 else 0.0)) + (vn2 if not vn2 < 0.0 else 0.0)
        acc_m[k] = (acc_m[k] + (vn if not vn > 0.0 else 0.0)) + (vn2 if not vn2 > 0.0 else 0.0)


@numba.njit(cache=True, error_model="numpy")
def _semi_commit2(
    rule: int,
    w: float,
    d: Any,
    r: float,
    u_ni: float,
    u_nn: float,
    skip: int,
    w2: float,
    d2: Any,
    r2: float,
    u_ni2: float,
    u_nn2: float,
    skip2: int,
    c_ij: Any,
    c_ji: Any,
    acc_p: Any,
    acc_m: Any,
    m: int,
) -> None:  # pragma: no cover - compiled
    """:func:`_semi_loop2` with the rule a constant: one loop per rule."""
    if rule == PROPORTIONAL:
        _semi_loop2(
            PROPORTIONAL,
            w,
            d,
            r,
            u_ni,
            u_nn,
            skip,
            w2,
            d2,
            r2,
            u_ni2,
            u_nn2,
            skip2,
            c_ij,
            c_ji,
            acc_p,
            acc_m,
            m,
        )
    elif rule == CUBIC:
        _semi_loop2(
            CUBIC, w, d, r, u_ni, u_nn, skip, w2, d2, r2, u_ni2, u_nn2, skip2, c_ij, c_ji, acc_p, acc_m, m
        )
    elif rule == PROP_CBC:
        _semi_loop2(
            PROP_CBC, w, d, r, u_ni, u_nn, skip, w2, d2, r2, u_ni2, u_nn2, skip2, c_ij, c_ji, acc_p, acc_m, m
        )
    elif rule == ASYM_PROSP:
        _semi_loop2(
            ASYM_PROSP,
            w,
            d,
            r,
            u_ni,
            u_nn,
            skip,
            w2,
            d2,
            r2,
            u_ni2,
            u_nn2,
            skip2,
            c_ij,
            c_ji,
            acc_p,
            acc_m,
            m,
        )
    elif rule == BINARY:
        _semi_loop2(
            BINARY, w, d, r, u_ni, u_nn, skip, w2, d2, r2, u_ni2, u_nn2, skip2, c_ij, c_ji, acc_p, acc_m, m
        )
    else:
        _semi_loop2(
            PROP_BIN, w, d, r, u_ni, u_nn, skip, w2, d2, r2, u_ni2, u_nn2, skip2, c_ij, c_ji, acc_p, acc_m, m
        )


@numba.njit(cache=True, error_model="numpy", inline="always")
def _party(
    rule: int,
    semi: bool,
    outside: bool,
    b: int,
    i: int,
    n: int,
    m: int,
    ix: Any,
    skip: int,
    dist: Any,
    est: Any,
    weight: Any,
    d_nn: Any,
    c_ij: Any,
    c_ji: Any,
    acc_p: Any,
    acc_m: Any,
    d: Any,
    e: Any,
    wv: Any,
    u_ni: Any,
    u_nn: Any,
    unj: Any,
    s: Any,
) -> None:  # pragma: no cover - compiled
    """Third party n's votes on challenger i's m kept challenges (j = ``ix[:m]``; ``skip``: n's
    place among them, -1 if none) added to the sums ``acc_p``, ``acc_m``; d, e, wv, u_ni, u_nn,
    unj and s: scratch."""
    row = dist[b, n]
    r = est[b, i, n]
    for k in range(m):
        d[k] = row[ix[k]]
    if semi and not outside:  # one fused loop over the kept j
        w, ni, nn = weight[b, n], _utility(dist[b, n, i], r), _utility(d_nn[b, n], r)
        _semi_commit(rule, w, d, r, ni, nn, skip, c_ij, c_ji, acc_p, acc_m, m)
        return
    e[:m] = r
    wv[:m] = weight[b, n]
    u_ni[:m] = _utility(dist[b, n, i], r)
    u_nn[:m] = _utility(d_nn[b, n], r)
    _unj(outside, d, e, unj, m)
    _third_parties(rule, semi, wv, u_ni, unj, u_nn, c_ij, c_ji, s, m)
    vn = s[2]
    if skip >= 0:  # n = j likewise
        vn[skip] = 0.0
    for k in range(m):
        acc_p[k] += vn[k] if not vn[k] < 0.0 else 0.0
        acc_m[k] += vn[k] if not vn[k] > 0.0 else 0.0


@numba.njit(cache=True, error_model="numpy")
def _initiator_rows(
    lo: int,
    hi: int,
    rule: int,
    semi: bool,
    outside: bool,
    dist: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    d_nn: Any,
    cases: Any,
    keep: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo..hi`` of (case, challenger i), h = i: the kept j at once, third parties n in
    order. Each j's terms are its own, so computing a subset of j gives the same bits; the
    others (``keep`` False) are left at 0. Up to :data:`_GROUP` rows of a case go through the
    third parties together, so that each row of distances is read once for all of them (row
    by row, a large case reads the whole distance matrix from memory once per challenger); each
    row's sums still add the third parties in order."""
    n_a = weight.shape[1]
    acc_p, acc_m = np.empty((_GROUP, n_a)), np.empty((_GROUP, n_a))
    c_ij, c_ji = np.empty((_GROUP, n_a)), np.empty((_GROUP, n_a))
    idx, at = np.empty((_GROUP, n_a), dtype=np.intp), np.empty((_GROUP, n_a), dtype=np.intp)
    size = np.empty(_GROUP, dtype=np.intp)
    e, wv, u_ni, u_nn, unj = np.empty(n_a), np.empty(n_a), np.empty(n_a), np.empty(n_a), np.empty(n_a)
    d, d2 = np.empty(n_a), np.empty(n_a)
    s = np.empty((3, n_a))
    t = lo
    while t < hi:
        b, i0 = cases[t // n_a], t % n_a
        g = min(_GROUP, hi - t, n_a - i0)  # rows of one case
        for q in range(g):
            i = i0 + q
            m = 0
            for j in range(n_a):
                at[q, j] = -1
                if keep[b, i, j]:
                    idx[q, m] = j
                    at[q, j] = m
                    m += 1
            size[q] = m
            for k in range(m):
                c_ij[q, k] = chij[b, i, idx[q, k]]
                c_ji[q, k] = chji[b, i, idx[q, k]]
            acc_p[q, :m] = 0.0
            acc_m[q, :m] = 0.0
        n = 0
        while n < n_a:
            # SemiCommit inside the unit box (the usual case): two third parties a pass, each sum
            # adding n, then n + 1
            two = semi and not outside and n + 1 < n_a
            for q in range(g):
                i = i0 + q
                m = size[q]
                ix = idx[q]
                if two and n != i and n + 1 != i:
                    row, row2 = dist[b, n], dist[b, n + 1]
                    for k in range(m):
                        d[k] = row[ix[k]]
                        d2[k] = row2[ix[k]]
                    r, r2 = est[b, i, n], est[b, i, n + 1]
                    ni, nn = _utility(dist[b, n, i], r), _utility(d_nn[b, n], r)
                    ni2, nn2 = _utility(dist[b, n + 1, i], r2), _utility(d_nn[b, n + 1], r2)
                    w, w2, cp, cm = weight[b, n], weight[b, n + 1], acc_p[q], acc_m[q]
                    _semi_commit2(
                        rule, w, d, r, ni, nn, at[q, n], w2, d2, r2, ni2, nn2, at[q, n + 1],
                        c_ij[q], c_ji[q], cp, cm, m,
                    )  # fmt: skip
                    continue
                for p3 in range(n, n + 2 if two else n + 1):
                    if p3 == i:  # a principal, not a third party
                        continue
                    _party(
                        rule, semi, outside, b, i, p3, m, ix, at[q, p3], dist, est, weight, d_nn,
                        c_ij[q], c_ji[q], acc_p[q], acc_m[q], d, e, wv, u_ni, u_nn, unj, s,
                    )  # fmt: skip
            n += 2 if two else 1
        for q in range(g):
            i = i0 + q
            plus[b, i] = 0.0
            minus[b, i] = 0.0
            for k in range(size[q]):
                plus[b, i, idx[q, k]] = acc_p[q, k]
                minus[b, i, idx[q, k]] = -acc_m[q, k]
        t += g


@numba.njit(cache=True, error_model="numpy")
def _receiver_rows(
    lo: int,
    hi: int,
    rule: int,
    semi: bool,
    outside: bool,
    dist: Any,
    est: Any,
    weight: Any,
    chij_t: Any,
    chji_t: Any,
    d_nn: Any,
    cases: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo..hi`` of (case, receiver j), h = j: every i at once, third parties n in order.
    chij_t, chji_t: the coalitions transposed, ``chij_t[b, j, i] = chij[b, i, j]``."""
    n_a = weight.shape[1]
    acc_p, acc_m = np.empty(n_a), np.empty(n_a)
    e, wv, u_ni, u_nn, unj = np.empty(n_a), np.empty(n_a), np.empty(n_a), np.empty(n_a), np.empty(n_a)
    d = np.empty(n_a)
    s = np.empty((3, n_a))
    for t in range(lo, hi):
        b, j = cases[t // n_a], t % n_a
        acc_p[:] = 0.0
        acc_m[:] = 0.0
        for n in range(n_a):
            if n == j:
                continue
            r = est[b, j, n]
            e[:] = r
            wv[:] = weight[b, n]
            u_nn[:] = _utility(d_nn[b, n], r)
            d[:] = dist[b, n, j]
            _unj(outside, d, e, unj, n_a)
            row = dist[b, n]
            for i in range(n_a):
                u_ni[i] = _utility(row[i], r)
            _third_parties(rule, semi, wv, u_ni, unj, u_nn, chij_t[b, j], chji_t[b, j], s, n_a)
            vn = s[2]
            vn[n] = 0.0
            for i in range(n_a):
                acc_p[i] += vn[i] if not vn[i] < 0.0 else 0.0
                acc_m[i] += vn[i] if not vn[i] > 0.0 else 0.0
        plus[b, :, j] = acc_p
        minus[b, :, j] = -acc_m


@numba.njit(cache=True, error_model="numpy")
def _pairwise_rows(
    lo: int,
    hi: int,
    rule: int,
    semi: bool,
    outside: bool,
    dist_t: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    d_nn: Any,
    cases: Any,
    pairwise: Any,
    plan_lo: Any,
    plan_len: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    """Rows ``lo..hi`` of (case, receiver j), h = j: the challenges (i, j) of the challengers i
    whose rows NumPy summed pairwise, one at a time, over n. dist_t ``[b, x, n] = dist[b, n, x]``."""
    n_a = weight.shape[1]
    acc_p, acc_m = np.empty(n_a), np.empty(n_a)
    e, u_ni, u_nn, unj = np.empty(n_a), np.empty(n_a), np.empty(n_a), np.empty(n_a)
    c_ij, c_ji, d = np.empty(n_a), np.empty(n_a), np.empty(n_a)
    s = np.empty((3, n_a))
    stack = np.empty(64)
    for t in range(lo, hi):
        b, j = cases[t // n_a], t % n_a
        e[:] = est[b, j]
        d[:] = dist_t[b, j]
        for n in range(n_a):
            u_nn[n] = _utility(d_nn[b, n], e[n])
        _unj(outside, d, e, unj, n_a)
        for i in range(n_a):
            if not pairwise[b, i]:
                continue
            for n in range(n_a):
                u_ni[n] = _utility(dist_t[b, i, n], e[n])
            c_ij[:] = chij[b, i, j]
            c_ji[:] = chji[b, i, j]
            _third_parties(rule, semi, weight[b], u_ni, unj, u_nn, c_ij, c_ji, s, n_a)
            vn = s[2]
            vn[i] = 0.0  # the principals count as zeros here
            vn[j] = 0.0
            for n in range(n_a):
                acc_p[n] = vn[n] if not vn[n] < 0.0 else 0.0
                acc_m[n] = vn[n] if not vn[n] > 0.0 else 0.0
            plus[b, i, j] = planned_sum(acc_p, plan_lo, plan_len, stack)
            minus[b, i, j] = -planned_sum(acc_m, plan_lo, plan_len, stack)


# the parallel twins: rows cut into n_chunks ranges that prange shares out among the threads
# (written out, not made by a closure: numba caches a closure under one name for all three)


@numba.njit(cache=True, parallel=True)
def _initiator_par(
    n_rows: int,
    n_chunks: int,
    rule: int,
    semi: bool,
    outside: bool,
    dist: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    d_nn: Any,
    cases: Any,
    keep: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    for c in numba.prange(n_chunks):
        lo, hi = n_rows * c // n_chunks, n_rows * (c + 1) // n_chunks
        _initiator_rows(
            lo, hi, rule, semi, outside, dist, est, weight, chij, chji, d_nn, cases, keep, plus, minus
        )


@numba.njit(cache=True, parallel=True)
def _receiver_par(
    n_rows: int,
    n_chunks: int,
    rule: int,
    semi: bool,
    outside: bool,
    dist: Any,
    est: Any,
    weight: Any,
    chij_t: Any,
    chji_t: Any,
    d_nn: Any,
    cases: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    for c in numba.prange(n_chunks):
        lo, hi = n_rows * c // n_chunks, n_rows * (c + 1) // n_chunks
        _receiver_rows(
            lo, hi, rule, semi, outside, dist, est, weight, chij_t, chji_t, d_nn, cases, plus, minus
        )


@numba.njit(cache=True, parallel=True)
def _pairwise_par(
    n_rows: int,
    n_chunks: int,
    rule: int,
    semi: bool,
    outside: bool,
    dist_t: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    d_nn: Any,
    cases: Any,
    pairwise: Any,
    plan_lo: Any,
    plan_len: Any,
    plus: Any,
    minus: Any,
) -> None:  # pragma: no cover - compiled
    for c in numba.prange(n_chunks):
        lo, hi = n_rows * c // n_chunks, n_rows * (c + 1) // n_chunks
        _pairwise_rows(
            lo,
            hi,
            rule,
            semi,
            outside,
            dist_t,
            est,
            weight,
            chij,
            chji,
            d_nn,
            cases,
            pairwise,
            plan_lo,
            plan_len,
            plus,
            minus,
        )


# the initiator's challenges around the third parties' votes (smp._pruned_challenges): the O(A^2)
# work of smp._contest_block, smp._contest_result and smp._best_challenges, in two passes


@numba.njit(cache=True, error_model="numpy")
def challenge_bounds(
    rule: int,
    adjust: int,
    dist: Any,
    risk: Any,
    weight: Any,
    sal_total: Any,
    sound: Any,
    est: Any,
    chij: Any,
    chji: Any,
    keep: Any,
    best: Any,
) -> None:  # pragma: no cover - compiled
    """The principals' coalitions on every challenge (i, j) as i sees it (``smp._contest_block``'s
    initiator view before the third parties, its expressions in their order) and the challenges
    that can be i's best: fills ``est[b, h, n]``, ``chij``, ``chji`` and ``keep`` ``(N, A, A)`` and
    each i's best lower bound ``best`` ``(N, A)`` from distances ``(N, A, A)``, risk attitudes,
    weights and salience totals ``(N, A)``; sound ``(N,)``: the case's weights cannot overflow
    the votes (their absolute sum below 1e250, where p_ij + p_ji is within 3 ulp of 1).

    The bounds: ``smp._contest_result``'s gain is nondecreasing in ``eu_contest`` where s_j >= 0
    (every rounded operation is monotone), and ``eu_contest = p_ij u_win + p_ji u_lose`` lies
    between u_win and u_lose up to rounding (p_ij, p_ji >= 0 adding to 1 within 3 ulp; the
    products and the sum add at most 4 ulp of the larger |u|): a slack of 1e-14 of it covers
    both. So the gain at eu = the smaller u minus the slack, and at the larger plus it, computed
    with the gain's own operations, bound the rounded gain. A rival whose upper bound is below
    another's lower bound is never the first largest gain, whatever P; ties are kept. Column 0
    is kept because ``argmax`` answers 0 where no rival is worth challenging. Outside the
    premises (s_j negative or NaN, weights not sound, a NaN bound) nothing is pruned."""
    n_b, n_a = risk.shape
    hi = np.empty(n_a)
    for b in range(n_b):
        r, d, w, tot = risk[b], dist[b], weight[b], sal_total[b]
        for h in range(n_a):
            for n in range(n_a):
                est[b, h, n] = estimated_risk(adjust, r[h], r[n])
        for i in range(n_a):
            uii = _utility(d[i, i], r[i])
            top = -np.inf
            for j in range(n_a):
                uij = _utility(d[i, j], r[i])
                e = est[b, i, j]
                c_i = vote(rule, w[i], uii - uij)
                c_j = vote(rule, w[j], _utility(d[j, i], e) - _utility(d[j, j], e))
                n_i, n_j = -c_i, -c_j
                chij[b, i, j] = (1e-10 + (c_i if not c_i < 0.0 else 0.0)) + (c_j if not c_j < 0.0 else 0.0)
                chji[b, i, j] = (1e-10 + (n_i if not n_i < 0.0 else 0.0)) + (n_j if not n_j < 0.0 else 0.0)
                eu_sq, u_win, u_lose = uii + uij, uii + uii, uij + uij
                s_j = tot[j]
                a_win, a_lose = abs(u_win), abs(u_lose)
                size = a_win if (a_win >= a_lose or a_win != a_win) else a_lose  # np.maximum
                slack = size * 1e-14 + 1e-300
                low = u_win if (u_win <= u_lose or u_win != u_win) else u_lose  # np.minimum
                high = u_win if (u_win >= u_lose or u_win != u_win) else u_lose
                won = (1 - s_j) * u_win
                g_lo = (won + s_j * (low - slack)) - eu_sq
                g_hi = (won + s_j * (high + slack)) - eu_sq
                if not (s_j >= 0 and sound[b]):
                    g_lo, g_hi = -np.inf, np.inf
                if j == i:
                    g_lo = -np.inf
                hi[j] = g_hi
                if g_lo != g_lo or top != top:  # np.max: NaN wins, and nothing is pruned
                    top = np.nan
                elif g_lo > top:
                    top = g_lo
            best[b, i] = top
            for j in range(n_a):
                keep[b, i, j] = j == 0 or not hi[j] < top


@numba.njit(cache=True, error_model="numpy")
def best_challenges(
    dist: Any,
    risk: Any,
    sal_total: Any,
    chij: Any,
    chji: Any,
    plus: Any,
    minus: Any,
    keep: Any,
    best: Any,
    target: Any,
    p: Any,
) -> bool:  # pragma: no cover - compiled
    """Each actor's target (-1: none) and its estimate of winning ``(N, A)`` from the kept
    challenges (``smp._contest_result`` and ``smp._best_challenges``: the first largest gain
    above 1e-5, P at it, or at rival 0 where there is none). False where the pruning's premise
    fails: no kept rival's gain reaches i's best lower bound (the caller then prunes nothing)."""
    n_b, n_a = risk.shape
    for b in range(n_b):
        r, d, tot = risk[b], dist[b], sal_total[b]
        for i in range(n_a):
            uii = _utility(d[i, i], r[i])
            bar = best[b, i]
            reached = False
            top, tgt, p_top = -np.inf, 0, 0.0
            for j in range(n_a):
                if not keep[b, i, j]:
                    continue
                uij = _utility(d[i, j], r[i])
                eu_sq, u_win, u_lose = uii + uij, uii + uii, uij + uij
                cij = chij[b, i, j] + plus[b, i, j]
                cji = chji[b, i, j] + minus[b, i, j]
                p_ij = cij / (cij + cji)
                p_ji = cji / (cij + cji)
                s_j = tot[j]
                gain = ((1 - s_j) * u_win + s_j * (p_ij * u_win + p_ji * u_lose)) - eu_sq
                if j == 0:
                    p_top = p_ij  # argmax answers 0 where no rival is worth challenging
                if j != i:
                    reached = reached or gain >= bar
                    if gain > 1e-5 and gain > top:  # MIN_SIG_GAIN; the first of equal gains
                        top, tgt, p_top = gain, j, p_ij
            if not reached:
                return False
            target[b, i] = tgt if top > -np.inf and top < np.inf else -1
            p[b, i] = p_top
    return True
