"""The EUM's round compiled: :func:`accord.models.eum._round` row by row instead of one NumPy pass
per operation over a block of rows.

A round is two kernels around the risk exponents: :func:`security` (the pair geometry, the
probabilities with every r = 1, each actor's security level) and, once NumPy has computed the
exponents and raised the utilities' bases to them, :func:`challenges` (the probabilities with
the exponents, both sides' expected utilities, the offers and the moves). The powers stay in
NumPy, which may evaluate ``**`` with its own SIMD code; everything else is written in the
NumPy code's order and grouping, and each sum in NumPy's order: the votes over the voters in
order from 0.0 (NumPy reduces a leading axis), the global denominator pairwise over the A x A
pairs of a row (:mod:`accord.models.kernels.sums`), the security levels over the challengers in
order. ``tests/models/test_eum_kernel.py`` checks both paths on the same inputs.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from accord.models.kernels.sums import planned_sum

# offer codes of accord.models.eum (a signed code per ordered pair)
NONE, STALEMATE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3, 4


@numba.njit(cache=True, error_model="numpy", inline="always")
def _positive(v: float) -> float:  # pragma: no cover - compiled
    # np.maximum(v, 0.0): v itself when v >= 0 or NaN
    return v if (v >= 0.0 or v != v) else 0.0


@numba.njit(cache=True, error_model="numpy")
def _probability(
    d: Any,
    h: Any,
    w: Any,
    active: Any,
    all_active: bool,
    is_global: bool,
    num: Any,
    plan_lo: Any,
    plan_len: Any,
    stack: Any,
    p: Any,
) -> None:  # pragma: no cover - compiled
    """``eum.probability`` on one row: ``h[k, j]`` is voter k's weighted utility term of actor j
    (``w_k d_kj`` or ``w_k d_kj^r_k``), ``num`` an A x A scratch row, ``p`` (A, A) the output."""
    n_a = d.shape[0]
    for i in range(n_a):
        for j in range(n_a):
            acc = 0.0
            for k in range(n_a):
                acc += _positive(h[k, j] - h[k, i])
            if not all_active and not (active[i] and active[j]):
                acc = 0.0
            num[i * n_a + j] = acc
    if is_global:
        total = 2.0 * planned_sum(num, plan_lo, plan_len, stack)
        for i in range(n_a):
            for j in range(n_a):
                p[i, j] = num[i * n_a + j] / total if total > 0 else 0.0
    else:
        for i in range(n_a):
            for j in range(n_a):
                den = num[i * n_a + j] + num[j * n_a + i]
                q = num[i * n_a + j] / den if den > 0 else 0.5
                p[i, j] = q if d[i, j] > 0 else 0.0


@numba.njit(cache=True, error_model="numpy")
def security(
    x: Any,
    w: Any,
    s: Any,
    inv: Any,
    mu: Any,
    active: Any,
    pair_ok: Any,
    all_active: bool,
    is_global: bool,
    q: float,
    drift_on: bool,
    plan_lo: Any,
    plan_len: Any,
    d: Any,
    bm: Any,
    bp: Any,
    e: Any,
    t: Any,
    bem: Any,
    bep: Any,
    p_lin: Any,
    sec: Any,
) -> None:  # pragma: no cover - compiled
    """The first half of a round on rows ``(N, A)``: the distances ``d``, the bases of the
    utilities ``bm = max(0.5 - 0.5 d, 0)`` and ``bp = 0.5 + 0.5 d`` (and, with the drift term,
    ``e``, ``t`` and the drift's bases ``bem``, ``bep``), the pairwise probabilities ``p_lin``
    (with ``is_global`` False; they need no exponent) and the security levels ``sec`` (N, A),
    as ``eum.geometry`` and ``eum._security`` compute them."""
    n_b, n_a = x.shape
    num = np.empty(n_a * n_a)
    stack = np.empty(max(1, plan_lo.size))
    h = np.empty((n_a, n_a))
    p = np.empty((n_a, n_a))
    a = np.empty((n_a, n_a))
    for n in range(n_b):
        for i in range(n_a):
            to_mu = abs(x[n, i] - mu[n])
            for j in range(n_a):
                diff = abs(x[n, i] - x[n, j])
                dij = diff * inv[n]
                d[n, i, j] = dij
                bm[n, i, j] = max(0.5 - 0.5 * dij, 0.0)
                bp[n, i, j] = 0.5 + 0.5 * dij
                if drift_on:
                    eij = (to_mu + diff) * inv[n]
                    e[n, i, j] = eij
                    t[n, i, j] = 1.0 if to_mu < diff else 0.0
                    bem[n, i, j] = max(0.5 - 0.25 * eij, 0.0)
                    bep[n, i, j] = 0.5 + 0.25 * eij
                h[i, j] = w[n, i] * dij
        _probability(d[n], h, w[n], active[n], all_active, is_global, num, plan_lo, plan_len, stack, p)
        if not is_global:
            p_lin[n] = p
        for i in range(n_a):
            for j in range(n_a):
                us = 2.0 - 4.0 * bm[n, i, j]
                du = us - (2.0 - 4.0 * bp[n, i, j])
                eu = us - s[n, j] * (1.0 - p[i, j]) * du
                if q != 0.0:
                    eu = eu - q * 0.0
                if drift_on:
                    ub = 2.0 - 4.0 * bem[n, i, j]
                    uw = 2.0 - 4.0 * bep[n, i, j]
                    eu = eu - (1.0 - q) * (uw + t[n, i, j] * (ub - uw))
                a[i, j] = eu
        for i in range(n_a):
            acc = 0.0
            for j in range(n_a):  # sec_i: the challengers j of i, in order
                acc += a[j, i] if pair_ok[n, j, i] else 0.0
            sec[n, i] = acc


@numba.njit(cache=True, error_model="numpy", inline="always")
def _classify(a: float, b: float, contest: bool, eu_zero: float) -> int:  # pragma: no cover - compiled
    # eum.classify for one pair
    if not contest:
        return NONE
    pos_a, pos_b = a > 0, b > 0
    code = STALEMATE
    if pos_a and pos_b:
        code = -CONFLICT if a < b else CONFLICT
    elif pos_a and not pos_b:
        code = COMPROMISE if a > -b else CAPITULATION
    elif pos_b and not pos_a:
        code = -CAPITULATION if -a > b else -COMPROMISE
    if eu_zero > 0:
        za, zb = abs(a) < eu_zero, abs(b) < eu_zero
        if za and not zb:
            code = -COMPROMISE if pos_b else STALEMATE
        elif zb and not za:
            code = COMPROMISE if pos_a else STALEMATE
        elif za and zb:
            code = STALEMATE
    return code


@numba.njit(cache=True, error_model="numpy")
def challenges(
    x: Any,
    w: Any,
    s: Any,
    active: Any,
    pair_ok: Any,
    all_active: bool,
    d: Any,
    pd: Any,
    pm: Any,
    pp: Any,
    usq: Any,
    t: Any,
    pem: Any,
    pep: Any,
    pem_t: Any,
    pep_t: Any,
    p_lin: Any,
    plan_lo: Any,
    plan_len: Any,
    is_global: bool,
    q: float,
    drift_on: bool,
    own: bool,
    drift_challenger: bool,
    salience_target: bool,
    same_position: bool,
    eu_zero: float,
    capitulation: bool,
    weighted_average: bool,
    scholz_code: bool,
    record: bool,
    new: Any,
    a_out: Any,
    b_out: Any,
    code: Any,
) -> None:  # pragma: no cover - compiled
    """The second half of a round on rows ``(N, A)``, given the risk exponents' powers from
    NumPy: ``pd = d^r``, ``pm = bm^r``, ``pp = bp^r``, ``usq = 2 - 4 * 0.5^r`` (N, A), with the
    drift term ``pem = bem^r``, ``pep = bep^r`` and the transposed bases' powers ``pem_t``,
    ``pep_t`` (each with the row actor's exponent). Writes the new positions ``new`` (N, A) and,
    with ``record``, ``a``, ``b`` and the offer codes, as ``eum._pass``, ``eum.choose_moves`` and
    ``eum.classify`` compute them."""
    n_b, n_a = x.shape
    num = np.empty(n_a * n_a)
    stack = np.empty(max(1, plan_lo.size))
    h = np.empty((n_a, n_a))
    p = np.empty((n_a, n_a))
    us = np.empty((n_a, n_a))
    du = np.empty((n_a, n_a))
    dr = np.empty((n_a, n_a))
    dr_t = np.empty((n_a, n_a))  # _drift(e^T, t^T, r)
    a = np.empty((n_a, n_a))
    b = np.empty((n_a, n_a))
    for n in range(n_b):
        if is_global:
            for k in range(n_a):
                for j in range(n_a):
                    h[k, j] = w[n, k] * pd[n, k, j]
            _probability(d[n], h, w[n], active[n], all_active, True, num, plan_lo, plan_len, stack, p)
        else:
            p[:, :] = p_lin[n]
        for i in range(n_a):
            for j in range(n_a):
                u = 2.0 - 4.0 * pm[n, i, j]
                us[i, j] = u
                du[i, j] = u - (2.0 - 4.0 * pp[n, i, j])
                if drift_on:
                    ub = 2.0 - 4.0 * pem[n, i, j]
                    uw = 2.0 - 4.0 * pep[n, i, j]
                    dr[i, j] = uw + t[n, i, j] * (ub - uw)
                    ub = 2.0 - 4.0 * pem_t[n, i, j]
                    uw = 2.0 - 4.0 * pep_t[n, i, j]
                    dr_t[i, j] = uw + t[n, j, i] * (ub - uw)
        for i in range(n_a):
            for j in range(n_a):
                eu = us[i, j] - s[n, j] * (1.0 - p[i, j]) * du[i, j]
                if q != 0.0:
                    eu = eu - q * usq[n, i]
                if drift_on:
                    eu = eu - (1.0 - q) * dr[i, j]
                a[i, j] = eu
                # E^j(U_ji) as it enters i's decision: j's utilities (own) or i's (receiver)
                if own:
                    u, dv, sq = us[j, i], du[j, i], usq[n, j]
                else:
                    u, dv, sq = us[i, j], du[i, j], usq[n, i]
                sal = s[n, i] if salience_target else s[n, j]
                eu = u - sal * (1.0 - p[j, i]) * dv
                if q != 0.0:
                    eu = eu - q * sq
                if drift_on:
                    if drift_challenger:
                        drift_b = dr[j, i] if own else dr_t[i, j]
                    else:
                        drift_b = dr_t[j, i] if own else dr[i, j]
                    eu = eu - (1.0 - q) * drift_b
                b[i, j] = eu
        _moves(
            x[n],
            a,
            b,
            pair_ok[n],
            d[n],
            active[n],
            same_position,
            eu_zero,
            capitulation,
            weighted_average,
            scholz_code,
            new[n],
        )
        if record:
            for i in range(n_a):
                for j in range(n_a):
                    a_out[n, i, j] = a[i, j]
                    b_out[n, i, j] = b[i, j]
                    contest = pair_ok[n, i, j] and (same_position or d[n, i, j] > 0)
                    code[n, i, j] = _classify(a[i, j], b[i, j], contest, eu_zero)


@numba.njit(cache=True, error_model="numpy")
def _moves(
    x: Any,
    a: Any,
    b: Any,
    pair_ok: Any,
    d: Any,
    active: Any,
    same_position: bool,
    eu_zero: float,
    capitulation: bool,
    weighted_average: bool,
    scholz_code: bool,
    new: Any,
) -> None:  # pragma: no cover - compiled
    """``eum.choose_moves`` on one row (then inactive actors stay put)."""
    n_a = x.shape[0]
    lost = np.empty(n_a, dtype=np.bool_)
    comp = np.empty(n_a, dtype=np.bool_)
    cap = np.empty(n_a, dtype=np.bool_)
    for i in range(n_a):
        xi = x[i]
        has_lost = has_comp = False
        for j in range(n_a):
            aij, bij = a[i, j], b[i, j]
            contest = pair_ok[i, j] and (same_position or d[i, j] > 0)
            pos_a = aij > 0
            concede = contest and bij > 0 and not pos_a
            if eu_zero > 0:
                za, zb = abs(aij) < eu_zero, abs(bij) < eu_zero
                lost[j] = contest and pos_a and bij > aij and not za and not zb
                concede = concede and not zb
                comp[j] = concede and (za or bij >= -aij)
            else:
                lost[j] = contest and pos_a and bij > aij
                comp[j] = concede and bij >= -aij
            cap[j] = capitulation and concede and not comp[j]
            has_lost = has_lost or lost[j]
            has_comp = has_comp or comp[j]
        # argmin of the key over the eligible offers (np.argmin: the first NaN, else the first least)
        best = 0
        best_key = np.inf
        moves = False
        for j in range(n_a):
            if has_lost:
                eligible = lost[j]
            elif has_comp or not capitulation:
                eligible = comp[j]
            else:
                eligible = cap[j]
            key = np.inf
            if eligible:
                moves = True
                xj = x[j]
                abs_a, abs_b = abs(a[i, j]), abs(b[i, j])
                if comp[j]:
                    if scholz_code:
                        key = (abs_a * xi + abs_b * xj) / (abs_a + abs_b)
                    else:
                        frac = abs_b / (abs_a + abs_b) if weighted_average else abs_a / abs_b
                        key = abs(xj - xi) * frac
                else:
                    key = abs(xj - xi)
            if j == 0:
                best_key = key
                if key != key:
                    break
            elif key != key:
                best = j
                break
            elif key < best_key:
                best, best_key = j, key
        if not moves or not active[i]:
            new[i] = xi
        elif has_lost or not has_comp:
            new[i] = x[best]
        else:
            xj = x[best]
            frac = 1.0
            if comp[best]:
                abs_a, abs_b = abs(a[i, best]), abs(b[i, best])
                frac = abs_b / (abs_a + abs_b) if weighted_average else abs_a / abs_b
            new[i] = xi + (xj - xi) * frac
