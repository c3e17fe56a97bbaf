"""The zone of agreement on a slice of two issues: every veto player's margin over a grid.

A figure of the zone (``accord.report.figures.zone_2d``) needs each veto player's margin
(utility minus reservation, :mod:`accord.bargaining.utility`) at every point of a grid over two
issues, the other issues held at a given point (by default the maximin deal). Each acceptance
set is convex (the utilities are concave), so its boundary on the slice is the zero contour of
the margin and the zone is where every margin is at least 0.

Which two issues: those the veto players disagree about most, measured per issue as the mean
over pairs of veto players of ``sqrt(s_a s_b) |p_a - p_b|`` (positions on the unit scale,
saliences on [0, 1]): a wide gap on an issue both care about counts most. With fewer than two
veto players holding positions, all actors are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.bargaining.utility import Loss, reservation, utility_of_points
from accord.problem import Problem

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ZoneGrid:
    """Margins of the veto players on a grid over two issues (scale units).

    ``x``: ``(nx,)`` values of ``issue_x``; ``y``: ``(ny,)`` values of ``issue_y``;
    ``margins``: ``(V, ny, nx)`` for the veto players ``actor_ids``; ``at``: the point (scale
    units, every issue) whose other issues the slice holds fixed.
    """

    issue_x: str
    issue_y: str
    x: Array
    y: Array
    margins: Array
    actor_ids: tuple[str, ...]
    at: dict[str, float]


def contestedness(problem: Problem) -> Array:
    """Per issue ``(I,)``: mean over veto-player pairs of ``sqrt(s_a s_b) |p_a - p_b|`` (see module)."""
    rows = np.asarray(problem.veto, dtype=bool)
    if int((rows[:, None] & problem.mask).sum(axis=0).max(initial=0)) < 2:
        rows = np.ones_like(rows)
    p = problem.position[rows]  # (V, I), NaN where an actor sits out
    s = np.where(problem.mask[rows], problem.salience[rows], 0.0)
    gap = np.abs(p[:, None, :] - p[None, :, :])
    weight = np.sqrt(s[:, None, :] * s[None, :, :])
    pair = np.where(np.isfinite(gap), gap * weight, np.nan)
    off = ~np.eye(p.shape[0], dtype=bool)
    vals = np.where(off[..., None], pair, np.nan).reshape(-1, problem.n_issues)
    counted = np.isfinite(vals).sum(axis=0)
    total = np.nansum(vals, axis=0)
    return np.divide(total, counted, out=np.zeros(problem.n_issues), where=counted > 0)


def most_contested(problem: Problem, n: int = 2) -> list[str]:
    """The ``n`` most contested issues (ids), most contested first; ties keep the scenario order."""
    c = contestedness(problem)
    order = np.argsort(-c, kind="stable")
    return [problem.issue_ids[j] for j in order[:n]]


def margin_grid(
    problem: Problem,
    issue_x: str,
    issue_y: str,
    at: Array | Mapping[str, float],
    loss: Loss = "quadratic",
    n: int = 101,
) -> ZoneGrid:
    """Every veto player's margin on an ``n`` x ``n`` grid over two issues.

    ``at`` fixes the other issues: a point on the unit scale ``(I,)``, or a mapping issue id ->
    value in scale units with every issue (e.g. the case analysis's maximin deal). The
    problem must have no batch axis.
    """
    if problem.batch_shape:
        raise ValueError("margin_grid takes a problem without a batch axis")
    if isinstance(at, Mapping):
        at = problem.to_unit(np.array([float(at[i]) for i in problem.issue_ids]))
    jx, jy = problem.issue_ids.index(issue_x), problem.issue_ids.index(issue_y)
    u = np.linspace(0.0, 1.0, n)
    gx, gy = np.meshgrid(u, u)  # (ny, nx)
    pts = np.broadcast_to(np.asarray(at, dtype=float), (n * n, problem.n_issues)).copy()
    pts[:, jx] = gx.ravel()
    pts[:, jy] = gy.ravel()
    r, _ = reservation(problem, loss)
    m = utility_of_points(problem, pts, loss) - r[None, :]  # (K, A)
    veto = np.flatnonzero(problem.veto)
    margins = m[:, veto].T.reshape(len(veto), n, n)
    span = problem.scale_max - problem.scale_min
    at_scale = problem.to_scale(np.asarray(at, dtype=float))
    return ZoneGrid(
        issue_x=issue_x,
        issue_y=issue_y,
        x=problem.scale_min[jx] + u * span[jx],
        y=problem.scale_min[jy] + u * span[jy],
        margins=margins,
        actor_ids=tuple(problem.actor_ids[k] for k in veto),
        at={i: float(v) for i, v in zip(problem.issue_ids, at_scale, strict=True)},
    )
