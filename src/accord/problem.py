"""The Problem: a Scenario as NumPy arrays on the unit scale, with a leading batch axis.

Axis order everywhere: ``(*batch, actor, issue)``. The batch axis holds one case or many
Monte Carlo draws of it; models carry it through untouched. Positions, status quo,
reservation points and outcomes are mapped to [0, 1] per issue by
``(x - scale.min) / (scale.max - scale.min)``; :meth:`Problem.to_scale` inverts it exactly.
Saliences are on [0, 1] whatever the file's salience scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.scenario.model import Scenario

Array = NDArray[np.float64]


# the inputs that vary from case to case, and their number of axes without the batch axes
CASE_INPUTS = {"position": 2, "salience": 2, "capability": 1, "power": 2, "status_quo": 1,
               "reservation_utility": 1, "reservation_point": 2}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """Arrays a model runs on.

    Attributes (shapes; ``B`` is the batch shape, possibly empty):
        position: ``(*B, A, I)`` in [0, 1]; NaN where the actor sits out the issue.
        salience: ``(*B, A, I)`` in [0, 1]; 0 where the actor sits out.
        capability: ``(*B, A)``, >= 0.
        power: ``(*B, A, I)``: capability, or the per-issue power where the scenario gives one.
        mask: ``(A, I)`` bool: True where the actor has a position on the issue.
        status_quo: ``(*B, I)`` in [0, 1]; NaN where the issue has none.
        reservation_utility: ``(*B, A)``; NaN where the scenario gives none.
        reservation_point: ``(*B, A, I)`` in [0, 1]; NaN where none.
        veto: ``(A,)`` bool.
        scale_min, scale_max: ``(I,)`` the issues' scales, for conversion back.
    """

    position: Array
    salience: Array
    capability: Array
    power: Array
    mask: NDArray[np.bool_]
    status_quo: Array
    reservation_utility: Array
    reservation_point: Array
    veto: NDArray[np.bool_]
    scale_min: Array
    scale_max: Array
    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.position.shape[:-2]

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    def to_scale(self, x: Array | float, issue_axis: int = -1) -> Array:
        """Map values on [0, 1] back to scale units; ``issue_axis`` is the axis of issues."""
        arr = np.asarray(x, dtype=float)
        shape = [1] * arr.ndim
        shape[issue_axis] = self.n_issues
        lo = self.scale_min.reshape(shape)
        hi = self.scale_max.reshape(shape)
        return lo + arr * (hi - lo)

    def point_dict(self, x: Array) -> dict[str, float]:
        """One point ``(I,)`` on [0, 1] as ``{issue id: value in scale units}``."""
        return {i: float(v) for i, v in zip(self.issue_ids, self.to_scale(x), strict=True)}

    def delta_dict(self, dx: Array) -> dict[str, float]:
        """A move ``(I,)`` on [0, 1] as ``{issue id: move in scale units}`` (no offset)."""
        vals = np.asarray(dx, dtype=float) * (self.scale_max - self.scale_min)
        return {i: float(v) for i, v in zip(self.issue_ids, vals, strict=True)}

    def to_unit(self, x: Array | float, issue_axis: int = -1) -> Array:
        """Map values in scale units to [0, 1]; ``issue_axis`` is the axis of issues."""
        arr = np.asarray(x, dtype=float)
        shape = [1] * arr.ndim
        shape[issue_axis] = self.n_issues
        lo = self.scale_min.reshape(shape)
        hi = self.scale_max.reshape(shape)
        return (arr - lo) / (hi - lo)

    def weights(self) -> Array:
        """Capability (per-issue power) times salience, 0 where the actor sits out: ``(*B, A, I)``."""
        return np.where(self.mask, self.power * self.salience, 0.0)

    def filled_position(self, fill: float = 0.0) -> Array:
        """Positions with missing pairs replaced by ``fill`` (use with :meth:`weights`)."""
        return np.where(self.mask, self.position, fill)

    def with_batch(self, n: int) -> Problem:
        """The same problem repeated ``n`` times along a new leading batch axis."""

        def rep(a: NDArray[Any]) -> NDArray[Any]:
            return np.broadcast_to(a, (n, *a.shape)).copy()

        batched: dict[str, Any] = {name: rep(getattr(self, name)) for name in CASE_INPUTS}
        return replace(self, **batched)

    def batched(self) -> list[str]:
        """The inputs that carry the batch axis (a batch built by hand may leave some without)."""
        axes = len(self.batch_shape)
        return [name for name, ndim in CASE_INPUTS.items() if getattr(self, name).ndim == ndim + axes]

    def take(self, draws: NDArray[np.intp]) -> Problem:
        """The sub-problem of the given indices along a one-dimensional batch axis."""
        idx = np.asarray(draws, dtype=np.intp)
        cases: dict[str, Any] = {name: getattr(self, name)[idx] for name in self.batched()}
        return replace(self, **cases)

    def select_issues(self, issues: list[int] | NDArray[np.intp]) -> Problem:
        """The sub-problem on the given issue indices (models that run issue by issue)."""
        idx = np.asarray(issues, dtype=np.intp)
        return replace(
            self,
            position=self.position[..., idx],
            salience=self.salience[..., idx],
            power=self.power[..., idx],
            mask=self.mask[:, idx],
            status_quo=self.status_quo[..., idx],
            reservation_point=self.reservation_point[..., idx],
            scale_min=self.scale_min[idx],
            scale_max=self.scale_max[idx],
            issue_ids=tuple(self.issue_ids[i] for i in idx),
        )


def to_problem(scenario: Scenario) -> Problem:
    """Turn a validated Scenario into a Problem (no batch axis)."""
    actors = scenario.actors
    issues = scenario.issues
    n_a, n_i = len(actors), len(issues)
    lo = np.array([i.scale.min for i in issues], dtype=float)
    hi = np.array([i.scale.max for i in issues], dtype=float)
    span = hi - lo
    col = {iss.id: k for k, iss in enumerate(issues)}

    position = np.full((n_a, n_i), np.nan)
    salience = np.zeros((n_a, n_i))
    capability = np.array([a.capability for a in actors], dtype=float)
    power = np.repeat(capability[:, None], n_i, axis=1)
    mask = np.zeros((n_a, n_i), dtype=bool)
    res_u = np.full(n_a, np.nan)
    res_p = np.full((n_a, n_i), np.nan)
    top = float(scenario.salience_scale)
    for r, actor in enumerate(actors):
        for issue_id, stance in actor.positions.items():
            c = col[issue_id]
            mask[r, c] = True
            position[r, c] = (stance.position - lo[c]) / span[c]
            salience[r, c] = stance.salience / top
            if stance.power is not None:
                power[r, c] = stance.power
        res = actor.reservation
        if res is not None:
            if res.utility is not None:
                res_u[r] = res.utility
            if res.point is not None:
                for issue_id, value in res.point.items():
                    c = col[issue_id]
                    res_p[r, c] = (value - lo[c]) / span[c]
    status_quo = np.array(
        [np.nan if i.status_quo is None else (i.status_quo - lo[k]) / span[k] for k, i in enumerate(issues)],
        dtype=float,
    )
    return Problem(
        position=position,
        salience=salience,
        capability=capability,
        power=power,
        mask=mask,
        status_quo=status_quo,
        reservation_utility=res_u,
        reservation_point=res_p,
        veto=np.array([a.has_veto for a in actors], dtype=bool),
        scale_min=lo,
        scale_max=hi,
        actor_ids=scenario.actor_ids,
        issue_ids=scenario.issue_ids,
        meta=dict(scenario.meta),
    )
