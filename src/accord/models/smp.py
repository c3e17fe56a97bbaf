"""KTAB's Spatial Model of Politics (SMP): turn-based challenges, bargains and coalitions.

Wise, B., Lester, L. & Efird, B. (2015-2017), KAPSARC Toolkit for Behavioral Analysis
(KTAB), ``examples/smp`` (MIT licence); applied in Efird, Lester & Wise (2016), "Analyzing
coalitions in China's policy formulation", Journal of East Asian Studies 16. This is a
re-implementation from KTAB's algorithm (``smp.cpp``, ``smpbcn.cpp``, ``kmodel.cpp``), not a
copy of its code. Positions, saliences and distances live on [0, 1].

Each turn (``SMPState::stepBCN``):

1. Distance of actor i's ideal to j's position, salience-weighted RMS
   ``d_ij = sqrt(sum_k (s_ik (x*_ik - x_jk))^2 / sum_k s_ik^2)`` (``bvDiff``); utility
   ``u = (1 - d)(1 + d R)`` (``bsUtil``) with risk attitude R.
2. Risk attitudes: capability-weighted votes over the actors' positions with risk-neutral
   utilities give coalitions and a probabilistic Condorcet election (PCE); R follows from
   each position's winning probability (``bigRfromProb``). Actor h's estimate of i's R mixes
   R_h and R_i (``estNRA``).
3. Challenges: every actor i estimates, for every rival j, the probability that i beats j,
   summing the principals' votes and each third party's vote in a three-actor "little
   contest" (``probEduChlg``), and the expected utility gain of challenging j. It challenges
   the rival with the largest gain above 1e-5 (``bestChallenge``).
4. Bargains: the pair's positions move to a salience- and probability-weighted compromise,
   rounded to 4 decimals (``interpolateBrgn``).
5. Each actor adopts, among the status quo and the bargains it is part of, the one that
   wins a PCE over the actors' average utilities of the resulting states (argmax, or a
   draw in stochastic mode) (``updateBestBrgnPositions``).
6. Ideals move towards positions by the accommodation matrix (``newIdeals``).

The run stops when a turn moves positions by less than ``min_delta_ratio`` of the first
turn's movement (after ``min_turns``) or after ``max_turns`` (``smpStopFn``).

Stochastic mode draws its uniform numbers from a counter-based generator keyed by one
number taken from ``rng``: the draw for (batch element, turn, actor) depends only on those
three indices, so results are bit-identical across runs, machines and batch sizes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.errors import InputError
from accord.limits import MAX_TURNS
from accord.models import kernels
from accord.models.registry import Field, ModelResult, ModelSpec, Param
from accord.problem import Problem

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

VICTORY_MODELS = ("Linear", "Square", "Quartic", "Octic", "Binary")
PCE_MODELS = ("Conditional", "MarkovIncentive", "MarkovUniform")
TRANSITIONS = ("Deterministic", "Stochastic")
VOTING_RULES = ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")
BIG_R_ADJUST = ("None", "OneThird", "Half", "TwoThirds", "Full")
BIG_R_RANGE = ("Min", "Mid", "Max")
THIRD_PARTY = ("NoCommit", "SemiCommit", "FullCommit")
INTERPOLATION = ("S1P1", "S2P2", "S2PMax")
BARGAIN_MODELS = ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")

MIN_COALITION = 1e-8  # Model::coalitions
MIN_CHALLENGE_COALITION = 1e-10  # probEduChlg
MIN_SIG_GAIN = 1e-5  # bestChallenge
MIN_WEIGHT = 1e-6  # interpBrgnSnPm, interpBrgnS2PMax
POSITION_TOLERANCE = 1e-3  # SMPModel::posTol (equivalent positions)
MIN_SIG_DELTA = 1e-4  # smpStopFn
MAX_PCE_ITERATIONS = 1000
_CHUNK = 1 << 14  # elements per third-party block
# batch x actors^3 (challenge terms, or votes: cases x voters x option pairs) from which the compiled
# kernels pay numba's import and their cached code's load (about 1.2 CPU s): 128 actors alone
_COMPILED_FROM = 1 << 21
_PAIR_VOTES_FROM = 32  # actors from which elections vote only over the option pairs they use
# batch x actors^3 from which a run of small cases (fewer than _PAIR_VOTES_FROM actors) assesses its
# states and holds its elections in compiled kernels (models/kernels/assess.py), challenges too
_SMALL_COMPILED_FROM = 1 << 18
_LOG_TURNS = 16  # turns of every active case that one log of the fused kernel (_compiled_run) holds

FIELDS = {
    "positions": Field(("round", "actor", "issue"), "position", "every actor's position per turn"),
    "win_probability": Field(
        ("round", "actor", "issue"), doc="probability that the actor's position wins (same on every issue)"
    ),
    "turns": Field((), doc="turns run (count)"),
    "history": Field((), doc="per turn: winning probabilities, risk attitudes, bargains (issue units)"),
    "target": Field(("round", "actor"), doc="whom each actor challenged (-1: nobody); batch runs"),
    "probability": Field(("round", "actor"), doc="the challenger's estimate that it wins; batch runs"),
    "chosen_initiator": Field(("round", "actor"), doc="initiator of the bargain each actor adopted"),
    "bargain_initiator": Field(("round", "actor", "issue"), "position", "initiator's side of the bargain"),
    "bargain_receiver": Field(("round", "actor", "issue"), "position", "receiver's side of the bargain"),
    "risk_attitude": Field(("round", "actor"), doc="risk attitudes R per turn; batch runs"),
}


# --------------------------------------------------------------------------------------
# building blocks (kmodel.cpp)


def vote(rule: str, weight: Array | float, du: Array) -> Array:
    """A voter's vote for option 1 over option 2 given ``du = u1 - u2`` (``Model::vote``)."""
    if rule == "Proportional":
        return weight * du
    if rule == "Cubic":
        return weight * (du * du * du)
    if rule == "PropCbc":
        return weight * (0.5 * du + 0.5 * (du * du * du))
    binary = np.clip(du / 1e-8, -1.0, 1.0)
    if rule == "Binary":
        return weight * binary
    if rule == "PropBin":
        return weight * (0.8 * du + 0.2 * binary)
    if rule == "ASymProsp":
        return np.where(du < 0, weight * du, np.where(du > 0, (2.0 * weight * du) / 3.0, 0.0))
    raise ValueError(f"unknown voting rule {rule!r}")


def _pos(x: Array) -> Array:
    return np.maximum(x, 0.0)


def victory_pair(model: str, s1: Array, s2: Array) -> tuple[Array, Array]:
    """P[1 beats 2] and P[2 beats 1] from coalition strengths (``Model::vProb``)."""
    if model == "Binary":
        thresh = 1.10
        r12 = s1 / (s1 + s2)
        p12 = (r12 * (thresh + 1.0) - 1.0) / (thresh - 1.0)
        x1 = np.where(s1 >= thresh * s2, 1.0, np.where(s2 >= thresh * s1, 1e-6, p12))
        x2 = np.where(s1 >= thresh * s2, 1e-6, np.where(s2 >= thresh * s1, 1.0, 1.0 - p12))
    else:
        x1, x2 = victory_pair_strengths(model, s1, s2)
    total = x1 + x2
    return x1 / total, x2 / total


def victory_pair_strengths(model: str, s1: Array, s2: Array) -> tuple[Array, Array]:
    """The powered coalition strengths whose shares :func:`victory_pair` takes (not Binary)."""
    power = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}[model]
    x1, x2 = s1, s2
    for _ in range(power.bit_length() - 1):
        x1, x2 = x1 * x1, x2 * x2
    return x1, x2


def victory_matrix(model: str, coalitions: Array) -> Array:
    """P[i beats j] for every pair of options, ``(..., O, O)``; 1/2 on the diagonal.

    KTAB fills the lower triangle from ``vProb(c_ij, c_ji)`` and mirrors it, which matters
    for the Binary model's rounding; so do we.
    """
    ct = np.swapaxes(coalitions, -1, -2)
    n = coalitions.shape[-1]
    diagonal = np.eye(n, dtype=bool)
    if model != "Binary":
        # the mirrored entry p2[j, i] = x2[j, i] / (x1[j, i] + x2[j, i]) is p1[i, j] bit for bit
        # (x2[j, i] is x1[i, j], and IEEE addition commutes): one division pass and no mirror
        x1, x2 = victory_pair_strengths(model, coalitions, ct)
        return np.where(diagonal, 0.5, x1 / (x1 + x2))
    p1, p2 = victory_pair(model, coalitions, ct)
    lower = np.tril(np.ones((n, n), dtype=bool), -1)
    return np.where(lower, p1, np.where(diagonal, 0.5, np.swapaxes(p2, -1, -2)))


def coalition_matrix(plus: Array, minus: Array) -> Array:
    """Coalition strengths ``C[i, j]`` (``Model::coalitions``) from summed votes.

    ``plus[i, j]`` is the sum of positive votes for i over j, ``minus[i, j]`` the sum of
    negative ones (as magnitudes). KTAB scans only pairs with i > j, so C[j, i] comes from
    the negative votes of (i, j); this matters only for the asymmetric ASymProsp rule.
    """
    n = plus.shape[-1]
    lower = np.tril(np.ones((n, n), dtype=bool), -1)
    out = np.where(lower, plus, np.swapaxes(minus, -1, -2))
    out[..., np.arange(n), np.arange(n)] = 0.0
    out += MIN_COALITION
    return out


def pce(model: str, victory: str, coalitions: Array, valid: NDArray[np.bool_]) -> Array:
    """Probabilistic Condorcet election over options (``Model::probCE2``).

    coalitions: ``(N, O, O)``; valid: ``(N, O)`` which options exist. Returns ``(N, O)``
    probabilities summing to 1 over the valid options, 0 elsewhere.
    """
    pv = victory_matrix(victory, coalitions)
    both = valid[:, :, None] & valid[:, None, :]
    count = valid.sum(axis=-1, keepdims=True).astype(float)
    if model == "Conditional":  # condPCE: P[i beats every other option], normalised
        p = np.where(valid, np.prod(np.where(both, pv, 1.0), axis=-1), 0.0)
        total = p.sum(axis=-1, keepdims=True)
        if np.any(total <= 0):  # the products underflow with many options: use logarithms there
            logs = np.where(both, np.log(np.maximum(pv, 1e-300)), 0.0).sum(axis=-1)
            logs = np.where(valid, logs - np.where(valid, logs, -np.inf).max(axis=-1, keepdims=True), -np.inf)
            p = np.where(total <= 0, np.exp(logs), p)
            total = p.sum(axis=-1, keepdims=True)
        return p / total
    pv = np.where(both, pv, 0.0)
    p = np.where(valid, 1.0 / count, 0.0)
    if model == "MarkovUniform":  # markovUniformPCE
        tol = 1e-6

        def step(pa: Array, pv_a: Array, extra: Array) -> Array:
            return (pv_a * (pa[:, :, None] + pa[:, None, :])).sum(axis=-1) / extra

        extra = count
    elif model == "MarkovIncentive":  # markovIncentivePCE
        tol = 1e-8
        n = coalitions.shape[-1]
        incentive = np.where(both, coalitions * pv, 0.0) + np.where(valid[:, :, None], np.eye(n) * 1e-10, 0.0)
        challenge = incentive / np.where(valid[:, None, :], incentive.sum(axis=-2, keepdims=True), 1.0)
        extra = np.swapaxes(challenge, -1, -2)  # extra[b, i, j] = P[j challenges i]

        def step(pa: Array, pv_a: Array, extra: Array) -> Array:
            ct = pa[:, :, None] * extra
            return (pv_a * (ct + np.swapaxes(ct, -1, -2))).sum(axis=-1)

    else:
        raise ValueError(f"unknown PCE model {model!r}")
    # iterate each instance until its own change is small (KTAB's loop), dropping the
    # converged ones from the arrays
    idx = np.arange(p.shape[0])
    pa, pv_a, extra_a = p.copy(), pv, extra
    for _ in range(MAX_PCE_ITERATIONS):
        q = step(pa, pv_a, extra_a)
        change = np.abs(q - pa).max(axis=-1)
        pa = (pa + q) / 2.0
        done = change <= tol
        if done.any():
            p[idx[done]] = pa[done]
            keep = ~done
            idx, pa, pv_a, extra_a = idx[keep], pa[keep], pv_a[keep], extra_a[keep]
            if not idx.size:
                break
    p[idx] = pa
    return p


def big_r(p: Array, rng_name: str) -> Array:
    """Risk attitudes from winning probabilities (``Model::bigRfromProb``), ``(N, A)``.

    Where every probability is equal KTAB divides by zero; everyone is then risk-neutral.
    """
    lo = p.min(axis=-1, keepdims=True)
    hi = p.max(axis=-1, keepdims=True)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    if rng_name == "Min":
        r = (p - lo) / safe
    elif rng_name == "Mid":
        r = (3 * p - (hi + 2 * lo)) / (2 * safe)
    elif rng_name == "Max":
        r = (2 * p - (hi + lo)) / safe
    else:
        raise ValueError(f"unknown big-R range {rng_name!r}")
    return np.where(span > 0, r, 0.0)


def estimated_risk(r_h: Array, r_i: Array, adjust: str) -> Array:
    """h's estimate of i's risk attitude (``Model::estNRA``)."""
    if adjust == "Full":
        return r_i + 0.0 * r_h
    if adjust == "TwoThirds":
        return (r_h + 2.0 * r_i) / 3.0
    if adjust == "Half":
        return (r_h + r_i) / 2
    if adjust == "OneThird":
        return (2.0 * r_h + r_i) / 3.0
    if adjust == "None":
        return r_h + 0.0 * r_i
    raise ValueError(f"unknown big-R adjustment {adjust!r}")


def utility(d: Array, r: Array) -> Array:
    """Risk-attitude utility of a salience-weighted distance (``SMPModel::bsUtil``)."""
    inside = d <= 1
    near = (1 - d) * (1 + d * r)
    if np.all(inside):  # distances above 1 are rare: the other branch only where they occur
        return near
    return np.where(inside, near, (1 - d) * (1 + r))


def distance(ideal: Array, position: Array, salience: Array) -> Array:
    """``d[.., i, j]``: distance from i's ideal to j's position with i's saliences (``bvDiff``)."""
    diff = (ideal[..., :, None, :] - position[..., None, :, :]) * salience[..., :, None, :]
    ss = (salience * salience).sum(axis=-1)
    return np.sqrt((diff * diff).sum(axis=-1) / np.where(ss > 0, ss, 1.0)[..., None])


def _round4(x: Array) -> Array:
    return np.floor(0.5 + x * 10000.0) / 10000.0


def interpolate(
    rule: str, t_i: Array, s_i: Array, p_i: Array, t_j: Array, s_j: Array, p_j: Array
) -> tuple[Array, Array]:
    """The bargain's new positions for initiator and receiver (``SMPActor::interpolateBrgn``).

    t: positions ``(..., I)``, s: saliences ``(..., I)``, p: probabilities ``(..., 1)``.
    """
    if rule in ("S1P1", "S2P2"):
        k = 1 if rule == "S1P1" else 2
        w_i = s_i**k * p_i**k
        w_j = s_j**k * p_j**k
        den = w_i + MIN_WEIGHT + w_j
        b_i = _round4(((w_i + MIN_WEIGHT) * t_i + w_j * t_j) / den)
        b_j = _round4((w_i * t_i + (MIN_WEIGHT + w_j) * t_j) / den)
        return b_i, b_j
    if rule == "S2PMax":
        d_i = np.where(p_j > p_i, p_j - p_i, 0.0)
        d_j = np.where(p_i > p_j, p_i - p_j, 0.0)
        si2, sj2 = s_i * s_i, s_j * s_j
        dik = (d_i * sj2) / ((d_i * sj2) + MIN_WEIGHT + ((1 - d_i) * si2))
        djk = (d_j * si2) / ((d_j * si2) + MIN_WEIGHT + ((1 - d_j) * sj2))
        return t_i + dik * (t_j - t_i), t_j + djk * (t_i - t_j)
    raise ValueError(f"unknown interpolation {rule!r}")


def uniform_draws(key: int, element: IntArray, turn: int, actor: IntArray) -> Array:
    """Uniform numbers on [0, 1) that depend only on (key, batch element, turn, actor).

    SplitMix64 (Steele, Lea & Flood 2014) over a counter: bit-identical on every machine
    and independent of how many batch elements are drawn together.
    """
    with np.errstate(over="ignore"):
        x = (
            np.uint64(key)
            ^ (element.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
            ^ (np.uint64(turn) * np.uint64(0xC2B2AE3D27D4EB4F))
            ^ (actor.astype(np.uint64) * np.uint64(0x165667B19E3779F9))
        )
        for _ in range(2):
            x = x + np.uint64(0x9E3779B97F4A7C15)
            z = x
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            x = z ^ (z >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


# --------------------------------------------------------------------------------------
# one state's assessment and one turn


class _Settings:
    def __init__(self, **params: Any) -> None:
        self.victory: str = params["victory_model"]
        self.pce: str = params["pce_model"]
        self.transitions: str = params["transitions"]
        self.voting: str = params["voting_rule"]
        self.adjust: str = params["big_r_adjust"]
        self.range: str = params["big_r_range"]
        self.third_party: str = params["third_party_commit"]
        self.interpolation: str = params["interpolation"]
        self.bargain: str = params["bargain_model"]


def _coalitions(rule: str, weight: Array, util: Array) -> Array:
    """Coalitions over options from voters' utilities: weight ``(N, A)``, util ``(N, A, O)``."""
    plus, minus = _option_votes(rule, weight, util)
    return coalition_matrix(plus, minus)


def _risk(s: _Settings, dist: Array, cap: Array) -> Array:
    """Risk attitudes R ``(N, A)`` from the risk-neutral PCE over positions (``setAllAUtil``)."""
    rn = utility(dist, np.zeros(dist.shape[:-1] + (1,)))
    c = _coalitions(s.voting, cap, rn)
    p = pce(s.pce, s.victory, c, np.ones(cap.shape, dtype=bool))
    return big_r(p, s.range)


def _win_probability(s: _Settings, dist: Array, risk: Array, cap: Array, pos: Array) -> tuple[Array, Array]:
    """Each actor's winning probability and each position's (KTAB ``pDist(-1)``/``posProb``).

    Options are the distinct positions (within ``posTol``, first occurrence kept); each actor
    votes with its own risk-aware utilities and capability, by the proportional rule (KTAB
    hard-codes it). Returns per-actor ``(N, A)`` and per-option ``(N, A)`` (0 where not an option).
    """
    n_b, n_a = cap.shape
    gap = np.sqrt(((pos[:, :, None, :] - pos[:, None, :, :]) ** 2).sum(axis=-1))
    equiv = gap < POSITION_TOLERANCE
    if n_a >= _PAIR_VOTES_FROM:
        unique = _first_occurrences(equiv)
    else:
        unique = np.zeros((n_b, n_a), dtype=bool)
        for a in range(n_a):  # greedy first-occurrence scan: inherently sequential, O(A) steps
            unique[:, a] = ~(equiv[:, a, :a] & unique[:, :a]).any(axis=-1)
    util = utility(dist, risk[:, :, None])
    n_u = int(unique.sum(axis=-1).max())
    if n_u < n_a >= _PAIR_VOTES_FROM:  # votes over the distinct positions only: the others are no options
        cols = np.argsort(~unique, axis=-1, kind="stable")[:, :n_u]  # (N, U), the distinct ones first
        plus_u, minus_u = _option_votes(
            "Proportional", cap, np.take_along_axis(util, cols[:, None, :], axis=-1)
        )
        plus, minus = np.zeros((n_b, n_a, n_a)), np.zeros((n_b, n_a, n_a))
        at = (np.arange(n_b)[:, None, None], cols[:, :, None], cols[:, None, :])
        plus[at], minus[at] = plus_u, minus_u
        c = coalition_matrix(plus, minus)
    else:
        c = _coalitions("Proportional", cap, util)
    p = pce(s.pce, s.victory, c, unique)
    # posProb: the last distinct position equivalent to the actor's
    match = equiv & unique[:, None, :]
    last = n_a - 1 - np.argmax(match[:, :, ::-1], axis=-1)
    return np.take_along_axis(p, last, axis=-1), p


def _first_occurrences(equiv: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The greedy first-occurrence scan of ``_win_probability`` ``(N, A)``: position a is
    distinct unless an earlier distinct position is equivalent to it (``equiv`` ``(N, A, A)``).

    Decided in a few whole-array passes instead of A steps: a with no earlier equivalent is
    distinct; a with an earlier equivalent already found distinct is not; a whose earlier
    equivalents are all found not distinct is. The first undecided position always has every
    earlier one decided, so each pass decides it at least, and the answer is the scan's."""
    n_a = equiv.shape[-1]
    earlier: NDArray[np.bool_] = equiv & np.tril(np.ones((n_a, n_a), dtype=bool), -1)
    unique: NDArray[np.bool_] = np.logical_not(earlier.any(axis=-1))
    decided: NDArray[np.bool_] = unique.copy()
    while not decided.all():
        beaten = (earlier & (decided & unique)[:, None, :]).any(axis=-1)
        open_ = (earlier & ~decided[:, None, :]).any(axis=-1)
        unique = np.where(decided, unique, ~beaten & ~open_)
        decided = decided | beaten | ~open_
    return unique


def _contests(
    s: _Settings,
    dist: Array,
    risk: Array,
    weight: Array,
    sal_total: Array,
    view: str = "initiator",
    compiled: bool = False,
) -> tuple[Array, Array]:
    """Every challenge (i, j) as one estimator h sees it: see :func:`_contest_block`.

    The batch is cut into slices whose ``(i, j, n)`` blocks stay about :data:`_CHUNK`
    elements, so that the kernel's temporaries stay in cache (about twice as fast on many
    small cases, measured); each case's arithmetic is the same as in one call.
    """
    n_b, n_a = risk.shape
    outside = bool(np.any(dist > 1))
    if compiled or n_b * n_a**3 >= _COMPILED_FROM:  # the kernel pays its import (about 1.2 CPU s) here
        return _contest_block(s, dist, risk, weight, sal_total, view, outside, compiled=True)
    rows = max(1, _CHUNK // max(1, n_a * n_a))
    if n_b <= rows:
        return _contest_block(s, dist, risk, weight, sal_total, view, outside)
    parts = [
        _contest_block(
            s,
            dist[a : a + rows],
            risk[a : a + rows],
            weight[a : a + rows],
            sal_total[a : a + rows],
            view,
            outside,
        )
        for a in range(0, n_b, rows)
    ]
    return np.concatenate([p for p, _ in parts]), np.concatenate([g for _, g in parts])


def _contest_block(
    s: _Settings,
    dist: Array,
    risk: Array,
    weight: Array,
    sal_total: Array,
    view: str,
    outside: bool,
    compiled: bool = False,
) -> tuple[Array, Array]:
    """Every challenge (i, j) as one estimator h sees it (``probEduChlg``): ``(N, i, j)`` each.

    Returns h's estimate of P[i beats j] and, for i's challenge of j, h's estimate of i's
    expected utility gain (k = i). ``view`` "initiator" takes h = i (whom to challenge,
    ``bestChallenge``), "receiver" h = j (the receiver's own estimate, for InitRcvrInterp).
    The principals vote on i against j with h's estimates of their utilities; each third
    party n adds its vote on the three-actor "little contest" (``vProbLittle``,
    ``thirdPartyVoteSU``). dist, risk: the state's distances ``(N, A, A)`` and risk attitudes
    ``(N, A)``; weight: salience total times capability ``(N, A)``. Cost O(N A^3), laid out
    as ``(N, i, j, n)`` blocks so that the terms that do not depend on every index are
    computed once; ``compiled`` sums the third parties' votes with the compiled kernel
    (:mod:`accord.models.kernels.contests`) instead, to the same bits.
    """
    n_b, n_a = risk.shape
    receiver = view == "receiver"
    est = estimated_risk(risk[:, :, None], risk[:, None, :], s.adjust)  # est[b, h, n]
    own = utility(dist, risk[:, :, None])  # own[b, a, x] = u^a(a, x): an actor knows its own R
    d_t = np.swapaxes(dist, -1, -2)  # d_t[b, x, n] = dist[b, n, x]
    d_jj = np.diagonal(dist, axis1=-2, axis2=-1)  # (N, A)
    if receiver:  # h = j: j knows its own utilities and estimates i's
        est_t = np.swapaxes(est, -1, -2)  # est_t[b, i, j] = est[b, j, i]
        uii = utility(d_jj[:, :, None], est_t)  # u^j(i, i)
        uij = utility(dist, est_t)  # u^j(i, j)
        uji = np.swapaxes(own, -1, -2)  # u^j(j, i)
        ujj = np.diagonal(own, axis1=-2, axis2=-1)[:, None, :]  # u^j(j, j)
    else:  # h = i
        uii = np.diagonal(own, axis1=-2, axis2=-1)[:, :, None]  # (N, A, 1)
        uij = own
        uji = utility(d_t, est)  # u^i(j, i): dist[j, i] with est[i, j]
        ujj = utility(d_jj[:, None, :], est)
    eu_sq = uii + uij
    u_win = uii + uii
    u_lose = uij + uij
    c_i = vote(s.voting, weight[:, :, None], uii - uij)
    c_j = vote(s.voting, weight[:, None, :], uji - ujj)
    chij = (MIN_CHALLENGE_COALITION + _pos(c_i)) + _pos(c_j)  # (N, i, j)
    chji = (MIN_CHALLENGE_COALITION + _pos(-c_i)) + _pos(-c_j)

    # third parties n, with h's estimate of n's risk attitude: est[h, n]
    if compiled:
        plus, minus = _third_party_votes(s, dist, est, weight, chij, chji, receiver, outside)
        return _contest_result(chij + plus, chji + minus, sal_total, u_win, u_lose, eu_sq)
    uni_all = utility(d_t, est)  # (N, h, n) for h = i: u^h(n, i) = dist[n, i] with est[h, n]
    unn_all = utility(d_jj[:, None, :], est)  # (N, h, n): u^h(n, n)
    one_minus = 1.0 - d_t  # (N, j, n) for u^h(n, j) = (1 - d)(1 + d est[h, n])
    slope = one_minus * d_t
    w_n = weight[:, None, None, :]
    plus = np.empty((n_b, n_a, n_a))
    minus = np.empty((n_b, n_a, n_a))
    every = np.arange(n_a)
    step = max(1, _CHUNK // max(1, n_b * n_a * n_a))
    for lo in range(0, n_a, step):
        sl = slice(lo, lo + step)
        rows = every[sl]
        if receiver:  # h = j: h's estimates vary with (j, n)
            e = est[:, None, :, :]  # (N, 1, j, n)
            uni = utility(d_t[:, sl, None, :], e)  # (N, i, j, n)
            unn = unn_all[:, None, :, :]
        else:  # h = i: they vary with (i, n)
            e = est[:, sl, None, :]  # (N, i, 1, n)
            uni = uni_all[:, sl, None, :]
            unn = unn_all[:, sl, None, :]
        if outside:  # never for positions inside the unit box: KTAB's other branch of bsUtil
            unj = utility(d_t[:, None], e)
        else:
            unj = slope[:, None] * e
            unj += one_minus[:, None]  # u^h(n, j): (N, i, j, n), or (N, 1, j, n) when h = j
        # vProbLittle: n's vote between i and j added to the principals' coalitions
        v0 = vote(s.voting, w_n, uni - unj)
        cni = np.maximum(v0, 0.0)
        cni += chij[:, sl, :, None]
        cnj = np.minimum(v0, 0.0, out=v0)
        np.subtract(chji[:, sl, :, None], cnj, out=cnj)
        total = cni + cnj
        pin = np.divide(cni, total, out=cni)
        pjn = np.subtract(1.0, pin, out=total)
        # thirdPartyVoteSU: the difference of n's utilities of "i with n beats j" and
        # "i beats j with n", simplified (the repeated terms cancel)
        if s.third_party == "SemiCommit":
            if receiver:
                gap = (unj - unn) * pjn
            else:
                gap = np.subtract(unj, unn, out=unj)
                gap *= pjn
            du = np.multiply(pin, unn - uni, out=pin)
            du += gap
        else:  # NoCommit, FullCommit: both states are worth the same to n
            du = np.zeros_like(pin)
        vn = vote(s.voting, w_n, du)
        vn[:, rows - lo, :, rows] = 0.0  # n = i is a principal, not a third party
        vn[:, :, every, every] = 0.0  # n = j likewise
        plus[:, sl] = np.maximum(vn, 0.0).sum(axis=-1)
        minus[:, sl] = -np.minimum(vn, 0.0).sum(axis=-1)
    return _contest_result(chij + plus, chji + minus, sal_total, u_win, u_lose, eu_sq)


def _contest_result(
    chij: Array, chji: Array, sal_total: Array, u_win: Array, u_lose: Array, eu_sq: Array
) -> tuple[Array, Array]:
    """P[i beats j] and i's expected gain from the whole coalitions ``(N, i, j)``."""
    p_ij = chij / (chij + chji)
    p_ji = chji / (chij + chji)
    s_j = sal_total[:, None, :]
    eu_contest = p_ij * u_win + p_ji * u_lose
    gain = ((1 - s_j) * u_win + s_j * eu_contest) - eu_sq
    return p_ij, gain


def _third_party_votes(
    s: _Settings,
    dist: Array,
    est: Array,
    weight: Array,
    chij: Array,
    chji: Array,
    receiver: bool,
    outside: bool,
    keep: NDArray[np.bool_] | None = None,
) -> tuple[Array, Array]:
    """The compiled kernel's summed third-party votes ``plus``, ``minus`` ``(N, i, j)``; ``keep``:
    the initiator's challenges to compute (None: all), the others 0."""
    from accord.models.kernels import contests, sums  # numba: only where the work pays its import

    n_b, n_a = weight.shape
    plus, minus = np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a, n_a))
    contests.third_party_votes(
        VOTING_RULES.index(s.voting),
        s.third_party == "SemiCommit",
        receiver,
        outside,
        np.ascontiguousarray(dist),
        np.ascontiguousarray(est),
        np.ascontiguousarray(weight),
        np.ascontiguousarray(chij),
        np.ascontiguousarray(chji),
        _pairwise_rows(n_b, n_a) if receiver else np.zeros((n_b, n_a), dtype=bool),
        *sums.pairwise_plan(n_a),
        plus,
        minus,
        None if keep is None else np.ascontiguousarray(keep),
    )
    return plus, minus


def _pairwise_rows(n_b: int, n_a: int) -> NDArray[np.bool_]:
    """The receiver's rows ``(b, i)`` that NumPy summed pairwise over third parties ``(N, A)``.

    :func:`_contests` cuts the batch, and :func:`_contest_block` the challengers, into blocks;
    a block of one challenger's row has the third parties innermost in memory, so NumPy's
    reduction summed them pairwise, while a block of several summed them in order. The
    compiled kernel reproduces both (so a receiver's row still depends on where it sits in
    its batch, as it did).
    """
    out = np.zeros((n_b, n_a), dtype=bool)
    rows = max(1, _CHUNK // max(1, n_a * n_a))
    for a in range(0, n_b, rows) if n_b > rows else [0]:
        size = min(rows, n_b - a) if n_b > rows else n_b
        step = max(1, _CHUNK // max(1, size * n_a * n_a))
        for lo in range(0, n_a, step):
            if min(step, n_a - lo) == 1:
                out[a : a + size, lo] = True
    return out


def _best_challenges(
    s: _Settings, dist: Array, risk: Array, weight: Array, sal_total: Array, compiled: bool = False
) -> tuple[IntArray, Array]:
    """Each actor's target (-1 for none) and its own estimate of winning, ``(N, A)`` each
    (``bestChallenge``: the rival with the largest expected gain above ``MIN_SIG_GAIN``)."""
    n_b, n_a = risk.shape
    if compiled:
        return _compiled_challenges(s, dist, risk, weight, sal_total)
    if n_b * n_a**3 >= _COMPILED_FROM:
        return _pruned_challenges(s, dist, risk, weight, sal_total)[:2]
    p_ij, gain = _contests(s, dist, risk, weight, sal_total)
    gain = np.where(np.eye(n_a, dtype=bool) | ~(gain > MIN_SIG_GAIN), -np.inf, gain)
    target = np.argmax(gain, axis=-1)  # the first of equal gains, as KTAB's strict '>' scan
    has = np.isfinite(np.take_along_axis(gain, target[..., None], axis=-1)[..., 0])
    p = np.take_along_axis(p_ij, target[..., None], axis=-1)[..., 0]
    return np.where(has, target, -1), p


def _pruned_challenges(
    s: _Settings, dist: Array, risk: Array, weight: Array, sal_total: Array
) -> tuple[IntArray, Array, NDArray[np.bool_]]:
    """:func:`_best_challenges` of large cases from the compiled kernels (kernels/contests.py),
    and which challenges they computed ``(N, A, A)``: only those that can be an actor's best
    (``contests.challenge_bounds``; nothing else of the gains and probabilities reaches the
    outputs). Where the bounds' premise fails (no kept rival's gain reaches the best lower
    bound), every challenge is computed. The same bits as :func:`_contest_block` and
    :func:`_best_challenges`' NumPy, in two O(A^2) passes around the third parties' votes
    instead of some forty NumPy passes."""
    from accord.models.kernels import contests  # numba: only where the work pays its import

    n_b, n_a = risk.shape
    c = np.ascontiguousarray
    dist, risk, weight, sal_total = c(dist), c(risk), c(weight), c(sal_total)
    est, chij, chji = np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a, n_a))
    keep, best = np.empty((n_b, n_a, n_a), dtype=bool), np.empty((n_b, n_a))
    # votes summing near overflow (p_ij + p_ji may be far from 1): nothing pruned in that case
    sound = np.abs(weight).sum(axis=-1) < 1e250
    rule, adjust = VOTING_RULES.index(s.voting), BIG_R_ADJUST.index(s.adjust)
    contests.challenge_bounds(rule, adjust, dist, risk, weight, sal_total, sound, est, chij, chji, keep, best)
    outside = bool(np.any(dist > 1))
    plus, minus = _third_party_votes(s, dist, est, weight, chij, chji, False, outside, keep)
    target, p = np.empty((n_b, n_a), dtype=np.intp), np.empty((n_b, n_a))
    if contests.best_challenges(dist, risk, sal_total, chij, chji, plus, minus, keep, best, target, p):
        return target, p, keep
    p_ij, gain = _contest_block(s, dist, risk, weight, sal_total, "initiator", outside, compiled=True)
    gain = np.where(np.eye(n_a, dtype=bool) | ~(gain > MIN_SIG_GAIN), -np.inf, gain)
    first = np.argmax(gain, axis=-1)
    has = np.isfinite(np.take_along_axis(gain, first[..., None], axis=-1)[..., 0])
    p = np.take_along_axis(p_ij, first[..., None], axis=-1)[..., 0]
    return np.where(has, first, -1), p, np.ones((n_b, n_a, n_a), dtype=bool)


def _compiled_challenges(
    s: _Settings, dist: Array, risk: Array, weight: Array, sal_total: Array
) -> tuple[IntArray, Array]:
    """:func:`_best_challenges` from the compiled kernels: the principals' coalitions and the
    best challenges (kernels/assess.py) around the third parties' votes (kernels/contests.py)."""
    from accord.models.kernels import assess  # numba: only where the work pays its import

    n_b, n_a = risk.shape
    dist, risk = np.ascontiguousarray(dist), np.ascontiguousarray(risk)
    weight, sal_total = np.ascontiguousarray(weight), np.ascontiguousarray(sal_total)
    est, chij, chji = np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a, n_a))
    rule = VOTING_RULES.index(s.voting)
    assess.challenge_coalitions(rule, BIG_R_ADJUST.index(s.adjust), dist, risk, weight, est, chij, chji)
    plus, minus = _third_party_votes(s, dist, est, weight, chij, chji, False, bool(np.any(dist > 1)))
    target, p = np.empty((n_b, n_a), dtype=np.intp), np.empty((n_b, n_a))
    assess.best_challenges(dist, risk, sal_total, chij, chji, plus, minus, target, p)
    return target, p


def _turn(
    s: _Settings,
    pos: Array,
    ideal: Array,
    sal: Array,
    cap: Array,
    accommodation: Array | None,
    dist: Array,
    risk: Array,
    draws: Array | None,
    compiled: bool = False,
) -> tuple[Array, Array, dict[str, Array]]:
    """One turn (``SMPState::doBCN``) on ``N`` batch elements; returns new positions and ideals.

    ``compiled``: the challenges and the elections run in the compiled kernels (small cases,
    :func:`_small_compiled`), to the same bits.
    """
    n_b, n_a, n_i = pos.shape
    bidx = np.arange(n_b)[:, None]
    actors = np.arange(n_a)[None, :]
    sal_total = sal.sum(axis=-1)
    weight = sal_total * cap
    target, p_win = _best_challenges(s, dist, risk, weight, sal_total, compiled)
    has = target >= 0
    tgt = np.where(has, target, actors)

    t_i, t_j = pos, pos[bidx, tgt]
    s_i, s_j = sal, sal[bidx, tgt]
    b_init, b_rcvr = interpolate(s.interpolation, t_i, s_i, p_win[..., None], t_j, s_j, 1 - p_win[..., None])
    if s.bargain == "InitOnlyInterp":
        inits, rcvrs = [b_init], [b_rcvr]
    else:
        # the receiver's own estimate that the initiator wins (KTAB passes j's estimate of
        # the initiator's utility gain here, which is not a probability; see docs/models/smp.md)
        p_rcvr, _ = _contests(s, dist, risk, weight, sal_total, view="receiver", compiled=compiled)
        p_j = np.where(has, np.take_along_axis(p_rcvr, tgt[..., None], axis=-1)[..., 0], 0.5)
        j_init, j_rcvr = interpolate(s.interpolation, t_i, s_i, p_j[..., None], t_j, s_j, 1 - p_j[..., None])
        if s.bargain == "InitRcvrInterp":
            inits, rcvrs = [b_init, j_init], [b_rcvr, j_rcvr]
        else:  # PWCompInterp: capability x salience weighted average of the two
            w_i = weight[..., None]
            w_j = weight[bidx, tgt][..., None]
            inits = [(w_i * b_init + w_j * j_init) / (w_i + w_j)]
            rcvrs = [(w_i * b_rcvr + w_j * j_rcvr) / (w_i + w_j)]
    per = len(inits)
    # global options: 0 = status quo, then bargain r of initiator a at 1 + a * per + r
    init_pos = np.stack(inits, axis=2).reshape(n_b, n_a * per, n_i)
    rcvr_pos = np.stack(rcvrs, axis=2).reshape(n_b, n_a * per, n_i)
    init_of = np.repeat(np.arange(n_a), per)
    rcvr_of = np.repeat(tgt, per, axis=1)  # (N, M)
    valid = np.repeat(has, per, axis=1)

    # utility to each actor of the state after each bargain (average over all positions)
    bargains = (ideal, sal, dist, risk, init_pos, rcvr_pos, init_of, rcvr_of)
    util = _compiled_bargain_utilities(*bargains) if compiled else _bargain_utilities(*bargains)

    # each actor's options: status quo, its own bargain(s), then those addressed to it
    member = valid[:, None, :] & (
        (init_of[None, None, :] == actors[..., None]) | (rcvr_of[:, None, :] == actors[..., None])
    )
    m_idx = np.arange(n_a * per)
    key = np.where(
        member, np.where(init_of[None, None, :] == actors[..., None], m_idx - n_a * per, m_idx), 4 * n_a * per
    )
    order = np.argsort(key, axis=-1, kind="stable")
    count = member.sum(axis=-1)
    width = 1 + int(count.max(initial=0))
    opts = np.concatenate([np.zeros((n_b, n_a, 1), dtype=np.intp), 1 + order[..., : width - 1]], axis=-1)
    ok = np.arange(width)[None, None, :] < (1 + count)[..., None]
    opts = np.where(ok, opts, 0)
    p = _bargain_elections(s, cap, util, opts, count) if compiled else None
    if p is None:
        p = _elections(s, cap, util, opts, count)
    if s.transitions == "Stochastic" and draws is not None:
        cum = np.cumsum(p, axis=-1)
        choice = np.minimum((cum <= draws[..., None]).sum(axis=-1), count)
    else:
        choice = np.argmax(p, axis=-1)
    chosen = np.take_along_axis(opts, choice[..., None], axis=-1)[..., 0]  # global option
    m = np.maximum(chosen - 1, 0)
    is_init = init_of[m] == actors
    new_side = np.where(is_init[..., None], init_pos[bidx, m], rcvr_pos[bidx, m])
    new_pos = np.where((chosen > 0)[..., None], new_side, pos)

    if accommodation is None:
        new_ideal = new_pos.copy()
    else:  # newIdeals: ideal_i <- sum_j A_ij pos_j + (1 - sum_j A_ij) ideal_i
        lag = 1.0 - np.minimum(accommodation.sum(axis=-1), 1.0)
        new_ideal = np.einsum("ij,bjk->bik", accommodation, new_pos) + lag[None, :, None] * ideal
    record: dict[str, NDArray[Any]] = {
        "target": target,
        "probability": np.where(has, p_win, np.nan),
        "bargain_initiator": np.where(has[..., None], inits[0], np.nan),
        "bargain_receiver": np.where(has[..., None], rcvrs[0], np.nan),
        "chosen_initiator": np.where(chosen > 0, init_of[m], -1),
    }
    return new_pos, new_ideal, record


def _compiled_turn(
    s: _Settings,
    active: IntArray,
    pos: Array,
    ideal: Array,
    sal: Array,
    cap: Array,
    dist: Array,
    risk: Array,
    draws: Array | None,
) -> tuple[Array, dict[str, NDArray[Any]], Array, tuple[Array, Array, Array, Array]] | None:
    """:func:`_turn` of the cases ``active`` (rows of the whole batch's ``pos``, ``ideal``, ``sal``,
    ``cap``; ``dist``, ``risk``: theirs), its movement and the assessment of the new states in one
    compiled call (kernels/turn.py), to the same bits; without an accommodation matrix (the new
    ideals are the new positions). Returns the new positions, the turn's records, the movement and
    the new state, or None where a PCE needs NumPy's logarithms."""
    from accord.models.kernels import sums, turn  # numba: only where the work pays its import

    n_k, n_a = risk.shape
    n_i = pos.shape[-1]
    codes = _turn_codes(s, draws is not None, bool(np.any(dist > 1)))  # the batch's, as _contests decides it
    # the receivers' estimates (InitRcvrInterp, PWCompInterp): the rows NumPy summed pairwise
    pairwise = _pairwise_rows(n_k, n_a) if s.bargain != "InitOnlyInterp" else np.zeros((n_k, n_a), dtype=bool)
    new_pos, init, rcvr = np.empty((n_k, n_a, n_i)), np.empty((n_k, n_a, n_i)), np.empty((n_k, n_a, n_i))
    target, chosen = np.empty((n_k, n_a), dtype=np.intp), np.empty((n_k, n_a), dtype=np.intp)
    probability, moved = np.empty((n_k, n_a)), np.empty(n_k)
    new_dist, new_risk, win, option = (
        np.empty((n_k, n_a, n_a)),
        np.empty((n_k, n_a)),
        np.empty((n_k, n_a)),
        np.empty((n_k, n_a)),
    )
    ok = turn.turn(
        codes,
        active,
        pos,
        ideal,
        sal,
        cap,
        np.ascontiguousarray(dist),
        np.ascontiguousarray(risk),
        np.zeros((n_k, n_a)) if draws is None else np.ascontiguousarray(draws),
        pairwise,
        *sums.pairwise_plan(n_a),
        new_pos,
        target,
        probability,
        init,
        rcvr,
        chosen,
        moved,
        new_dist,
        new_risk,
        win,
        option,
    )
    if not ok:
        return None
    record: dict[str, NDArray[Any]] = {
        "target": target,
        "probability": probability,
        "bargain_initiator": init,
        "bargain_receiver": rcvr,
        "chosen_initiator": chosen,
    }
    return new_pos, record, moved, (new_dist, new_risk, win, option)


def _turn_codes(s: _Settings, stochastic: bool, outside: bool) -> IntArray:
    """The options as kernels/turn.py's ``turn`` takes them."""
    return np.array(
        [
            VOTING_RULES.index(s.voting),
            PCE_MODELS.index(s.pce),
            VICTORY_MODELS.index(s.victory),
            BIG_R_RANGE.index(s.range),
            BIG_R_ADJUST.index(s.adjust),
            INTERPOLATION.index(s.interpolation),
            BARGAIN_MODELS.index(s.bargain),
            s.third_party == "SemiCommit",
            stochastic,
            outside,
        ],
        dtype=np.int64,
    )


def _compiled_run(
    s: _Settings,
    t: int,
    active: IntArray,
    pos: Array,
    sal: Array,
    cap: Array,
    dist: Array,
    risk: Array,
    option: Array,
    first_move: Array,
    turns: IntArray,
    log: _Log,
    stop_rule: tuple[int, int, float],
) -> tuple[int, IntArray, Array, Array]:
    """``run``'s turns from turn ``t`` on for Deterministic runs without an accommodation matrix, in
    compiled calls (kernels/turn.py's ``run``: each turn :func:`_compiled_turn`'s kernel, then the
    loop's stopping rule and updates), to the same bits. Updates ``pos`` (the ideals too), ``option``,
    ``first_move``, ``turns`` and ``log``; returns the turns run and the cases still active with their
    distances and risk attitudes: none, or those of a turn where a PCE needs NumPy (not begun)."""
    from accord.models.kernels import sums, turn  # numba: only where the work pays its import

    n_b, n_a, n_i = pos.shape
    min_turns, max_turns, min_delta_ratio = stop_rule
    codes = _turn_codes(s, False, False)  # the kernel sets "outside" turn by turn
    state = np.array([t, active.size, 0], dtype=np.int64)
    order, d, r = np.empty(n_b, dtype=np.intp), np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a))
    order[: active.size], d[: active.size], r[: active.size] = active, dist, risk
    plan = sums.pairwise_plan(n_a)
    while state[1] and not state[2]:
        rows = _LOG_TURNS * int(state[1])  # then another log
        case, new_pos, b_init, b_rcvr = (
            np.empty(rows, dtype=np.intp),
            np.empty((rows, n_a, n_i)),
            np.empty((rows, n_a, n_i)),
            np.empty((rows, n_a, n_i)),
        )
        win, attitude, target, probability, chosen = (
            np.empty((rows, n_a)),
            np.empty((rows, n_a)),
            np.empty((rows, n_a), dtype=np.intp),
            np.empty((rows, n_a)),
            np.empty((rows, n_a), dtype=np.intp),
        )
        sizes = np.empty(max_turns + 1, dtype=np.intp)
        logged = turn.run(
            codes, np.array([min_turns, max_turns, _CHUNK], dtype=np.int64), min_delta_ratio, state, order,
            pos, sal, cap, d, r, option, first_move, turns, *plan, case, new_pos, win, attitude, target,
            probability, b_init, b_rcvr, chosen, sizes,
        )  # fmt: skip
        lo = 0
        for size in sizes[:logged].tolist():
            at = slice(lo, lo + size)
            record: dict[str, NDArray[Any]] = {
                "target": target[at],
                "probability": probability[at],
                "bargain_initiator": b_init[at],
                "bargain_receiver": b_rcvr[at],
                "chosen_initiator": chosen[at],
            }
            log.add(case[at], new_pos[at], win[at], attitude[at], record)
            lo += size
    k = int(state[1])
    return int(state[0]), order[:k].copy(), d[:k], r[:k]


def _bargain_utilities(
    ideal: Array,
    sal: Array,
    dist: Array,
    risk: Array,
    init_pos: Array,
    rcvr_pos: Array,
    init_of: IntArray,
    rcvr_of: IntArray,
) -> Array:
    """Each actor's average utility of the state after each bargain ``(N, A, 1 + M)``, the status
    quo first: a bargain moves its initiator to ``init_pos`` and its receiver to ``rcvr_pos``
    ``(N, M, I)``; ``init_of`` ``(M,)`` and ``rcvr_of`` ``(N, M)`` say who they are."""
    n_a = dist.shape[-1]
    own = utility(dist, risk[:, :, None])  # own[b, a, n]: a's utility of n's position
    sq = own.sum(axis=-1)
    u_init = utility(distance(ideal, init_pos, sal), risk[:, :, None])  # (N, A, M)
    u_rcvr = utility(distance(ideal, rcvr_pos, sal), risk[:, :, None])
    old_init = own[:, :, init_of]
    old_rcvr = np.take_along_axis(own, np.broadcast_to(rcvr_of[:, None, :], u_rcvr.shape), axis=-1)
    u_brgn = (u_init + u_rcvr + (sq[..., None] - old_init - old_rcvr)) / n_a
    return np.concatenate([sq[..., None] / n_a, u_brgn], axis=-1)


def _compiled_bargain_utilities(
    ideal: Array,
    sal: Array,
    dist: Array,
    risk: Array,
    init_pos: Array,
    rcvr_pos: Array,
    init_of: IntArray,
    rcvr_of: IntArray,
) -> Array:
    """:func:`_bargain_utilities` from the compiled kernel."""
    from accord.models.kernels import assess  # numba: only where the work pays its import

    n_b, n_a, _ = ideal.shape
    util = np.empty((n_b, n_a, 1 + init_pos.shape[1]))
    c = np.ascontiguousarray
    assess.bargain_utilities(
        c(ideal), c(sal), c(dist), c(risk), c(init_pos), c(rcvr_pos), c(init_of), c(rcvr_of), util
    )
    return util


def _elections(s: _Settings, cap: Array, util: Array, opts: IntArray, count: IntArray) -> Array:
    """Each actor's PCE over its own options ``(N, A, W)`` (zeros beyond them), from the options
    ``opts`` ``(N, A, W)`` (global numbers into ``util`` ``(N, A, O)``, the first ``count + 1``
    of each actor), voted on by every actor with utilities ``util`` and capabilities ``cap``."""
    n_b, n_a, width = opts.shape
    # few actors: every pair of bargains at once is cheaper than gathering each actor's pairs
    every_pair = _option_votes(s.voting, cap, util) if n_a < _PAIR_VOTES_FROM else None
    # one PCE per actor over its own options, grouped by their number so that no instance is
    # padded: an instance's arithmetic then never depends on the rest of the batch
    flat_opts = opts.reshape(n_b * n_a, width)
    flat_width = count.reshape(-1) + 1
    owner = np.repeat(np.arange(n_b), n_a)
    p = np.zeros((n_b * n_a, width))
    groups = []
    for w in np.unique(flat_width):
        sel = np.flatnonzero(flat_width == w)
        if w == 1:
            p[sel, 0] = 1.0
            continue
        # votes over the pairs of this actor's options only (not every pair of bargains):
        # C[x, y] = plus of (x, y), C[y, x] = minus of (x, y), for x after y (coalition_matrix)
        groups.append((int(w), sel, flat_opts[sel, :w], *np.tril_indices(w, -1)))
    if every_pair is None and groups:  # every group's pairs in one call: each pair's sums are its own
        plus_all, minus_all = _pair_votes(
            s.voting,
            cap,
            util,
            np.concatenate([np.repeat(owner[sel], after.size) for _, sel, _, after, _ in groups]),
            np.concatenate([o[:, after].ravel() for _, _, o, after, _ in groups]),
            np.concatenate([o[:, before].ravel() for _, _, o, _, before in groups]),
        )
        ends = np.cumsum([sel.size * after.size for _, sel, _, after, _ in groups])
    for g, (w, sel, o, after, before) in enumerate(groups):
        if every_pair is None:
            start = int(ends[g - 1]) if g else 0
            plus, minus = plus_all[start : ends[g]], minus_all[start : ends[g]]
        else:
            at = (owner[sel][:, None], o[:, after], o[:, before])
            plus, minus = every_pair[0][at], every_pair[1][at]
        c = np.full((sel.size, w, w), MIN_COALITION)
        c[:, after, before] = MIN_COALITION + plus.reshape(sel.size, -1)
        c[:, before, after] = MIN_COALITION + minus.reshape(sel.size, -1)
        p[sel, :w] = pce(s.pce, s.victory, c, np.ones((sel.size, w), dtype=bool))
    return p.reshape(n_b, n_a, width)


def batch_loads_kernels(n_b: int, n_a: int) -> bool:
    """Whether a run of ``n_b`` cases of ``n_a`` actors has work enough to load the compiled
    kernels on its own: small cases from :data:`_SMALL_COMPILED_FROM` (their assessment, elections
    and turns), larger ones from :data:`_COMPILED_FROM` (their challenges)."""
    return n_b * n_a**3 >= (_SMALL_COMPILED_FROM if n_a < _PAIR_VOTES_FROM else _COMPILED_FROM)


def _small_compiled(s: _Settings, n_b: int, n_a: int, n_i: int) -> bool:
    """Whether a run of ``n_b`` cases assesses its states, holds its elections and scores its
    challenges in the compiled kernels: cases with fewer than :data:`_PAIR_VOTES_FROM` actors
    (the kernels follow that branch of the NumPy code), at most 128 issues (one leaf of
    NumPy's pairwise sum), a PCE the kernels have, and a batch whose work pays numba's import
    (about 1 CPU s once per process; one issue of Gaza, 1,000 draws: 1.4 CPU s in NumPy, 0.4
    compiled), or a process that has paid it (the kernels are about 3 times as fast from one
    case up, measured)."""
    return (
        n_a < _PAIR_VOTES_FROM
        and n_i <= 128
        and s.pce != "MarkovIncentive"
        and (batch_loads_kernels(n_b, n_a) or kernels.loaded("assess"))
    )


def _compiled_assess(
    s: _Settings, pos: Array, ideal: Array, sal: Array, cap: Array
) -> tuple[Array, Array, Array, Array] | None:
    """``run``'s assessment (distances, risk attitudes, winning probabilities per actor and per
    option) from the compiled kernel, or None where a PCE needs NumPy's logarithms."""
    from accord.models.kernels import assess  # numba: only where the work pays its import

    n_b, n_a, _ = pos.shape
    dist, risk = np.empty((n_b, n_a, n_a)), np.empty((n_b, n_a))
    win, option = np.empty((n_b, n_a)), np.empty((n_b, n_a))
    ok = assess.assess(
        VOTING_RULES.index(s.voting),
        PCE_MODELS.index(s.pce),
        VICTORY_MODELS.index(s.victory),
        BIG_R_RANGE.index(s.range),
        np.ascontiguousarray(ideal),
        np.ascontiguousarray(pos),
        np.ascontiguousarray(sal),
        np.ascontiguousarray(cap),
        dist,
        risk,
        win,
        option,
    )
    return (dist, risk, win, option) if ok else None


def _bargain_elections(
    s: _Settings, cap: Array, util: Array, opts: IntArray, count: IntArray
) -> Array | None:
    """:func:`_elections` from the compiled kernel, or None where a PCE needs NumPy's logarithms."""
    from accord.models.kernels import assess  # numba: only where the work pays its import

    p = np.empty(opts.shape)
    ok = assess.bargain_elections(
        VOTING_RULES.index(s.voting),
        PCE_MODELS.index(s.pce),
        VICTORY_MODELS.index(s.victory),
        np.ascontiguousarray(cap),
        np.ascontiguousarray(util),
        np.ascontiguousarray(opts),
        np.ascontiguousarray(count),
        p,
    )
    return p if ok else None


def _option_votes(rule: str, cap: Array, util: Array) -> tuple[Array, Array]:
    """Summed positive and negative votes over every pair of options, ``(N, O, O)`` each.

    ``plus[o1, o2]`` sums the votes for o1 over o2, ``minus[o1, o2]`` those against (as
    magnitudes), over voters in order. For every rule but ASymProsp a vote against o1 over
    o2 is exactly a vote for o2 over o1, so ``minus`` is ``plus`` transposed.
    """
    n_b, n_a, n_o = util.shape
    if n_b * n_a * n_o * n_o >= _COMPILED_FROM:  # one pass instead of five; the same bits
        from accord.models.kernels import elections

        return elections.option_votes(VOTING_RULES.index(rule), cap, util)
    plus = np.empty((n_b, n_o, n_o))
    minus = np.empty((n_b, n_o, n_o))
    step = max(1, _CHUNK // max(1, n_b * n_o * n_a))
    w = cap[:, :, None, None]
    for lo in range(0, n_o, step):
        sl = slice(lo, lo + step)
        du = util[:, :, sl, None] - util[:, :, None, :]
        v = du * w if rule == "Proportional" else vote(rule, w, du)
        plus[:, sl] = np.maximum(v, 0.0).sum(axis=1)
        if rule == "ASymProsp":
            minus[:, sl] = -np.minimum(v, 0.0).sum(axis=1)
    if rule != "ASymProsp":
        minus = np.swapaxes(plus, -1, -2).copy()
    return plus, minus


def _pair_votes(
    rule: str, cap: Array, util: Array, b: IntArray, first: IntArray, second: IntArray
) -> tuple[Array, Array]:
    """Summed positive and negative votes for option ``first`` over ``second`` of the pairs
    (b, first, second), ``(P,)`` each: the entries (first, second) of :func:`_option_votes`'
    ``plus`` and ``minus``, summed over the voters in the same order (a voter-major block
    reduced over its leading axis), so bit-identical to them. cap ``(N, A)``, util ``(N, A, O)``.
    """
    n_b, n_a, n_o = util.shape
    if n_b * n_a**3 >= _COMPILED_FROM:  # cases whose challenges and risk election run compiled
        from accord.models.kernels import elections

        return elections.pair_votes(VOTING_RULES.index(rule), cap, util, b, first, second)
    plus, minus = np.empty(b.size), np.empty(b.size)
    flat = util.ravel()
    voter = np.arange(n_a)[:, None]
    step = max(2, _CHUNK // max(1, n_a))
    for lo in range(0, b.size, step):
        hi = min(lo + step, b.size)
        idx = np.arange(lo, max(hi, lo + 2)) % b.size  # two columns at least: one would sum pairwise
        base = b[idx] * (n_a * n_o)
        du = flat.take(base + first[idx] + voter * n_o) - flat.take(base + second[idx] + voter * n_o)
        w = cap[0][:, None] if n_b == 1 else cap.ravel().take(b[idx] * n_a + voter)
        v = du * w if rule == "Proportional" else vote(rule, w, du)
        plus[lo:hi] = np.maximum(v, 0.0).sum(axis=0)[: hi - lo]
        minus[lo:hi] = -np.minimum(v, 0.0).sum(axis=0)[: hi - lo]
    return plus, minus


# --------------------------------------------------------------------------------------
# the run


def _accommodation(problem: Problem) -> Array | None:
    """The ideal-adjustment matrix A[i, j] from a KTAB XML scenario, or None for identity."""
    pairs = (problem.meta.get("ktab") or {}).get("ideal_adjustment")
    if not pairs:
        return None
    index = {a: k for k, a in enumerate(problem.actor_ids)}
    a = np.zeros((problem.n_actors, problem.n_actors))
    for pair in pairs:
        for who in (pair["adjusting"], pair["reference"]):
            if who not in index:
                raise InputError(f"meta.ktab.ideal_adjustment names unknown actor {who!r}")
        a[index[pair["adjusting"]], index[pair["reference"]]] = float(pair["adjust"])
    return None if np.array_equal(a, np.eye(problem.n_actors)) else a


def _inputs(problem: Problem) -> tuple[Array, Array, Array]:
    """Positions, saliences and capabilities ``(N, A, I)``, ``(N, A, I)``, ``(N, A)``.

    An actor that sits out an issue gets salience 0 there and, as its position, the
    capability-and-salience weighted mean of the others' (it needs one: others measure their
    distance to it). An actor whose saliences add up to more than 1 has them scaled down to
    add up to 1 (KTAB rejects such input).
    """
    n_a, n_i = problem.n_actors, problem.n_issues
    # C order whatever the caller's layout (a batch cut from a larger one by fancy indexing can
    # be batch-major in memory): every sum over actors then runs as for the case alone
    position = np.ascontiguousarray(problem.position, dtype=float)
    salience = np.ascontiguousarray(problem.salience, dtype=float)
    pos = position.reshape(-1, n_a, n_i)
    sal = np.where(problem.mask, salience, 0.0).reshape(-1, n_a, n_i)
    cap = np.broadcast_to(problem.capability, problem.batch_shape + (n_a,)).reshape(-1, n_a).astype(float)
    mask = problem.mask[None]
    if not problem.mask.all():
        w = np.where(mask, cap[:, :, None] * sal, 0.0)
        w = np.where(w.sum(axis=1, keepdims=True) > 0, w, mask * 1.0)
        fill = (np.where(mask, pos, 0.0) * w).sum(axis=1, keepdims=True) / np.maximum(
            w.sum(axis=1, keepdims=True), 1e-300
        )
        pos = np.where(mask, pos, np.where(np.isfinite(fill), fill, 0.5))
    total = sal.sum(axis=-1, keepdims=True)
    sal = np.where(total > 1.0, sal / np.where(total > 0, total, 1.0), sal)
    return (
        np.array(pos, dtype=float, order="C"),
        np.array(sal, dtype=float, order="C"),
        np.array(cap, dtype=float, order="C"),
    )


def run(
    problem: Problem,
    *,
    rng: np.random.Generator,
    victory_model: str,
    pce_model: str,
    transitions: str,
    voting_rule: str,
    big_r_adjust: str,
    big_r_range: str,
    third_party_commit: str,
    interpolation: str,
    bargain_model: str,
    min_turns: int,
    max_turns: int,
    min_delta_ratio: float,
) -> ModelResult:
    """Run KTAB's SMP to its stopping rule on every batch element.

    Outcome per issue: the expected position under the final state's winning probabilities
    of the distinct positions (``pDist``). Trajectory ``positions`` ``(*B, T, A, I)`` (turn 0 is
    the input; elements that stop early repeat their last state) and ``win_probability``
    (per actor, the same on every issue). Details: ``turns`` per element and, per turn,
    each actor's target, its estimate of winning, the bargain's coordinates and which
    bargain each actor adopted.
    """
    s = _Settings(
        victory_model=victory_model,
        pce_model=pce_model,
        transitions=transitions,
        voting_rule=voting_rule,
        big_r_adjust=big_r_adjust,
        big_r_range=big_r_range,
        third_party_commit=third_party_commit,
        interpolation=interpolation,
        bargain_model=bargain_model,
    )
    stochastic = transitions == "Stochastic"
    key = int(rng.integers(0, 2**63)) if stochastic else 0
    pos, sal, cap = _inputs(problem)
    n_b, n_a, n_i = pos.shape
    accommodation = _accommodation(problem)
    ideal = pos.copy()

    compiled = _small_compiled(s, n_b, n_a, n_i)
    whole = compiled and accommodation is None  # the whole turn in one kernel call

    def assess(idx: IntArray, p: Array, i: Array) -> tuple[Array, Array, Array, Array]:
        if compiled:
            state = _compiled_assess(s, p, i, sal[idx], cap[idx])
            if state is not None:
                return state
        d = distance(i, p, sal[idx])
        r = _risk(s, d, cap[idx])
        win, opt = _win_probability(s, d, r, cap[idx], p)
        return d, r, win, opt

    everyone = np.arange(n_b)
    dist_a, risk_a, win_0, opt_all = assess(everyone, pos, ideal)
    log = _Log(pos, win_0, risk_a)
    turns = np.zeros(n_b, dtype=np.intp)
    first_move = np.zeros(n_b)
    active = everyone
    t = 0
    fused = whole and not stochastic  # the turns in compiled calls, the loop's steps included
    while active.size:
        if fused:
            t, active, dist_a, risk_a = _compiled_run(
                s, t, active, pos, sal, cap, dist_a, risk_a, opt_all, first_move, turns, log,
                (min_turns, max_turns, min_delta_ratio),
            )  # fmt: skip
            if not active.size:
                break
            ideal[active] = pos[active]  # a turn the kernel could not run follows: ideals = positions
        t += 1
        draws = uniform_draws(key, active[:, None], t, np.arange(n_a)[None, :]) if stochastic else None
        state = _compiled_turn(s, active, pos, ideal, sal, cap, dist_a, risk_a, draws) if whole else None
        if state is None:
            new_pos, new_ideal, rec = _turn(
                s,
                pos[active],
                ideal[active],
                sal[active],
                cap[active],
                accommodation,
                dist_a,
                risk_a,
                draws,
                compiled,
            )
            # smpStopFn: movement this turn against the first turn's (sum of Euclidean moves)
            moved = np.linalg.norm(new_pos - pos[active], axis=-1).sum(axis=-1)
        else:
            new_pos, rec, moved, assessed = state
            new_ideal = new_pos
        if t == 1:
            first_move[active] = moved
        ratio = moved / (first_move[active] + MIN_SIG_DELTA)
        stop = (t >= max_turns) | ((t >= min_turns) & (ratio < min_delta_ratio))
        pos[active], ideal[active] = new_pos, new_ideal
        turns[active] = t
        dist_n, risk_n, win_n, opt_n = assess(active, new_pos, new_ideal) if state is None else assessed
        opt_all[active] = opt_n
        log.add(active, new_pos, win_n, risk_n, rec)
        keep = ~stop
        active, dist_a, risk_a = active[keep], dist_n[keep], risk_n[keep]
    return _result(problem, pos, log, turns, opt_all)


class _Log:
    """The run's states and records per turn, as each turn left them: only its active cases
    (those that have stopped repeat their last state), expanded to every case on demand."""

    def __init__(self, pos: Array, win: Array, risk: Array) -> None:
        self.start = (pos.copy(), win, risk)  # the caller's pos changes turn by turn
        self.turns: list[tuple[IntArray, Array, Array, Array, dict[str, NDArray[Any]]]] = []

    def add(
        self, active: IntArray, pos: Array, win: Array, risk: Array, record: dict[str, NDArray[Any]]
    ) -> None:
        self.turns.append((active, pos, win, risk, record))

    def expand(self) -> tuple[Array, Array, Array, dict[str, NDArray[Any]]]:
        """Positions ``(N, T, A, I)``, winning probabilities and risk attitudes ``(N, T, A)``
        (turn 0 the input) and the records ``(N, T - 1, ...)`` (-1 or NaN where a case had
        stopped)."""
        pos, win, risk = self.start
        n_b, n_t = pos.shape[0], len(self.turns) + 1
        states = [np.empty((n_b, n_t) + x.shape[1:], dtype=x.dtype) for x in (pos, win, risk)]
        for x, first in zip(states, self.start, strict=True):
            x[:, 0] = first
        records: dict[str, NDArray[Any]] = {}
        for t, (active, *now, rec) in enumerate(self.turns, start=1):
            for x, v in zip(states, now, strict=True):
                x[:, t] = x[:, t - 1]
                x[active, t] = v
            for name, v in rec.items():
                if name not in records:
                    blank = -1 if v.dtype.kind == "i" else np.nan
                    records[name] = np.full((n_b, n_t - 1) + v.shape[1:], blank, dtype=v.dtype)
                records[name][active, t - 1] = v
        return states[0], states[1], states[2], records


class _BatchResult(ModelResult):
    """A batch run's result: the outcome at once, the trajectory and details assembled from the
    run's log on first access (Monte Carlo and sensitivity runs read only the outcome)."""

    def __init__(self, outcome: Array, build: Callable[[], tuple[dict[str, Array], dict[str, Any]]]) -> None:
        self.outcome = outcome
        self.fields = FIELDS
        self._build: Callable[[], tuple[dict[str, Array], dict[str, Any]]] | None = build
        self._parts: tuple[dict[str, Array], dict[str, Any]] | None = None

    def _made(self) -> tuple[dict[str, Array], dict[str, Any]]:
        if self._parts is None:
            assert self._build is not None
            self._parts, self._build = self._build(), None
        return self._parts

    @property
    def trajectory(self) -> dict[str, Array]:
        return self._made()[0]

    @trajectory.setter
    def trajectory(self, value: dict[str, Array]) -> None:
        self._parts = (value, self._made()[1])

    @property
    def details(self) -> dict[str, Any]:
        return self._made()[1]

    @details.setter
    def details(self, value: dict[str, Any]) -> None:
        self._parts = (self._made()[0], value)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled, copied: a plain result
        return (ModelResult, (self.outcome, self.trajectory, self.details, self.fields))


def _result(
    problem: Problem, final: Array, log: _Log, turns: IntArray, option_probability: Array
) -> ModelResult:
    batch = problem.batch_shape
    n_a, n_i = problem.n_actors, problem.n_issues
    mask = problem.mask
    # expected outcome: distinct positions weighted by their winning probabilities
    w = option_probability[:, :, None] * mask[None]
    outcome = (w * np.where(mask, final, 0.0)).sum(axis=1) / np.where(w.sum(axis=1) > 0, w.sum(axis=1), 1.0)
    outcome = outcome.reshape(batch + (n_i,))

    def build() -> tuple[dict[str, Array], dict[str, Any]]:
        positions, win, risk, records = log.expand()
        n_t = positions.shape[1]
        trajectory = {
            "positions": np.where(mask, positions, np.nan).reshape(batch + (n_t, n_a, n_i)),
            "win_probability": np.broadcast_to(win[..., None], win.shape + (n_i,)).reshape(
                batch + (n_t, n_a, n_i)
            ),
        }
        details: dict[str, Any]
        if batch:
            details = {"turns": turns.reshape(batch)}
            for name in (
                "target",
                "probability",
                "chosen_initiator",
                "bargain_initiator",
                "bargain_receiver",
            ):
                details[name] = records[name].reshape(batch + records[name].shape[1:])
            details["risk_attitude"] = risk.reshape(batch + (n_t, n_a))
        else:
            states = _history(problem, records, win, risk)
            details = {"turns": int(turns[0]), "history": {str(e.pop("turn")): e for e in states}}
        return trajectory, details

    if batch:
        return _BatchResult(outcome, build)
    trajectory, details = build()
    return ModelResult(outcome=outcome, trajectory=trajectory, details=details, fields=FIELDS)


def _history(
    problem: Problem, records: dict[str, NDArray[Any]], win: Array, risk: Array
) -> list[dict[str, Any]]:
    """Per turn, in the issues' own units: winning probabilities, risk attitudes, bargains."""
    ids = problem.actor_ids
    issues = problem.issue_ids

    def points(x: Array) -> list[dict[str, float]]:  # all rows converted at once: less Python per turn
        rows = problem.to_scale(x).tolist()
        return [{iss: round(v, 6) for iss, v in zip(issues, row, strict=True)} for row in rows]

    out: list[dict[str, Any]] = []
    n_t = win.shape[1]
    for t in range(n_t):
        entry: dict[str, Any] = {
            "turn": t,
            "win_probability": dict(zip(ids, win[0, t].tolist(), strict=True)),
            "risk_attitude": dict(zip(ids, risk[0, t].tolist(), strict=True)),
        }
        if t < n_t - 1:
            bargains = []
            targets = records["target"][0, t].tolist()
            chosen = records["chosen_initiator"][0, t].tolist()
            probability = records["probability"][0, t].tolist()
            has = [k for k in range(len(ids)) if targets[k] >= 0]
            inits = points(records["bargain_initiator"][0, t, has])
            rcvrs = points(records["bargain_receiver"][0, t, has])
            for k, init, rcvr in zip(has, inits, rcvrs, strict=True):
                j = targets[k]
                # only the bargain's two parties can adopt it
                adopted_by = [ids[n] for n in sorted((k, j)) if chosen[n] == k]
                bargains.append(
                    {
                        "initiator": ids[k],
                        "receiver": ids[j],
                        "probability": probability[k],
                        "initiator_position": init,
                        "receiver_position": rcvr,
                        "adopted_by": adopted_by,
                    }
                )
            entry["bargains"] = bargains
        out.append(entry)
    return out


def _applies(problem: Problem) -> str | None:
    if problem.n_actors < 2:
        return "the SMP needs at least two actors"
    return None


def _choice(name: str, default: str, choices: tuple[str, ...], doc: str) -> Param:
    return Param(name, default, doc, type=str, choices=choices)


SPEC = ModelSpec(
    name="smp",
    summary="KTAB's Spatial Model of Politics: challenges, bargains and coalitions, turn by turn",
    citation=(
        "Wise, Lester & Efird, KAPSARC Toolkit for Behavioral Analysis (KTAB), Spatial Model of "
        "Politics (2015-2017, MIT licence); Efird, Lester & Wise (2016), J. East Asian Studies 16"
    ),
    fn=run,
    params=(
        _choice("victory_model", "Linear", VICTORY_MODELS, "victory probability from coalition strengths"),
        _choice("pce_model", "Conditional", PCE_MODELS, "probabilistic Condorcet election"),
        _choice("transitions", "Deterministic", TRANSITIONS, "adopt the most likely bargain, or draw one"),
        _choice("voting_rule", "Proportional", VOTING_RULES, "how utility differences become votes"),
        _choice(
            "big_r_adjust", "OneThird", BIG_R_ADJUST, "how far an actor's estimate of others' risk is its own"
        ),
        _choice("big_r_range", "Mid", BIG_R_RANGE, "range of risk attitudes inferred from probabilities"),
        _choice(
            "third_party_commit", "SemiCommit", THIRD_PARTY, "third parties' commitment in little contests"
        ),
        _choice("interpolation", "S2P2", INTERPOLATION, "bargain: salience and probability powers"),
        _choice("bargain_model", "InitOnlyInterp", BARGAIN_MODELS, "whose estimates form the bargains"),
        Param("min_turns", 2, "turns before the stopping rule may stop", type=int, low=1, high=MAX_TURNS),
        Param("max_turns", 100, "turns at most", type=int, low=1, high=MAX_TURNS),
        Param(
            "min_delta_ratio",
            0.02,
            "stop when a turn moves less than this share of the first",
            low=0.0,
            high=1.0,
        ),
    ),
    stochastic=True,
    applies=_applies,
)
