r"""Draws of a Problem under the uncertainty a scenario declares.

Every value with an uncertainty becomes an *input* (a factor): an actor's position or
salience on an issue (``Stance.uncertainty``), its capability (``Actor.uncertainty``), its
reservation utility (``Reservation.uncertainty``) and an issue's status quo
(``Issue.uncertainty``). Values without their own entry get the global default ``noise``
(0 by default: they stay fixed). The distributions, on the unit scale of the Problem:

- ``{sd: s}``: a normal distribution with mean at the value and standard deviation ``s``
  (in the value's units), truncated to the value's valid range;
- ``{low: l, high: h}``: the uniform distribution on ``[l, h]`` intersected with the valid
  range (an empty intersection is an input error);
- default noise ``x``: a truncated normal with standard deviation ``x`` times the scale span
  for positions and status quos, ``x`` times the salience range for saliences, ``x`` for
  reservation utilities (range 0..1), and ``x`` times the actor's own capability for
  capabilities (capabilities have no common scale).

Valid ranges: the issue's scale for positions and status quos, the salience range for
saliences, ``[0, 1]`` for reservation utilities and ``[0, inf)`` for capabilities.

Every input is drawn through its inverse distribution function from a uniform number on
``[0, 1)``: :meth:`Inputs.ppf` maps a ``(n, k)`` array of uniforms to values, and
:meth:`Inputs.apply` writes ``(n, k)`` values into a Problem with batch shape ``(n,)``. The
truncated normal's inverse is
:math:`x = \mu + \sigma\,\Phi^{-1}\bigl(\Phi(a) + u\,(\Phi(b) - \Phi(a))\bigr)` with
:math:`a = (lo - \mu)/\sigma` and :math:`b = (hi - \mu)/\sigma` (e.g. Robert 1995, *Statistics
and Computing* 5, sec. 1). The same map serves Monte Carlo (random uniforms) and the
variance-based sensitivity design (:mod:`accord.uncertainty.sensitivity`).

Reproducibility: the draws are cut into fixed-size blocks; block ``b`` of purpose ``p``
(Monte Carlo 0, sensitivity 1) draws from
``SeedSequence(seed).spawn(2)[p].spawn(n_blocks)[b]``, so a block's numbers do not depend on
how blocks are grouped into tasks or on the number of workers (:func:`block_seed`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.errors import InputError
from accord.problem import Problem
from accord.scenario.model import Scenario, Uncertainty

Array = NDArray[np.float64]

# kinds of input, in the order they are listed
KINDS: tuple[str, ...] = ("position", "salience", "capability", "status_quo", "reservation_utility")
POSITION, SALIENCE, CAPABILITY, STATUS_QUO, RESERVATION_UTILITY = range(5)

# fixed number of draws per block: part of what makes a seed reproduce its numbers
BLOCK_SIZE = 1000
# purposes: independent stream families under one seed
MONTE_CARLO, SENSITIVITY = 0, 1


@dataclass(frozen=True)
class Inputs:
    """The uncertain inputs of a scenario, one entry per input, on the Problem's unit scale.

    Arrays have shape ``(k,)``. ``kind`` indexes :data:`KINDS`; ``actor`` and ``issue`` are
    the indices of the actor and issue the input belongs to (-1 where not applicable);
    ``value`` is the scenario's value; ``normal`` says whether the input is a truncated
    normal (``sd``) or uniform (``low``..``high``); ``lo``/``hi`` is the valid range for
    normals and the (already intersected) range for uniforms. ``fixed_power`` ``(A, I)``
    marks the per-issue powers the scenario gives, which capability draws leave alone;
    ``salience_scale`` is the scenario's (1 or 100), for reporting in its units.
    """

    names: tuple[str, ...]
    kind: NDArray[np.intp]
    actor: NDArray[np.intp]
    issue: NDArray[np.intp]
    value: Array
    normal: NDArray[np.bool_]
    sd: Array
    lo: Array
    hi: Array
    fixed_power: NDArray[np.bool_]
    salience_scale: float = 1.0

    @property
    def k(self) -> int:
        return len(self.names)

    def ppf(self, u: Array) -> Array:
        """Values ``(n, k)`` at the quantiles ``u`` ``(n, k)`` of every input's distribution."""
        ndtr, ndtri = normal_functions()
        u = np.asarray(u, dtype=float)
        uniform = self.lo + u * (self.hi - self.lo)
        sd = np.where(self.normal, self.sd, 1.0)
        a = ndtr((self.lo - self.value) / sd)
        b = ndtr((self.hi - self.value) / sd)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = ndtri(a + u * (b - a))
            gauss = np.clip(self.value + sd * z, self.lo, self.hi)
        return np.where(self.normal, gauss, uniform)

    def apply(self, problem: Problem, values: Array) -> Problem:
        """``problem`` (no batch axis) with the inputs set to ``values`` ``(n, k)``: batch ``(n,)``."""
        values = np.asarray(values, dtype=float)
        n = values.shape[0]
        n_a, n_i = problem.n_actors, problem.n_issues

        def rep(a: Array) -> Array:
            return np.broadcast_to(a, (n, *a.shape)).copy()

        position = rep(problem.position)
        salience = rep(problem.salience)
        capability = rep(problem.capability)
        status_quo = rep(problem.status_quo)
        res_u = rep(problem.reservation_utility)
        for kind, target in (
            (POSITION, position.reshape(n, n_a * n_i)),
            (SALIENCE, salience.reshape(n, n_a * n_i)),
            (CAPABILITY, capability),
            (STATUS_QUO, status_quo),
            (RESERVATION_UTILITY, res_u),
        ):
            cols = np.flatnonzero(self.kind == kind)
            if cols.size == 0:
                continue
            if kind in (POSITION, SALIENCE):
                slot = self.actor[cols] * n_i + self.issue[cols]
            elif kind == STATUS_QUO:
                slot = self.issue[cols]
            else:
                slot = self.actor[cols]
            target[:, slot] = values[:, cols]
        power = np.where(self.fixed_power, problem.power, capability[:, :, None])
        return replace(
            problem,
            position=position,
            salience=salience,
            capability=capability,
            power=power,
            status_quo=status_quo,
            reservation_utility=res_u,
        )

    def units(self, problem: Problem) -> tuple[Array, Array]:
        """Offset and unit ``(k,)`` that map each input from the unit scale to the scenario's units."""
        on_scale = (self.kind == POSITION) | (self.kind == STATUS_QUO)
        j = np.maximum(self.issue, 0)
        span = problem.scale_max[j] - problem.scale_min[j]
        unit = np.where(on_scale, span, np.where(self.kind == SALIENCE, self.salience_scale, 1.0))
        return np.where(on_scale, problem.scale_min[j], 0.0), unit

    def to_scale(self, problem: Problem, values: Array) -> Array:
        """Input values ``(..., k)`` in the scenario's units (scale units, the salience scale)."""
        offset, unit = self.units(problem)
        return offset + np.asarray(values, dtype=float) * unit


def normal_functions() -> tuple[Any, Any]:
    """SciPy's standard normal distribution function and its inverse (``ndtr``, ``ndtri``), which
    :meth:`Inputs.ppf` uses. Imported on first use: ``scipy.special`` costs about 0.3-0.5 CPU s
    (SciPy 1.17 sets up its array-API shims at import), which a command's parent process that
    only plans the draws need not pay; a worker started ahead loads it once before it forks the
    others (:func:`accord.uncertainty.simulation.worker_warmup`)."""
    from scipy.special import ndtr, ndtri

    return ndtr, ndtri


def uncertain_inputs(scenario: Scenario, noise: float = 0.0) -> Inputs:
    """The inputs of ``scenario`` that are uncertain (see the module docstring).

    ``noise`` is the default standard deviation, as a fraction of each value's range, for
    values without their own uncertainty entry; values whose uncertainty is ``sd: 0`` (or
    that have none and ``noise`` is 0) stay fixed and are not inputs.
    """
    if not np.isfinite(noise) or noise < 0:
        raise InputError(f"--noise {noise}: must be a finite number >= 0")
    names: list[str] = []
    rows: list[tuple[int, int, int, float, bool, float, float, float]] = []
    issue_index = {iss.id: j for j, iss in enumerate(scenario.issues)}
    top = float(scenario.salience_scale)

    def add(
        name: str,
        where: str,
        kind: int,
        actor: int,
        issue: int,
        value: float,
        unit: float,
        offset: float,
        valid: tuple[float, float],
        entry: Uncertainty | None,
        default_sd: float,
    ) -> None:
        """One input; ``value``/``entry`` in the scenario's units, mapped by ``(v - offset) / unit``."""
        lo_v, hi_v = valid
        if entry is None:
            if default_sd <= 0:
                return
            names.append(name)
            rows.append((kind, actor, issue, value, True, default_sd, lo_v, hi_v))
            return
        if entry.sd is not None:
            if entry.sd == 0:
                return
            names.append(name)
            rows.append((kind, actor, issue, value, True, entry.sd / unit, lo_v, hi_v))
            return
        assert entry.low is not None and entry.high is not None  # guaranteed by Uncertainty
        low = max((entry.low - offset) / unit, lo_v)
        high = min((entry.high - offset) / unit, hi_v)
        if low > high:
            raise InputError(
                f"{where}.uncertainty: the range {entry.low:g}..{entry.high:g} lies outside the valid "
                f"range {offset + lo_v * unit:g}..{offset + hi_v * unit:g}"
            )
        names.append(name)
        rows.append((kind, actor, issue, value, False, 0.0, low, high))

    for a, actor in enumerate(scenario.actors):
        where = f"actors[{a}] ({actor.id})"
        for issue_id, stance in actor.positions.items():
            j = issue_index[issue_id]
            scale = scenario.issues[j].scale
            span = scale.max - scale.min
            add(
                f"position[{actor.id},{issue_id}]",
                f"{where}.positions.{issue_id}",
                POSITION,
                a,
                j,
                (stance.position - scale.min) / span,
                span,
                scale.min,
                (0.0, 1.0),
                stance.uncertainty.get("position"),
                noise,
            )
        for issue_id, stance in actor.positions.items():
            j = issue_index[issue_id]
            add(
                f"salience[{actor.id},{issue_id}]",
                f"{where}.positions.{issue_id}",
                SALIENCE,
                a,
                j,
                stance.salience / top,
                top,
                0.0,
                (0.0, 1.0),
                stance.uncertainty.get("salience"),
                noise,
            )
        add(
            f"capability[{actor.id}]",
            where,
            CAPABILITY,
            a,
            -1,
            actor.capability,
            1.0,
            0.0,
            (0.0, np.inf),
            actor.uncertainty.get("capability"),
            noise * actor.capability,
        )
        res = actor.reservation
        if res is not None and res.utility is not None:
            add(
                f"reservation_utility[{actor.id}]",
                f"{where}.reservation",
                RESERVATION_UTILITY,
                a,
                -1,
                res.utility,
                1.0,
                0.0,
                (0.0, 1.0),
                res.uncertainty.get("utility"),
                noise,
            )
    for j, iss in enumerate(scenario.issues):
        if iss.status_quo is None:
            continue
        span = iss.scale.max - iss.scale.min
        add(
            f"status_quo[{iss.id}]",
            f"issues[{j}] ({iss.id})",
            STATUS_QUO,
            -1,
            j,
            (iss.status_quo - iss.scale.min) / span,
            span,
            iss.scale.min,
            (0.0, 1.0),
            iss.uncertainty.get("status_quo"),
            noise,
        )

    fixed_power = np.zeros((len(scenario.actors), len(scenario.issues)), dtype=bool)
    for a, actor in enumerate(scenario.actors):
        for issue_id, stance in actor.positions.items():
            fixed_power[a, issue_index[issue_id]] = stance.power is not None

    def col(k: int, dtype: type) -> NDArray[np.generic]:
        return np.array([r[k] for r in rows], dtype=dtype)

    return Inputs(
        names=tuple(names),
        kind=col(0, np.intp).astype(np.intp),
        actor=col(1, np.intp).astype(np.intp),
        issue=col(2, np.intp).astype(np.intp),
        value=col(3, float).astype(np.float64),
        normal=col(4, bool).astype(np.bool_),
        sd=col(5, float).astype(np.float64),
        lo=col(6, float).astype(np.float64),
        hi=col(7, float).astype(np.float64),
        fixed_power=fixed_power,
        salience_scale=top,
    )


def block_seed(seed: int, purpose: int, block: int) -> np.random.SeedSequence:
    """Block ``block``'s stream: ``SeedSequence(seed).spawn(2)[purpose].spawn(n)[block]``.

    Built directly from its spawn key, so it is the same object whatever ``n`` is and whoever
    computes it.
    """
    return np.random.SeedSequence(seed, spawn_key=(purpose, block))


def input_rng(block: np.random.SeedSequence) -> np.random.Generator:
    """The generator for a block's input draws (the block stream's first child)."""
    return np.random.default_rng(np.random.SeedSequence(block.entropy, spawn_key=(*block.spawn_key, 0)))


def model_seed(block: np.random.SeedSequence, model: str) -> np.random.SeedSequence:
    """The seed of a stochastic model in a block: a child of the block stream keyed by the model's name."""
    return np.random.SeedSequence(
        block.entropy, spawn_key=(*block.spawn_key, 1, zlib.crc32(model.encode("utf-8")))
    )


def n_blocks(n: int, block_size: int = BLOCK_SIZE) -> int:
    return -(-n // block_size)


def block_rows(block: int, n: int, block_size: int = BLOCK_SIZE) -> int:
    """How many of the ``n`` draws fall in ``block``."""
    return max(0, min(block_size, n - block * block_size))


def draw_uniforms(
    seed: int, purpose: int, block: int, width: int, n: int, block_size: int = BLOCK_SIZE
) -> Array:
    """Block ``block``'s uniforms ``(rows, width)``: a full block is drawn and the rows past ``n`` dropped.

    Drawing the full block keeps draw ``i`` the same whatever the total ``n``.
    """
    rng = input_rng(block_seed(seed, purpose, block))
    return rng.random((block_size, width))[: block_rows(block, n, block_size)]


def draw_problems(
    problem: Problem, inputs: Inputs, n: int, seed: int, block_size: int = BLOCK_SIZE
) -> Problem:
    """``n`` Monte Carlo draws of ``problem`` (batch ``(n,)``), block by block (for inspection and tests)."""
    u = np.concatenate(
        [
            draw_uniforms(seed, MONTE_CARLO, b, inputs.k, n, block_size)
            for b in range(n_blocks(n, block_size))
        ],
        axis=0,
    )
    return inputs.apply(problem, inputs.ppf(u))
