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
eq. 36 for the compromise position. With ``compromise_position=weighted_average``,
``same_position=true`` and ``drift_view=receiver`` it reproduces the decisionmechanics
implementation of the printed equations (docs/models/eum.md argues each of the three).
Both variants keep the (1 - Q) drift term of eq. 25 (``drift_term``; Scholz's code drops
it, which is harmless only at Q = 1) with T = 1 when the challenger is nearer the median
than it is to the target (Eftekhari & Rahimi 2014).

Degenerate cases return finite numbers: equal security levels give every actor ``r = 1``;
a pair whose voters are all indifferent has ``P = 1/2`` (pairwise) or ``0`` (global); an
issue where every position coincides never moves. Actors without a position on an issue
take no part in it. Ties between equally good offers or equally good median positions go to
the lowest actor index (as the reference implementations do for offers), the only place
labels matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.models import kernels
from accord.models.registry import Field, ModelResult, ModelSpec, Param
from accord.models.rows import distinct_rows
from accord.models.weighted import weighted_mean
from accord.problem import Problem

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

VARIANTS = ("scholz", "paper")

FIELDS = {
    "median": Field(("round", "issue"), "position", "the weighted median (the forecast) per round"),
    "mean": Field(("round", "issue"), "position", "the capability x salience weighted mean per round"),
    "positions": Field(("round", "actor", "issue"), "position", "every actor's position per round"),
    "r": Field(("round", "actor", "issue"), doc="risk exponents (NaN at round 0)"),
    "rounds_run": Field(("issue",), doc="rounds run before the fixed point (count)"),
    "options": Field((), doc="the choices in effect once the variant's are applied"),
    "eu_challenger": Field(("round", "actor", "target", "issue"), doc="E^i(U_ij), utility"),
    "eu_target": Field(("round", "actor", "target", "issue"), doc="E^j(U_ji) as i sees it, utility"),
    "offer": Field(("round", "actor", "target", "issue"), doc="signed offer code (see offer_types)"),
    "offer_types": Field((), doc="offer code -> name"),
}

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
# pair elements per block of rows run together (the working set stays in the CPU cache)
_BLOCK_ELEMENTS = 65_536
# elements per chunk of the direct A x A x A sum (small enough to stay in cache)
_CHUNK_ELEMENTS = 250_000
# rows x actors^3 of a run from which its rounds go through the compiled kernels: alone they pay
# numba's import and their cached code (about 1.1 CPU s) from about 12,000 rows of 9 actors;
# once numba is loaded (by any kernel) their own code loads in under 0.1 s
_COMPILED_FROM = 1 << 23
_COMPILED_LOADED_FROM = 1 << 17


@dataclass(frozen=True)
class Options:
    """The choices that change the model's results (see the module docstring).

    No defaults here: each variant states every choice once, in :data:`VARIANT_OPTIONS`, and
    the registry's parameters default to ``auto`` (None), the variant's choice.
    """

    q: float
    probability: str
    perspective: str
    salience_ji: str
    offer_choice: str
    compromise_position: str
    capitulation: bool
    drift_term: bool
    eu_zero: float
    same_position: bool
    drift_view: str


_SCHOLZ = Options(
    q=1.0,
    probability="global",
    perspective="receiver",
    salience_ji="target",
    offer_choice="scholz_code",
    compromise_position="eq36",
    capitulation=False,
    drift_term=True,
    eu_zero=0.0,
    same_position=False,
    drift_view="challenger",
)
VARIANT_OPTIONS: dict[str, Options] = {
    "scholz": _SCHOLZ,
    # the printed equations: where they part from Scholz's code (the module docstring)
    "paper": replace(
        _SCHOLZ,
        probability="pairwise",
        perspective="own",
        salience_ji="challenger",
        offer_choice="least_move",
        capitulation=True,
    ),
}
"""Every choice of each variant, declared once."""


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


@dataclass
class Geometry:
    """What a round's pairs share whatever the risk exponents: ``(N, A, A)`` unless noted."""

    x: Array  # (N, A) positions
    span: Array  # (N,) the range D of the initial positions
    d: Array  # |x_i - x_j| / D
    e: Array  # (|x_i - mu| + |x_i - x_j|) / D, challenger i's drift distance (eq. 22-23)
    t: Array  # 1 where |x_i - mu| < |x_i - x_j| (Eftekhari & Rahimi 2014's rule for T)
    active: BoolArray  # (N, A)
    all_active: bool = True
    order: NDArray[np.intp] | None = None  # (N, A) actors sorted by position (large A only)
    index: NDArray[np.intp] | None = None  # flat index of C[lt_ij, j] (large A only, see _votes_sorted)
    below: BoolArray | None = None  # x_i < x_j (large A only)
    above: BoolArray | None = None  # x_i > x_j (large A only)


def geometry(x: Array, span: Array, mu: Array, active: BoolArray, sort: bool, drift: bool = True) -> Geometry:
    """The round's pair geometry; ``drift=False`` skips ``e`` and ``t`` (unused when Q = 1)."""
    diff = np.abs(x[:, :, None] - x[:, None, :])
    inv = 1.0 / span[:, None, None]
    d = diff * inv
    if drift:
        to_mu = np.abs(x - mu[:, None])[:, :, None]
        e = (to_mu + diff) * inv
        t = (to_mu < diff).astype(float)
    else:
        e = t = d
    geo = Geometry(x=x, span=span, d=d, e=e, t=t, active=active, all_active=bool(active.all()))
    if sort:
        n, a = x.shape
        geo.order = np.argsort(x, axis=-1, kind="stable")
        ranks = _midpoint_ranks(x, span, active, geo.order)
        geo.index = (np.arange(n) * ((a + 1) * a))[:, None, None] + ranks * a + np.arange(a)[None, None, :]
        geo.below = x[:, :, None] < x[:, None, :]
        geo.above = x[:, :, None] > x[:, None, :]
    return geo


def _row_power(base: Array, r: Array | None) -> Array:
    """base ** r_i with the exponent of each row's actor; base itself when r is all 1."""
    return base if r is None else np.asarray(base ** r[:, :, None])


def _votes_direct(geo: Geometry, h: Array) -> Array:
    """For every pair (i, j): the votes for i over j, ``(N, A, A)``.

    v[k, i, j] = H[k, j] - H[k, i] is voter k's vote for i over j; returns
    ``sum_k max(0, v)``, 0 for pairs with a missing actor, chunked so that the A x A x A
    terms stay small. (All votes cast on a pair, ``sum_k |v|``, are this plus its transpose.)
    """
    n, a = h.shape[0], h.shape[1]
    num = np.zeros((n, a, a))
    v = np.empty((n, a, a))
    # voter by voter, in order from 0.0 as NumPy sums a leading axis: A x A blocks stay in cache
    for k in range(a):
        hk = h[:, k]
        np.subtract(hk[:, None, :], hk[:, :, None], out=v)
        np.maximum(v, 0.0, out=v)
        num += v
    if not geo.all_active:
        num = np.where(geo.active[:, :, None] & geo.active[:, None, :], num, 0.0)
    return num


def _midpoint_ranks(x: Array, span: Array, active: BoolArray, order: NDArray[np.intp]) -> NDArray[np.intp]:
    """lt[n, i, j]: how many actors of row n sit left of the midpoint of x_i and x_j.

    All rows go through one ``searchsorted`` by offsetting row n's positions, rescaled to
    [0, 1], by 4n. Missing actors are counted too (they vote with weight 0).
    """
    n, a = x.shape
    rows = np.arange(n)
    lo = np.min(np.where(active, x, np.inf), axis=-1, keepdims=True)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    xn = np.clip((x - lo) / span[:, None], -1.0, 2.0) + 4.0 * rows[:, None]
    xs = np.take_along_axis(xn, order, axis=-1)
    # midpoints in sorted order increase along each row: searchsorted runs fastest on them
    mid = 0.5 * (xs[:, :, None] + xs[:, None, :])
    lt = np.searchsorted(xs.ravel(), mid.ravel(), side="left").reshape(n, a, a) - (a * rows)[:, None, None]
    inv = np.argsort(order, axis=-1)
    lt = lt[rows[:, None], inv]  # whole rows back to actor order
    return np.asarray(np.take_along_axis(lt, inv[:, None, :], axis=2))


def _votes_sorted(geo: Geometry, h: Array) -> Array:
    """The same sums as :func:`_votes_direct` in O(A^2 log A) per row, with sorted prefix sums.

    With the voters sorted by position, voter k prefers the nearer of x_i < x_j, so the
    voters left of the midpoint m vote for i and those right of it for j:
    votes for i = sum_{x_k < m} (H[k, j] - H[k, i]) = G[i, j] - G[j, i] with
    G[i, j] = C[lt_ij, j], C the column prefix sums of H over the sorted voters (lt is
    symmetric); votes for j = (T_j - T_i) - (votes for i), T the column totals. A voter
    exactly at m has no preference: its vote is 0.
    """
    assert geo.order is not None and geo.index is not None
    assert geo.below is not None and geo.above is not None
    n, a = h.shape[0], h.shape[1]
    cum = np.zeros((n, a + 1, a))
    # whole rows of H reordered by voter position (row copies, not an element gather)
    np.cumsum(h[np.arange(n)[:, None], geo.order], axis=1, out=cum[:, 1:])
    col_total = cum[:, -1, :]
    g = cum.ravel()[geo.index]
    left = g - np.swapaxes(g, -1, -2)
    right = (col_total[:, None, :] - col_total[:, :, None]) - left
    num = np.where(geo.below, left, np.where(geo.above, right, 0.0))
    np.maximum(num, 0.0, out=num)
    if not geo.all_active:
        num = np.where(geo.active[:, :, None] & geo.active[:, None, :], num, 0.0)
    return num


def probability(geo: Geometry, w: Array, r: Array | None, kind: str) -> Array:
    r"""P[n, i, j], the probability that i prevails against j, ``(N, A, A)``.

    ``pairwise`` (Scholz et al. 2011, eq. 30-31): voter k gives j-versus-i support
    :math:`v_k = w_k(|x_k - x_j| - |x_k - x_i|)` and
    :math:`P_{ij} = \sum_{v_k > 0} v_k / \sum_k |v_k|` (1/2 when no voter cares).
    ``global`` (Scholz's code): the votes are :math:`w_k (d_{kj}^{r_k} - d_{ki}^{r_k})` with
    each voter's risk exponent ``r`` (None: all 1), and the denominator is the sum of |votes|
    over every voter and every ordered pair of actors (P = 0 when it is 0). ``P = 0`` when
    x_i = x_j.
    """
    w = np.where(geo.active, w, 0.0)
    h = w[:, :, None] * _row_power(geo.d, r if kind == "global" else None)
    num = _votes_direct(geo, h) if geo.order is None else _votes_sorted(geo, h)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "global":
            # sum over voters and ordered pairs of |votes|: each pair's votes both ways
            total = 2.0 * num.sum(axis=(-2, -1))[:, None, None]
            return np.asarray(np.where(total > 0, num / total, 0.0))
        den = num + np.swapaxes(num, -1, -2)
        p = np.where(den > 0, num / den, 0.5)
    return np.asarray(np.where(geo.d > 0, p, 0.0))


def _utilities(d: Array, r: Array | None) -> tuple[Array, Array, Array | None]:
    """U^s (eq. 15), U^s - U^f (eq. 16) with the row actor's exponent, and U^sq (eq. 24) ``(N, A, 1)``
    (None when r is None: U^sq = 2 - 4 * 0.5 = 0)."""
    us = 2.0 - 4.0 * _row_power(np.maximum(0.5 - 0.5 * d, 0.0), r)
    uf = 2.0 - 4.0 * _row_power(0.5 + 0.5 * d, r)
    usq = None if r is None else (2.0 - 4.0 * 0.5**r)[:, :, None]
    return us, us - uf, usq


def _drift(e: Array, t: Array, r: Array | None) -> Array:
    """T U^b + (1 - T) U^w (eq. 22-23) with the row actor's exponent."""
    ub = 2.0 - 4.0 * _row_power(np.maximum(0.5 - 0.25 * e, 0.0), r)
    uw = 2.0 - 4.0 * _row_power(0.5 + 0.25 * e, r)
    return np.asarray(uw + t * (ub - uw))


def expected_utility(
    us: Array, du: Array, usq: Array | None, salience: Array, p: Array, q: float, drift: Array | None = None
) -> Array:
    r"""Expected utility of a challenge (Scholz et al. 2011, eq. 25a), elementwise:
    :math:`s[P U^s + (1-P) U^f] + (1-s) U^s - Q U^{sq} - (1-Q)[T U^b + (1-T) U^w]`,
    computed as :math:`U^s - s(1-P)(U^s - U^f) - Q U^{sq} - (1-Q)\,drift`.

    ``salience`` weights the contest (the probability that the target resists), ``p`` is the
    challenger's probability of success, ``du`` = U^s - U^f; the utilities are those of the
    actor whose expected utility it is; ``drift`` None drops the (1 - Q) term.
    """
    eu = us - salience * (1.0 - p) * du
    if q != 0.0 and usq is not None:  # None: U^sq = 0, and eu - q * 0 is eu
        eu = eu - q * usq
    if drift is not None:
        eu = eu - (1.0 - q) * drift
    return np.asarray(eu)


def _security(geo: Geometry, w: Array, s: Array, opt: Options, p_lin: Array | None, ok: BoolArray) -> Array:
    """Sec_i = sum_j E^j(U_ji) with every r = 1 (eq. 32): what i's adversaries expect, ``(N, A)``."""
    p = p_lin if p_lin is not None else probability(geo, w, None, opt.probability)
    us, du, usq = _utilities(geo.d, None)
    drift = _drift(geo.e, geo.t, None) if opt.drift_term and opt.q != 1.0 else None
    a = expected_utility(us, du, usq, s[:, None, :], p, opt.q, drift)  # a[j, i]: j challenges i
    return np.asarray(np.where(ok, a, 0.0).sum(axis=-2))


def _pass(geo: Geometry, w: Array, s: Array, r: Array, opt: Options, p: Array | None) -> tuple[Array, Array]:
    """Both sides' expected utilities for every ordered pair with risk exponents ``r``.

    Returns ``a`` = E^i(U_ij) from i's viewpoint and ``b`` = E^j(U_ji) as it enters i's
    decision, each ``(N, A, A)``. The distances are symmetric, so a utility with the column
    actor's exponent is the transpose of the one with the row actor's.
    """
    if p is None:
        p = probability(geo, w, r, opt.probability)
    swap = np.swapaxes
    us, du, usq = _utilities(geo.d, r)
    drift_on = opt.drift_term and opt.q != 1.0
    drift = _drift(geo.e, geo.t, r) if drift_on else None
    a = expected_utility(us, du, usq, s[:, None, :], p, opt.q, drift)
    own = opt.perspective == "own"
    assert usq is not None
    if own:
        us, du, usq = swap(us, -1, -2), swap(du, -1, -2), swap(usq, -1, -2)
    drift_b = None
    if drift_on:
        e_t, t_t = swap(geo.e, -1, -2), swap(geo.t, -1, -2)
        assert drift is not None
        if opt.drift_view == "challenger":  # j's own distances to mu and to x_i
            drift_b = swap(drift, -1, -2) if own else _drift(e_t, t_t, r)
        else:  # i's distances (decisionmechanics)
            drift_b = swap(_drift(e_t, t_t, r), -1, -2) if own else drift
    s_b = s[:, :, None] if opt.salience_ji == "target" else s[:, None, :]
    b = expected_utility(us, du, usq, s_b, swap(p, -1, -2), opt.q, drift_b)
    return a, b


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


def choose_moves(
    x: Array, a: Array, b: Array, contest: BoolArray, opt: Options
) -> tuple[Array, NDArray[np.int8] | None]:
    """Every actor's new position after accepting at most one offer (section 6.2), ``(N, A)``.

    Actor i concedes to j in a lost conflict (b > a > 0: i moves to x_j), a compromise
    (a < 0 < b, b >= |a|) or a capitulation (a < 0 < b, |a| > b: i moves to x_j; only with
    ``capitulation``). A lost conflict comes before a compromise before a capitulation;
    within a kind, the offer that moves i least (first actor on ties), except that
    ``offer_choice=scholz_code`` picks the compromise with the smallest weighted-average
    position (|a| x_i + |b| x_j) / (|a| + |b|), as Scholz's code does. Compromise position:
    eq. 36, x_i + (x_j - x_i)|a/b|, or (``weighted_average``) that weighted average. With
    ``eu_zero`` > 0, |EU| below it counts as 0 and a lone positive b is a compromise.
    """
    pos_a = a > 0
    concede = contest & (b > 0) & ~pos_a
    if opt.eu_zero > 0:
        za, zb = np.abs(a) < opt.eu_zero, np.abs(b) < opt.eu_zero
        lost = contest & pos_a & (b > a) & ~za & ~zb
        concede &= ~zb
        comp = concede & (za | (b >= -a))
    else:
        lost = contest & pos_a & (b > a)
        comp = concede & (b >= -a)
    cap = concede & ~comp if opt.capitulation else None
    xi, xj = x[:, :, None], x[:, None, :]
    step = xj - xi
    dist = np.abs(step)
    abs_a, abs_b = np.abs(a), np.abs(b)
    # a compromise moves i the fraction |a| / |b| (eq. 36) or |b| / (|a| + |b|) (weighted average)
    with np.errstate(invalid="ignore", divide="ignore"):
        if opt.compromise_position == "weighted_average":
            frac = abs_b / (abs_a + abs_b)
        else:
            frac = abs_a / abs_b
    frac = np.where(comp, frac, 1.0)
    if opt.offer_choice == "scholz_code":
        with np.errstate(invalid="ignore", divide="ignore"):
            comp_key = (abs_a * xi + abs_b * xj) / (abs_a + abs_b)
    else:
        comp_key = dist * frac
    # the best kind on offer for each actor: a lost conflict, else a compromise, else a capitulation
    has_lost, has_comp = np.asarray(lost.any(axis=-1)), np.asarray(comp.any(axis=-1))
    eligible = np.where(
        has_lost[..., None], lost, comp if cap is None else np.where(has_comp[..., None], comp, cap)
    )
    key = np.where(eligible, np.where(comp, comp_key, dist), np.inf)
    j = np.argmin(key, axis=-1)[..., None]
    target = np.take_along_axis(np.broadcast_to(xj, a.shape), j, axis=-1)[..., 0]
    # x_i + (x_j - x_i) * frac at the chosen j only
    landing = x + np.take_along_axis(step, j, axis=-1)[..., 0] * np.take_along_axis(frac, j, axis=-1)[..., 0]
    moves = eligible.any(axis=-1)
    new = np.where(moves, np.where(has_lost | ~has_comp, target, landing), x)
    return new, None


def _round(
    x: Array,
    w: Array,
    s: Array,
    active: BoolArray,
    span: Array,
    mu: Array,
    pair_ok: BoolArray,
    opt: Options,
    sort: bool,
    record: bool,
) -> tuple[Array, Array, Array, Array, NDArray[np.int8]]:
    """One round: new positions, risk exponents and (when ``record``) a, b and the offers."""
    geo = geometry(x, span, mu, active, sort=sort, drift=opt.drift_term and opt.q != 1.0)
    p_lin = probability(geo, w, None, "pairwise") if opt.probability == "pairwise" else None
    r = risk_exponents(_security(geo, w, s, opt, p_lin, pair_ok), active)
    a, b = _pass(geo, w, s, r, opt, p_lin)
    contest = pair_ok if opt.same_position else pair_ok & (geo.d > 0)
    new, _ = choose_moves(x, a, b, contest, opt)
    new = np.where(active, new, x)
    if not record:  # a and b are kept only for the pairwise record
        empty = np.zeros((0, 0, 0))
        return new, r, empty, empty, np.zeros((0, 0, 0), np.int8)
    return new, r, a, b, classify(a, b, contest, opt.eu_zero)


def _round_compiled(
    x: Array,
    w: Array,
    s: Array,
    active: BoolArray,
    span: Array,
    mu: Array,
    pair_ok: BoolArray,
    opt: Options,
    sort: bool,
    record: bool,
) -> tuple[Array, Array, Array, Array, NDArray[np.int8]]:
    """:func:`_round` through the compiled kernel (:mod:`accord.models.kernels.eum`), to the same
    bits, every row in one call: the kernel raises the utilities' bases to the risk exponents
    with libm's ``pow``, which is what NumPy's ``np.power`` calls on this machine's build (no SIMD
    code of its own for it; ``tests/models/test_eum_kernel.py`` compares the two)."""
    from accord.models.kernels import eum as kernel  # numba: only where the work pays its import
    from accord.models.kernels import sums

    n, a_n = x.shape
    plan_lo, plan_len = sums.pairwise_plan(a_n * a_n)
    x, w, s = (np.ascontiguousarray(v, dtype=float) for v in (x, np.where(active, w, 0.0), s))
    active, pair_ok = np.ascontiguousarray(active), np.ascontiguousarray(pair_ok)
    new, r = np.empty((n, a_n)), np.empty((n, a_n))
    shape = (n, a_n, a_n) if record else (0, a_n, a_n)
    a, b, code = np.empty(shape), np.empty(shape), np.zeros(shape, np.int8)
    kernel.round_rows(
        x, w, s, 1.0 / span, np.ascontiguousarray(mu, dtype=float), active, pair_ok, bool(active.all()),
        opt.probability == "global", opt.q, opt.drift_term and opt.q != 1.0, opt.perspective == "own",
        opt.drift_view == "challenger", opt.salience_ji == "target", opt.same_position, opt.eu_zero,
        opt.capitulation, opt.compromise_position == "weighted_average", opt.offer_choice == "scholz_code",
        0.5, plan_lo, plan_len, record, new, r, a, b, code,
    )  # fmt: skip
    if not record:
        code = np.zeros((0, 0, 0), np.int8)
    return new, r, a, b, code


def _round_blocks(
    x: Array,
    w: Array,
    s: Array,
    active: BoolArray,
    span: Array,
    mu: Array,
    pair_ok: BoolArray,
    opt: Options,
    sort: bool,
    record: bool,
    compiled: bool = False,
) -> tuple[Array, Array, Array, Array, NDArray[np.int8]]:
    """:func:`_round` on blocks of rows small enough for the CPU cache (rows are independent);
    ``compiled``: every row in one call of the compiled kernel, to the same bits
    (:func:`_round_compiled`: it keeps a row's working set in the cache itself)."""
    if compiled:
        return _round_compiled(x, w, s, active, span, mu, pair_ok, opt, sort, record)
    n, a_n = x.shape
    step = max(1, _BLOCK_ELEMENTS // (a_n * a_n))
    one = _round
    if n <= step:
        return one(x, w, s, active, span, mu, pair_ok, opt, sort, record)
    parts = [
        one(
            x[k : k + step],
            w[k : k + step],
            s[k : k + step],
            active[k : k + step],
            span[k : k + step],
            mu[k : k + step],
            pair_ok[k : k + step],
            opt,
            sort,
            record,
        )
        for k in range(0, n, step)
    ]
    new, r, a, b, code = (np.concatenate(p) for p in zip(*parts, strict=True))
    return new, r, a, b, code


def use_compiled(rows: int, actors: int) -> bool:
    """Whether a run of ``rows`` rows of ``actors`` actors pays the compiled kernels' load: a
    Monte Carlo block of the examples does only where another kernel has loaded numba already,
    so ``accord analyze`` and a small ``simulate`` never import it."""
    least = _COMPILED_LOADED_FROM if kernels.loaded() else _COMPILED_FROM
    return rows * actors**3 >= least


def _powers_match() -> bool:
    """Whether the compiled round's powers are NumPy's here (:func:`accord.models.kernels.eum.powers_match`);
    where they are not, the compiled round is not used."""
    from accord.models.kernels import eum as kernel

    return kernel.powers_match()


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

    def take(self, rows: NDArray[np.intp]) -> Simulation:
        """The run of the given rows (in that order)."""

        def pick(arr: NDArray[Any] | None) -> Any:
            return None if arr is None else arr[rows]

        return Simulation(
            positions=self.positions[rows],
            r=self.r[rows],
            median=self.median[rows],
            mean=self.mean[rows],
            rounds_run=self.rounds_run[rows],
            eu_challenger=pick(self.eu_challenger),
            eu_target=pick(self.eu_target),
            offer=pick(self.offer),
        )


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
    compiled: bool | None = None,
) -> Simulation:
    """Run the EUM on rows of a single issue each: ``x0, w, s (N, A)``, ``active (N, A)``.

    The range of positions D is fixed at the initial positions, as in every reference
    implementation. Stops early once every row is at a fixed point (no position moves more
    than ``tolerance`` x D in a round); rows at a fixed point repeat their state.
    ``compiled``: run the rounds through the compiled kernel (same bits; up to 48 actors, and
    only where its powers are NumPy's: :func:`_powers_match`), or not; None decides by the work
    (:func:`use_compiled`).
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
    means = [weighted_mean(x, w, active, axis=-1)[0]]
    eu_a: list[Array] = [np.full((n, a_n, a_n), np.nan)] if record_pairs else []
    eu_b: list[Array] = [np.full((n, a_n, a_n), np.nan)] if record_pairs else []
    offers: list[NDArray[np.int8]] = [np.zeros((n, a_n, a_n), np.int8)] if record_pairs else []
    rounds_run = np.zeros(n, dtype=np.int64)
    sort = a_n > _DIRECT_MAX_ACTORS
    compiled = not sort and (use_compiled(n, a_n) if compiled is None else compiled) and _powers_match()
    done = np.zeros(n, dtype=bool)
    r = np.ones((n, a_n))
    a = b = np.full((n, a_n, a_n), np.nan)
    code = np.zeros((n, a_n, a_n), np.int8)
    for t in range(1, rounds + 1):
        # rows at a fixed point repeat their state; only the others are computed
        live = np.flatnonzero(~done)
        whole = live.size == n
        sel = slice(None) if whole else live
        out = _round_blocks(
            x[sel],
            w[sel],
            s[sel],
            active[sel],
            span[sel],
            medians[-1][sel],
            pair_ok[sel],
            opt,
            sort,
            record_pairs,
            compiled,
        )
        if whole:
            new, r, a, b, code = out
        else:
            new, r = x.copy(), r.copy()
            new[live], r[live] = out[0], out[1]
            if record_pairs:
                a, b, code = a.copy(), b.copy(), code.copy()
                a[live], b[live], code[live] = out[2], out[3], out[4]
        moved = np.max(np.abs(new - x), axis=-1) / span
        rounds_run = np.where(done, rounds_run, t)
        done = done | (moved <= tolerance)
        x = new
        positions.append(x.copy())
        rs.append(np.where(active, r, np.nan))
        medians.append(held_median(x, w, active))
        means.append(weighted_mean(x, w, active, axis=-1)[0])
        if record_pairs:
            eu_a.append(np.where(pair_ok, a, np.nan))
            eu_b.append(np.where(pair_ok, b, np.nan))
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
    a_n = problem.n_actors
    shape = problem.position.shape
    mask = np.broadcast_to(problem.mask, shape)

    def flat(arr: NDArray[Any]) -> NDArray[Any]:
        return np.moveaxis(np.broadcast_to(arr, shape), -1, -2).reshape(-1, a_n)

    return (
        flat(np.where(mask, problem.position, 0.0)),
        flat(problem.weights()),
        flat(np.where(mask, problem.salience, 0.0)),
        flat(mask),
    )


def _unflat(problem: Problem, arr: NDArray[Any]) -> NDArray[Any]:
    """(N, T, *actors) -> (*B, T, *actors, I)."""
    batch = problem.batch_shape
    out = arr.reshape(*batch, problem.n_issues, *arr.shape[1:])
    return np.moveaxis(out, len(batch), -1)


def _options(params: Mapping[str, Any]) -> Options:
    """The choices in effect for resolved parameters (the variant's, with any set overriding them)."""
    return options_for(
        params["variant"],
        q=params["q"],
        probability=_auto(params["probability"]),
        perspective=_auto(params["perspective"]),
        salience_ji=_auto(params["salience_ji"]),
        offer_choice=_auto(params["offer_choice"]),
        compromise_position=_auto(params["compromise_position"]),
        capitulation=_auto_bool(params["capitulation"]),
        drift_term=_auto_bool(params["drift_term"]),
        eu_zero=params["eu_zero"],
        same_position=_auto_bool(params["same_position"]),
        drift_view=_auto(params["drift_view"]),
    )


def outcome_settings(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the forecast depends on beyond the problem: the choices in effect, the rounds, early
    stop and tolerance (``pairs`` only adds details). Two parameter sets with equal settings
    forecast the same numbers (``q=auto`` and the variant's own q alike)."""
    resolved = SPEC.resolve(params)
    return (
        _options(resolved),
        int(resolved["rounds"]),
        bool(resolved["early_stop"]),
        float(resolved["tolerance"]),
    )


def _run(problem: Problem, params: dict[str, Any], record_pairs: bool) -> tuple[Simulation, Options]:
    """Simulate with resolved parameters (``SPEC.resolve``: every parameter present)."""
    opt = _options(params)
    x, w, s, active = _rows(problem)
    # rows do not interact: each distinct row (an issue no draw changes, a Saltelli row equal to
    # its base row there) runs once, with the same arithmetic as in the whole batch
    first, inverse = distinct_rows(x, w, s, active)
    every = first.size == x.shape[0]
    if not every:
        x, w, s, active = x[first], w[first], s[first], active[first]
    sim = simulate(
        x,
        w,
        s,
        active,
        opt,
        rounds=int(params["rounds"]),
        early_stop=bool(params["early_stop"]),
        tolerance=float(params["tolerance"]),
        record_pairs=record_pairs,
    )
    return (sim if every else sim.take(inverse)), opt


def _auto(value: str | None) -> str | None:
    return None if value in (None, "auto") else value


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
    params = {**SPEC.resolve(), **params}  # a direct call gets the spec's defaults
    pairs = bool(params["pairs"])
    sim, opt = _run(problem, params, record_pairs=pairs)
    median = _unflat(problem, sim.median)
    traj = {
        "median": median,
        "mean": _unflat(problem, sim.mean),
        "positions": _unflat(problem, sim.positions),
        "r": _unflat(problem, sim.r),
    }
    details: dict[str, Any] = {
        "rounds_run": _unflat(problem, sim.rounds_run[:, None])[..., 0, :],
        "options": asdict(opt),  # the choices in effect once the variant's defaults are applied
    }
    if pairs:
        assert sim.eu_challenger is not None and sim.eu_target is not None and sim.offer is not None
        details["eu_challenger"] = _unflat(problem, sim.eu_challenger)
        details["eu_target"] = _unflat(problem, sim.eu_target)
        details["offer"] = _unflat(problem, sim.offer)
        details["offer_types"] = {str(k): v for k, v in OFFER_TYPES.items()}
    return ModelResult(outcome=median[..., -1, :], trajectory=traj, details=details, fields=FIELDS)


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
    sim, _ = _run(problem, resolved, record_pairs=True)
    assert sim.eu_challenger is not None and sim.eu_target is not None and sim.offer is not None
    return PairData(
        eu_challenger=_unflat(problem, sim.eu_challenger),
        eu_target=_unflat(problem, sim.eu_target),
        offer=_unflat(problem, sim.offer),
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
        Param(
            "q",
            None,
            "probability Q that an unchallenged actor stays put (auto: the variant's)",
            low=0.0,
            high=1.0,
        ),
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
        Param(
            "eu_zero",
            None,
            "|EU| below this counts as 0 (decisionmechanics: 1e-4; auto: the variant's)",
            low=0.0,
        ),
    ),
)
