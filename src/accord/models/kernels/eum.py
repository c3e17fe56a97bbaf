"""The EUM's round compiled: :func:`accord.models.eum._round` row by row instead of one NumPy pass
per operation over a block of rows.

:func:`round_rows` runs a whole round on every row in one call: per row, the pair geometry, the
probabilities with every r = 1 and each actor's security level (:func:`_security`), the risk
exponents (:func:`_risk_exponents`), the utilities' bases raised to them (:func:`_powers`), then
the probabilities with the exponents, both sides' expected utilities, the offers and the moves
(:func:`_challenges`). Everything is written in the NumPy code's order and grouping, and each
sum in NumPy's order: the votes over the voters in order from 0.0 (NumPy reduces a leading
axis), the global denominator pairwise over the A x A pairs of a row
(:mod:`accord.models.kernels.sums`), the security levels over the challengers in order. The
powers are libm's ``pow``, which NumPy's float64 ``np.power`` runs on this machine (its
baseline; ``numpy.lib.introspect.opt_func_info("power")`` lists an AVX-512 variant of its own,
used on CPUs that have it); where NumPy's powers are not libm's, :func:`powers_match` (a probe
run once per process) keeps the EUM on its NumPy round. ``tests/models/test_eum_kernel.py``
compares the powers and both rounds on the same inputs.
"""

from __future__ import annotations

import functools
from typing import Any

import numba
import numpy as np

from accord.models.kernels.sums import planned_sum

# offer codes of accord.models.eum (a signed code per ordered pair)
NONE, STALEMATE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3, 4


@numba.njit(cache=True, error_model="numpy")
def _pow(base: Any, r: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(base.size):
        out[i] = base[i] ** r[i]


@functools.cache
def powers_match() -> bool:
    """Whether this kernel's powers are NumPy's ``np.power`` bit for bit in this process: a probe
    of 2^16 bases in [0, 1] (0, 0.5 and 1 among them) raised to exponents in [0.5, 2] (both ends
    among them), the utilities' ranges. libm's ``pow`` and a SIMD ``pow`` part in the last bit on
    a good share of such inputs, so a NumPy with its own code fails the probe."""
    rng = np.random.default_rng(20110401)
    base = rng.uniform(0.0, 1.0, 1 << 16)
    r = rng.uniform(0.5, 2.0, base.size)
    base[:3], r[3:5] = (0.0, 0.5, 1.0), (0.5, 2.0)
    out = np.empty_like(base)
    _pow(base, r, out)
    return bool(out.tobytes() == np.power(base, r).tobytes())


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


@numba.njit(cache=True, error_model="numpy", inline="always")
def _maximum(a: float, b: float) -> float:  # pragma: no cover - compiled
    # np.maximum: NaN when either is NaN
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@numba.njit(cache=True, error_model="numpy")
def _security(
    x: Any,
    w: Any,
    s: Any,
    inv: float,
    mu: float,
    active: Any,
    pair_ok: Any,
    all_active: bool,
    is_global: bool,
    q: float,
    drift_on: bool,
    plan_lo: Any,
    plan_len: Any,
    num: Any,
    stack: Any,
    h: Any,
    a: Any,
    d: Any,
    bm: Any,
    bp: Any,
    e: Any,
    t: Any,
    bem: Any,
    bep: Any,
    p: Any,
    sec: Any,
) -> None:  # pragma: no cover - compiled
    """The first half of a round on one row ``(A,)``: the distances ``d``, the bases of the
    utilities ``bm = max(0.5 - 0.5 d, 0)`` and ``bp = 0.5 + 0.5 d`` (and, with the drift term,
    ``e``, ``t`` and the drift's bases ``bem``, ``bep``), the probabilities ``p`` with every
    r = 1 (the pairwise ones need no exponent) and the security levels ``sec``, as
    ``eum.geometry`` and ``eum._security`` compute them."""
    n_a = x.shape[0]
    for i in range(n_a):
        to_mu = abs(x[i] - mu)
        for j in range(n_a):
            diff = abs(x[i] - x[j])
            dij = diff * inv
            d[i, j] = dij
            bm[i, j] = max(0.5 - 0.5 * dij, 0.0)
            bp[i, j] = 0.5 + 0.5 * dij
            if drift_on:
                eij = (to_mu + diff) * inv
                e[i, j] = eij
                t[i, j] = 1.0 if to_mu < diff else 0.0
                bem[i, j] = max(0.5 - 0.25 * eij, 0.0)
                bep[i, j] = 0.5 + 0.25 * eij
            h[i, j] = w[i] * dij
    _probability(d, h, w, active, all_active, is_global, num, plan_lo, plan_len, stack, p)
    for i in range(n_a):
        for j in range(n_a):
            us = 2.0 - 4.0 * bm[i, j]
            du = us - (2.0 - 4.0 * bp[i, j])
            eu = us - s[j] * (1.0 - p[i, j]) * du
            if q != 0.0:
                eu = eu - q * 0.0
            if drift_on:
                ub = 2.0 - 4.0 * bem[i, j]
                uw = 2.0 - 4.0 * bep[i, j]
                eu = eu - (1.0 - q) * (uw + t[i, j] * (ub - uw))
            a[i, j] = eu
    for i in range(n_a):
        acc = 0.0
        for j in range(n_a):  # sec_i: the challengers j of i, in order
            acc += a[j, i] if pair_ok[j, i] else 0.0
        sec[i] = acc


@numba.njit(cache=True, error_model="numpy")
def _risk_exponents(sec: Any, active: Any, r: Any) -> None:  # pragma: no cover - compiled
    """``eum.risk_exponents`` on one row (eq. 33-34)."""
    n_a = sec.shape[0]
    hi, lo, nan = -np.inf, np.inf, False
    for i in range(n_a):  # np.max and np.min over the active actors: NaN when any is NaN
        v = sec[i]
        if not active[i]:
            continue
        if v != v:
            nan = True
        if v > hi:
            hi = v
        if v < lo:
            lo = v
    if nan:
        hi = lo = np.nan
    spread = hi - lo
    flat = not (spread > 1e-12 * _maximum(1.0, _maximum(abs(hi), abs(lo))))
    for i in range(n_a):
        big_r = 0.0 if flat else (2.0 * sec[i] - hi - lo) / spread
        ri = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
        r[i] = ri if active[i] else 1.0


@numba.njit(cache=True, error_model="numpy")
def _powers(
    r: Any,
    half: float,
    is_global: bool,
    drift_on: bool,
    drift_t: bool,
    d: Any,
    bm: Any,
    bp: Any,
    bem: Any,
    bep: Any,
    pd: Any,
    pm: Any,
    pp: Any,
    usq: Any,
    pem: Any,
    pep: Any,
    pem_t: Any,
    pep_t: Any,
) -> None:  # pragma: no cover - compiled
    """The utilities' bases raised to the row actor's exponent, as NumPy's ``np.power`` does
    (libm's ``pow`` on this machine, checked bit for bit in the tests): ``pd = d^r`` (global
    probabilities), ``pm = bm^r``, ``pp = bp^r``, ``usq = 2 - 4 * 0.5^r`` (``half`` = 0.5 comes
    in at run time: a literal base lets LLVM rewrite ``pow`` as ``exp2``, other bits); with the
    drift term ``pem = bem^r``, ``pep = bep^r`` and (``drift_t``) the transposed bases' powers.
    Equal distances in a row give equal powers: each is raised once (the actors that share a
    position, common after the first rounds)."""
    n_a = d.shape[0]
    for i in range(n_a):
        ri = r[i]
        p_half = half**ri
        usq[i] = 2.0 - 4.0 * p_half
        p_zero = -1.0  # 0^r once computed (never negative)
        for j in range(n_a):
            dij = d[i, j]
            seen = -1
            if dij == 0.0:  # bm = bp = 0.5 (every row's diagonal)
                if p_zero < 0.0:
                    p_zero = dij**ri if is_global else dij
                pd[i, j], pm[i, j], pp[i, j] = p_zero, p_half, p_half
            else:
                for k in range(j):
                    if d[i, k] == dij:
                        seen = k
                        break
                if seen >= 0:
                    pd[i, j], pm[i, j], pp[i, j] = pd[i, seen], pm[i, seen], pp[i, seen]
                else:
                    pd[i, j] = dij**ri if is_global else dij
                    pm[i, j] = bm[i, j] ** ri
                    pp[i, j] = bp[i, j] ** ri
            if drift_on:
                pem[i, j] = bem[i, j] ** ri
                pep[i, j] = bep[i, j] ** ri
                if drift_t:
                    pem_t[i, j] = bem[j, i] ** ri
                    pep_t[i, j] = bep[j, i] ** ri


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
def _challenges(
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
    p: Any,
    plan_lo: Any,
    plan_len: Any,
    num: Any,
    stack: Any,
    h: Any,
    us: Any,
    du: Any,
    dr: Any,
    dr_t: Any,
    a: Any,
    b: Any,
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
    new: Any,
) -> None:  # pragma: no cover - compiled
    """The second half of a round on one row, given the risk exponents' powers (:func:`_powers`;
    ``p`` holds the pairwise probabilities when ``is_global`` is False): both sides' expected
    utilities ``a``, ``b`` and the new positions ``new``, as ``eum._pass`` and
    ``eum.choose_moves`` compute them."""
    n_a = x.shape[0]
    if is_global:
        for k in range(n_a):
            for j in range(n_a):
                h[k, j] = w[k] * pd[k, j]
        _probability(d, h, w, active, all_active, True, num, plan_lo, plan_len, stack, p)
    drift_t = own != drift_challenger
    for i in range(n_a):
        for j in range(n_a):
            u = 2.0 - 4.0 * pm[i, j]
            us[i, j] = u
            du[i, j] = u - (2.0 - 4.0 * pp[i, j])
            if drift_on:
                ub = 2.0 - 4.0 * pem[i, j]
                uw = 2.0 - 4.0 * pep[i, j]
                dr[i, j] = uw + t[i, j] * (ub - uw)
                if drift_t:
                    ub = 2.0 - 4.0 * pem_t[i, j]
                    uw = 2.0 - 4.0 * pep_t[i, j]
                    dr_t[i, j] = uw + t[j, i] * (ub - uw)
    for i in range(n_a):
        for j in range(n_a):
            eu = us[i, j] - s[j] * (1.0 - p[i, j]) * du[i, j]
            if q != 0.0:
                eu = eu - q * usq[i]
            if drift_on:
                eu = eu - (1.0 - q) * dr[i, j]
            a[i, j] = eu
            # E^j(U_ji) as it enters i's decision: j's utilities (own) or i's (receiver)
            if own:
                u, dv, sq = us[j, i], du[j, i], usq[j]
            else:
                u, dv, sq = us[i, j], du[i, j], usq[i]
            sal = s[i] if salience_target else s[j]
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
        x, a, b, pair_ok, d, active, same_position, eu_zero, capitulation, weighted_average, scholz_code, new
    )


@numba.njit(cache=True, error_model="numpy")
def round_rows(
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
    own: bool,
    drift_challenger: bool,
    salience_target: bool,
    same_position: bool,
    eu_zero: float,
    capitulation: bool,
    weighted_average: bool,
    scholz_code: bool,
    half: float,
    plan_lo: Any,
    plan_len: Any,
    record: bool,
    new: Any,
    r: Any,
    a_out: Any,
    b_out: Any,
    code: Any,
) -> None:  # pragma: no cover - compiled
    """One round of the EUM on rows ``(N, A)`` (``eum._round``), row by row: the security
    levels with every r = 1, the risk exponents ``r`` (N, A), their powers, both sides'
    expected utilities and the new positions ``new`` (N, A); with ``record`` also ``a``, ``b``
    and the offer codes (N, A, A). ``w`` is 0 for inactive actors, ``inv`` = 1 / D (N,),
    ``mu`` the median (N,)."""
    n_b, n_a = x.shape
    num = np.empty(n_a * n_a)
    stack = np.empty(max(1, plan_lo.size))
    sq = (n_a, n_a)
    h, p, a, b = np.empty(sq), np.empty(sq), np.empty(sq), np.empty(sq)
    d, bm, bp, pd, pm, pp = np.empty(sq), np.empty(sq), np.empty(sq), np.empty(sq), np.empty(sq), np.empty(sq)
    us, du = np.empty(sq), np.empty(sq)
    dq = sq if drift_on else (0, 0)
    e, t, bem, bep = np.empty(dq), np.empty(dq), np.empty(dq), np.empty(dq)
    pem, pep, pem_t, pep_t = np.empty(dq), np.empty(dq), np.empty(dq), np.empty(dq)
    dr, dr_t = np.empty(dq), np.empty(dq)
    sec = np.empty(n_a)
    usq = np.empty(n_a)
    for n in range(n_b):
        _security(
            x[n], w[n], s[n], inv[n], mu[n], active[n], pair_ok[n], all_active, is_global, q, drift_on,
            plan_lo, plan_len, num, stack, h, a, d, bm, bp, e, t, bem, bep, p, sec,
        )  # fmt: skip
        _risk_exponents(sec, active[n], r[n])
        _powers(
            r[n], half, is_global, drift_on, own != drift_challenger, d, bm, bp, bem, bep, pd, pm, pp, usq,
            pem, pep, pem_t, pep_t,
        )  # fmt: skip
        _challenges(
            x[n], w[n], s[n], active[n], pair_ok[n], all_active, d, pd, pm, pp, usq, t, pem, pep, pem_t,
            pep_t, p, plan_lo, plan_len, num, stack, h, us, du, dr, dr_t, a, b, is_global, q, drift_on, own,
            drift_challenger, salience_target, same_position, eu_zero, capitulation, weighted_average,
            scholz_code, new[n],
        )  # fmt: skip
        if record:
            for i in range(n_a):
                for j in range(n_a):
                    a_out[n, i, j] = a[i, j]
                    b_out[n, i, j] = b[i, j]
                    contest = pair_ok[n, i, j] and (same_position or d[i, j] > 0)
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
