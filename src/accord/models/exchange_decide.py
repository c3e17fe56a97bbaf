"""Decide's rules for the exchange model: ``exchange`` with ``variant=decide``.

Decide (``decide-exchange-model``, snapshot 51dee66, the implementation Stokman works with)
departs from accord's reading of Stokman & Van Oosten (1994) in the bookkeeping of a round.
``../shared/notes/exchange_negmas_gambit.md`` (part A, steps 2, 5 and 6) lists the rules; this
module carries them out, candidate by candidate as Decide does, on accord's candidates
(:class:`accord.models.exchange._Round`):

1. **Side**: ``x <= O`` is left of the outcome (the ``side`` parameter follows the variant).
2. **Stale outcome**: a candidate checks truncation against the outcome it sees: preference
   positions, its supplier at its current vote, and the votes of the actors that have exchanged
   with its demander on that issue this round (Decide's per-exchange ``updates``: an actor's
   first such vote stays unless a later one lies behind it). Other exchanges' moves are unseen.
3. **Truncation** only when that outcome would cross the demander's position; an outcome at or
   past it is not truncated, and the exchange moves it on.
4. **Move history per candidate**: when the supplier's own vote moved, the candidate keeps its
   previously computed move; a move is valid when it is at most 100 points and above 1e-10,
   keeps the vote on 0..100, sums with the history to at most 100, and has the history's sign.
5. **Recomputation** only of candidates that share an actor and its supply or demand issue with
   the exchange carried out; the others keep their gains.
6. **Order and ties**: the candidates form a list, sorted (stably) by gain before each choice;
   when the first two tie a coin picks one and the other is appended to the list's end (so when
   the first wins, the second is in the list twice and is recomputed once per copy). Before the
   first exchange, invalid candidates stay in the list and take part in ties.
7. Only the gain before truncation must exceed 1e-10.

Equal gain only (``p = 0``): Decide's randomised gains are another rule (``p > 0`` is refused).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.models.exchange import (
    MOVE_EPS,
    SCALE,
    SNAP,
    Executed,
    _externalities,
    _Round,
    _round_record,
    expected_outcome,
    next_preferences,
)

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

GAIN_DECIMALS = 12  # gains equal to 12 decimals are equal, as Decide's Decimal gains are exactly


class _Candidates:
    """Per-candidate state of one run's round: the last computed moves and their history.

    Side 0 is the supplier of p (``a``), side 1 the supplier of q (``b``); ``history_*`` hold the
    sum, minimum and maximum of the earlier moves Decide keeps (empty: 0, +inf, -inf).
    """

    def __init__(self, n: int) -> None:
        self.last = np.zeros((2, n))
        self.history_sum = np.zeros((2, n))
        self.history_min = np.full((2, n), np.inf)
        self.history_max = np.full((2, n), -np.inf)
        self.gain = np.zeros(n)
        self.dOp = np.zeros(n)
        self.valid = np.zeros(n, dtype=bool)

    def keep_last(self, side: int, idx: IntArray) -> None:
        """The last move joins the history (Decide's supply match: the popped move is the partner's)."""
        last = self.last[side, idx]
        self.history_sum[side, idx] += last
        self.history_min[side, idx] = np.minimum(self.history_min[side, idx], last)
        self.history_max[side, idx] = np.maximum(self.history_max[side, idx], last)

    def moves_ok(self, side: int, idx: IntArray, move: Array, vote: Array) -> NDArray[np.bool_]:
        """Decide's ``is_move_valid`` on ``move`` after the history (tolerance SNAP for float sums)."""
        size = np.abs(move)
        ok: NDArray[np.bool_] = (
            (size <= SCALE)
            & (size > MOVE_EPS)
            & (np.abs(vote + move - SCALE / 2) <= SCALE / 2 + SNAP)
            & (self.history_sum[side].take(idx) + move <= SCALE + SNAP)
            & np.where(move < 0, self.history_max[side].take(idx) < 0, self.history_min[side].take(idx) > 0)
        )
        return ok


class _Views:
    """The outcomes the candidates see: preference positions plus each demander's record of votes."""

    def __init__(self, x: Array, w: Array, mask: NDArray[np.bool_]) -> None:
        n_a, n_i = x.shape
        self.x = np.where(mask, x, 0.0)
        self.w = w
        self.W = w.sum(axis=0)
        self.base = (w * self.x).sum(axis=0)  # sum_k w x per issue, at the preference positions
        self.record = np.full((n_a, n_i, n_a), np.nan)  # [demander, issue, supplier]: vote on record
        self.shift = np.zeros((n_a, n_i))  # sum over the record of w (vote - x)

    def others(self, demander: IntArray, issue: IntArray, supplier: IntArray) -> Array:
        """``sum_k w_k pos_k`` over the actors other than the supplier, as the candidate sees them."""
        on_record = self.record[demander, issue, supplier]
        w_s = self.w[supplier, issue]
        own = np.where(np.isnan(on_record), 0.0, w_s * (on_record - self.x[supplier, issue]))
        return self.base[issue] + self.shift[demander, issue] - own - w_s * self.x[supplier, issue]

    def note(self, demander: int, issue: int, supplier: int, vote: float) -> None:
        """Decide's ``update_updates``: the first vote stays unless the new one lies behind it."""
        old = self.record[demander, issue, supplier]
        start = self.x[supplier, issue]
        if np.isnan(old):
            new, before = vote, start
        else:
            new = min(old, vote) if start <= old else max(old, vote)
            before = old
        self.record[demander, issue, supplier] = new
        self.shift[demander, issue] += self.w[supplier, issue] * (new - before)


def _evaluate(rnd: _Round, st: _Candidates, views: _Views, idx: IntArray, y: Array) -> None:
    """Decide's ``calculate`` (equal gain, then the truncation checks) for candidates ``idx``."""
    a, b, p, q = rnd.a[idx], rnd.b[idx], rnd.p[idx], rnd.q[idx]
    tp, tq = rnd.target_p[idx], rnd.target_q[idx]
    conv_a, conv_b, k = rnd.conv_a[idx], rnd.conv_b[idx], rnd.k[idx]
    ya, yb = y[a, p], y[b, q]
    dist_a, dist_b = np.abs(tp - ya), np.abs(tq - yb)
    # a moves all the way to b's position on p, unless b's move on q then passes a's position
    dOp = dist_a / conv_a
    move_b = k * dOp * conv_b
    swap = move_b > dist_b
    dOp = np.where(swap, dist_b / conv_b / k, dOp)
    move_a = np.where(swap, dOp * conv_a, dist_a)
    move_b = np.where(swap, dist_b, move_b)
    sign_a = np.where(ya > tp, -1.0, 1.0)
    sign_b = np.where(yb > tq, -1.0, 1.0)
    unit_gain = rnd.unit_gain[idx]
    gain = dOp * unit_gain
    valid = st.moves_ok(0, idx, sign_a * move_a, ya) & st.moves_ok(1, idx, sign_b * move_b, yb)
    valid &= gain >= MOVE_EPS
    # b's check on q (demander a), then a's on p (demander b), as Decide's i then j
    for side in (1, 0):
        sup, dem, d, vote, target, sign = (b, a, q, yb, tq, sign_b) if side else (a, b, p, ya, tp, sign_a)
        others = views.others(dem, d, sup)
        w_s, W_d = views.w[sup, d], views.W[d]
        gap0 = target - (others + w_s * vote) / W_d
        gap1 = target - (others + w_s * (vote + sign * (move_b if side else move_a))) / W_d
        gap0 = np.where(np.abs(gap0) <= SNAP, 0.0, gap0)  # an outcome on the demander is not crossing it
        cross = valid & (gap0 * gap1 < 0)
        if not cross.any():
            continue
        # the supplier moves only as far as puts the outcome it sees on the demander
        delta = np.abs((target * W_d - others) / w_s - vote)
        if side:
            new_dOp = delta / conv_b / k
            move_a = np.where(cross, new_dOp * conv_a, move_a)
            move_b = np.where(cross, delta, move_b)
        else:
            new_dOp = delta / conv_a
            move_a = np.where(cross, delta, move_a)
            move_b = np.where(cross, k * new_dOp * conv_b, move_b)
        dOp = np.where(cross, new_dOp, dOp)
        gain = np.where(cross, dOp * unit_gain, gain)
    last_a, last_b = sign_a * move_a, sign_b * move_b
    st.valid[idx] = valid & st.moves_ok(0, idx, last_a, ya) & st.moves_ok(1, idx, last_b, yb)
    st.last[0, idx], st.last[1, idx] = last_a, last_b
    st.gain[idx], st.dOp[idx] = gain, dOp


def _creation_order(rnd: _Round) -> IntArray:
    """Decide's list order: issue pair, then groups a-d before b-c, then the two actors in file order."""
    g_a = rnd.group[rnd.a, rnd.pair]
    g_b = rnd.group[rnd.b, rnd.pair]
    first = np.where(g_a < g_b, rnd.a, rnd.b)  # the actor in group a or b
    second = np.where(g_a < g_b, rnd.b, rnd.a)
    kind = np.minimum(g_a, g_b)
    order: IntArray = np.lexsort((second, first, kind, rnd.pair))
    return order


def decide_round(
    x: Array,
    s: Array,
    w: Array,
    mask: NDArray[np.bool_],
    rng: np.random.Generator,
    at_outcome_left: bool,
) -> tuple[Array, _Round, list[Executed], int]:
    """One round of one run under Decide's rules (positions ``(A, I)`` in points, NaN where absent).

    Returns the voting positions, the round's candidates, the exchanges carried out (indices into
    those candidates) and the number of ties the coin broke.
    """
    rnd = _Round(x, s, w, mask, at_outcome_left)
    views = _Views(x, w, mask)
    y = views.x.copy()
    outcome = expected_outcome(x, w)  # the actual outcome of the votes, for the record
    st = _Candidates(rnd.a.size)
    entries = _creation_order(rnd)
    entries = entries[rnd.alive[entries]]  # a candidate whose partners' ratios are equal gains nothing
    _evaluate(rnd, st, views, entries, y)
    done: list[Executed] = []
    ties = 0
    copies = False
    while entries.size:
        key = np.round(st.gain[entries], GAIN_DECIMALS)
        order = np.argsort(-key, kind="stable")
        entries = entries[order]
        e, entries = int(entries[0]), entries[1:]
        tied = bool(entries.size) and key[order[0]] == key[order[1]]
        if tied:
            ties += 1
            if rng.random() >= 0.5:  # the second is taken; the first goes to the list's end
                e, entries = int(entries[0]), np.append(entries[1:], e)
            else:  # the first is taken; the second stays at the head and is appended once more
                entries = np.append(entries, entries[0])
                copies = True
        if not st.valid[e]:
            continue  # an invalid candidate left in the list (before the first exchange, or a copy)
        done.append(_carry_out(rnd, st, views, e, y, outcome, tied))
        entries = _recompute(rnd, st, views, entries, e, y, copies)
    return y, rnd, done, ties


def _carry_out(
    rnd: _Round, st: _Candidates, views: _Views, e: int, y: Array, outcome: Array, tied: bool
) -> Executed:
    """Moves both partners' votes and notes them in their demanders' records."""
    a, b, p, q = int(rnd.a[e]), int(rnd.b[e]), int(rnd.p[e]), int(rnd.q[e])
    tp, tq = float(rnd.target_p[e]), float(rnd.target_q[e])
    ya0, yb0 = float(y[a, p]), float(y[b, q])
    ya, yb = ya0 + float(st.last[0, e]), yb0 + float(st.last[1, e])
    # a move all the way lands on the partner's position exactly, as in Decide's decimals
    ya = min(max(tp if abs(ya - tp) < SNAP else ya, 0.0), SCALE)
    yb = min(max(tq if abs(yb - tq) < SNAP else yb, 0.0), SCALE)
    y[a, p], y[b, q] = ya, yb
    views.note(b, p, a, ya)
    views.note(a, q, b, yb)
    op0, oq0 = float(outcome[p]), float(outcome[q])
    outcome[p] += (ya - ya0) / rnd.conv_a[e]
    outcome[q] += (yb - yb0) / rnd.conv_b[e]
    dOp = float(st.dOp[e])
    dOq = float(rnd.k[e]) * dOp
    return Executed(
        candidate=e,
        gain_p=dOq * float(rnd.s_aq[e]) - dOp * float(rnd.s_ap[e]),
        gain_q=dOp * float(rnd.s_bp[e]) - dOq * float(rnd.s_bq[e]),
        outcome_p=(op0, float(outcome[p])),
        outcome_q=(oq0, float(outcome[q])),
        from_p=ya0,
        to_p=ya,
        from_q=yb0,
        to_q=yb,
        tied=tied,
    )


def _recompute(
    rnd: _Round, st: _Candidates, views: _Views, entries: IntArray, e: int, y: Array, copies: bool
) -> IntArray:
    """Decide's ``remove_invalid_exchanges`` after exchange ``e``: the list entries that stay.

    Each entry of a valid candidate that shares an actor and its supply or demand issue with
    ``e`` is recomputed, in list order, once per copy (``copies``: the list may hold some
    candidate twice); entries of invalid candidates go.
    """
    a, b, p, q = rnd.a, rnd.b, rnd.p, rnd.q
    ea, eb, ep, eq = a[e], b[e], p[e], q[e]
    supplies_a = ((a == ea) & (p == ep)) | ((a == eb) & (p == eq))  # a's vote on p moved
    supplies_b = ((b == ea) & (q == ep)) | ((b == eb) & (q == eq))
    demands_p = ((b == eb) & (p == ep)) | ((b == ea) & (p == eq))  # b's record on p changed
    demands = demands_p | ((a == eb) & (q == ep)) | ((a == ea) & (q == eq))
    keep = np.zeros(entries.size, dtype=bool)
    # the n-th copy of a candidate in the list is its n-th recomputation
    copy = np.zeros(entries.size, dtype=np.intp)
    if copies:
        order = np.argsort(entries, kind="stable")
        sorted_entries = entries[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_entries[1:] != sorted_entries[:-1])))
        copy[order] = np.arange(entries.size) - np.repeat(starts, np.diff(np.append(starts, entries.size)))
    for n in range(int(copy.max(initial=-1)) + 1):
        at = np.flatnonzero((copy == n) & st.valid[entries])
        cand = entries[at]
        moved = supplies_a[cand] | supplies_b[cand]
        # a demand match alone recomputes the same values again: once is enough
        redo = moved | (demands[cand] & (n == 0))
        if redo.any():
            c = cand[redo]
            st.keep_last(0, c[supplies_a[c]])
            st.keep_last(1, c[supplies_b[c]])
            _evaluate(rnd, st, views, c, y)
        keep[at] = st.valid[cand]
    kept: IntArray = entries[keep]
    return kept


def run_decide(
    x0: Array,
    s: Array,
    c: Array,
    mask: NDArray[np.bool_],
    rngs: list[np.random.Generator],
    rounds: int,
    salience_weight: float,
    fixed_weight: float,
    record: bool,
    actor_ids: tuple[str, ...],
    issue_ids: tuple[str, ...],
    at_outcome_left: bool,
) -> tuple[Array, Array, Array, list[dict[str, Any]], int]:
    """R runs under Decide's rules, one after another; the same results as ``_run_many``.

    Positions ``(R, A, I)`` in points (NaN where absent); per run and round (0 = input) the
    voting and preference outcomes ``(R, T, I)`` and preference positions ``(R, T, A, I)``, the
    first run's per-round records (when ``record``) and the number of ties it broke.
    """
    n_r, n_a, n_i = x0.shape
    w = np.where(mask, c * s, 0.0)
    voting = np.empty((n_r, rounds + 1, n_i))
    preference = np.empty((n_r, rounds + 1, n_i))
    positions = np.empty((n_r, rounds + 1, n_a, n_i))
    voting[:, 0] = preference[:, 0] = expected_outcome(x0, w)
    positions[:, 0] = x0
    pull = (1.0 - s) * salience_weight + fixed_weight
    records: list[dict[str, Any]] = []
    ties = 0
    for r in range(n_r):
        x = x0[r]
        for t in range(1, rounds + 1):
            y, rnd, done, n_ties = decide_round(x, s[r], w[r], mask, rngs[r], at_outcome_left)
            y = np.where(mask, y, np.nan)
            voting[r, t] = expected_outcome(y, w[r])
            if r == 0:
                ties += n_ties
            if record and r == 0:
                ext = _externalities(rnd, done, x, s[r], mask)
                records.append(_round_record(t, rnd, done, ext, actor_ids, issue_ids))
            x = next_preferences(x, y, pull[r], mask)
            preference[r, t] = expected_outcome(x, w[r])
            positions[r, t] = x
    return voting, preference, positions, records, ties
