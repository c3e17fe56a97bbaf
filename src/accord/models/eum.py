r"""Bueno de Mesquita's expected-utility model (EUM), as reconstructed by Scholz, Calbert & Smith.

Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011), "Unravelling Bueno De Mesquita's group
decision model", *Journal of Theoretical Politics* 23(4), 510-531 (ICAART 2011 version:
eq. and table numbers below); Bueno de Mesquita (1985, 1994, 2002). One issue at a time,
on each round:

1. The forecast is the **weighted median** :math:`\mu`, the held position no other held
   position beats in pairwise votes weighted by capability x salience (eq. 26-28; with
   linear distance utilities this is the held position minimising
   :math:`\sum_k w_k |x_k - x|`), and the **weighted mean** :math:`\sum w x / \sum w`.
2. With every risk exponent :math:`r = 1`, the expected utility of challenging
   (eq. 25a) :math:`E^i(U_{ij}) = s_j[P_{ij} U^s + (1-P_{ij}) U^f] + (1-s_j) U^s - Q U^{sq}
   - (1-Q)[T U^b + (1-T) U^w]` with the utilities of eq. 15, 16, 22-24 on distances divided
   by the initial range of positions, and the probability of success :math:`P_{ij}`
   (eq. 30-31). An actor's security level is the sum of its adversaries' expected utilities
   of challenging it (eq. 32); it sets the risk exponent
   :math:`r_i = (1 - R_i/3)/(1 + R_i/3)` with
   :math:`R_i = (2\,Sec_i - \max Sec - \min Sec)/(\max Sec - \min Sec)` (eq. 33-34).
3. A second pass with these exponents gives, for every ordered pair, both sides' expected
   utilities :math:`a = E^i(U_{ij})` and :math:`b = E^j(U_{ji})`, which place the pair in
   a quadrant of Bueno de Mesquita's perceptual chart (fig. 6): conflict, compromise,
   capitulation or stalemate.
4. Every actor accepts at most one offer (section 6.2): a lost conflict before a compromise
   before a capitulation, the one that moves it least; all actors move at once.

Two variants set the points where the printed equations and Scholz's own code part (see
``docs/models/eum.md`` and the notes the defaults are drawn from):

``scholz`` (default) reproduces the implementation that follows Scholz's code and with it
the paper's Table 2: votes adjusted by each voter's risk exponent and a probability whose
denominator sums the votes over every pair of actors (``probability=global``); both
expected utilities of a pair as the receiving actor perceives them (``perspective=receiver``)
with the target's salience weighting a challenge (``salience_ji=target``); compromises picked
by the smallest weighted-average position (``offer_choice=scholz_code``); capitulations
never accepted (``capitulation=false``, a typo in that code).

``paper`` follows the printed equations: eq. 31 per pair (``probability=pairwise``), each
side's utility with its own risk exponent (``perspective=own``), eq. 25b's printed salience
of the challenger (``salience_ji=challenger``), the offer that moves the actor least and
eq. 36 for the compromise position.

Degenerate cases return finite numbers: equal security levels give every actor ``r = 1``;
a pair whose voters are all indifferent has ``P = 1/2`` (pairwise) or ``0`` (global); an
issue where every position coincides never moves. Actors without a position on an issue
take no part in it. Ties between equally good offers or equally good median positions go to
the lowest actor index (as in the reference implementations), the only place labels matter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.models.registry import ModelResult, ModelSpec, Param
from accord.problem import Problem

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

VARIANTS = ("scholz", "paper")

# offer codes per ordered pair (i, j), seen from i: > 0 when i prevails (j should move),
# < 0 when i concedes (i moves); magnitude = the kind of offer
NONE, STALEMATE, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3, 4
OFFER_TYPES: dict[int, str] = {
    NONE: "none",
    STALEMATE: "stalemate",
    CONFLICT: "conflict",
    COMPROMISE: "compromise",
    CAPITULATION: "capitulation",
}

# above this many actors the probabilities use sorted prefix sums instead of an A x A x A sum
_DIRECT_MAX_ACTORS = 48
# elements per chunk of the direct A x A x A sum
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class Options:
    """The choices that change the model's results (see the module docstring)."""

    q: float = 1.0
    probability: str = "global"
    perspective: str = "receiver"
    salience_ji: str = "target"
    offer_choice: str = "scholz_code"
    compromise_position: str = "eq36"
    capitulation: bool = False
    drift_term: bool = True
    eu_zero: float = 0.0
    same_position: bool = False
    drift_view: str = "challenger"


VARIANT_OPTIONS: dict[str, Options] = {
    "scholz": Options(),
    "paper": Options(
        probability="pairwise",
        perspective="own",
        salience_ji="challenger",
        offer_choice="least_move",
        compromise_position="eq36",
        capitulation=True,
    ),
}


def options_for(variant: str, **overrides: Any) -> Options:
    """The variant's choices, with any option that is not None overriding it."""
    base = VARIANT_OPTIONS[variant]
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


# --------------------------------------------------------------------------------------------
# building blocks on flattened arrays: rows N (batch x issue), actors A


def held_median(x: Array, w: Array, active: BoolArray) -> Array:
    """The held position that no other held position beats in a weighted vote: ``(N,)``.

    Actor k votes for ``x_a`` over ``x_b`` with weight ``w_k`` (|x_k - x_b| - |x_k - x_a|)
    (Scholz et al. 2011, eq. 26-28); the summed votes are F(x_b) - F(x_a) with
    F(x) = sum_k w_k |x_k - x|, so the Condorcet winner is the held position minimising F.
    Exact ties go to the lowest actor index; rows whose weights are all 0 use equal weights.
    """
    w = np.where(active, w, 0.0)
    zero = w.sum(axis=-1, keepdims=True) <= 0
    w = np.where(zero & active, 1.0, w)
    f = np.einsum("nk,nka->na", w, np.abs(x[:, :, None] - x[:, None, :]))
    f = np.where(active, f, np.inf)
    best = np.min(f, axis=-1, keepdims=True)
    # equal in exact arithmetic but summed in another order: treat as a tie
    tol = 1e-12 * np.maximum(np.abs(best), 1e-300) + 1e-300
    pick = np.argmax(f <= best + tol, axis=-1)
    out = np.take_along_axis(x, pick[:, None], axis=-1)[:, 0]
    return np.where(active.any(axis=-1), out, np.nan)


def weighted_mean(x: Array, w: Array, active: BoolArray) -> Array:
    """Capability x salience weighted mean ``(N,)``; the plain mean where all weights are 0."""
    w = np.where(active, w, 0.0)
    total = w.sum(axis=-1)
    count = active.sum(axis=-1)
    xs = np.where(active, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = xs.sum(axis=-1) / count
        mean = (w * xs).sum(axis=-1) / total
    return np.where(total > 0, mean, plain)


def _vote_matrix(x: Array, w: Array, rho: Array, span: Array) -> Array:
    """H[n, k, a] = w_k (|x_k - x_a| / D)^rho_k: voter k's (risk-adjusted) distance to actor a."""
    dist = np.abs(x[:, :, None] - x[:, None, :]) / span[:, None, None]
    return np.asarray(w[:, :, None] * dist ** rho[:, :, None])


def _votes_direct(h: Array, active: BoolArray) -> tuple[Array, Array, Array]:
    """For every pair (i, j): votes for i over j, all votes cast on the pair, and the global total.

    v[k, i, j] = H[k, j] - H[k, i] is voter k's vote for i over j; returns
    ``sum_k max(0, v)``, ``sum_k |v|`` (both ``(N, A, A)``) and ``sum_{k,i,j} |v|`` ``(N,)``
    over active actors, chunked so that no more than a few million elements exist at once.
    """
    n, a = h.shape[0], h.shape[1]
    num = np.empty((n, a, a))
    den = np.empty((n, a, a))
    pair_ok = active[:, :, None] & active[:, None, :]
    step = max(1, _CHUNK_ELEMENTS // max(1, a**3))
    for s in range(0, n, step):
        hc = h[s : s + step]
        v = hc[:, :, None, :] - hc[:, :, :, None]
        num[s : s + step] = np.maximum(v, 0.0).sum(axis=1)
        den[s : s + step] = np.abs(v).sum(axis=1)
    num = np.where(pair_ok, num, 0.0)
    den = np.where(pair_ok, den, 0.0)
    return num, den, den.sum(axis=(-2, -1))


def _votes_sorted(x: Array, h: Array, active: BoolArray) -> tuple[Array, Array, Array]:
    """The same sums as :func:`_votes_direct` in O(A^2 log A) per row with sorted prefix sums.

    Voter k prefers the nearer of x_i, x_j, so for x_i < x_j the voters left of the midpoint
    m vote for i and those right of it for j: votes for i = sum_{x_k < m} (H[k, j] - H[k, i]),
    a difference of column prefix sums of H over voters sorted by position. The global total
    sums |H[k, a] - H[k, b]| over all pairs from each voter's sorted row.
    """
    n, a = h.shape[0], h.shape[1]
    num = np.zeros((n, a, a))
    den = np.zeros((n, a, a))
    total = np.zeros(n)
    for row in range(n):  # rows are batch draws or issues, not actors
        idx = np.flatnonzero(active[row])
        m = idx.size
        if m < 2:
            continue
        xr = x[row, idx]
        hr = h[row][np.ix_(idx, idx)]
        order = np.argsort(xr, kind="stable")
        xs = xr[order]
        cum = np.zeros((m + 1, m))
        np.cumsum(hr[order], axis=0, out=cum[1:])
        col_total = cum[-1]
        mid = 0.5 * (xr[:, None] + xr[None, :])
        lt = np.searchsorted(xs, mid, side="left")
        le = np.searchsorted(xs, mid, side="right")
        cols = np.arange(m)
        ci_lt = cum[lt, cols[:, None]]
        cj_lt = cum[lt, cols[None, :]]
        ci_le = cum[le, cols[:, None]]
        cj_le = cum[le, cols[None, :]]
        left = cj_lt - ci_lt  # sum over voters left of m of H[k, j] - H[k, i]
        right = (col_total[None, :] - cj_le) - (col_total[:, None] - ci_le)
        below = xr[:, None] < xr[None, :]
        above = xr[:, None] > xr[None, :]
        nr = np.where(below, left, np.where(above, right, 0.0))
        dr = np.where(below | above, np.abs(left) + np.abs(right), 0.0)
        num[row][np.ix_(idx, idx)] = np.maximum(nr, 0.0)
        den[row][np.ix_(idx, idx)] = dr
        hsort = np.sort(hr, axis=1)
        coef = 2.0 * np.arange(m) - m + 1.0
        total[row] = 2.0 * float((hsort @ coef).sum())
    return num, den, total


def probability(
    x: Array, w: Array, r: Array, active: BoolArray, span: Array, kind: str, method: str = "auto"
) -> Array:
    r"""P[n, i, j], the probability that i prevails against j, ``(N, A, A)``.

    ``pairwise`` (Scholz et al. 2011, eq. 30-31): voter k gives j-versus-i support
    :math:`v_k = w_k(|x_k - x_j| - |x_k - x_i|)` and
    :math:`P_{ij} = \sum_{v_k > 0} v_k / \sum_k |v_k|` (1/2 when no voter cares).
    ``global`` (Scholz's code): the votes are :math:`w_k (d_{kj}^{r_k} - d_{ki}^{r_k})` with
    each voter's risk exponent, and the denominator is the sum of |votes| over every voter
    and every ordered pair of actors (0 when it is 0). ``P = 0`` when x_i = x_j.
    """
    rho = r if kind == "global" else np.ones_like(r)
    h = _vote_matrix(x, np.where(active, w, 0.0), rho, span)
    direct = method == "direct" or (method == "auto" and x.shape[-1] <= _DIRECT_MAX_ACTORS)
    num, den, total = _votes_direct(h, active) if direct else _votes_sorted(x, h, active)
    distinct = x[:, :, None] != x[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "global":
            p = np.where(total[:, None, None] > 0, num / total[:, None, None], 0.0)
        else:
            p = np.where(den > 0, num / den, 0.5)
    return np.where(distinct, p, 0.0)


def expected_utility(
    r: Array, salience: Array, p: Array, d: Array, e: Array, t: Array, q: float, drift: bool
) -> Array:
    r"""Expected utility of a challenge (Scholz et al. 2011, eq. 25a), elementwise.

    ``r``: the risk exponent of the actor whose utility it is; ``salience``: the weight on
    the contest (the target's probability of resisting); ``p``: the challenger's probability
    of success; ``d``: the pair's distance over the range of positions; ``e``: the distance
    term of eq. 22-23, (|x_c - mu| + |x_c - x_t|) / range; ``t``: 1 where the target's drift
    toward the median helps (Eftekhari & Rahimi 2014's rule), else 0.
    """
    us = 2.0 - 4.0 * np.maximum(0.5 - 0.5 * d, 0.0) ** r  # eq. 15
    uf = 2.0 - 4.0 * (0.5 + 0.5 * d) ** r  # eq. 16
    usq = 2.0 - 4.0 * 0.5**r  # eq. 24
    eu = salience * (p * us + (1.0 - p) * uf) + (1.0 - salience) * us - q * usq
    if drift and q != 1.0:
        ub = 2.0 - 4.0 * np.maximum(0.5 - 0.25 * e, 0.0) ** r  # eq. 22
        uw = 2.0 - 4.0 * (0.5 + 0.25 * e) ** r  # eq. 23
        eu = eu - (1.0 - q) * (t * ub + (1.0 - t) * uw)
    return np.asarray(eu)


@dataclass
class _Pass:
    a: Array  # E^i(U_ij) from i's viewpoint, (N, A, A)
    b: Array  # E^j(U_ji) as it enters i's decision, (N, A, A)


def _pass(
    x: Array,
    w: Array,
    s: Array,
    r: Array,
    active: BoolArray,
    span: Array,
    mu: Array,
    opt: Options,
    p: Array | None = None,
) -> _Pass:
    if p is None:
        p = probability(x, w, r, active, span, opt.probability)
    diff = np.abs(x[:, :, None] - x[:, None, :])
    d = diff / span[:, None, None]
    to_mu = np.abs(x - mu[:, None])[:, :, None]
    e = (to_mu + diff) / span[:, None, None]  # challenger i's distance term
    t = (to_mu < diff).astype(float)
    ri, rj = r[:, :, None], r[:, None, :]
    si, sj = s[:, :, None], s[:, None, :]
    a = expected_utility(ri, sj, p, d, e, t, opt.q, opt.drift_term)
    r_b = ri if opt.perspective == "receiver" else rj
    s_b = si if opt.salience_ji == "target" else sj
    pt = np.swapaxes(p, -1, -2)
    if opt.drift_view == "challenger":
        e_b, t_b = np.swapaxes(e, -1, -2), np.swapaxes(t, -1, -2)
    else:
        e_b, t_b = e, t
    b = expected_utility(r_b, s_b, pt, d, e_b, t_b, opt.q, opt.drift_term)
    return _Pass(a=a, b=b)


def risk_exponents(security: Array, active: BoolArray) -> Array:
    """r_i from the security levels (Scholz et al. 2011, eq. 33-34); 1 when all are equal."""
    hi = np.max(np.where(active, security, -np.inf), axis=-1, keepdims=True)
    lo = np.min(np.where(active, security, np.inf), axis=-1, keepdims=True)
    spread = hi - lo
    flat = ~(spread > 1e-12 * np.maximum(1.0, np.maximum(np.abs(hi), np.abs(lo))))
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = np.where(flat, 0.0, (2.0 * security - hi - lo) / np.where(flat, 1.0, spread))
    r = (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
    return np.where(active, r, 1.0)


def classify(a: Array, b: Array, contest: BoolArray, eu_zero: float) -> NDArray[np.int8]:
    """The offer for every ordered pair from i's viewpoint (Scholz et al. 2011, fig. 6).

    ``a`` = E^i(U_ij), ``b`` = E^j(U_ji). Both positive: conflict, lost by i when b > a.
    a > 0 > b: i prevails (compromise when a > |b|, else j capitulates); a < 0 < b: i
    compromises when b >= |a|, else capitulates; both negative: stalemate. Values with
    |EU| < ``eu_zero`` count as 0 (a lone positive side then gets a compromise).
    """
    za = np.abs(a) < eu_zero
    zb = np.abs(b) < eu_zero
    code = np.full(a.shape, STALEMATE, dtype=np.int8)
    pos_a, pos_b = a > 0, b > 0
    conflict = pos_a & pos_b
    code = np.where(conflict & (a < b), -CONFLICT, code)
    code = np.where(conflict & ~(a < b), CONFLICT, code)
    a_wins = pos_a & ~pos_b
    code = np.where(a_wins & (a > -b), COMPROMISE, code)
    code = np.where(a_wins & ~(a > -b), CAPITULATION, code)
    b_wins = ~pos_a & pos_b
    code = np.where(b_wins & (-a > b), -CAPITULATION, code)
    code = np.where(b_wins & ~(-a > b), -COMPROMISE, code)
    if eu_zero > 0:
        code = np.where(za & ~zb, np.where(pos_b, -COMPROMISE, STALEMATE), code)
        code = np.where(zb & ~za, np.where(pos_a, COMPROMISE, STALEMATE), code)
        code = np.where(za & zb, STALEMATE, code)
    return np.where(contest, code, NONE).astype(np.int8)


def _first_min(key: Array) -> tuple[NDArray[np.intp], BoolArray]:
    """Index of the smallest finite key along the last axis (first on ties) and whether any."""
    return np.asarray(np.argmin(key, axis=-1)), np.asarray(np.isfinite(key).any(axis=-1))


def choose_moves(x: Array, a: Array, b: Array, code: NDArray[np.int8], opt: Options) -> Array:
    """Every actor's new position after accepting at most one offer (section 6.2).

    A lost conflict comes before a compromise before a capitulation; within a kind, the offer
    that moves the actor least (first actor on ties), except that ``offer_choice=scholz_code``
    picks the compromise with the smallest weighted-average position, as Scholz's code does.
    Compromise position: eq. 36, x_i + (x_j - x_i)|a/b|, or (``weighted_average``)
    (|a| x_i + |b| x_j) / (|a| + |b|).
    """
    xi, xj = x[:, :, None], x[:, None, :]
    abs_a, abs_b = np.abs(a), np.abs(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = (abs_a * xi + abs_b * xj) / (abs_a + abs_b)
        eq36 = xi + (xj - xi) * np.where(abs_b > 0, abs_a / np.where(abs_b > 0, abs_b, 1.0), 1.0)
    comp_pos = avg if opt.compromise_position == "weighted_average" else eq36
    comp_pos = np.where(np.isfinite(comp_pos), comp_pos, xj)
    dist_j = np.abs(xi - xj)

    lost = code == -CONFLICT
    j_conf, has_conf = _first_min(np.where(lost, dist_j, np.inf))
    comp = code == -COMPROMISE
    comp_key = avg if opt.offer_choice == "scholz_code" else np.abs(xi - comp_pos)
    j_comp, has_comp = _first_min(np.where(comp, comp_key, np.inf))
    if opt.capitulation:
        j_cap, has_cap = _first_min(np.where(code == -CAPITULATION, dist_j, np.inf))
    else:
        j_cap, has_cap = j_conf, np.zeros_like(has_conf)

    def pick(arr: Array, j: NDArray[np.intp]) -> Array:
        return np.take_along_axis(arr, j[..., None], axis=-1)[..., 0]

    xj_full = np.broadcast_to(xj, code.shape)
    new = np.where(has_cap, pick(xj_full, j_cap), x)
    new = np.where(has_comp, pick(comp_pos, j_comp), new)
    return np.where(has_conf, pick(xj_full, j_conf), new)


@dataclass
class Simulation:
    """A run on flattened rows: positions ``(N, T, A)``, r ``(N, T, A)``, median/mean ``(N, T)``.

    Pairwise data (when recorded): ``eu_challenger`` (E^i(U_ij)), ``eu_target`` (E^j(U_ji)) and
    ``offer`` codes, each ``(N, T, A, A)`` with round 0 empty (NaN / NONE).
    """

    positions: Array
    r: Array
    median: Array
    mean: Array
    rounds_run: NDArray[np.int64]
    eu_challenger: Array | None = None
    eu_target: Array | None = None
    offer: NDArray[np.int8] | None = None


def simulate(
    x0: Array,
    w: Array,
    s: Array,
    active: BoolArray,
    opt: Options,
    rounds: int,
    early_stop: bool = True,
    tolerance: float = 1e-9,
    record_pairs: bool = False,
) -> Simulation:
    """Run the EUM on rows of a single issue each: ``x0, w, s (N, A)``, ``active (N, A)``.

    The range of positions D is fixed at the initial positions, as in every reference
    implementation. Stops early once every row is at a fixed point (no position moves more
    than ``tolerance`` x D in a round); rows at a fixed point repeat their state.
    """
    n, a_n = x0.shape
    any_active = active.any(axis=-1)
    fill = np.where(any_active, np.nanmin(np.where(active, x0, np.inf), axis=-1), 0.0)
    fill = np.where(np.isfinite(fill), fill, 0.0)
    x = np.where(active, x0, fill[:, None]).astype(float)
    w = np.where(active, w, 0.0)
    s = np.where(active, s, 0.0)
    hi = np.max(np.where(active, x, -np.inf), axis=-1)
    lo = np.min(np.where(active, x, np.inf), axis=-1)
    span = np.where(any_active & (hi > lo), hi - lo, 1.0)
    off_diag = ~np.eye(a_n, dtype=bool)[None]
    pair_ok = active[:, :, None] & active[:, None, :] & off_diag

    positions = [x.copy()]
    rs = [np.full((n, a_n), np.nan)]
    medians = [held_median(x, w, active)]
    means = [weighted_mean(x, w, active)]
    eu_a: list[Array] = [np.full((n, a_n, a_n), np.nan)] if record_pairs else []
    eu_b: list[Array] = [np.full((n, a_n, a_n), np.nan)] if record_pairs else []
    offers: list[NDArray[np.int8]] = [np.zeros((n, a_n, a_n), np.int8)] if record_pairs else []
    rounds_run = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    ones = np.ones((n, a_n))
    for t in range(1, rounds + 1):
        mu = medians[-1]
        p_lin = probability(x, w, ones, active, span, "pairwise") if opt.probability == "pairwise" else None
        first = _pass(x, w, s, ones, active, span, mu, opt, p_lin)
        # security: what adversaries expect from challenging i, at r = 1 (eq. 32)
        security = np.where(pair_ok, first.a, 0.0).sum(axis=-2)
        r = risk_exponents(security, active)
        second = _pass(x, w, s, r, active, span, mu, opt, p_lin)
        contest = pair_ok if opt.same_position else pair_ok & (x[:, :, None] != x[:, None, :])
        code = classify(second.a, second.b, contest, opt.eu_zero)
        new = choose_moves(x, second.a, second.b, code, opt)
        new = np.where(active, new, x)
        new = np.where(done[:, None], x, new)
        moved = np.max(np.abs(new - x), axis=-1) / span
        rounds_run = np.where(done, rounds_run, t)
        done = done | (moved <= tolerance)
        x = new
        positions.append(x.copy())
        rs.append(np.where(active, r, np.nan))
        medians.append(held_median(x, w, active))
        means.append(weighted_mean(x, w, active))
        if record_pairs:
            eu_a.append(np.where(pair_ok, second.a, np.nan))
            eu_b.append(np.where(pair_ok, second.b, np.nan))
            offers.append(code)
        if early_stop and done.all():
            break
    pos = np.stack(positions, axis=1)
    pos = np.where(active[:, None, :], pos, np.nan)
    return Simulation(
        positions=pos,
        r=np.stack(rs, axis=1),
        median=np.stack(medians, axis=1),
        mean=np.stack(means, axis=1),
        rounds_run=rounds_run,
        eu_challenger=np.stack(eu_a, axis=1) if record_pairs else None,
        eu_target=np.stack(eu_b, axis=1) if record_pairs else None,
        offer=np.stack(offers, axis=1) if record_pairs else None,
    )


# --------------------------------------------------------------------------------------------
# the model on a Problem


def _rows(problem: Problem) -> tuple[Array, Array, Array, BoolArray]:
    """(*B, A, I) -> (N, A) with N = prod(B) * I: each row one issue of one draw."""
    a_n, i_n = problem.n_actors, problem.n_issues
    shape = problem.position.shape
    mask = np.broadcast_to(problem.mask, shape)

    def flat(arr: NDArray[Any]) -> NDArray[Any]:
        return np.moveaxis(np.broadcast_to(arr, shape), -1, -2).reshape(-1, a_n)

    del i_n
    return (
        flat(np.where(mask, problem.position, 0.0)),
        flat(problem.weights()),
        flat(np.where(mask, problem.salience, 0.0)),
        flat(mask),
    )


def _unflat(problem: Problem, arr: NDArray[Any], actor_axes: int) -> NDArray[Any]:
    """(N, T, *actors) -> (*B, T, *actors, I)."""
    batch = problem.batch_shape
    i_n = problem.n_issues
    out = arr.reshape(*batch, i_n, *arr.shape[1:])
    return np.moveaxis(out, len(batch), -1)


def _run(problem: Problem, params: dict[str, Any], record_pairs: bool) -> Simulation:
    opt = options_for(
        params.get("variant", "scholz"),
        q=params.get("q"),
        probability=_auto(params.get("probability")),
        perspective=_auto(params.get("perspective")),
        salience_ji=_auto(params.get("salience_ji")),
        offer_choice=_auto(params.get("offer_choice")),
        compromise_position=_auto(params.get("compromise_position")),
        capitulation=_auto_bool(params.get("capitulation")),
        drift_term=_auto_bool(params.get("drift_term")),
        eu_zero=_auto_float(params.get("eu_zero")),
        same_position=_auto_bool(params.get("same_position")),
        drift_view=_auto(params.get("drift_view")),
    )
    x, w, s, active = _rows(problem)
    return simulate(
        x,
        w,
        s,
        active,
        opt,
        rounds=int(params.get("rounds", 10)),
        early_stop=bool(params.get("early_stop", True)),
        tolerance=float(params.get("tolerance", 1e-9)),
        record_pairs=record_pairs,
    )


def _auto(value: str | None) -> str | None:
    return None if value in (None, "auto") else value


def _auto_float(value: float | None) -> float | None:
    return None if value is None or value < 0 else float(value)


def _auto_bool(value: str | bool | None) -> bool | None:
    if value in (None, "auto"):
        return None
    return value in (True, "true")


def expected_utility_model(problem: Problem, *, rng: np.random.Generator, **params: Any) -> ModelResult:
    """Bueno de Mesquita's expected-utility model (see the module docstring).

    Outcome: the weighted median after the last round, per issue. Trajectory: ``median``,
    ``mean`` ``(*B, T, I)``; ``positions`` and ``r`` ``(*B, T, A, I)`` (r is NaN at round 0).
    Details: ``rounds_run`` ``(*B, I)``; with ``pairs=true`` also ``eu_challenger``,
    ``eu_target`` and ``offer`` ``(*B, T, A, A, I)`` (see :func:`pair_data`).
    """
    pairs = bool(params.get("pairs", False))
    sim = _run(problem, params, record_pairs=pairs)
    median = _unflat(problem, sim.median, 0)
    traj = {
        "median": median,
        "mean": _unflat(problem, sim.mean, 0),
        "positions": _unflat(problem, sim.positions, 1),
        "r": _unflat(problem, sim.r, 1),
    }
    details: dict[str, Any] = {"rounds_run": _unflat(problem, sim.rounds_run[:, None], 0)[..., 0, :]}
    if pairs:
        assert sim.eu_challenger is not None and sim.eu_target is not None and sim.offer is not None
        details["eu_challenger"] = _unflat(problem, sim.eu_challenger, 2)
        details["eu_target"] = _unflat(problem, sim.eu_target, 2)
        details["offer"] = _unflat(problem, sim.offer, 2)
        details["offer_types"] = {str(k): v for k, v in OFFER_TYPES.items()}
    return ModelResult(outcome=median[..., -1, :], trajectory=traj, details=details)


@dataclass
class PairData:
    """Per round and ordered pair (i, j): both sides' expected utilities and the offer.

    ``eu_challenger[..., t, i, j, k]`` = E^i(U_ij), ``eu_target`` = E^j(U_ji) as it enters
    i's decision, ``offer`` the signed offer code (see :data:`OFFER_TYPES`; negative when i
    concedes), each ``(*B, T, A, A, I)``; round 0 holds NaN / ``none``.
    """

    eu_challenger: Array
    eu_target: Array
    offer: NDArray[np.int8]
    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]

    def offer_names(self) -> NDArray[np.str_]:
        """The offer kind of every entry, as a name (without the direction)."""
        names = np.array([OFFER_TYPES[k] for k in sorted(OFFER_TYPES)])
        return names[np.abs(self.offer)]


def pair_data(problem: Problem, **params: Any) -> PairData:
    """Run the model and return the pairwise data behind the perceptual (quadrant) chart.

    ``params`` are the model's parameters (defaults as in the registry).
    """
    resolved = SPEC.resolve({k: v for k, v in params.items() if k != "pairs"})
    sim = _run(problem, resolved, record_pairs=True)
    assert sim.eu_challenger is not None and sim.eu_target is not None and sim.offer is not None
    return PairData(
        eu_challenger=_unflat(problem, sim.eu_challenger, 2),
        eu_target=_unflat(problem, sim.eu_target, 2),
        offer=_unflat(problem, sim.offer, 2),
        actor_ids=problem.actor_ids,
        issue_ids=problem.issue_ids,
    )


def _choice(name: str, doc: str, choices: tuple[str, ...]) -> Param:
    return Param(name, "auto", doc + " (auto: the variant's choice)", type=str, choices=("auto", *choices))


SPEC = ModelSpec(
    name="eum",
    summary="Bueno de Mesquita's expected-utility model (Scholz et al. 2011 reconstruction)",
    citation=(
        "Bueno de Mesquita (1994, 2002); Scholz, Calbert & Smith (2011), Unravelling Bueno De "
        "Mesquita's group decision model, J. Theoretical Politics 23(4)"
    ),
    fn=expected_utility_model,
    params=(
        Param(
            "variant",
            "scholz",
            "scholz: Scholz's own code (reproduces Table 2); paper: the printed equations",
            type=str,
            choices=VARIANTS,
        ),
        Param("q", 1.0, "probability Q that an unchallenged actor stays put", low=0.0, high=1.0),
        Param("rounds", 10, "number of rounds", type=int, low=0, high=10_000),
        Param("early_stop", True, "stop once every position is at a fixed point", type=bool),
        Param("tolerance", 1e-9, "fixed point: no move larger than this x the range", low=0.0),
        Param("pairs", False, "add per-round pairwise expected utilities and offers to details", type=bool),
        _choice(
            "probability",
            "P_ij: global (Scholz's code: risk-adjusted votes, one denominator) or pairwise (eq. 31)",
            ("global", "pairwise"),
        ),
        _choice(
            "perspective",
            "risk exponent in E^j(U_ji): receiver (i's, Scholz's code) or own (j's, eq. 25b)",
            ("receiver", "own"),
        ),
        _choice(
            "salience_ji",
            "salience weighting E^j(U_ji): target (s_i, Scholz's code) or challenger (s_j, as printed)",
            ("target", "challenger"),
        ),
        _choice(
            "offer_choice",
            "offer accepted: least_move (section 6.2) or scholz_code (compromise by lowest position)",
            ("least_move", "scholz_code"),
        ),
        _choice(
            "compromise_position",
            "where a compromise lands: eq36 or weighted_average (decisionmechanics)",
            ("eq36", "weighted_average"),
        ),
        _choice("capitulation", "accept capitulations (false: Scholz's code never does)", ("true", "false")),
        _choice(
            "drift_term", "include the (1 - Q) drift term of eq. 25 (false: Scholz's code)", ("true", "false")
        ),
        _choice(
            "drift_view",
            "distances in the drift term of E^j(U_ji): challenger (j's, eq. 25b) or receiver (i's)",
            ("challenger", "receiver"),
        ),
        _choice(
            "same_position",
            "let actors at the same position contest each other (false: no contest, P = 0)",
            ("true", "false"),
        ),
        Param("eu_zero", -1.0, "|EU| below this counts as 0 (negative: the variant's, 0)", low=-1.0),
    ),
)
