"""The SMP's state assessment and the actors' elections over bargains, compiled for many small cases.

:func:`assess` is ``smp.run``'s ``assess`` (distances, risk attitudes from the risk-neutral
PCE, each position's and actor's winning probability: KTAB's ``setAllAUtil``, ``pDist``), and
:func:`bargain_elections` the PCE each actor holds over its own options in ``smp._turn``
(``updateBestBrgnPositions``), one case at a time instead of one NumPy pass per operation over
the batch. Each expression is the NumPy code's, in its order, and each sum takes NumPy's order:
over a contiguous row (issues, options) NumPy's pairwise sum (:mod:`accord.models.kernels.sums`),
over voters (a leading axis) in order from 0.0; a product over a row is in order. So the bits are
NumPy's (``tests/models/test_smp_assess.py`` checks both paths on the same inputs).

Rules and models arrive as their places in ``smp.VOTING_RULES``, ``PCE_MODELS``,
``VICTORY_MODELS`` and ``BIG_R_RANGE``. Only the Conditional and MarkovUniform PCEs are here. A
Conditional PCE whose products underflow (NumPy then takes logarithms) makes a kernel return
False, and the caller runs NumPy instead. Rows are at most 128 long (one leaf of the pairwise
sum): ``smp`` calls these kernels only for cases that small.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from accord.models.kernels.sums import _block_sum
from accord.models.kernels.votes import ASYM_PROSP, BINARY, CUBIC, PROP_BIN, PROP_CBC, PROPORTIONAL, vote

CONDITIONAL, MARKOV_UNIFORM = 0, 2  # smp.PCE_MODELS
BINARY_VICTORY = 4  # smp.VICTORY_MODELS: Linear, Square, Quartic, Octic square 0-3 times
MIN, MID, MAX = 0, 1, 2  # smp.BIG_R_RANGE
MIN_COALITION = 1e-8  # smp.MIN_COALITION
POSITION_TOLERANCE = 1e-3  # smp.POSITION_TOLERANCE
MAX_PCE_ITERATIONS = 1000  # smp.MAX_PCE_ITERATIONS


@numba.njit(cache=True, error_model="numpy")
def _row_sum(a: Any, n: int) -> float:  # pragma: no cover - compiled
    # np.add.reduce over a contiguous row of n <= 128 values: the identity 0.0, then pairwise
    return 0.0 + _block_sum(a, 0, n)


@numba.njit(cache=True, error_model="numpy")
def _utility(d: float, r: float) -> float:  # pragma: no cover - compiled
    # smp.utility: np.where(d <= 1, (1 - d) * (1 + d * r), (1 - d) * (1 + r))
    return (1 - d) * (1 + d * r) if d <= 1 else (1 - d) * (1 + r)


@numba.njit(cache=True, error_model="numpy")
def _victory_pair(model: int, s1: float, s2: float) -> tuple[float, float]:  # pragma: no cover - compiled
    # smp.victory_pair for one pair of coalition strengths
    if model == BINARY_VICTORY:
        thresh = 1.10
        r12 = s1 / (s1 + s2)
        p12 = (r12 * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        if s1 >= thresh * s2:
            x1, x2 = 1.0, 1e-6
        elif s2 >= thresh * s1:
            x1, x2 = 1e-6, 1.0
        else:
            x1, x2 = p12, 1.0 - p12
    else:
        x1, x2 = s1, s2
        for _ in range(model):
            x1, x2 = x1 * x1, x2 * x2
    total = x1 + x2
    return x1 / total, x2 / total


@numba.njit(cache=True, error_model="numpy")
def _pce(
    model: int, victory: int, c: Any, valid: Any, w: int, out: Any, s: Any
) -> bool:  # pragma: no cover - compiled
    """smp.pce on one instance: coalitions ``c[:w, :w]``, options ``valid[:w]``; writes
    ``out[:w]``. s: scratch ``(w + 3, w)`` at least. False: a Conditional product underflowed."""
    pv, row, q, pa = s[:w], s[w], s[w + 1], s[w + 2]
    count = 0
    for x in range(w):
        count += 1 if valid[x] else 0
        for y in range(w):  # victory_matrix: KTAB's lower triangle, mirrored
            if x > y:
                pv[x, y] = _victory_pair(victory, c[x, y], c[y, x])[0]
            elif x < y:
                pv[x, y] = _victory_pair(victory, c[y, x], c[x, y])[1]
            else:
                pv[x, y] = 0.5
    if model == CONDITIONAL:
        for x in range(w):
            prod = 1.0
            if valid[x]:
                for y in range(w):
                    prod *= pv[x, y] if valid[y] else 1.0
            row[x] = prod if valid[x] else 0.0
        total = _row_sum(row, w)
        if total <= 0:  # NumPy switches to logarithms
            return False
        for x in range(w):
            out[x] = row[x] / total
        return True
    n = float(count)
    for x in range(w):
        pa[x] = 1.0 / n if valid[x] else 0.0
        for y in range(w):
            if not (valid[x] and valid[y]):
                pv[x, y] = 0.0
    for _ in range(MAX_PCE_ITERATIONS):  # markovUniformPCE, to this instance's own tolerance
        for x in range(w):
            for y in range(w):
                row[y] = pv[x, y] * (pa[x] + pa[y])
            q[x] = _row_sum(row, w) / n
        change = abs(q[0] - pa[0])
        for x in range(1, w):
            dx = abs(q[x] - pa[x])
            if dx > change or dx != dx:  # NumPy's max passes NaN on
                change = dx
        for x in range(w):
            pa[x] = (pa[x] + q[x]) / 2.0
        if change <= 1e-6:
            break
    for x in range(w):
        out[x] = pa[x]
    return True


@numba.njit(cache=True, error_model="numpy", inline="always")
def _plus_votes(rule: int, cap: Any, util: Any, plus: Any) -> None:  # pragma: no cover - compiled
    # _option_votes' positive sums for a rule other than ASymProsp, inlined with the rule a constant
    # (one loop per rule: the rule's branches inside one loop keep LLVM from vectorising it)
    n_a, n_o = util.shape
    for a in range(n_a):
        wa = cap[a]
        for x in range(n_o):
            ux = util[a, x]
            for y in range(n_o):
                v = vote(rule, wa, ux - util[a, y])
                plus[x, y] += max(v, 0.0)


@numba.njit(cache=True, error_model="numpy")
def _option_votes(rule: int, cap: Any, util: Any, plus: Any, minus: Any) -> None:  # pragma: no cover
    # smp._option_votes for one case: cap (A,), util (A, O); voters in order from 0.0
    n_a, n_o = util.shape
    plus[:n_o, :n_o] = 0.0
    if rule == ASYM_PROSP:
        minus[:n_o, :n_o] = 0.0
        for a in range(n_a):
            wa = cap[a]
            for x in range(n_o):
                ux = util[a, x]
                for y in range(n_o):
                    v = vote(rule, wa, ux - util[a, y])
                    plus[x, y] += max(v, 0.0)
                    minus[x, y] += min(v, 0.0)
        for x in range(n_o):
            for y in range(n_o):
                minus[x, y] = -minus[x, y]
        return
    if rule == PROPORTIONAL:
        _plus_votes(PROPORTIONAL, cap, util, plus)
    elif rule == CUBIC:
        _plus_votes(CUBIC, cap, util, plus)
    elif rule == PROP_CBC:
        _plus_votes(PROP_CBC, cap, util, plus)
    elif rule == BINARY:
        _plus_votes(BINARY, cap, util, plus)
    else:
        _plus_votes(PROP_BIN, cap, util, plus)
    for x in range(n_o):
        for y in range(n_o):
            minus[x, y] = plus[y, x]


@numba.njit(cache=True, error_model="numpy")
def _coalitions(plus: Any, minus: Any, n: int, c: Any) -> None:  # pragma: no cover - compiled
    # smp.coalition_matrix: KTAB's pairs i > j, C[j, i] from the negative votes of (i, j)
    for x in range(n):
        for y in range(n):
            if x > y:
                c[x, y] = MIN_COALITION + plus[x, y]
            elif x < y:
                c[x, y] = MIN_COALITION + minus[y, x]
            else:
                c[x, y] = MIN_COALITION + 0.0


@numba.njit(cache=True, error_model="numpy")
def assess(
    rule: int,
    model: int,
    victory: int,
    big_r_range: int,
    ideal: Any,
    pos: Any,
    sal: Any,
    cap: Any,
    dist: Any,
    risk: Any,
    win: Any,
    option: Any,
) -> bool:  # pragma: no cover - compiled
    """Fill ``dist`` ``(N, A, A)``, ``risk``, ``win`` and ``option`` ``(N, A)`` from ideals,
    positions, saliences ``(N, A, I)`` and capabilities ``(N, A)``, as ``smp.run``'s ``assess``
    (``smp.distance``, ``smp._risk``, ``smp._win_probability``; fewer than 32 actors). False:
    a PCE needs NumPy's logarithms; the outputs are then incomplete."""
    n_b, n_a, n_i = pos.shape
    scratch = assess_scratch(n_a, n_i)
    for b in range(n_b):
        if not assess_case(
            rule, model, victory, big_r_range, ideal[b], pos[b], sal[b], cap[b], dist[b], risk[b], win[b],
            option[b], scratch,
        ):  # fmt: skip
            return False
    return True


@numba.njit(cache=True, error_model="numpy")
def assess_scratch(n_a: int, n_i: int) -> Any:  # pragma: no cover - compiled
    """Scratch for :func:`assess_case`: row of issues, two (A, A) blocks of votes, coalitions,
    utilities, the PCE's scratch and rows, the options' flags, and a row of sums over issues."""
    return (
        np.empty(n_i),
        np.empty((n_a, n_a)),
        np.empty((n_a, n_a)),
        np.empty((n_a, n_a)),
        np.empty((n_a, n_a)),
        np.empty((n_a + 3, n_a)),
        np.empty(n_a),
        np.ones(n_a, dtype=np.bool_),
        np.empty(n_a, dtype=np.bool_),
        np.empty((n_a, n_a), dtype=np.bool_),
        np.empty(n_a),
    )


@numba.njit(cache=True, error_model="numpy", inline="always")
def _distances(
    ideal: Any, sal: Any, ss: float, pts: Any, n_p: int, d2: Any, acc: Any, out: Any
) -> None:  # pragma: no cover
    # smp.distance from one actor (ideal, saliences (I,), ss its summed squares) to the points
    # pts[:n_p]: out[:n_p]. Below 8 issues _row_sum is a plain loop from -0.0, so the issues go
    # outermost and the points' loops (sqrt and division included) vectorise, in the same order
    n_i = sal.shape[0]
    if n_i < 8:
        for y in range(n_p):
            acc[y] = -0.0
        for k in range(n_i):
            ik, sk = ideal[k], sal[k]
            for y in range(n_p):
                diff = (ik - pts[y, k]) * sk
                acc[y] += diff * diff
        for y in range(n_p):
            out[y] = math.sqrt((0.0 + acc[y]) / ss)
        return
    for y in range(n_p):
        for k in range(n_i):
            diff = (ideal[k] - pts[y, k]) * sal[k]
            d2[k] = diff * diff
        out[y] = math.sqrt(_row_sum(d2, n_i) / ss)


@numba.njit(cache=True, error_model="numpy")
def assess_case(
    rule: int,
    model: int,
    victory: int,
    big_r_range: int,
    ideal: Any,
    pos: Any,
    sal: Any,
    cap: Any,
    d: Any,
    risk: Any,
    win: Any,
    option: Any,
    scratch: Any,
) -> bool:  # pragma: no cover - compiled
    """:func:`assess` for one case: ideals, positions, saliences ``(A, I)``, capabilities ``(A,)``;
    fills distances ``d`` ``(A, A)``, ``risk``, ``win`` and ``option`` ``(A,)``."""
    n_a, n_i = pos.shape
    d2, util, plus, minus, c, s, p, valid, unique, equiv, acc = scratch
    for x in range(n_a):  # distance
        for k in range(n_i):
            d2[k] = sal[x, k] * sal[x, k]
        ss = _row_sum(d2, n_i)
        ss = ss if ss > 0 else 1.0
        _distances(ideal[x], sal[x], ss, pos, n_a, d2, acc, d[x])
    for x in range(n_a):  # _risk: the risk-neutral PCE over positions
        for y in range(n_a):
            util[x, y] = _utility(d[x, y], 0.0)
    _option_votes(rule, cap, util, plus, minus)
    _coalitions(plus, minus, n_a, c)
    if not _pce(model, victory, c, valid, n_a, p, s):
        return False
    lo, hi = p.min(), p.max()  # big_r
    span = hi - lo
    safe = span if span > 0 else 1.0
    for x in range(n_a):
        if big_r_range == MIN:
            r = (p[x] - lo) / safe
        elif big_r_range == MID:
            r = (3 * p[x] - (hi + 2 * lo)) / (2 * safe)
        else:
            r = (2 * p[x] - (hi + lo)) / safe
        risk[x] = r if span > 0 else 0.0
    for x in range(n_a):  # _win_probability: the distinct positions, first occurrence kept
        if n_i < 8:  # as in _distances: the issues outermost, the same order
            for y in range(n_a):
                acc[y] = -0.0
            for k in range(n_i):
                pk = pos[x, k]
                for y in range(n_a):
                    g = pk - pos[y, k]
                    acc[y] += g * g
            for y in range(n_a):
                equiv[x, y] = math.sqrt(0.0 + acc[y]) < POSITION_TOLERANCE
            continue
        for y in range(n_a):
            for k in range(n_i):
                g = pos[x, k] - pos[y, k]
                d2[k] = g * g
            equiv[x, y] = math.sqrt(_row_sum(d2, n_i)) < POSITION_TOLERANCE
    for x in range(n_a):
        unique[x] = True
        for y in range(x):
            if equiv[x, y] and unique[y]:
                unique[x] = False
                break
    for x in range(n_a):
        for y in range(n_a):
            util[x, y] = _utility(d[x, y], risk[x])
    _option_votes(PROPORTIONAL, cap, util, plus, minus)
    _coalitions(plus, minus, n_a, c)
    if not _pce(model, victory, c, unique, n_a, p, s):
        return False
    for x in range(n_a):  # posProb: the last distinct position equivalent to x's
        last = n_a - 1
        for y in range(n_a - 1, -1, -1):
            if equiv[x, y] and unique[y]:
                last = y
                break
        win[x] = p[last]
        option[x] = p[x]
    return True


@numba.njit(cache=True, error_model="numpy")
def bargain_elections(
    rule: int, model: int, victory: int, cap: Any, util: Any, opts: Any, count: Any, p: Any
) -> bool:  # pragma: no cover - compiled
    """Fill ``p`` ``(N, A, W)`` (zeros beyond each actor's options) with each actor's PCE over its
    options ``opts[b, a, :count + 1]`` (global option numbers), voted on by every actor with the
    utilities ``util`` ``(N, A, O)`` and capabilities ``cap`` ``(N, A)``, as ``smp._turn`` does.
    False: a PCE needs NumPy's logarithms."""
    n_b, n_a, n_o = util.shape
    width = p.shape[2]
    scratch = elections_scratch(n_o, width)
    for b in range(n_b):
        if not elections_case(rule, model, victory, cap[b], util[b], opts[b], count[b], p[b], scratch):
            return False
    return True


@numba.njit(cache=True, error_model="numpy")
def elections_scratch(n_o: int, width: int) -> Any:  # pragma: no cover - compiled
    """Scratch for :func:`elections_case`: votes over ``n_o`` options, one PCE of ``width``."""
    return (
        np.empty((n_o, n_o)),
        np.empty((n_o, n_o)),
        np.empty((width, width)),
        np.empty((width + 3, width)),
        np.ones(width, dtype=np.bool_),
    )


@numba.njit(cache=True, error_model="numpy")
def elections_case(
    rule: int, model: int, victory: int, cap: Any, util: Any, opts: Any, count: Any, p: Any, scratch: Any
) -> bool:  # pragma: no cover - compiled
    """:func:`bargain_elections` for one case: cap ``(A,)``, util ``(A, O)``, opts, p ``(A, W)``."""
    plus, minus, c, s, valid = scratch
    n_a = util.shape[0]
    _option_votes(rule, cap, util, plus, minus)
    for a in range(n_a):
        p[a, :] = 0.0
        w = count[a] + 1
        if w == 1:
            p[a, 0] = 1.0
            continue
        o = opts[a]
        for x in range(w):  # C[x, y] = plus of (x, y), C[y, x] = minus of (x, y), x after y
            c[x, x] = MIN_COALITION
            for y in range(x):
                c[x, y] = MIN_COALITION + plus[o[x], o[y]]
                c[y, x] = MIN_COALITION + minus[o[x], o[y]]
        if not _pce(model, victory, c, valid, w, p[a], s):
            return False
    return True


@numba.njit(cache=True, error_model="numpy")
def estimated_risk(adjust: int, r_h: float, r_i: float) -> float:  # pragma: no cover - compiled
    # smp.estimated_risk, numbered by smp.BIG_R_ADJUST: None, OneThird, Half, TwoThirds, Full
    if adjust == 4:
        return r_i + 0.0 * r_h
    if adjust == 3:
        return (r_h + 2.0 * r_i) / 3.0
    if adjust == 2:
        return (r_h + r_i) / 2
    if adjust == 1:
        return (2.0 * r_h + r_i) / 3.0
    return r_h + 0.0 * r_i


@numba.njit(cache=True, error_model="numpy")
def challenge_coalitions(
    rule: int, adjust: int, dist: Any, risk: Any, weight: Any, est: Any, chij: Any, chji: Any
) -> None:  # pragma: no cover - compiled
    """The principals' coalitions on every challenge (i, j) as i sees it (``smp._contest_block``,
    view "initiator", before the third parties): fills ``est[b, h, n]`` (h's estimate of n's risk
    attitude), ``chij`` and ``chji`` ``(N, A, A)`` from distances ``(N, A, A)``, risk attitudes
    and weights ``(N, A)``."""
    for b in range(risk.shape[0]):
        challenge_case(rule, adjust, dist[b], risk[b], weight[b], est[b], chij[b], chji[b])


@numba.njit(cache=True, error_model="numpy")
def challenge_case(
    rule: int, adjust: int, d: Any, r: Any, weight: Any, est: Any, chij: Any, chji: Any
) -> None:  # pragma: no cover - compiled
    """:func:`challenge_coalitions` for one case: d, est, chij, chji ``(A, A)``, r, weight ``(A,)``."""
    n_a = r.shape[0]
    for h in range(n_a):
        for n in range(n_a):
            est[h, n] = estimated_risk(adjust, r[h], r[n])
    for i in range(n_a):
        uii = _utility(d[i, i], r[i])
        for j in range(n_a):
            uij = _utility(d[i, j], r[i])
            e = est[i, j]
            uji = _utility(d[j, i], e)
            ujj = _utility(d[j, j], e)
            c_i = vote(rule, weight[i], uii - uij)
            c_j = vote(rule, weight[j], uji - ujj)
            n_i, n_j = -c_i, -c_j
            chij[i, j] = (1e-10 + (c_i if not c_i < 0.0 else 0.0)) + (c_j if not c_j < 0.0 else 0.0)
            chji[i, j] = (1e-10 + (n_i if not n_i < 0.0 else 0.0)) + (n_j if not n_j < 0.0 else 0.0)


@numba.njit(cache=True, error_model="numpy")
def best_challenges(
    dist: Any, risk: Any, sal_total: Any, chij: Any, chji: Any, plus: Any, minus: Any, target: Any, p: Any
) -> None:  # pragma: no cover - compiled
    """Each actor's target and its estimate of winning ``(N, A)`` (``smp._best_challenges``: the
    first rival with the largest expected gain above 1e-5, else -1, and P[i beats the rival], or
    against actor 0 where there is none) from the principals' coalitions and the third parties'
    summed votes ``(N, A, A)`` (``smp._contest_result``)."""
    for b in range(risk.shape[0]):
        best_case(dist[b], risk[b], sal_total[b], chij[b], chji[b], plus[b], minus[b], target[b], p[b])


@numba.njit(cache=True, error_model="numpy")
def best_case(
    d: Any, r: Any, sal_total: Any, chij: Any, chji: Any, plus: Any, minus: Any, target: Any, p: Any
) -> None:  # pragma: no cover - compiled
    """:func:`best_challenges` for one case: ``(A, A)`` blocks, ``(A,)`` rows."""
    n_a = r.shape[0]
    for i in range(n_a):
        uii = _utility(d[i, i], r[i])
        best, tgt, p_best = -np.inf, 0, 0.0
        for j in range(n_a):
            uij = _utility(d[i, j], r[i])
            eu_sq = uii + uij
            u_win = uii + uii
            u_lose = uij + uij
            cij = chij[i, j] + plus[i, j]
            cji = chji[i, j] + minus[i, j]
            p_ij = cij / (cij + cji)
            p_ji = cji / (cij + cji)
            s_j = sal_total[j]
            eu_contest = p_ij * u_win + p_ji * u_lose
            gain = ((1 - s_j) * u_win + s_j * eu_contest) - eu_sq
            if j == 0:
                p_best = p_ij
            if i != j and gain > 1e-5 and gain > best:  # MIN_SIG_GAIN; the first of equal gains
                best, tgt, p_best = gain, j, p_ij
        target[i] = tgt if best > -np.inf else -1
        p[i] = p_best


@numba.njit(cache=True, error_model="numpy")
def bargain_utilities(
    ideal: Any,
    sal: Any,
    dist: Any,
    risk: Any,
    init_pos: Any,
    rcvr_pos: Any,
    init_of: Any,
    rcvr_of: Any,
    util: Any,
) -> None:  # pragma: no cover - compiled
    """Each actor's average utility of the state after each bargain ``util`` ``(N, A, 1 + M)``,
    the status quo first (``smp._turn``): ideals, saliences ``(N, A, I)``, distances ``(N, A, A)``,
    risk attitudes ``(N, A)``, the bargains' two sides ``(N, M, I)``, their initiators ``(M,)`` and
    receivers ``(N, M)``."""
    n_b, n_a, n_i = ideal.shape
    own, d2, dm = np.empty(n_a), np.empty(n_i), np.empty((3, init_pos.shape[1]))
    for b in range(n_b):
        utilities_case(
            ideal[b],
            sal[b],
            dist[b],
            risk[b],
            init_pos[b],
            rcvr_pos[b],
            init_of,
            rcvr_of[b],
            util[b],
            own,
            d2,
            dm,
        )


@numba.njit(cache=True, error_model="numpy")
def utilities_case(
    ideal: Any,
    sal: Any,
    dist: Any,
    risk: Any,
    init_pos: Any,
    rcvr_pos: Any,
    init_of: Any,
    rcvr_of: Any,
    util: Any,
    own: Any,
    d2: Any,
    dm: Any,
) -> None:  # pragma: no cover - compiled
    """:func:`bargain_utilities` for one case (``(A, I)``, ``(A, A)``, ``(M, I)`` blocks; own
    ``(A,)``, d2 ``(I,)`` and dm ``(3, M)`` scratch)."""
    n_a, n_i = ideal.shape
    n_m = init_pos.shape[0]
    for a in range(n_a):
        r = risk[a]
        for x in range(n_a):
            own[x] = _utility(dist[a, x], r)
        sq = _row_sum(own, n_a)
        util[a, 0] = sq / n_a
        for k in range(n_i):
            d2[k] = sal[a, k] * sal[a, k]
        ss = _row_sum(d2, n_i)
        ss = ss if ss > 0 else 1.0
        acc, d_init, d_rcvr = dm[0], dm[1], dm[2]
        _distances(ideal[a], sal[a], ss, init_pos, n_m, d2, acc, d_init)
        _distances(ideal[a], sal[a], ss, rcvr_pos, n_m, d2, acc, d_rcvr)
        for m in range(n_m):
            u_init = _utility(d_init[m], r)
            u_rcvr = _utility(d_rcvr[m], r)
            util[a, 1 + m] = (u_init + u_rcvr + (sq - own[init_of[m]] - own[rcvr_of[m]])) / n_a
