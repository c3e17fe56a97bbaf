"""Stokman and Van Oosten's exchange model: vote trading across pairs of issues.

Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an object-oriented
model of policy networks. In Bueno de Mesquita & Stokman (eds.), *European Community Decision
Making*, Yale UP, 105-127. Randomised equal gain: Dijkstra, J., Van Assen, M. A. L. M.,
Stokman, F. N. & Draaijer, J. (2018), as implemented in Decide (``decide-exchange-model``).

Per round, on positions x (0..100 points), saliences s and power c (per actor and issue):

1. The expected outcome of issue d is the power-and-salience weighted mean
   ``O_d = sum_i c_id s_id x_id / sum_i c_id s_id`` (Stokman & Van Oosten 1994, eq. 1).
2. For every pair of issues (p, q), actors i, j can exchange when they sit on opposite sides
   of the outcome on both (``x < O`` is left; ``side=decide``: ``x <= O``, Decide's rule). The
   actor with the lower salience ratio ``s_p / s_q`` supplies p (moves its voting position on
   p towards the partner's position) and demands q; the partner supplies q.
3. A supplier a moving by ``dx`` on p shifts the outcome by ``dO_p = |dx| c_ap s_ap / W_p``
   (``W_p = sum_k c_kp s_kp``). Gains are salience times outcome shift:
   ``EU_a = dO_q s_aq - dO_p s_ap`` and ``EU_b = dO_p s_bp - dO_q s_bq``; equal gain gives
   ``dO_q = dO_p (s_ap + s_bp) / (s_aq + s_bq)``. The exchange is as large as possible: one
   partner moves all the way to the other's position.
4. No outcome may pass the demander's position: the exchange is shrunk so that the outcome
   lands on it (and is void when the outcome is already at or beyond it). Moves must exceed
   1e-10 points and keep the direction of the actor's earlier moves on the issue this round.
5. The exchange with the highest gain is carried out, the exchanges it affects (those on
   either of its issues) are recomputed from the new voting positions and outcomes, invalid
   ones are dropped, and so on until none is left. Exact ties are broken by the seeded
   generator, uniformly among the tied exchanges.
6. End of round: the voting outcome is the weighted mean of the voting positions y. Each actor
   then moves its preference part of the way to its vote,
   ``x' = x + ((1 - s) w_s + w_f) (y - x)`` with salience weight ``w_s`` (0.4) and fixed
   weight ``w_f`` (0.1); the next round starts from x'.

Randomised equal gain (``p > 0``): the exchange chosen by equal gain is carried out at a
random rate. With z ~ U(0, 1) and a fair coin, the rate ``r = dO_q / dO_p`` moves the fraction
``p z`` from the equal-gain rate towards one partner's break-even rate; the winner's gain moves
``p z`` of the way to its maximum ``EU_max`` (the partner breaks even) and the loser's the same
fraction towards zero, as in Dijkstra et al. (2018). The exchange is then made as large as the
limits of steps 3-4 allow at that rate. ``p = 0`` is the equal-gain model.

Externalities (Stokman & Van Oosten 1994): an exchange on (p, q) gives a third actor k
``sum_{d in p, q} s_kd (|O_d - x_kd| - |O_d' - x_kd|)``; it is *inner* when k sits in one of the
two exchanging groups of that issue pair, else *outer*; the partners' own gain is *own*.

Gains and externalities are in Decide's units: salience times points of a 0..100 scale.

``variant=decide`` keeps steps 1-3 and 6 but runs steps 4-5 by Decide's bookkeeping (stale
outcome views, per-candidate move histories, its list order and coin between two tied
exchanges): :mod:`accord.models.exchange_decide`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from accord.errors import ParameterError
from accord.models import kernels
from accord.models.registry import Field, ModelResult, ModelSpec, Param
from accord.models.weighted import weighted_mean
from accord.problem import Problem

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

SCALE = 100.0  # positions in points on 0..100, the units of Decide's thresholds and gains
MOVE_EPS = 1e-10  # smallest move (points) and gain that counts, as in Decide
TIE_RTOL = 1e-12  # gains this close (relative) are a tie: Decide's exact ties, in float64
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# each variant's side rule (the ``side`` parameter's ``auto``)
VARIANT_SIDE = {"accord": "strict", "decide": "decide"}

FIELDS = {
    "voting": Field(("round", "issue"), "position", "the voting outcome per round (mean over runs)"),
    "preference": Field(("round", "issue"), "position", "the preference outcome per round (mean over runs)"),
    "positions": Field(("round", "actor", "issue"), "position", "preference positions (mean over runs)"),
    "initial_outcome": Field(("issue",), "scale", "the expected outcome before any exchange"),
    "final_mean": Field(("issue",), "scale", "mean final outcome over runs"),
    "final_sd": Field(("issue",), "spread", "standard deviation of the final outcome over runs"),
    "final_quantiles": Field(("quantile", "issue"), "scale", "quantiles of the final outcome over runs"),
    "quantile_levels": Field((), doc="the levels of final_quantiles"),
    "repetitions": Field((), doc="runs per case (count)"),
    "rounds": Field((), doc="the first run's exchanges and externalities per round (issue units)"),
    "ties": Field((), doc="ties the first run broke (count)"),
}


def expected_outcome(position: Array, weight: Array) -> Array:
    """Weighted mean over actors (axis -2) with weights ``c * s`` (0 where absent): ``(*B, I)``.

    Stokman & Van Oosten (1994), eq. 1: :func:`accord.models.weighted.weighted_mean` over the
    actors with a position (NaN marks absent actors).
    """
    return weighted_mean(position, weight, ~np.isnan(position))[0]


def _expected_outcomes(position: Array, weight_by_actor: Array) -> Array:
    """:func:`expected_outcome` of runs ``(R, A, I)``, the weights given actors first ``(A, R, I)``.

    The same sums in the same order (NumPy adds the actors one after the other in both layouts,
    the reduced axis not being last), but with the runs and issues as the long inner loop.
    """
    actors_first = np.ascontiguousarray(position.transpose(1, 0, 2))
    return weighted_mean(actors_first, weight_by_actor, ~np.isnan(actors_first), axis=0)[0]


class _Round:
    """The candidate exchanges of one round and their state, as flat arrays over candidates.

    Candidates are (a, b, p, q): actor ``a`` supplies issue ``p`` (moves towards ``b``'s
    position there) and demands ``q``; ``b`` supplies ``q``. They are built at the start of the
    round for every issue pair at once (a vectorised pass over actor pairs); after an exchange
    only the candidates on its two issues are recomputed.
    """

    def __init__(
        self, x: Array, s: Array, w: Array, mask: NDArray[np.bool_], at_outcome_left: bool = False
    ) -> None:
        n_a, n_i = x.shape
        self.W = w.sum(axis=0)
        self.outcome0 = expected_outcome(x, w)
        # left of the outcome: x < O, or x <= O (Decide's side rule); absent actors are masked out below
        left = (
            np.where(mask, x, np.inf) <= self.outcome0
            if at_outcome_left
            else np.where(mask, x, np.inf) < self.outcome0
        )
        pp, qq = np.triu_indices(n_i, k=1)
        group = left[:, pp].astype(np.int8) + 2 * left[:, qq].astype(np.int8)  # (A, pairs)
        both = mask[:, pp] & mask[:, qq]
        gi, gj = group[:, None, :], group[None, :, :]
        # groups a-d (0, 3) and b-c (1, 2) face each other; each unordered pair once (i in a or b)
        ok = (gi + gj == 3) & (gi < gj) & both[:, None, :] & both[None, :, :]
        i_idx, j_idx, pair = np.nonzero(ok)
        p, q = pp[pair], qq[pair]
        # i supplies p when p matters relatively less to i: s_ip / s_iq < s_jp / s_jq
        i_supplies_p = s[i_idx, p] * s[j_idx, q] < s[j_idx, p] * s[i_idx, q]
        a = np.where(i_supplies_p, i_idx, j_idx)
        b = np.where(i_supplies_p, j_idx, i_idx)
        s_ap, s_bp, s_aq, s_bq = s[a, p], s[b, p], s[a, q], s[b, q]
        w_ap, w_bq = w[a, p], w[b, q]
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            # points a must move on p per point of outcome shift on p (and b on q)
            conv_a = self.W[p] / w_ap
            conv_b = self.W[q] / w_bq
        # a supplier without weight cannot shift the outcome; a demand nobody cares about is no deal
        usable = np.isfinite(conv_a) & np.isfinite(conv_b) & (w_ap > 0) & (w_bq > 0) & (s_aq + s_bq > 0)
        keep = np.flatnonzero(usable)
        a, b, p, q, pair = a[keep], b[keep], p[keep], q[keep], pair[keep]
        s_ap, s_bp, s_aq, s_bq = s_ap[keep], s_bp[keep], s_aq[keep], s_bq[keep]
        self.a, self.b, self.p, self.q, self.pair = a, b, p, q, pair
        self.group = group
        self.s_ap, self.s_bp, self.s_aq, self.s_bq = s_ap, s_bp, s_aq, s_bq
        self.fa = a * n_i + p  # flat index of (a, p) into (A, I) arrays
        self.fb = b * n_i + q
        self.conv_a, self.conv_b = conv_a[keep], conv_b[keep]
        self.k = (s_ap + s_bp) / (s_aq + s_bq)  # dO_q / dO_p at equal gain
        self.unit_gain = (s_bp * s_aq - s_ap * s_bq) / (s_aq + s_bq)  # gain per point of dO_p
        # the rates dO_q / dO_p at which a, and b, break even (the range of the randomised rate);
        # a partner indifferent to what it gives has no finite break-even rate: a huge one stands in
        self.rate_a0 = s_ap / np.maximum(s_aq, 1e-12)
        self.rate_b0 = s_bp / np.maximum(s_bq, 1e-12)
        self.target_p = x[b, p]  # where a moves on p: b's (preference) position
        self.target_q = x[a, q]
        n = a.size
        self.alive = self.unit_gain > 0
        self.gain = np.full(n, -np.inf)
        self.dOp = np.zeros(n)
        self.by_issue = [np.flatnonzero((p == d) | (q == d)) for d in range(n_i)]

    def evaluate(self, y: Array, outcome: Array, direction: Array) -> None:
        """Equal-gain exchange of every live candidate given voting positions and outcomes.

        ``y`` and ``direction`` are flat ``(A * I,)`` views; ``direction`` holds the sign of the
        actor's earlier moves on the issue this round (0 before any). Computed over the whole
        arrays without gathering the live ones (the dead ones' results are dropped; each
        candidate's arithmetic is the same); the candidate arrays may have any shape.
        """
        tp, tq, conv_a, conv_b, k = self.target_p, self.target_q, self.conv_a, self.conv_b, self.k
        d_p = tp - y.take(self.fa)
        d_q = tq - y.take(self.fb)
        # room before the outcome passes the demander (0 when it is already there or beyond)
        room_p = tp - outcome.take(self.p)
        room_q = tq - outcome.take(self.q)
        room_p = np.where(room_p * d_p > 0, np.abs(room_p), 0.0)
        room_q = np.where(room_q * d_q > 0, np.abs(room_q), 0.0)
        # largest outcome shift: a supplier all the way to its partner, or the outcome to the demander
        lim_p = np.minimum(np.abs(d_p) / conv_a, room_p)
        lim_q = np.minimum(np.abs(d_q) / conv_b, room_q)
        dOp = np.minimum(lim_p, lim_q / k)
        gain = dOp * self.unit_gain
        ok = (
            (gain > MOVE_EPS)
            & (dOp * conv_a > MOVE_EPS)
            & (k * dOp * conv_b > MOVE_EPS)
            & (direction.take(self.fa) * d_p >= 0)
            & (direction.take(self.fb) * d_q >= 0)
        )
        ok &= self.alive
        self.dOp = dOp
        self.gain = np.where(ok, gain, -np.inf)
        self.alive = ok


class _Merged(_Round):
    """The candidates of R independent runs, stacked: a :class:`_Round` over all runs at once."""

    outcome0: Array
    starts: IntArray
    sizes: IntArray
    run: IntArray
    p_local: IntArray
    q_local: IntArray

    # sets every attribute a _Round has, for all runs in one pass (so no super().__init__)
    def __init__(
        self,
        x: Array,
        s: Array,
        w: Array,
        mask: NDArray[np.bool_],
        at_outcome_left: bool = False,
        outcome0: Array | None = None,
        record: bool = True,
        randomised: bool = True,
    ) -> None:
        """The candidates of R independent runs ``(R, A, I)`` as one set of flat arrays.

        The same candidates, in the same order and with the same arithmetic, as one
        :class:`_Round` per run concatenated, built in one vectorised pass over the runs.
        Indices into positions (``fa``, ``fb``) and outcomes (``p``, ``q``) index the runs'
        stacked flat state; ``run`` names each candidate's run, ``starts`` the first candidate
        of each run. ``outcome0``: the expected outcomes of ``x``, when known. Only a round
        record reads the suppliers ``a`` and ``b``, and only randomised rates the break-even
        rates: without ``record`` (``randomised``) they are not set.
        """
        n_r, n_a, n_i = x.shape
        cells = n_a * n_i
        W = w.sum(axis=1)  # (R, I)
        self.outcome0 = expected_outcome(x, w) if outcome0 is None else outcome0
        xm = np.where(mask, x, np.inf)
        left = xm <= self.outcome0[:, None, :] if at_outcome_left else xm < self.outcome0[:, None, :]
        pp, qq = np.triu_indices(n_i, k=1)
        n_pairs = pp.size
        group = left[:, :, pp].astype(np.int8) + 2 * left[:, :, qq].astype(np.int8)  # (R, A, pairs)
        # groups a-d (0, 3) and b-c (1, 2) face each other; each unordered pair once (i in a or b):
        # i's group if it is a or b, j's mirrored (3 - group) if it is c or d, and the two must meet;
        # an actor without a position on both issues of a pair faces nobody there
        both = mask[:, pp] & mask[:, qq]
        i_side = np.where(both & (group < 2), group, np.int8(-1))
        j_side = np.where(both & (group >= 2), 3 - group, np.int8(-2))
        ok = i_side[:, :, None, :] == j_side[:, None, :, :]  # (R, A, A, pairs)
        cell = np.flatnonzero(ok)  # C order: run by run, as the runs concatenated
        run, cell = np.divmod(cell, n_a * n_a * n_pairs)
        i_idx, cell = np.divmod(cell, n_a * n_pairs)
        j_idx, pair = np.divmod(cell, n_pairs)
        p, q = pp.take(pair), qq.take(pair)
        # flat cells of (run, actor, issue): i and j on p and on q
        f_ip = run * cells + i_idx * n_i + p
        f_jp = run * cells + j_idx * n_i + p
        f_iq, f_jq = f_ip + (q - p), f_jp + (q - p)
        sf, wf = s.reshape(-1), w.reshape(-1)
        s_ip, s_jp, s_iq, s_jq = sf.take(f_ip), sf.take(f_jp), sf.take(f_iq), sf.take(f_jq)
        # i supplies p when p matters relatively less to i: s_ip / s_iq < s_jp / s_jq
        i_supplies_p = s_ip * s_jq < s_jp * s_iq
        fa = np.where(i_supplies_p, f_ip, f_jp)  # (run, a, p)
        fb = np.where(i_supplies_p, f_jq, f_iq)  # (run, b, q)
        s_ap, s_bp = np.where(i_supplies_p, s_ip, s_jp), np.where(i_supplies_p, s_jp, s_ip)
        s_aq, s_bq = np.where(i_supplies_p, s_iq, s_jq), np.where(i_supplies_p, s_jq, s_iq)
        w_ap, w_bq = wf.take(fa), wf.take(fb)
        slot_p, slot_q = run * n_i + p, run * n_i + q  # (run, issue) slots of the outcomes
        Wf = W.reshape(-1)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            # points a must move on p per point of outcome shift on p (and b on q)
            conv_a = Wf.take(slot_p) / w_ap
            conv_b = Wf.take(slot_q) / w_bq
        # a supplier without weight cannot shift the outcome; a demand nobody cares about is no deal
        usable = np.isfinite(conv_a) & np.isfinite(conv_b) & (w_ap > 0) & (w_bq > 0) & (s_aq + s_bq > 0)
        keep = None if usable.all() else np.flatnonzero(usable)

        def kept(v: Any) -> Any:
            return v if keep is None else v.take(keep)

        run, p, q, pair, i_supplies_p = kept(run), kept(p), kept(q), kept(pair), kept(i_supplies_p)
        i_idx, j_idx, fa, fb = kept(i_idx), kept(j_idx), kept(fa), kept(fb)
        s_ap, s_bp, s_aq, s_bq = kept(s_ap), kept(s_bp), kept(s_aq), kept(s_bq)
        if record:
            self.a = np.where(i_supplies_p, i_idx, j_idx)
            self.b = np.where(i_supplies_p, j_idx, i_idx)
        self.pair = pair
        self.group = group
        self.s_ap, self.s_bp, self.s_aq, self.s_bq = s_ap, s_bp, s_aq, s_bq
        self.fa, self.fb = fa, fb  # flat index of (run, a, p) and (run, b, q) into (R, A, I) arrays
        self.conv_a, self.conv_b = kept(conv_a), kept(conv_b)
        self.k = (s_ap + s_bp) / (s_aq + s_bq)  # dO_q / dO_p at equal gain
        self.unit_gain = (s_bp * s_aq - s_ap * s_bq) / (s_aq + s_bq)  # gain per point of dO_p
        # the rates dO_q / dO_p at which a, and b, break even (the range of the randomised rate);
        # a partner indifferent to what it gives has no finite break-even rate: a huge one stands in
        if randomised:
            self.rate_a0 = s_ap / np.maximum(s_aq, 1e-12)
            self.rate_b0 = s_bp / np.maximum(s_bq, 1e-12)
        xf = x.reshape(-1)
        self.target_p = xf.take(fb + (p - q))  # where a moves on p: b's (preference) position
        self.target_q = xf.take(fa + (q - p))
        self.alive = self.unit_gain > 0
        self.run = run
        self.sizes = np.bincount(run, minlength=n_r)
        self.starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1]))
        self.p_local, self.q_local = p, q
        self.p = kept(slot_p)
        self.q = kept(slot_q)


class _Dense(_Round):
    """The lock-step round's candidates: a row per run, a column per candidate.

    Row ``r`` holds the candidates of run ``runs[r]`` in the run's order (``col``: each one's
    index among its run's candidates), padded with dead entries to the longest row. A step of
    the round then reduces along rows (best gain, ties) and evaluates whole rows, with no
    bookkeeping of which candidates an exchange touched: a candidate whose positions and outcomes
    did not move gets the same values again.
    """

    FIELDS = ("target_p", "target_q", "conv_a", "conv_b", "k", "unit_gain", "fa", "fb", "p", "q", "alive")
    RANDOM = ("rate_a0", "rate_b0")  # needed for randomised rates only
    PAD = {"conv_a": 1.0, "conv_b": 1.0, "k": 1.0, "gain": -np.inf}  # else 0 (dead): raises nothing
    runs: IntArray
    col: IntArray

    def __init__(self, m: _Merged, randomised: bool, record: bool) -> None:
        self.fields = self.FIELDS + self.RANDOM * randomised + ("col",) * record
        self.runs = np.flatnonzero(m.sizes)
        sizes = m.sizes.take(self.runs)
        values = {name: getattr(m, name) for name in self.fields if name != "col"}
        if record:
            values["col"] = np.arange(m.run.size) - m.starts.take(m.run)
        self._place(sizes, values)

    def _place(self, sizes: IntArray, values: dict[str, Any]) -> None:
        """Each row's ``sizes`` candidates, whose ``values`` come row after row, in new padded arrays."""
        width = int(sizes.max()) if sizes.size else 0
        cells = np.arange(width) < sizes[:, None]  # a row's candidates, then its padding
        for name, v in values.items():
            out = np.full(cells.shape, self.PAD.get(name, 0), dtype=v.dtype)
            out[cells] = v  # C order: row after row, as the candidates come
            setattr(self, name, out)

    def compact(self) -> None:
        """Keep only the live candidates, each row's moved to the left in their order; drop empty rows."""
        live = self.alive
        count = np.count_nonzero(live, axis=1)
        rows = np.flatnonzero(count)
        names = (*self.fields, "gain", "dOp")
        values = {name: getattr(self, name)[live] for name in names}
        self.runs = self.runs.take(rows)
        self._place(count.take(rows), values)


class Executed(NamedTuple):
    """One exchange carried out (positions and outcomes in points of 0..100, gains in salience x points).

    ``candidate`` indexes the run's candidates (supplier of p ``a[candidate]``, of q ``b[candidate]``).
    """

    candidate: int
    gain_p: float  # the gain of the actor that supplies p
    gain_q: float  # the gain of the actor that supplies q
    outcome_p: tuple[float, float]  # the outcome of p before and after
    outcome_q: tuple[float, float]
    from_p: float  # the p-supplier's voting position before and after
    to_p: float
    from_q: float
    to_q: float
    tied: bool  # chosen among tied best candidates by the seeded draw


class _Run0(NamedTuple):
    """Run 0's candidates (supplier, partner, issues, issue pair) and groups, as a round record needs."""

    a: IntArray
    b: IntArray
    p: IntArray
    q: IntArray
    pair: IntArray
    group: NDArray[np.int8]


def _externalities(
    rnd: _Round | _Run0,
    done: list[Executed],
    x: Array,
    s: Array,
    mask: NDArray[np.bool_],
    compiled: bool = False,
) -> Array:
    """Per actor: own gain, inner positive/negative, outer positive/negative ``(A, 5)``.

    Vectorised over the round's executed exchanges; ``compiled``: the four externality sums by
    the fused kernel (same sums in the same order), for rounds that loaded it anyway.
    """
    n_a = x.shape[0]
    out = np.zeros((n_a, 5))
    if not done:
        return out
    e = np.array([d.candidate for d in done], dtype=np.intp)
    op = np.array([d.outcome_p for d in done])  # (E, 2): before, after
    oq = np.array([d.outcome_q for d in done])
    a, b, p, q = rnd.a[e], rnd.b[e], rnd.p[e], rnd.q[e]
    xz = np.where(mask, x, 0.0)
    np.add.at(out[:, 0], a, np.array([d.gain_p for d in done]))
    np.add.at(out[:, 0], b, np.array([d.gain_q for d in done]))
    if compiled:
        from accord.models.kernels.exchange import externalities

        externalities(a, b, p, q, rnd.pair[e], op, oq, xz, s, rnd.group, mask, out)
        return out
    # (E, A): what each actor gains from the outcome shifts on the two issues
    value = s[:, p].T * (np.abs(op[:, [0]] - xz[:, p].T) - np.abs(op[:, [1]] - xz[:, p].T)) + s[:, q].T * (
        np.abs(oq[:, [0]] - xz[:, q].T) - np.abs(oq[:, [1]] - xz[:, q].T)
    )
    g = rnd.group[:, rnd.pair[e]].T  # (E, A)
    g_a = g[np.arange(e.size), a][:, None]
    inner = ((g == g_a) | (g == 3 - g_a)) & mask[:, p].T & mask[:, q].T
    rows = np.arange(e.size)
    other = np.ones_like(inner)
    other[rows, a] = False
    other[rows, b] = False
    pos, neg = other & (value > 0), other & (value < 0)
    out[:, 1] = np.where(inner & pos, value, 0.0).sum(axis=0)
    out[:, 2] = np.where(inner & neg, value, 0.0).sum(axis=0)
    out[:, 3] = np.where(~inner & pos, value, 0.0).sum(axis=0)
    out[:, 4] = np.where(~inner & neg, value, 0.0).sum(axis=0)
    return out


COMPACT_MIN = 4096  # cells of the lock-step grid from which dead candidates are dropped as they die
SNAP = 1e-9  # a move this close (points) to the partner's position lands on it exactly


def _run_many(
    x0: Array,
    s: Array,
    c: Array,
    mask: NDArray[np.bool_],
    rngs: Sequence[np.random.Generator],
    rounds: int,
    p: float,
    salience_weight: float,
    fixed_weight: float,
    record: bool,
    actor_ids: tuple[str, ...],
    issue_ids: tuple[str, ...],
    at_outcome_left: bool = False,
) -> tuple[Array, Array, Array, list[dict[str, Any]], int]:
    """R independent runs in lock step (positions ``(R, A, I)`` in points, NaN where absent).

    Each step carries out one exchange in every run that has one left, with that run's own
    generator: a run's result does not depend on the others (a round with many candidates per
    run goes through the compiled kernel instead, run after run, with the same results:
    :func:`_kinetic`). Returns per run and round (0 = input) voting outcomes ``(R, T, I)``,
    preference outcomes ``(R, T, I)``, preference positions ``(R, T, A, I)``, the first run's
    per-round records (when ``record``) and the number of ties the first run broke.
    """
    n_r, n_a, n_i = x0.shape
    cells = n_a * n_i
    s = np.ascontiguousarray(s)
    w = np.where(mask, c * s, 0.0)
    x = x0.copy()
    voting = np.empty((n_r, rounds + 1, n_i))
    preference = np.empty((n_r, rounds + 1, n_i))
    positions = np.empty((n_r, rounds + 1, n_a, n_i))
    w_by_actor = np.ascontiguousarray(w.transpose(1, 0, 2))
    expected = _expected_outcomes(x, w_by_actor)  # of the preferences: the next round's starting outcomes
    voting[:, 0] = preference[:, 0] = expected
    positions[:, 0] = x
    records: list[dict[str, Any]] = []
    ties = 0
    pull = (1.0 - s) * salience_weight + fixed_weight  # weight of the vote in the new preference
    # without a round record, and once numba is loaded, the candidates are built compiled too
    table = not record and mask.ndim == 2 and _kinetic_loaded()
    mask = np.ascontiguousarray(mask)
    big_w = w.sum(axis=1) if table else None  # (R, I): the outcomes' weights, as _Merged sums them
    for t in range(1, rounds + 1):
        y = np.where(mask, x, 0.0).ravel()  # voting positions of all runs, flat (R * A * I,)
        direction = np.zeros(n_r * cells)
        if table:
            from accord.models.kernels import exchange as kx

            ci, cf, alive, sizes, conv_max = kx.candidates(
                np.ascontiguousarray(x), s, w, big_w, mask, expected, at_outcome_left, p > 0.0
            )
            if _kinetic_size(ci.shape[0], n_r) and conv_max <= CONV_MAX:  # else as _kinetic decides
                outcome = expected.ravel()  # (R * I,)
                _, n_ties = _kinetic_runs(ci, cf, alive, sizes, y, outcome, direction, rngs, p, False)
                ties += n_ties
                x, expected = _end_round(t, x, y, mask, w_by_actor, pull, voting, preference, positions)
                continue
        m = _Merged(x, s, w, mask, at_outcome_left, outcome0=expected, record=record, randomised=p > 0.0)
        outcome = m.outcome0.ravel()  # (R * I,)
        kinetic = _kinetic(m, n_r)
        if kinetic:
            done, n_ties = _round_kinetic(m, y, outcome, direction, rngs, p, record)
        else:
            done, n_ties = _round_lock_step(m, y, outcome, direction, rngs, p, record)
        ties += n_ties
        if record:
            run0: _Round | _Run0
            if kinetic:  # the kinetic round keeps every candidate: run 0's are the first, in order
                n0 = int(m.sizes[0])
                run0 = _Run0(m.a[:n0], m.b[:n0], m.p_local[:n0], m.q_local[:n0], m.pair[:n0], m.group[0])
            else:
                run0 = _Round(x[0], s[0], w[0], mask, at_outcome_left)  # run 0's candidates, own indices
            ext = _externalities(run0, done, x[0], s[0], mask, compiled=kinetic)
            records.append(_round_record(t, run0, done, ext, actor_ids, issue_ids))
        x, expected = _end_round(t, x, y, mask, w_by_actor, pull, voting, preference, positions)
    return voting, preference, positions, records, ties


def _end_round(
    t: int,
    x: Array,
    y: Array,
    mask: NDArray[np.bool_],
    w_by_actor: Array,
    pull: Array,
    voting: Array,
    preference: Array,
    positions: Array,
) -> tuple[Array, Array]:
    """End of round ``t``: the voting outcomes of the votes ``y`` (flat), the preferences moved
    towards them and their expected outcomes (the next round's start), each stored at ``t``."""
    n_r, n_a, n_i = x.shape
    y2 = np.where(mask, y.reshape(n_r, n_a, n_i), np.nan)
    voting[:, t] = _expected_outcomes(y2, w_by_actor)
    x = next_preferences(x, y2, pull, mask)
    expected = _expected_outcomes(x, w_by_actor)
    preference[:, t] = expected
    positions[:, t] = x
    return x, expected


def _round_lock_step(
    m: _Merged,
    y: Array,
    outcome: Array,
    direction: Array,
    rngs: Sequence[np.random.Generator],
    p: float,
    record: bool,
) -> tuple[list[Executed], int]:
    """One round of every run in lock step, by NumPy passes over the runs' candidates (:class:`_Dense`).

    Each step carries out one exchange in every run that has one left and re-evaluates those
    runs' candidates; ``y``, ``outcome`` and ``direction`` (flat over the runs) are updated in
    place. Returns run 0's exchanges (when ``record``) and the number of ties run 0 broke.
    """
    ties = 0
    d = _Dense(m, p > 0.0, record)
    d.evaluate(y, outcome, direction)
    done: list[Executed] = []
    while True:
        top = d.gain.max(axis=1, initial=-np.inf)
        rows = np.flatnonzero(top > -np.inf)
        if not rows.size:
            break
        if d.alive.size > COMPACT_MIN and 2 * np.count_nonzero(d.alive) < d.alive.size:
            d.compact()  # only live candidates can still be chosen; every row has one
            top, rows = d.gain.max(axis=1), np.arange(d.runs.size)
        gains = d.gain
        if rows.size < d.runs.size:
            gains, top = gains.take(rows, axis=0), top.take(rows)
        runs = d.runs.take(rows)
        at_top = gains >= (top - TIE_RTOL * top)[:, None]
        n_top = np.count_nonzero(at_top, axis=1)
        col = gains.argmax(axis=1)  # the only one at the top where there is no tie
        tied = n_top > 1
        for k in np.flatnonzero(tied):  # ties: each run draws from its own generator
            col[k] = np.flatnonzero(at_top[k])[rngs[runs[k]].integers(n_top[k])]
            ties += int(runs[k] == 0)
        e = rows * d.alive.shape[-1] + col  # flat index into the (row, column) arrays
        fa, fb, ip, iq = d.fa.take(e), d.fb.take(e), d.p.take(e), d.q.take(e)
        tp, tq, conv_a, conv_b = d.target_p.take(e), d.target_q.take(e), d.conv_a.take(e), d.conv_b.take(e)
        dOp, rate = d.dOp.take(e), d.k.take(e)
        if p > 0.0:
            draws = np.array([rngs[r].random(2) for r in runs])
            end = np.where(draws[:, 0] < 0.5, d.rate_a0.take(e), d.rate_b0.take(e))
            rate = rate + p * draws[:, 1] * (end - rate)
            # the largest shift dO_p at that rate
            lim_p = np.minimum(np.abs(tp - y[fa]) / conv_a, np.abs(tp - outcome[ip]))
            lim_q = np.minimum(np.abs(tq - y[fb]) / conv_b, np.abs(tq - outcome[iq]))
            with np.errstate(divide="ignore"):
                dOp = np.where(rate > 0, np.minimum(lim_p, lim_q / rate), lim_p)
        dOq = rate * dOp
        move_a, move_b = dOp * conv_a, dOq * conv_b
        d.alive.reshape(-1)[e] = False
        d.gain.reshape(-1)[e] = -np.inf
        go = (move_a > MOVE_EPS) & (move_b > MOVE_EPS)  # a randomised rate may leave a partner no move
        if not go.all():
            e, runs, tied, dOp, dOq = e[go], runs[go], tied[go], dOp[go], dOq[go]
            fa, fb, ip, iq, tp, tq = fa[go], fb[go], ip[go], iq[go], tp[go], tq[go]
            conv_a, conv_b, move_a, move_b = conv_a[go], conv_b[go], move_a[go], move_b[go]
            if not e.size:  # this step moved no run: the next candidates are taken up
                continue
        ya0, yb0 = y[fa], y[fb]
        ya = np.where(np.abs(np.abs(tp - ya0) - move_a) < SNAP, tp, ya0 + np.copysign(move_a, tp - ya0))
        yb = np.where(np.abs(np.abs(tq - yb0) - move_b) < SNAP, tq, yb0 + np.copysign(move_b, tq - yb0))
        ya, yb = np.clip(ya, 0.0, SCALE), np.clip(yb, 0.0, SCALE)
        y[fa], y[fb] = ya, yb
        direction[fa], direction[fb] = np.sign(ya - ya0), np.sign(yb - yb0)
        op0, oq0 = outcome[ip], outcome[iq]
        op1, oq1 = op0 + (ya - ya0) / conv_a, oq0 + (yb - yb0) / conv_b
        outcome[ip], outcome[iq] = op1, oq1
        if record and runs.size and runs[0] == 0:
            e0 = int(d.col.take(e[0]))  # run 0's own candidate index (its candidates come first in m)
            gain_a = float(dOq[0] * m.s_aq[e0] - dOp[0] * m.s_ap[e0])
            gain_b = float(dOp[0] * m.s_bp[e0] - dOq[0] * m.s_bq[e0])
            done.append(
                Executed(
                    candidate=e0,
                    gain_p=gain_a,
                    gain_q=gain_b,
                    outcome_p=(float(op0[0]), float(op1[0])),
                    outcome_q=(float(oq0[0]), float(oq1[0])),
                    from_p=float(ya0[0]),
                    to_p=float(ya[0]),
                    from_q=float(yb0[0]),
                    to_q=float(yb[0]),
                    tied=bool(tied[0]),
                )
            )
        d.evaluate(y, outcome, direction)
    return done, ties


# candidates per run from which a round loads the compiled kernel (numba and its cached code,
# ~1.2 CPU s once per process); once numba is loaded (by this kernel or another model's: its
# first use costs ~0.6 s, this kernel's cached code ~0.03 s more), the kernel takes every size
KINETIC_MIN = 5000
KINETIC_LOADED_MIN = 0
CONV_MAX = 1e300  # kernel bound: the room test's sign product cannot underflow below this ratio
# candidates per run up to which the compiled round scans every live one per exchange (less work
# than keeping the lazy search's heap: a Monte Carlo batch of a small case)
SCAN_MAX = 64


def _kinetic_loaded() -> bool:
    """Whether this process has loaded numba (or this model's kernel): from then on every round
    with candidates takes the compiled one (:func:`_kinetic`)."""
    return kernels.loaded() or kernels.loaded("exchange")


def _kinetic(m: _Merged, n_runs: int) -> bool:
    """Whether the round runs in :mod:`accord.models.kernels.exchange` (same results, fewer passes).

    Loading numba pays from a few thousand candidates per run (a single run of 200 actors on two
    issues); a Monte Carlo batch of a small case does not pay it alone, so ``accord analyze`` on
    the examples never loads numba. Once a process has loaded numba (``simulate`` does, for the
    SMP's kernels), the compiled round is faster than the lock-step NumPy round for every size
    measured, batches of small runs included (about 2x on a 1,000-draw block of a 9-actor case).
    """
    n = m.fa.size
    return _kinetic_size(n, n_runs) and max(float(m.conv_a.max()), float(m.conv_b.max())) <= CONV_MAX


def _kinetic_size(n: int, n_runs: int) -> bool:
    """Whether ``n`` candidates of ``n_runs`` runs are enough for the compiled round (:func:`_kinetic`)."""
    least = KINETIC_LOADED_MIN if _kinetic_loaded() else KINETIC_MIN
    return bool(n > 0 and n >= least * n_runs)


def _round_kinetic(
    m: _Merged,
    y: Array,
    outcome: Array,
    direction: Array,
    rngs: Sequence[np.random.Generator],
    p: float,
    record: bool,
) -> tuple[list[Executed], int]:
    """One round, run after run, by the compiled lazy search: what :func:`_round_lock_step` gives.

    The kernel carries out exchanges until a run needs a draw (a tie, or ``p > 0``); the draw is
    made here with the run's generator, in the lock-step round's order (tie, then rate).
    """
    ci, cf = _table(m, p > 0.0)
    # a candidate is live from the start when it gains (the lazy search pushes only those anyway)
    log, ties = _kinetic_runs(ci, cf, m.alive, m.sizes, y, outcome, direction, rngs, p, record)
    done: list[Executed] = []
    if record:
        for row in log:
            e = int(row[0])
            d_op, d_oq = row[1], row[2]
            done.append(
                Executed(
                    candidate=e,
                    gain_p=float(d_oq * m.s_aq[e] - d_op * m.s_ap[e]),
                    gain_q=float(d_op * m.s_bp[e] - d_oq * m.s_bq[e]),
                    outcome_p=(float(row[3]), float(row[4])),
                    outcome_q=(float(row[5]), float(row[6])),
                    from_p=float(row[7]),
                    to_p=float(row[8]),
                    from_q=float(row[9]),
                    to_q=float(row[10]),
                    tied=bool(row[11]),
                )
            )
    return done, ties


def _table(m: _Merged, randomised: bool) -> tuple[NDArray[np.int64], Array]:
    """The compiled round's candidate table: the indices ``ci`` and values ``cf``, a row per
    candidate (each candidate's values share a cache line)."""
    from accord.models.kernels import exchange as kx

    ci = np.stack((m.fa, m.fb, m.p, m.q), axis=1).astype(np.int64)
    cf = np.empty((m.fa.size, 8))
    for col, v in zip(
        (kx.TP, kx.TQ, kx.CONV_A, kx.CONV_B, kx.K, kx.UG),
        (m.target_p, m.target_q, m.conv_a, m.conv_b, m.k, m.unit_gain),
        strict=True,
    ):
        cf[:, col] = v
    if randomised:
        cf[:, kx.RATE_A0], cf[:, kx.RATE_B0] = m.rate_a0, m.rate_b0
    else:  # read only for randomised rates
        cf[:, kx.RATE_A0 :] = 0.0
    return ci, cf


def _kinetic_runs(
    ci: NDArray[np.int64],
    cf: Array,
    alive: NDArray[np.bool_],
    sizes: NDArray[np.int64],
    y: Array,
    outcome: Array,
    direction: Array,
    rngs: Sequence[np.random.Generator],
    p: float,
    record: bool,
) -> tuple[Array, int]:
    """The compiled round on the runs' candidate table (``ci``, ``cf`` a row per candidate, run
    after run; ``alive`` from ``unit_gain > 0``, this round's own from here on; ``sizes`` each
    run's count): ``y``, ``outcome`` and ``direction`` updated in place. Returns run 0's log of
    exchanges (when ``record``) and the number of ties run 0 broke."""
    from accord.models.kernels import exchange as kx

    omin, omax = outcome.copy(), outcome.copy()  # each outcome's extremes so far this round
    n = ci.shape[0]
    heap_key, heap_idx = np.empty(n), np.empty(n, dtype=np.int64)
    examined, ex_gain, ex_shift = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    top = np.empty(n, dtype=np.int64)
    bounds = np.zeros(sizes.size + 1, dtype=np.int64)  # run r's candidates: bounds[r]..bounds[r + 1]
    np.cumsum(sizes, out=bounds[1:])
    st = np.zeros((sizes.size, 8), dtype=np.int64)
    fs = np.zeros((sizes.size, 3))
    fs[:, kx.P_RAND] = p
    st[0, kx.RECORD] = record
    log = np.empty((sizes[0] if record else 1, kx.LOG_COLUMNS))
    pending = np.empty(sizes.size, dtype=np.int64)
    ties = 0
    scan = sizes <= SCAN_MAX  # small runs: a plain scan per exchange; larger ones: the lazy search
    work = np.flatnonzero(sizes).astype(np.int64)
    kx.start_runs(work[~scan[work]], bounds, ci, cf, y, heap_key, heap_idx, st)
    while work.size:
        small, large = work[scan[work]], work[~scan[work]]
        n_wait = kx.scan_runs(
            small, bounds, ci, cf, alive, y, outcome, direction, omin, omax, ex_gain, ex_shift, top, st, fs,
            log, pending,
        )  # fmt: skip
        n_wait += kx.advance_runs(
            large, bounds, ci, cf, alive, y, outcome, direction, omin, omax, heap_key, heap_idx, examined,
            ex_gain, ex_shift, top, st, fs, log, pending[n_wait:],
        )  # fmt: skip
        work = pending[:n_wait].copy()
        for r in work.tolist():  # each waiting run draws from its own generator: tie, then rate
            n_top = int(st[r, kx.N_TOP])
            st[r, kx.CHOICE] = 0
            if n_top > 1:
                st[r, kx.CHOICE] = rngs[r].integers(n_top)
                ties += int(r == 0)
            if p > 0.0:
                fs[r, kx.U0 : kx.U1 + 1] = rngs[r].random(2)
    return log[: st[0, kx.N_LOG]], ties


class RunGenerators(Sequence[np.random.Generator]):
    """The ``n`` generators ``rng.spawn(n)`` gives, each made when its run first draws.

    Run ``r``'s generator is seeded by the child seed sequence ``rng.spawn`` would give it
    (the parent's entropy, spawn key + ``(r,)`` after the children spawned so far), so it
    yields the same stream; most runs never draw (a draw breaks an exact tie or, with
    ``p > 0``, sets a rate), and spawning a thousand generators costs about as much as their
    runs' compiled round. ``rng`` itself is left as it was (its spawn count does not move).
    A generator that watches its children (``note_child``, as the ensemble's draw watch does)
    is told of each one made.
    """

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self._rng, self._n = rng, n
        seq = rng.bit_generator.seed_seq
        if not isinstance(seq, np.random.SeedSequence):  # as BitGenerator.spawn requires
            raise TypeError("the exchange model's generator needs a SeedSequence to spawn its runs' own")
        self._seq = seq
        self._first = seq.n_children_spawned
        self._made: dict[int, np.random.Generator] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return [self[k] for k in range(*r.indices(self._n))]
        r = int(r)
        if not -self._n <= r < self._n:
            raise IndexError(r)
        r %= self._n
        made = self._made.get(r)
        if made is None:
            seq = self._seq
            child = np.random.SeedSequence(
                seq.entropy, spawn_key=(*seq.spawn_key, self._first + r), pool_size=seq.pool_size
            )
            made = type(self._rng)(type(self._rng.bit_generator)(seed=child))
            self._made[r] = made
            note = getattr(self._rng, "note_child", None)
            if note is not None:
                note(made)
        return made


def next_preferences(x: Array, y: Array, pull: Array, mask: NDArray[np.bool_]) -> Array:
    """End of a round: each preference moves ``pull = (1 - s) w_s + w_f`` of the way to its vote."""
    out: Array = np.where(mask, np.clip(x + pull * (y - x), 0.0, SCALE), np.nan)
    return out


def _round_record(
    t: int,
    rnd: _Round | _Run0,
    done: list[Executed],
    ext: Array,
    actor_ids: tuple[str, ...],
    issue_ids: tuple[str, ...],
) -> dict[str, Any]:
    """A round's exchanges and externalities as plain data (positions in points)."""
    exchanges = []
    for d in done:
        e = d.candidate
        exchanges.append(
            {
                "supplier_p": actor_ids[rnd.a[e]],
                "issue_p": issue_ids[rnd.p[e]],
                "from_p": d.from_p,
                "to_p": d.to_p,
                "supplier_q": actor_ids[rnd.b[e]],
                "issue_q": issue_ids[rnd.q[e]],
                "from_q": d.from_q,
                "to_q": d.to_q,
                "gain_p": d.gain_p,
                "gain_q": d.gain_q,
                "outcome_p": list(d.outcome_p),
                "outcome_q": list(d.outcome_q),
                "tied": d.tied,
            }
        )
    keys = ("own", "inner_positive", "inner_negative", "outer_positive", "outer_negative")
    return {
        "round": t,
        "exchanges": exchanges,
        "externalities": {
            actor: dict(zip(keys, values, strict=True))
            for actor, values in zip(actor_ids, ext.tolist(), strict=True)
        },
    }


def exchange(
    problem: Problem,
    *,
    rng: np.random.Generator,
    rounds: int,
    p: float,
    salience_weight: float,
    fixed_weight: float,
    repetitions: int,
    summary: str,
    outcome: str,
    side: str,
    variant: str,
) -> ModelResult:
    """Stokman & Van Oosten's (1994) exchange model, equal gain or randomised (p > 0).

    Runs ``repetitions`` seeded runs per case (each with its own child generator of ``rng``);
    the outcome is the ``summary`` (mean or median) over runs of the last round's ``outcome``
    (voting or preference). Trajectories are means over runs: ``voting`` and ``preference``
    ``(*B, T, I)``, preference ``positions`` ``(*B, T, A, I)``. Details: per issue the initial
    expected outcome and the mean, sd and quantiles of the final outcomes over runs (scale
    units); for a case without batch axis, the first run's exchanges and externalities per
    round (positions in scale units, gains in Decide's units) and the number of ties broken.
    """
    if variant == "decide" and p > 0.0:
        raise ParameterError(
            f"model exchange: variant decide reproduces Decide's equal-gain model and needs p = 0, "
            f"got p = {p}"
        )
    if side == "auto":
        side = VARIANT_SIDE[variant]
    if salience_weight + fixed_weight > 1.0:
        raise ParameterError(
            f"model exchange: salience_weight + fixed_weight must be at most 1 (the vote's pull on the "
            f"preference), got {salience_weight} + {fixed_weight}"
        )
    batch = problem.batch_shape
    n_b = int(np.prod(batch)) if batch else 1
    n_a, n_i = problem.n_actors, problem.n_issues
    mask = problem.mask
    lo, hi = problem.scale_min, problem.scale_max
    span = hi - lo
    pos = (np.where(mask, problem.position, np.nan) * SCALE).reshape(n_b, n_a, n_i)
    sal = np.where(mask, problem.salience, 0.0).reshape(n_b, n_a, n_i)
    powr = np.broadcast_to(problem.power, (*batch, n_a, n_i)).reshape(n_b, n_a, n_i)
    record_first = not batch
    t_len = rounds + 1
    # every case of the batch times every repetition: a run each, with its own generator
    common = (rounds, p, salience_weight, fixed_weight, record_first, problem.actor_ids, problem.issue_ids)
    rep = functools.partial(np.repeat, repeats=repetitions, axis=0)
    if variant == "decide":
        from accord.models.exchange_decide import run_decide

        v, pr, xs, records, ties = run_decide(
            rep(pos), rep(sal), rep(powr), mask, rng.spawn(n_b * repetitions), rounds, salience_weight,
            fixed_weight, record_first, problem.actor_ids, problem.issue_ids,
            at_outcome_left=side == "decide",
        )  # fmt: skip
    else:  # the lock-step and compiled rounds take a run's generator only to draw
        generators = RunGenerators(rng, n_b * repetitions)
        v, pr, xs, records, ties = _run_many(
            rep(pos), rep(sal), rep(powr), mask, generators, *common, at_outcome_left=side == "decide"
        )
    finals = (v if outcome == "voting" else pr)[:, -1].reshape(n_b, repetitions, n_i)
    voting = v.reshape(n_b, repetitions, t_len, n_i).mean(axis=1)
    preference = pr.reshape(n_b, repetitions, t_len, n_i).mean(axis=1)
    positions = xs.reshape(n_b, repetitions, t_len, n_a, n_i).mean(axis=1)

    def unit(a: Array) -> Array:
        return a / SCALE

    def scaled(a: Array) -> Array:
        return lo + unit(a) * span

    final_unit = unit(np.median(finals, axis=1) if summary == "median" else finals.mean(axis=1))
    details: dict[str, Any] = {
        "initial_outcome": scaled(voting[:, 0]).reshape(*batch, n_i),
        "final_mean": scaled(finals.mean(axis=1)).reshape(*batch, n_i),
        "final_sd": (unit(finals.std(axis=1)) * span).reshape(*batch, n_i),
        "final_quantiles": scaled(np.quantile(finals, QUANTILES, axis=1).transpose(1, 0, 2)).reshape(
            *batch, len(QUANTILES), n_i
        ),
        "quantile_levels": list(QUANTILES),
        "repetitions": repetitions,
    }
    if record_first:
        for rd in records:
            for ex in rd["exchanges"]:
                for side in ("p", "q"):
                    j = problem.issue_ids.index(ex[f"issue_{side}"])
                    for key in (f"from_{side}", f"to_{side}"):
                        ex[key] = float(lo[j] + ex[key] / SCALE * span[j])
                    shifts = ex[f"outcome_{side}"]
                    ex[f"outcome_{side}"] = [float(lo[j] + o / SCALE * span[j]) for o in shifts]
        details["rounds"] = records
        details["ties"] = ties
    return ModelResult(
        outcome=final_unit.reshape(*batch, n_i),
        trajectory={
            "voting": unit(voting).reshape(*batch, t_len, n_i),
            "preference": unit(preference).reshape(*batch, t_len, n_i),
            "positions": unit(positions).reshape(*batch, t_len, n_a, n_i),
        },
        details=details,
        fields=FIELDS,
    )


def _applies(problem: Problem) -> str | None:
    if problem.n_issues < 2:
        return "the exchange model trades between issues and needs at least two"
    if int((problem.mask.sum(axis=1) >= 2).sum()) < 2:
        return "the exchange model needs at least two actors with positions on two issues"
    return None


SPEC = ModelSpec(
    name="exchange",
    summary="Stokman's exchange model: actors trade voting positions across issues (equal gain or REX)",
    citation=(
        "Stokman & Van Oosten (1994), The exchange of voting positions, in European Community "
        "Decision Making; Dijkstra, Van Assen, Stokman & Draaijer (2018) for the randomised variant"
    ),
    fn=exchange,
    params=(
        Param("rounds", 10, "rounds of exchange", int, low=1, high=1000),
        Param("p", 0.0, "randomisation of the exchange rate (0 = equal gain)", float, low=0.0, high=1.0),
        Param(
            "salience_weight", 0.4, "pull of the vote on the preference, times 1 - salience", low=0, high=1
        ),
        Param("fixed_weight", 0.1, "fixed pull of the vote on the preference", low=0, high=1),
        Param("repetitions", 1, "seeded runs; the outcome summarises them", int, low=1, high=100000),
        Param("summary", "mean", "how runs are summarised", str, choices=("mean", "median")),
        Param("outcome", "voting", "which outcome is the forecast", str, choices=("voting", "preference")),
        Param(
            "variant",
            "accord",
            "the rules of a round: accord (current outcomes, ties uniform) or decide (Decide's bookkeeping, "
            "docs/models/exchange.md)",
            str,
            choices=tuple(VARIANT_SIDE),
        ),
        Param(
            "side",
            "auto",
            "the side of an actor exactly on the outcome: strict (x < O is left: right) or decide (x <= O); "
            "auto: the variant's",
            str,
            choices=("auto", "strict", "decide"),
        ),
    ),
    stochastic=True,
    applies=_applies,
)
