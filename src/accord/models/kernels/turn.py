"""The SMP's whole turn compiled for batches of small cases: one call per turn, every active case.

:func:`turn` is ``smp._turn`` followed by ``smp.run``'s stopping-rule movement and its assessment
of the new state (KTAB's ``SMPState::doBCN`` and ``setAllAUtil``): challenges, bargains, each
actor's election over its options, adoption, new ideals, then distances, risk attitudes and
winning probabilities. It runs case by case the kernels of :mod:`accord.models.kernels.assess`
and :mod:`accord.models.kernels.contests` that ``smp`` calls one operation at a time over the
batch, and writes the rest (the bargains' interpolation, the options, the choice) in the NumPy
code's order and grouping, so its bits are NumPy's (``tests/models/test_smp_turn.py`` runs both
paths on the same inputs). Where the NumPy code's numbers depend on the rest of the batch (whether
any distance of the batch exceeds 1; which receivers' rows NumPy summed pairwise) the caller
passes them in.

Options arrive as their places in ``smp``'s tuples (``VOTING_RULES``, ``PCE_MODELS``,
``VICTORY_MODELS``, ``BIG_R_RANGE``, ``BIG_R_ADJUST``, ``INTERPOLATION``, ``BARGAIN_MODELS``).
Without an accommodation matrix only (new ideals are the new positions).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from accord.models.kernels.assess import (
    _row_sum,
    _utility,
    assess_case,
    assess_scratch,
    best_case,
    challenge_case,
    elections_case,
    elections_scratch,
    utilities_case,
)
from accord.models.kernels.sums import planned_sum
from accord.models.kernels.votes import ASYM_PROSP, BINARY, CUBIC, PROP_BIN, PROP_CBC, PROPORTIONAL, vote

S1P1, S2P2 = 0, 1  # smp.INTERPOLATION; 2: S2PMax
INIT_ONLY, INIT_RCVR = 0, 1  # smp.BARGAIN_MODELS; 2: PWCompInterp
MIN_WEIGHT = 1e-6  # smp.MIN_WEIGHT


@numba.njit(cache=True, error_model="numpy")
def _round4(x: float) -> float:  # pragma: no cover - compiled
    return math.floor(0.5 + x * 10000.0) / 10000.0


@numba.njit(cache=True, error_model="numpy")
def _interpolate(
    rule: int, t_i: Any, s_i: Any, p_i: float, t_j: Any, s_j: Any, p_j: float, b_i: Any, b_j: Any
) -> None:  # pragma: no cover - compiled
    # smp.interpolate for one pair: rows of positions and saliences, scalar probabilities
    for k in range(t_i.shape[0]):
        if rule == S1P1 or rule == S2P2:  # x**1 and x**2 are NumPy's positive and square
            if rule == S1P1:
                w_i = s_i[k] * p_i
                w_j = s_j[k] * p_j
            else:
                w_i = (s_i[k] * s_i[k]) * (p_i * p_i)
                w_j = (s_j[k] * s_j[k]) * (p_j * p_j)
            den = w_i + MIN_WEIGHT + w_j
            b_i[k] = _round4(((w_i + MIN_WEIGHT) * t_i[k] + w_j * t_j[k]) / den)
            b_j[k] = _round4((w_i * t_i[k] + (MIN_WEIGHT + w_j) * t_j[k]) / den)
        else:  # S2PMax
            d_i = p_j - p_i if p_j > p_i else 0.0
            d_j = p_i - p_j if p_i > p_j else 0.0
            si2, sj2 = s_i[k] * s_i[k], s_j[k] * s_j[k]
            dik = (d_i * sj2) / ((d_i * sj2) + MIN_WEIGHT + ((1 - d_i) * si2))
            djk = (d_j * si2) / ((d_j * si2) + MIN_WEIGHT + ((1 - d_j) * sj2))
            b_i[k] = t_i[k] + dik * (t_j[k] - t_i[k])
            b_j[k] = t_j[k] + djk * (t_i[k] - t_j[k])


@numba.njit(cache=True, error_model="numpy")
def _third_party(
    rule: int, semi: bool, w: float, u_ni: float, unj: float, u_nn: float, c_ij: float, c_ji: float
) -> float:  # pragma: no cover - compiled
    # contests._third_parties for one third party
    if not semi:
        return vote(rule, w, 0.0)
    v = vote(rule, w, u_ni - unj)
    cni = (v if not v < 0.0 else 0.0) + c_ij
    cnj = c_ji - (v if not v > 0.0 else 0.0)
    pin = cni / (cni + cnj)
    pjn = 1.0 - pin
    return vote(rule, w, pin * (u_nn - u_ni) + (unj - u_nn) * pjn)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _semi_commit_sums(
    rule: int,
    d: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    plus: Any,
    minus: Any,
    acc_p: Any,
    acc_m: Any,
    om: Any,
    omd: Any,
) -> None:  # pragma: no cover - compiled
    # _third_party_sums for SemiCommit with every distance at most 1, inlined with the rule a
    # constant: j's loop without branches, so LLVM vectorises it (n = j's vote made 0 by a select)
    n_a = d.shape[0]
    for i in range(n_a):
        acc_p[:] = 0.0
        acc_m[:] = 0.0
        for n in range(n_a):
            if n == i:  # a principal, not a third party
                continue
            r, w = est[i, n], weight[n]
            u_ni = _utility(d[n, i], r)
            u_nn = _utility(d[n, n], r)
            for j in range(n_a):
                unj = omd[n, j] * r + om[n, j]
                v = vote(rule, w, u_ni - unj)
                cni = (v if not v < 0.0 else 0.0) + chij[i, j]
                cnj = chji[i, j] - (v if not v > 0.0 else 0.0)
                pin = cni / (cni + cnj)
                pjn = 1.0 - pin
                vn = vote(rule, w, pin * (u_nn - u_ni) + (unj - u_nn) * pjn)
                vn = 0.0 if j == n else vn
                acc_p[j] += vn if not vn < 0.0 else 0.0
                acc_m[j] += vn if not vn > 0.0 else 0.0
        for j in range(n_a):
            plus[i, j] = acc_p[j]
            minus[i, j] = -acc_m[j]


@numba.njit(cache=True, error_model="numpy")
def _third_party_sums(
    rule: int,
    semi: bool,
    outside: bool,
    d: Any,
    est: Any,
    weight: Any,
    chij: Any,
    chji: Any,
    plus: Any,
    minus: Any,
    acc_p: Any,
    acc_m: Any,
    om: Any,
    omd: Any,
) -> None:  # pragma: no cover - compiled
    """The third parties' summed votes on every challenge (i, j) as i sees it, ``plus`` and
    ``minus`` ``(A, A)`` (contests._initiator_rows on one case, every challenge kept): for each i,
    third parties n in order (n = i skipped, n = j's vote 0), each term in scalars. om, omd
    ``(A, A)``: scratch."""
    n_a = d.shape[0]
    if semi and not outside:  # the default: n's utility of j's position from terms of (n, j) kept
        for n in range(n_a):
            for j in range(n_a):
                o = 1.0 - d[n, j]  # the NumPy code's expansion, as contests._unj
                om[n, j] = o
                omd[n, j] = o * d[n, j]
        if rule == PROPORTIONAL:
            _semi_commit_sums(PROPORTIONAL, d, est, weight, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        elif rule == CUBIC:
            _semi_commit_sums(CUBIC, d, est, weight, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        elif rule == PROP_CBC:
            _semi_commit_sums(PROP_CBC, d, est, weight, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        elif rule == ASYM_PROSP:
            _semi_commit_sums(ASYM_PROSP, d, est, weight, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        elif rule == BINARY:
            _semi_commit_sums(BINARY, d, est, weight, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        else:
            _semi_commit_sums(PROP_BIN, d, est, weight, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        return
    for i in range(n_a):
        acc_p[:] = 0.0
        acc_m[:] = 0.0
        for n in range(n_a):
            if n == i:  # a principal, not a third party
                continue
            r, w = est[i, n], weight[n]
            u_ni = _utility(d[n, i], r)
            u_nn = _utility(d[n, n], r)
            for j in range(n_a):
                if j == n:  # n = j likewise: its vote, 0, leaves the sums as they are
                    continue
                dj = d[n, j]
                if outside:
                    unj = _utility(dj, r)
                else:  # the NumPy code's expansion, as contests._unj
                    om_j = 1.0 - dj
                    unj = (om_j * dj) * r + om_j
                vn = _third_party(rule, semi, w, u_ni, unj, u_nn, chij[i, j], chji[i, j])
                acc_p[j] += vn if not vn < 0.0 else 0.0
                acc_m[j] += vn if not vn > 0.0 else 0.0
        for j in range(n_a):
            plus[i, j] = acc_p[j]
            minus[i, j] = -acc_m[j]


@numba.njit(cache=True, error_model="numpy")
def _receiver_estimate(
    rule: int,
    adjust_est: Any,
    semi: bool,
    outside: bool,
    pairwise: bool,
    d: Any,
    r: Any,
    weight: Any,
    i: int,
    j: int,
    plan_lo: Any,
    plan_len: Any,
    acc_p: Any,
    acc_m: Any,
    stack: Any,
) -> float:  # pragma: no cover - compiled
    """Receiver j's estimate that initiator i wins (``smp._contest_block``, view "receiver", entry
    (i, j)): the principals' coalitions with j's estimates, then the third parties' votes summed in
    order of n (contests._receiver_rows) or, where NumPy summed i's row pairwise, by the plan
    (contests._pairwise_rows). adjust_est ``(A, A)``: est[h, n], h's estimate of n's R."""
    n_a = r.shape[0]
    e_ji = adjust_est[j, i]
    uii = _utility(d[i, i], e_ji)
    uij = _utility(d[i, j], e_ji)
    uji = _utility(d[j, i], r[j])
    ujj = _utility(d[j, j], r[j])
    c_i = vote(rule, weight[i], uii - uij)
    c_j = vote(rule, weight[j], uji - ujj)
    n_i, n_j = -c_i, -c_j
    chij = (1e-10 + (c_i if not c_i < 0.0 else 0.0)) + (c_j if not c_j < 0.0 else 0.0)
    chji = (1e-10 + (n_i if not n_i < 0.0 else 0.0)) + (n_j if not n_j < 0.0 else 0.0)
    plus, minus = 0.0, 0.0
    for n in range(n_a):
        e = adjust_est[j, n]
        u_nn = _utility(d[n, n], e)
        dj = d[n, j]
        if outside:
            unj = _utility(dj, e)
        else:  # the NumPy code's expansion, as contests._unj
            om = 1.0 - dj
            unj = (om * dj) * e + om
        vn = _third_party(rule, semi, weight[n], _utility(d[n, i], e), unj, u_nn, chij, chji)
        if n == i or n == j:
            vn = 0.0
        if pairwise:
            acc_p[n] = vn if not vn < 0.0 else 0.0
            acc_m[n] = vn if not vn > 0.0 else 0.0
        elif n != j:
            plus += vn if not vn < 0.0 else 0.0
            minus += vn if not vn > 0.0 else 0.0
    if pairwise:
        plus = planned_sum(acc_p, plan_lo, plan_len, stack)
        minus = planned_sum(acc_m, plan_lo, plan_len, stack)
    cij = chij + plus
    cji = chji + -minus
    return cij / (cij + cji)


@numba.njit(cache=True, error_model="numpy")
def turn(
    codes: Any,
    active: Any,
    pos: Any,
    ideal: Any,
    sal: Any,
    cap: Any,
    dist: Any,
    risk: Any,
    draws: Any,
    pairwise: Any,
    plan_lo: Any,
    plan_len: Any,
    new_pos: Any,
    target: Any,
    probability: Any,
    b_init: Any,
    b_rcvr: Any,
    chosen_init: Any,
    moved: Any,
    dist_n: Any,
    risk_n: Any,
    win_n: Any,
    opt_n: Any,
) -> bool:  # pragma: no cover - compiled
    """One turn of the active cases ``active`` ``(K,)`` and the assessment of their new states.

    codes: voting rule, PCE, victory model, big-R range, big-R adjustment, interpolation, bargain
    model, SemiCommit (0/1), Stochastic (0/1), whether any distance of the batch exceeds 1 (0/1).
    pos, ideal, sal ``(N, A, I)``, cap ``(N, A)``: every case (read at ``active``); dist ``(K, A, A)``
    and risk ``(K, A)``: the active cases' state; draws ``(K, A)`` (Stochastic); pairwise ``(K, A)``
    the receivers' rows NumPy summed pairwise, by the plan ``sums.pairwise_plan(A)``. Fills, per
    active case: the new positions (= ideals) ``(K, A, I)``, the records (target, probability,
    the first bargain's two sides, the chosen initiator), the movement and the new state's
    distances, risk attitudes, and actors' and options' winning probabilities. False: a PCE needs
    NumPy's logarithms (the outputs are then incomplete; the caller runs NumPy instead).
    """
    rule, model, victory, big_r_range, adjust = codes[0], codes[1], codes[2], codes[3], codes[4]
    interp, bargain = codes[5], codes[6]
    semi, stochastic, outside = codes[7] == 1, codes[8] == 1, codes[9] == 1
    n_k = active.shape[0]
    n_a, n_i = pos.shape[1], pos.shape[2]
    per = 2 if bargain == INIT_RCVR else 1
    n_m = n_a * per
    # scratch: one case's challenge blocks
    est, chij, chji = np.empty((n_a, n_a)), np.empty((n_a, n_a)), np.empty((n_a, n_a))
    plus, minus = np.empty((n_a, n_a)), np.empty((n_a, n_a))
    om, omd = np.empty((n_a, n_a)), np.empty((n_a, n_a))
    w, sal_total = np.empty(n_a), np.empty(n_a)
    tgt, p_win, p_j = np.empty(n_a, dtype=np.intp), np.empty(n_a), np.empty(n_a)
    init_pos, rcvr_pos = np.empty((n_m, n_i)), np.empty((n_m, n_i))
    j_init, j_rcvr = np.empty(n_i), np.empty(n_i)
    v_init, v_rcvr = np.empty((n_m, n_i)), np.empty((n_m, n_i))
    init_of, v_init_of, v_rcvr_of = np.empty(n_m, np.intp), np.empty(n_m, np.intp), np.empty(n_m, np.intp)
    util_all = np.empty((n_a, 1 + n_m))
    own, d2, norms = np.empty(n_a), np.empty(n_i), np.empty(n_a)
    dm = np.empty((3, n_m))
    opts = np.zeros((n_a, 1 + n_m), dtype=np.intp)
    count = np.empty(n_a, dtype=np.intp)
    p = np.empty((n_a, 1 + n_m))
    acc_p, acc_m, stack = np.empty(n_a), np.empty(n_a), np.empty(64)
    votes = elections_scratch(1 + n_m, 1 + n_m)
    scratch = assess_scratch(n_a, n_i)
    for m in range(n_m):
        init_of[m] = m // per
    for b in range(n_k):
        c = active[b]
        d, r = dist[b], risk[b]
        # challenges (smp._compiled_challenges)
        for a in range(n_a):
            sal_total[a] = _row_sum(sal[c, a], n_i)
            w[a] = sal_total[a] * cap[c, a]
        challenge_case(rule, adjust, d, r, w, est, chij, chji)
        _third_party_sums(rule, semi, outside, d, est, w, chij, chji, plus, minus, acc_p, acc_m, om, omd)
        best_case(d, r, sal_total, chij, chji, plus, minus, target[b], p_win)
        # bargains (smp.interpolate), the first of each initiator's in the records
        for a in range(n_a):
            has = target[b, a] >= 0
            tgt[a] = target[b, a] if has else a
            probability[b, a] = p_win[a] if has else np.nan
            t = tgt[a]
            first, second = init_pos[a * per], rcvr_pos[a * per]
            _interpolate(
                interp, pos[c, a], sal[c, a], p_win[a], pos[c, t], sal[c, t], 1 - p_win[a], first, second
            )
            if bargain != INIT_ONLY:
                p_j[a] = 0.5
                if has:
                    p_j[a] = _receiver_estimate(
                        rule, est, semi, outside, pairwise[b, a], d, r, w, a, t, plan_lo, plan_len,
                        acc_p, acc_m, stack,
                    )  # fmt: skip
                _interpolate(
                    interp, pos[c, a], sal[c, a], p_j[a], pos[c, t], sal[c, t], 1 - p_j[a], j_init, j_rcvr
                )
                if bargain == INIT_RCVR:
                    init_pos[a * 2 + 1] = j_init
                    rcvr_pos[a * 2 + 1] = j_rcvr
                else:  # PWCompInterp: capability x salience weighted average of the two
                    w_i, w_j = w[a], w[t]
                    for k in range(n_i):
                        first[k] = (w_i * first[k] + w_j * j_init[k]) / (w_i + w_j)
                        second[k] = (w_i * second[k] + w_j * j_rcvr[k]) / (w_i + w_j)
            for k in range(n_i):
                b_init[b, a, k] = first[k] if has else np.nan
                b_rcvr[b, a, k] = second[k] if has else np.nan
        # the valid bargains only (an initiator with a target), in order: the others are nobody's
        # option, and each option's votes and PCE do not depend on the rest
        n_v = 0
        for m in range(n_m):
            if target[b, init_of[m]] >= 0:
                v_init[n_v], v_rcvr[n_v] = init_pos[m], rcvr_pos[m]
                v_init_of[n_v], v_rcvr_of[n_v] = init_of[m], tgt[m // per]
                n_v += 1
        util = util_all[:, : 1 + n_v]
        utilities_case(
            ideal[c], sal[c], d, r, v_init[:n_v], v_rcvr[:n_v], v_init_of, v_rcvr_of, util, own, d2, dm
        )
        # each actor's options: status quo, its own bargains, then those addressed to it
        for x in range(n_a):
            n = 0
            for m in range(n_v):
                if v_init_of[m] == x:
                    n += 1
                    opts[x, n] = 1 + m
            for m in range(n_v):
                if v_rcvr_of[m] == x and v_init_of[m] != x:
                    n += 1
                    opts[x, n] = 1 + m
            count[x] = n
        if not elections_case(rule, model, victory, cap[c], util, opts, count, p, votes):
            return False
        for x in range(n_a):
            w_x = count[x] + 1
            if stochastic:  # the first option whose cumulative probability passes the draw
                cum, choice = 0.0, 0
                for k in range(w_x):
                    cum = p[x, k] if k == 0 else cum + p[x, k]
                    choice += 1 if cum <= draws[b, x] else 0
                choice = min(choice, count[x])
            else:  # argmax: the first largest, or the first NaN
                choice = 0
                for k in range(1, w_x):
                    if p[x, choice] != p[x, choice]:
                        break
                    if p[x, k] > p[x, choice] or p[x, k] != p[x, k]:
                        choice = k
            chosen = opts[x, choice]
            m = max(chosen - 1, 0)
            chosen_init[b, x] = v_init_of[m] if chosen > 0 else -1
            for k in range(n_i):
                if chosen == 0:
                    new_pos[b, x, k] = pos[c, x, k]
                elif v_init_of[m] == x:
                    new_pos[b, x, k] = v_init[m, k]
                else:
                    new_pos[b, x, k] = v_rcvr[m, k]
        # smpStopFn's movement: np.linalg.norm over issues, summed over actors
        for x in range(n_a):
            for k in range(n_i):
                g = new_pos[b, x, k] - pos[c, x, k]
                d2[k] = g * g
            norms[x] = math.sqrt(_row_sum(d2, n_i))
        moved[b] = _row_sum(norms, n_a)
        # the new state (ideals are the positions)
        if not assess_case(
            rule, model, victory, big_r_range, new_pos[b], new_pos[b], sal[c], cap[c], dist_n[b], risk_n[b],
            win_n[b], opt_n[b], scratch,
        ):  # fmt: skip
            return False
    return True


MIN_SIG_DELTA = 1e-4  # smp.MIN_SIG_DELTA


@numba.njit(cache=True, error_model="numpy")
def pairwise_rows(n_b: int, n_a: int, chunk: int, out: Any) -> None:  # pragma: no cover - compiled
    """``out[:n_b] = smp._pairwise_rows(n_b, n_a)``, with ``chunk`` = ``smp._CHUNK``."""
    out[:n_b] = False
    rows = max(1, chunk // max(1, n_a * n_a))
    a = 0
    while a < n_b:
        size = min(rows, n_b - a)
        step = max(1, chunk // max(1, size * n_a * n_a))
        for lo in range(0, n_a, step):
            if min(step, n_a - lo) == 1:
                out[a : a + size, lo] = True
        a += rows


@numba.njit(cache=True, error_model="numpy")
def run(
    codes: Any,
    stop_rule: Any,
    min_delta_ratio: float,
    state: Any,
    active: Any,
    pos: Any,
    sal: Any,
    cap: Any,
    dist: Any,
    risk: Any,
    option: Any,
    first_move: Any,
    turns: Any,
    plan_lo: Any,
    plan_len: Any,
    log_case: Any,
    log_pos: Any,
    log_win: Any,
    log_risk: Any,
    target: Any,
    probability: Any,
    b_init: Any,
    b_rcvr: Any,
    chosen: Any,
    sizes: Any,
) -> int:  # pragma: no cover - compiled
    """``smp.run``'s turns from its state on, each by :func:`turn`, until every case has stopped, the
    log is full or a PCE needs NumPy's logarithms; the Python loop's steps in the same order.

    codes: :func:`turn`'s (Deterministic only: no draws); stop_rule: min_turns, max_turns, and
    ``smp._CHUNK``; state: the turns run, the active cases' count, and (set here) 1 where the next
    turn needs NumPy (not begun). active ``(N,)``:
    the active cases first; pos ``(N, A, I)`` (the ideals too), option ``(N, A)``, first_move,
    turns ``(N,)``: every case's, updated; dist ``(N, A, A)``, risk ``(N, A)``: the active cases'
    state in their order (updated). The log (its rows from 0): each turn's active cases, new
    positions, winning probabilities, risk attitudes and records, and sizes: its cases per turn.
    Returns the turns logged (a full log stops the loop at the turn that would not fit).
    """
    min_turns, max_turns, chunk = stop_rule[0], stop_rule[1], stop_rule[2]
    t, n_k = state[0], state[1]
    n_b, n_a, n_i = pos.shape
    cap_rows = log_case.shape[0]
    dist_n, risk_n, win_n = np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a)), np.empty((n_b, n_a))
    opt_n, moved = np.empty((n_b, n_a)), np.empty(n_b)
    draws, pairwise = np.zeros((n_b, n_a)), np.zeros((n_b, n_a), dtype=np.bool_)
    used, logged = 0, 0
    while n_k > 0 and used + n_k <= cap_rows:
        outside = False  # whether any distance of the batch exceeds 1, as _contests decides it
        for b in range(n_k):
            for x in range(n_a):
                for y in range(n_a):
                    outside = outside or dist[b, x, y] > 1
        codes[9] = 1 if outside else 0
        if codes[6] != INIT_ONLY:
            pairwise_rows(n_k, n_a, chunk, pairwise)
        rows = slice(used, used + n_k)
        ok = turn(
            codes, active[:n_k], pos, pos, sal, cap, dist[:n_k], risk[:n_k], draws[:n_k], pairwise[:n_k],
            plan_lo, plan_len, log_pos[rows], target[rows], probability[rows], b_init[rows], b_rcvr[rows],
            chosen[rows], moved[:n_k], dist_n[:n_k], risk_n[:n_k], win_n[:n_k], opt_n[:n_k],
        )  # fmt: skip
        if not ok:
            state[2] = 1
            break
        t += 1
        kept = 0
        for b in range(n_k):
            c = active[b]
            if t == 1:
                first_move[c] = moved[b]
            ratio = moved[b] / (first_move[c] + MIN_SIG_DELTA)
            stop = (t >= max_turns) or ((t >= min_turns) and (ratio < min_delta_ratio))
            pos[c] = log_pos[used + b]
            turns[c] = t
            option[c] = opt_n[b]
            log_case[used + b] = c
            log_win[used + b] = win_n[b]
            log_risk[used + b] = risk_n[b]
            if not stop:
                active[kept] = c
                dist[kept] = dist_n[b]
                risk[kept] = risk_n[b]
                kept += 1
        sizes[logged] = n_k
        logged += 1
        used += n_k
        n_k = kept
    state[0], state[1] = t, n_k
    return logged
