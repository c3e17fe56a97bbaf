"""The exchange model's round, run by run, by a lazy ("kinetic") search for the best exchange.

The NumPy round (:func:`accord.models.exchange._run_many`) re-evaluates every live candidate
after each exchange. This kernel gives the same exchanges, bit for bit, touching few of them:

- A candidate's gain ``min(|d_p|/conv_a, room_p, (|d_q|/conv_b)/k, room_q/k) * unit_gain`` is at
  most its *bound* ``min(|d_p|/conv_a, (|d_q|/conv_b)/k) * unit_gain``, which depends only on its
  two actors' voting positions. A live candidate's actors only move towards its targets (a move
  away sets a direction that kills it), so the bound never grows: a max-heap keyed by a bound
  that may be stale (too high) finds the best exchange by popping until the next key falls below
  the tie threshold, refreshing stale keys on the way.
- A candidate is alive while every evaluation so far passed. Each test is monotone: the move
  tests are monotone in positions that move one way per round, the room tests in the outcome
  (``tp - O`` in float64 is monotone in ``O``, and ``x * c > eps`` in ``x``). So "failed at some
  step" is "fails now" for the move tests and "fails at the outcome's running maximum (or
  minimum)" for the room tests; a candidate is checked when it reaches the top of the heap.

A small run (a Monte Carlo block of a small case: tens of candidates) is cheaper to scan whole
after each exchange, as the NumPy round does (:func:`scan_runs`); :func:`advance_runs` and
:func:`scan_runs` take a whole batch of runs per call.

Every expression is written in the NumPy code's order and grouping (no fastmath), so values are
NumPy's. Randomness stays in Python: :func:`advance` returns when a draw is needed.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from accord.models.exchange import MOVE_EPS, SCALE, SNAP, TIE_RTOL  # compile-time constants here

# columns of the per-candidate arrays (a row per candidate)
FA, FB, PS, QS = 0, 1, 2, 3  # ints: flat (run, actor, issue) cells of a on p and b on q; outcome slots
TP, TQ, CONV_A, CONV_B, K, UG, RATE_A0, RATE_B0 = 0, 1, 2, 3, 4, 5, 6, 7  # floats
# the state vector ``st`` (int64)
HEAP_N, N_EX, N_TOP, N_LOG, PHASE, CHOICE, RECORD = 0, 1, 2, 3, 4, 5, 6
SELECT, DRAW = 0, 1  # phases: find the best exchange; carry out the one Python chose
# the float state ``fs``
P_RAND, U0, U1 = 0, 1, 2
LOG_COLUMNS = 12  # e, dOp, dOq, op0, op1, oq0, oq1, ya0, ya, yb0, yb, tied


@numba.njit(cache=True)
def _sign(x: float) -> float:  # pragma: no cover - compiled
    # np.sign of a float64 that is not NaN
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


@numba.njit(cache=True)
def _passes(x: float, ug: float, conv_a: float, k: float, conv_b: float) -> bool:  # pragma: no cover
    # the NumPy round's three tests on a shift dOp = x: gain, a's move, b's move
    return x * ug > MOVE_EPS and x * conv_a > MOVE_EPS and k * x * conv_b > MOVE_EPS


@numba.njit(cache=True)
def _bound(c: int, ci: Any, cf: Any, y: Any) -> float:  # pragma: no cover - compiled
    a_p = abs(cf[c, TP] - y[ci[c, FA]]) / cf[c, CONV_A]
    a_q = abs(cf[c, TQ] - y[ci[c, FB]]) / cf[c, CONV_B] / cf[c, K]
    return min(a_p, a_q) * cf[c, UG]


@numba.njit(cache=True)
def _alive(
    c: int, ci: Any, cf: Any, y: Any, direction: Any, omin: Any, omax: Any
) -> bool:  # pragma: no cover
    tp, tq = cf[c, TP], cf[c, TQ]
    conv_a, conv_b, k, ug = cf[c, CONV_A], cf[c, CONV_B], cf[c, K], cf[c, UG]
    d_p = tp - y[ci[c, FA]]
    d_q = tq - y[ci[c, FB]]
    if direction[ci[c, FA]] * d_p < 0 or direction[ci[c, FB]] * d_q < 0:
        return False
    if not _passes(abs(d_p) / conv_a, ug, conv_a, k, conv_b):
        return False
    if not _passes(abs(d_q) / conv_b / k, ug, conv_a, k, conv_b):
        return False
    # room before the outcome passes the demander, at the outcome's extreme so far this round
    if d_p > 0:
        room_p = tp - omax[ci[c, PS]]
        if not room_p > 0:
            return False
    else:
        room_p = tp - omin[ci[c, PS]]
        if not room_p < 0:
            return False
    if not _passes(abs(room_p), ug, conv_a, k, conv_b):
        return False
    if d_q > 0:
        room_q = tq - omax[ci[c, QS]]
        if not room_q > 0:
            return False
    else:
        room_q = tq - omin[ci[c, QS]]
        if not room_q < 0:
            return False
    return _passes(abs(room_q) / k, ug, conv_a, k, conv_b)


@numba.njit(cache=True)
def _shift(c: int, ci: Any, cf: Any, y: Any, outcome: Any) -> float:  # pragma: no cover - compiled
    # the NumPy round's equal-gain dOp (_Round.evaluate), same order and grouping
    tp, tq = cf[c, TP], cf[c, TQ]
    d_p = tp - y[ci[c, FA]]
    d_q = tq - y[ci[c, FB]]
    room_p = tp - outcome[ci[c, PS]]
    room_q = tq - outcome[ci[c, QS]]
    room_p = abs(room_p) if room_p * d_p > 0 else 0.0
    room_q = abs(room_q) if room_q * d_q > 0 else 0.0
    lim_p = min(abs(d_p) / cf[c, CONV_A], room_p)
    lim_q = min(abs(d_q) / cf[c, CONV_B], room_q)
    return min(lim_p, lim_q / cf[c, K])


@numba.njit(cache=True)
def _sift_up(hk: Any, hi: Any, j: int) -> None:  # pragma: no cover - compiled
    key, idx = hk[j], hi[j]
    while j > 0:
        up = (j - 1) >> 1
        if hk[up] >= key:
            break
        hk[j], hi[j] = hk[up], hi[up]
        j = up
    hk[j], hi[j] = key, idx


@numba.njit(cache=True)
def _sift_down(hk: Any, hi: Any, j: int, n: int) -> None:  # pragma: no cover - compiled
    key, idx = hk[j], hi[j]
    while True:
        child = 2 * j + 1
        if child >= n:
            break
        if child + 1 < n and hk[child + 1] > hk[child]:
            child += 1
        if hk[child] <= key:
            break
        hk[j], hi[j] = hk[child], hi[child]
        j = child
    hk[j], hi[j] = key, idx


@numba.njit(cache=True)
def start(lo: int, hi_: int, ci: Any, cf: Any, y: Any, hk: Any, hi: Any, st: Any) -> None:  # pragma: no cover
    """Heap of the run's candidates ``lo..hi_`` with a positive unit gain, keyed by their bound."""
    n = 0
    for c in range(lo, hi_):
        if cf[c, UG] > 0:
            hk[n] = _bound(c, ci, cf, y)
            hi[n] = c
            n += 1
    for j in range(n // 2 - 1, -1, -1):
        _sift_down(hk, hi, j, n)
    st[HEAP_N] = n
    st[N_EX] = 0
    st[N_TOP] = 0
    st[N_LOG] = 0
    st[PHASE] = SELECT


@numba.njit(cache=True)
def _select(
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    omin: Any,
    omax: Any,
    hk: Any,
    hi: Any,
    ex: Any,
    ex_gain: Any,
    ex_shift: Any,
    top: Any,
    st: Any,
) -> int:  # pragma: no cover - compiled
    """The live candidates within TIE_RTOL of the best gain, ascending, into ``top``; their count."""
    n = st[HEAP_N]
    n_ex = 0
    best = -np.inf
    while n > 0:
        key = hk[0]
        if n_ex > 0 and key < best - TIE_RTOL * best:
            break
        c = hi[0]
        n -= 1
        hk[0], hi[0] = hk[n], hi[n]
        _sift_down(hk, hi, 0, n)
        if not alive[c]:
            continue
        if not _alive(c, ci, cf, y, direction, omin, omax):
            alive[c] = False
            continue
        u = _bound(c, ci, cf, y)
        if u < key:  # a stale key: back in at its bound
            hk[n], hi[n] = u, c
            _sift_up(hk, hi, n)
            n += 1
            continue
        if u > key:
            raise AssertionError("exchange kernel: a bound grew")
        d = _shift(c, ci, cf, y, outcome)
        gain = d * cf[c, UG]
        ex[n_ex], ex_gain[n_ex], ex_shift[n_ex] = c, gain, d
        n_ex += 1
        if gain > best:
            best = gain
    st[HEAP_N] = n
    st[N_EX] = n_ex
    n_top = 0
    if n_ex:
        thr = best - TIE_RTOL * best
        for j in range(n_ex):
            if ex_gain[j] >= thr:
                top[n_top] = ex[j]
                n_top += 1
        top[:n_top] = np.sort(top[:n_top])
    st[N_TOP] = n_top
    return n_top


@numba.njit(cache=True)
def _execute(
    e: int,
    tied: bool,
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    omin: Any,
    omax: Any,
    hk: Any,
    hi: Any,
    ex: Any,
    ex_shift: Any,
    st: Any,
    fs: Any,
    log: Any,
) -> None:  # pragma: no cover - compiled
    """Carry out candidate ``e`` (the NumPy round's step, same arithmetic) and re-heap the others."""
    n = st[HEAP_N]
    d_op = 0.0
    for j in range(st[N_EX]):
        c = ex[j]
        if c == e:
            d_op = ex_shift[j]
        else:  # examined and alive: back in at its (current) bound
            hk[n], hi[n] = _bound(c, ci, cf, y), c
            _sift_up(hk, hi, n)
            n += 1
    st[HEAP_N] = n
    st[N_EX] = 0
    _carry_out(e, tied, d_op, ci, cf, alive, y, outcome, direction, omin, omax, st, fs, log)


@numba.njit(cache=True)
def _carry_out(
    e: int,
    tied: bool,
    d_op: float,
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    omin: Any,
    omax: Any,
    st: Any,
    fs: Any,
    log: Any,
) -> None:  # pragma: no cover - compiled
    """The exchange of candidate ``e`` at equal-gain shift ``d_op`` (or at the drawn rate)."""
    alive[e] = False
    fa, fb, ps, qs = ci[e, FA], ci[e, FB], ci[e, PS], ci[e, QS]
    tp, tq, conv_a, conv_b = cf[e, TP], cf[e, TQ], cf[e, CONV_A], cf[e, CONV_B]
    rate = cf[e, K]
    p = fs[P_RAND]
    if p > 0.0:
        end = cf[e, RATE_A0] if fs[U0] < 0.5 else cf[e, RATE_B0]
        rate = rate + p * fs[U1] * (end - rate)
        lim_p = min(abs(tp - y[fa]) / conv_a, abs(tp - outcome[ps]))
        lim_q = min(abs(tq - y[fb]) / conv_b, abs(tq - outcome[qs]))
        d_op = min(lim_p, lim_q / rate) if rate > 0 else lim_p
    d_oq = rate * d_op
    move_a, move_b = d_op * conv_a, d_oq * conv_b
    if not (move_a > MOVE_EPS and move_b > MOVE_EPS):  # a randomised rate may leave a partner no move
        return
    ya0, yb0 = y[fa], y[fb]
    ya = tp if abs(abs(tp - ya0) - move_a) < SNAP else ya0 + math.copysign(move_a, tp - ya0)
    yb = tq if abs(abs(tq - yb0) - move_b) < SNAP else yb0 + math.copysign(move_b, tq - yb0)
    ya = min(max(ya, 0.0), SCALE)
    yb = min(max(yb, 0.0), SCALE)
    y[fa], y[fb] = ya, yb
    direction[fa], direction[fb] = _sign(ya - ya0), _sign(yb - yb0)
    op0, oq0 = outcome[ps], outcome[qs]
    op1, oq1 = op0 + (ya - ya0) / conv_a, oq0 + (yb - yb0) / conv_b
    outcome[ps], outcome[qs] = op1, oq1
    omin[ps], omax[ps] = min(omin[ps], op1), max(omax[ps], op1)
    omin[qs], omax[qs] = min(omin[qs], oq1), max(omax[qs], oq1)
    if st[RECORD]:
        r = st[N_LOG]
        log[r, 0], log[r, 1], log[r, 2] = e, d_op, d_oq
        log[r, 3], log[r, 4], log[r, 5], log[r, 6] = op0, op1, oq0, oq1
        log[r, 7], log[r, 8], log[r, 9], log[r, 10] = ya0, ya, yb0, yb
        log[r, 11] = 1.0 if tied else 0.0
        st[N_LOG] = r + 1


@numba.njit(cache=True)
def advance(
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    omin: Any,
    omax: Any,
    hk: Any,
    hi: Any,
    ex: Any,
    ex_gain: Any,
    ex_shift: Any,
    top: Any,
    st: Any,
    fs: Any,
    log: Any,
) -> int:  # pragma: no cover - compiled
    """Carry out exchanges until the round ends (returns 0) or a draw is needed (returns the
    number of tied best candidates, listed in ``top``; set ``st[CHOICE]`` and ``fs[U0:2]`` and
    call again)."""
    while True:
        if st[PHASE] == DRAW:
            n_top = st[N_TOP]
            _execute(
                top[st[CHOICE]], n_top > 1, ci, cf, alive, y, outcome, direction, omin, omax,
                hk, hi, ex, ex_shift, st, fs, log,
            )  # fmt: skip
            st[PHASE] = SELECT
            continue
        n_top = _select(
            ci, cf, alive, y, outcome, direction, omin, omax, hk, hi, ex, ex_gain, ex_shift, top, st
        )
        if n_top == 0:
            return 0
        if n_top > 1 or fs[P_RAND] > 0.0:
            st[PHASE] = DRAW
            return n_top
        _execute(
            top[0], False, ci, cf, alive, y, outcome, direction, omin, omax, hk, hi, ex, ex_shift, st, fs, log
        )


@numba.njit(cache=True)
def externalities(
    a: Any,
    b: Any,
    p: Any,
    q: Any,
    pair: Any,
    op: Any,
    oq: Any,
    xz: Any,
    s: Any,
    group: Any,
    mask: Any,
    out: Any,
) -> None:  # pragma: no cover - compiled
    """Columns 1-4 of :func:`accord.models.exchange._externalities` (inner and outer, positive and
    negative), its (E, A) arrays fused: each actor's sum over the exchanges in order, as NumPy's
    ``sum(axis=0)`` of a C-ordered (E, A) array adds them."""
    for i in range(a.size):
        pi, qi, pr = p[i], q[i], pair[i]
        g_a = group[a[i], pr]
        for k in range(xz.shape[0]):
            value = s[k, pi] * (abs(op[i, 0] - xz[k, pi]) - abs(op[i, 1] - xz[k, pi])) + s[k, qi] * (
                abs(oq[i, 0] - xz[k, qi]) - abs(oq[i, 1] - xz[k, qi])
            )
            g = group[k, pr]
            inner = (g == g_a or g == 3 - g_a) and mask[k, pi] and mask[k, qi]
            other = k != a[i] and k != b[i]
            pos = other and value > 0
            neg = other and value < 0
            out[k, 1] += value if inner and pos else 0.0
            out[k, 2] += value if inner and neg else 0.0
            out[k, 3] += value if not inner and pos else 0.0
            out[k, 4] += value if not inner and neg else 0.0


@numba.njit(cache=True)
def start_runs(
    runs: Any, bounds: Any, ci: Any, cf: Any, y: Any, hk: Any, hi: Any, st: Any
) -> None:  # pragma: no cover - compiled
    """:func:`start` for each of the ``runs``: run ``r``'s candidates, heap and state are
    ``bounds[r]..bounds[r + 1]`` of the candidate-sized arrays and row ``r`` of ``st``."""
    for r in runs:
        lo, up = bounds[r], bounds[r + 1]
        start(lo, up, ci, cf, y, hk[lo:up], hi[lo:up], st[r])


@numba.njit(cache=True)
def advance_runs(
    work: Any,
    bounds: Any,
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    omin: Any,
    omax: Any,
    hk: Any,
    hi: Any,
    ex: Any,
    ex_gain: Any,
    ex_shift: Any,
    top: Any,
    st: Any,
    fs: Any,
    log: Any,
    pending: Any,
) -> int:  # pragma: no cover - compiled
    """:func:`advance` for each run of ``work`` (laid out as in :func:`start_runs`; ``fs`` a row
    per run): the runs that wait for a draw go to ``pending``, in order; returns their count.
    Runs are independent, so a batch of small runs costs one call per draw, not per run."""
    n_pending = 0
    for r in work:
        lo, up = bounds[r], bounds[r + 1]
        n_top = advance(
            ci, cf, alive, y, outcome, direction, omin, omax, hk[lo:up], hi[lo:up], ex[lo:up],
            ex_gain[lo:up], ex_shift[lo:up], top[lo:up], st[r], fs[r], log,
        )  # fmt: skip
        if n_top:
            pending[n_pending] = r
            n_pending += 1
    return n_pending


@numba.njit(cache=True)
def _scan(
    lo: int,
    up: int,
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    gain: Any,
    shift: Any,
    top: Any,
) -> int:  # pragma: no cover - compiled
    """The NumPy round's evaluation of run ``lo..up``'s live candidates (same arithmetic; a
    candidate that fails dies), then those within TIE_RTOL of the best gain, ascending, into
    ``top[lo:]``; returns their count."""
    best = -np.inf
    for c in range(lo, up):
        if not alive[c]:
            continue
        tp, tq = cf[c, TP], cf[c, TQ]
        conv_a, conv_b, k = cf[c, CONV_A], cf[c, CONV_B], cf[c, K]
        fa, fb = ci[c, FA], ci[c, FB]
        d_p = tp - y[fa]
        d_q = tq - y[fb]
        room_p = tp - outcome[ci[c, PS]]
        room_q = tq - outcome[ci[c, QS]]
        room_p = abs(room_p) if room_p * d_p > 0 else 0.0
        room_q = abs(room_q) if room_q * d_q > 0 else 0.0
        lim_p = min(abs(d_p) / conv_a, room_p)
        lim_q = min(abs(d_q) / conv_b, room_q)
        d = min(lim_p, lim_q / k)
        g = d * cf[c, UG]
        if not (
            g > MOVE_EPS
            and d * conv_a > MOVE_EPS
            and k * d * conv_b > MOVE_EPS
            and direction[fa] * d_p >= 0
            and direction[fb] * d_q >= 0
        ):
            alive[c] = False
            continue
        gain[c], shift[c] = g, d
        if g > best:
            best = g
    n_top = 0
    if best > -np.inf:
        thr = best - TIE_RTOL * best
        for c in range(lo, up):
            if alive[c] and gain[c] >= thr:
                top[lo + n_top] = c
                n_top += 1
    return n_top


@numba.njit(cache=True)
def scan_runs(
    work: Any,
    bounds: Any,
    ci: Any,
    cf: Any,
    alive: Any,
    y: Any,
    outcome: Any,
    direction: Any,
    omin: Any,
    omax: Any,
    gain: Any,
    shift: Any,
    top: Any,
    st: Any,
    fs: Any,
    log: Any,
    pending: Any,
) -> int:  # pragma: no cover - compiled
    """The lock-step round by a plain scan of each run of ``work`` (laid out as in
    :func:`start_runs`; ``alive`` from ``unit_gain > 0``): for small runs, where a scan of every
    live candidate per exchange costs less than the lazy heap. Runs that wait for a draw go to
    ``pending`` (their tied candidates in ``top[bounds[r]:]``, ``st[r, PHASE] = DRAW``), in order;
    returns their count."""
    n_pending = 0
    for r in work:
        lo, up = bounds[r], bounds[r + 1]
        s, f = st[r], fs[r]
        while True:
            if s[PHASE] == DRAW:
                e = top[lo + s[CHOICE]]
                _carry_out(
                    e, s[N_TOP] > 1, shift[e], ci, cf, alive, y, outcome, direction, omin, omax, s, f, log
                )
                s[PHASE] = SELECT
            n_top = _scan(lo, up, ci, cf, alive, y, outcome, direction, gain, shift, top)
            if n_top == 0:
                break
            s[N_TOP] = n_top
            if n_top > 1 or f[P_RAND] > 0.0:
                s[PHASE] = DRAW
                pending[n_pending] = r
                n_pending += 1
                break
            e = top[lo]
            _carry_out(e, False, shift[e], ci, cf, alive, y, outcome, direction, omin, omax, s, f, log)
    return n_pending


@numba.njit(cache=True, error_model="numpy")
def _sides(
    r: int,
    xf: Any,
    mask: Any,
    outcome0: Any,
    at_outcome_left: bool,
    pp: Any,
    qq: Any,
    i_side: Any,
    j_side: Any,
) -> None:  # pragma: no cover - compiled
    """Run ``r``'s groups on each issue pair, as ``exchange._Merged`` codes them: ``i_side`` the
    group of an actor in a or b (0, 1), else -1; ``j_side`` the mirrored group (3 - group) of an
    actor in c or d, else -2; an actor without a position on both issues faces nobody there."""
    n_a, n_i = mask.shape
    for a in range(n_a):
        for k in range(pp.size):
            p, q = pp[k], qq[k]
            i_side[a, k], j_side[a, k] = -1, -2
            if not (mask[a, p] and mask[a, q]):
                continue
            xp, xq = xf[(r * n_a + a) * n_i + p], xf[(r * n_a + a) * n_i + q]
            op, oq = outcome0[r, p], outcome0[r, q]
            if at_outcome_left:
                g = (1 if xp <= op else 0) + 2 * (1 if xq <= oq else 0)
            else:
                g = (1 if xp < op else 0) + 2 * (1 if xq < oq else 0)
            if g < 2:
                i_side[a, k] = g
            else:
                j_side[a, k] = 3 - g


@numba.njit(cache=True, error_model="numpy")
def candidates(
    x: Any, s: Any, w: Any, big_w: Any, mask: Any, outcome0: Any, at_outcome_left: bool, randomised: bool
) -> tuple[Any, Any, Any, Any, float]:  # pragma: no cover - compiled
    """``exchange._Merged`` for the compiled round, straight into its per-candidate table: the
    candidates of runs ``x, s, w`` (R, A, I) (``mask`` (A, I), ``big_w`` = ``w.sum(axis=1)``,
    ``outcome0`` the expected outcomes (R, I)), in the same order (run, i, j, issue pair) and with
    the same arithmetic. Returns ``ci``, ``cf`` (as ``exchange._round_kinetic`` lays them out),
    ``alive`` (``unit_gain > 0``), each run's number of candidates and the largest conversion
    factor (the kernel's bound, ``exchange.CONV_MAX``)."""
    n_r, n_a, n_i = x.shape
    cells = n_a * n_i
    xf, sf, wf = x.ravel(), s.ravel(), w.ravel()
    n_pairs = n_i * (n_i - 1) // 2
    pp = np.empty(n_pairs, dtype=np.int64)
    qq = np.empty(n_pairs, dtype=np.int64)
    k = 0
    for p in range(n_i):  # np.triu_indices(n_i, 1)'s order
        for q in range(p + 1, n_i):
            pp[k], qq[k] = p, q
            k += 1
    i_side = np.empty((n_a, n_pairs), dtype=np.int64)
    j_side = np.empty((n_a, n_pairs), dtype=np.int64)
    sizes = np.zeros(n_r, dtype=np.int64)
    # first pass: how many facing pairs (an upper bound on the candidates)
    n_max = 0
    for r in range(n_r):
        _sides(r, xf, mask, outcome0, at_outcome_left, pp, qq, i_side, j_side)
        for i in range(n_a):
            for j in range(n_a):
                for pair in range(n_pairs):
                    if i_side[i, pair] == j_side[j, pair]:
                        n_max += 1
    ci = np.empty((n_max, 4), dtype=np.int64)
    cf = np.zeros((n_max, 8))
    alive = np.empty(n_max, dtype=np.bool_)
    n = 0
    conv_max = -np.inf
    for r in range(n_r):
        _sides(r, xf, mask, outcome0, at_outcome_left, pp, qq, i_side, j_side)
        for i in range(n_a):
            for j in range(n_a):
                for pair in range(n_pairs):
                    if i_side[i, pair] != j_side[j, pair]:
                        continue
                    p, q = pp[pair], qq[pair]
                    f_ip = r * cells + i * n_i + p
                    f_jp = r * cells + j * n_i + p
                    f_iq, f_jq = f_ip + (q - p), f_jp + (q - p)
                    s_ip, s_jp, s_iq, s_jq = sf[f_ip], sf[f_jp], sf[f_iq], sf[f_jq]
                    # i supplies p when p matters relatively less to i: s_ip / s_iq < s_jp / s_jq
                    i_supplies_p = s_ip * s_jq < s_jp * s_iq
                    if i_supplies_p:
                        fa, fb = f_ip, f_jq
                        s_ap, s_bp, s_aq, s_bq = s_ip, s_jp, s_iq, s_jq
                    else:
                        fa, fb = f_jp, f_iq
                        s_ap, s_bp, s_aq, s_bq = s_jp, s_ip, s_jq, s_iq
                    w_ap, w_bq = wf[fa], wf[fb]
                    conv_a = big_w[r, p] / w_ap
                    conv_b = big_w[r, q] / w_bq
                    if not (
                        np.isfinite(conv_a)
                        and np.isfinite(conv_b)
                        and w_ap > 0
                        and w_bq > 0
                        and s_aq + s_bq > 0
                    ):
                        continue
                    ci[n, FA], ci[n, FB], ci[n, PS], ci[n, QS] = fa, fb, r * n_i + p, r * n_i + q
                    cf[n, TP] = xf[fb + (p - q)]  # where a moves on p: b's (preference) position
                    cf[n, TQ] = xf[fa + (q - p)]
                    cf[n, CONV_A], cf[n, CONV_B] = conv_a, conv_b
                    cf[n, K] = (s_ap + s_bp) / (s_aq + s_bq)
                    ug = (s_bp * s_aq - s_ap * s_bq) / (s_aq + s_bq)
                    cf[n, UG] = ug
                    if randomised:
                        cf[n, RATE_A0] = s_ap / max(s_aq, 1e-12)
                        cf[n, RATE_B0] = s_bp / max(s_bq, 1e-12)
                    alive[n] = ug > 0
                    conv_max = max(conv_max, conv_a, conv_b)
                    sizes[r] += 1
                    n += 1
    return ci[:n], cf[:n], alive[:n], sizes, conv_max
