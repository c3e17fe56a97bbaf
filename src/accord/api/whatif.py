"""What-if sweeps: forecasts and the agreement verdict over a grid of one or two inputs.

A sweep sets one input (an actor's ``position`` or ``salience`` on an issue, or its
``reservation``: its worst acceptable value on an issue, or with no issue its reservation
utility) to each of the given values, or two inputs to every pair of values (a grid), and
answers at every grid point what :func:`accord.forecast` and the agreement analysis answer for
the edited scenario: each model's forecast, whether every veto player accepts it, and whether a
zone of agreement exists (:func:`accord.bargaining.agreement.zone_exists`).

The grid is one batched :class:`~accord.problem.Problem` (the leading batch axis holds the grid
points, as the Monte Carlo draws do in :mod:`accord.uncertainty.simulation`), so every model and
the zone check run once on the whole grid. Models read positions, saliences, capabilities,
powers and the status quo, not reservations (``tests/api/test_sweep.py`` checks this for every
registered model), so grid points that differ only in reservations share one model run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from accord.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from accord.problem import Problem
    from accord.scenario.model import Scenario

Field = Literal["position", "salience", "reservation"]
FIELDS: tuple[str, ...] = ("position", "salience", "reservation")
MAX_POINTS = 1_000_000  # a grid larger than this is almost surely a mistake (memory)


@dataclass(frozen=True)
class Axis:
    """One swept input: ``actor``'s ``field`` on ``issue`` takes each of ``values`` (its own units)."""

    actor: str
    issue: str | None
    field: str
    values: NDArray[np.float64]

    @property
    def label(self) -> str:
        """The frame column holding this axis's values, e.g. ``hamas.presence.reservation``."""
        if self.issue is None:
            return f"{self.actor}.reservation_utility"
        return f"{self.actor}.{self.issue}.{self.field}"


def make_axis(scenario: Scenario, actor: str, issue: str | None, field: str, values: Any, where: str) -> Axis:
    """Check one axis against the scenario (unknown names, values off the scale) and build it."""
    if field not in FIELDS:
        raise InputError(f"{where}field={field!r}: expected one of {', '.join(FIELDS)}")
    if actor not in scenario.actor_ids:
        raise InputError(f"{where}actor={actor!r}: unknown actor (actors: {', '.join(scenario.actor_ids)})")
    if issue is not None and issue not in scenario.issue_ids:
        raise InputError(f"{where}issue={issue!r}: unknown issue (issues: {', '.join(scenario.issue_ids)})")
    if issue is None and field != "reservation":
        raise InputError(f"{where}issue=None: a {field} sweep needs an issue")
    try:
        v = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"{where}values: expected numbers, got {values!r}") from None
    if v.size == 0:
        raise InputError(f"{where}values: no values to sweep")
    a = scenario.actor(actor)
    if issue is None:
        lo, hi, what = 0.0, 1.0, "the utility range 0..1"
    elif field == "salience":
        lo, hi = 0.0, float(scenario.salience_scale)
        what = f"the salience scale 0..{hi:g}"
    else:
        sc = scenario.issue(issue).scale
        lo, hi, what = sc.min, sc.max, f"the scale {sc.min:g}..{sc.max:g} of {issue}"
    bad = np.flatnonzero(~np.isfinite(v) | (v < lo) | (v > hi))
    if bad.size:
        k = int(bad[0])
        raise InputError(f"{where}values[{k}] = {v[k]:g}: outside {what}")
    if field in ("position", "salience") and issue not in a.positions:
        raise InputError(
            f"{where}{actor} has no position on {issue}: nothing to sweep (add it with with_position)"
        )
    if (
        field == "reservation"
        and issue is not None
        and a.reservation is not None
        and a.reservation.utility is not None
    ):
        raise InputError(
            f"{where}{actor}'s reservation is a utility ({a.reservation.utility:g}), not a point: sweep it "
            "with issue=None, or give the actor a point reservation first"
        )
    return Axis(actor, issue, field, v)


def grid_problem(scenario: Scenario, axes: Sequence[Axis]) -> tuple[Problem, list[NDArray[np.float64]]]:
    """The scenario as a Problem whose batch axis holds every grid point (the product of the
    axes, the first varying slowest), and each axis's value per grid point."""
    from accord.problem import to_problem

    base = to_problem(scenario)
    mesh = np.meshgrid(*[ax.values for ax in axes], indexing="ij")
    flat = [m.reshape(-1) for m in mesh]
    n = flat[0].size
    p = base.with_batch(n)
    position, salience = p.position, p.salience
    res_u, res_p = p.reservation_utility, p.reservation_point
    top = float(scenario.salience_scale)
    for ax, v in zip(axes, flat, strict=True):
        a = scenario.actor_ids.index(ax.actor)
        if ax.issue is None:
            res_u[:, a] = v
            res_p[:, a, :] = np.nan  # a utility replaces a point (as with_reservation does)
            continue
        j = scenario.issue_ids.index(ax.issue)
        lo, hi = base.scale_min[j], base.scale_max[j]
        if ax.field == "position":
            position[:, a, j] = (v - lo) / (hi - lo)
        elif ax.field == "salience":
            salience[:, a, j] = v / top
        else:
            res_p[:, a, j] = (v - lo) / (hi - lo)
    return replace(p, position=position, salience=salience, reservation_utility=res_u,
                   reservation_point=res_p), flat  # fmt: skip


def model_inputs_key(problem: Problem) -> NDArray[np.float64]:
    """Per grid point ``(N, k)``: every value a model reads (not the reservations)."""
    n = problem.batch_shape[0]
    parts = [problem.position, problem.salience, problem.capability, problem.power, problem.status_quo]
    return np.concatenate([np.nan_to_num(np.asarray(x).reshape(n, -1), nan=-1.0) for x in parts], axis=1)


def run_models(
    problem: Problem, runs: Sequence[tuple[str, Any, dict[str, Any]]], seed: int
) -> dict[str, NDArray[np.float64]]:
    """Each model's outcome ``(N, I)`` (unit scale) on a batched problem: one run per distinct
    model input (grid points that differ in reservations only share it)."""
    key = model_inputs_key(problem)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    sub = problem.take(first)
    out: dict[str, NDArray[np.float64]] = {}
    for name, spec, params in runs:
        y = np.asarray(spec.run(sub, params, seed=seed).outcome, dtype=float)
        out[name] = y[inverse.reshape(-1)]
    return out


class Sweep:
    """Forecasts and verdicts over a grid of what-if values (see :func:`accord.sweep`).

    ``axes``: the swept inputs; ``values``: each axis's value per grid point ``(N,)``;
    ``outcomes[model]``: ``(N, I)`` in scale units; ``acceptable[model]``: ``(N,)`` whether every
    veto player accepts the model's forecast; ``zone``: ``(N,)`` 1.0 where a zone of agreement
    exists, 0.0 where not, NaN where it cannot be judged (``zone_note`` says why);
    ``proposals``: ``(N, P)`` whether every veto player accepts each of the scenario's proposals.

    >>> import accord
    >>> sw = accord.sweep("examples/gaza_ceasefire_2024.yaml", "hamas", "presence", "reservation",
    ...                   values=[30, 70], models="compromise")
    >>> sw.to_frame()[["hamas.presence.reservation", "issue", "outcome", "zone"]].round(1)
       hamas.presence.reservation       issue  outcome  zone
    0                        30.0    presence     41.4   0.0
    1                        30.0    hostages     60.8   0.0
    2                        30.0  end_of_war     44.7   0.0
    3                        70.0    presence     41.4   1.0
    4                        70.0    hostages     60.8   1.0
    5                        70.0  end_of_war     44.7   1.0
    """

    def __init__(
        self,
        scenario: Scenario,
        axes: list[Axis],
        values: list[NDArray[np.float64]],
        outcomes: dict[str, NDArray[np.float64]],
        acceptable: dict[str, NDArray[np.bool_]],
        zone: NDArray[np.float64],
        zone_note: str | None,
        proposals: NDArray[np.bool_],
        skipped: dict[str, str],
        loss: str,
    ) -> None:
        self.scenario = scenario
        self.axes = axes
        self.values = values
        self.outcomes = outcomes
        self.acceptable = acceptable
        self.zone = zone
        self.zone_note = zone_note
        self.proposals = proposals
        self.skipped = skipped
        self.loss = loss

    @property
    def n_points(self) -> int:
        return int(self.values[0].size)

    def to_frame(self, table: str = "forecasts") -> pd.DataFrame:
        """A tidy table of the sweep; the first columns hold the swept values, one column per
        axis named ``ACTOR.ISSUE.FIELD`` (``ACTOR.reservation_utility`` for a utility).

        ``"forecasts"`` (one row per grid point, model and issue): the axis columns, ``model``,
        ``issue``, ``outcome`` (scale units), ``acceptable`` (every veto player accepts the
        model's forecast), ``zone`` (a zone of agreement exists at this grid point; NaN where it
        cannot be judged).

        ``"points"`` (one row per grid point): the axis columns, ``zone``, and one column
        ``accepts:PROPOSAL`` per proposal of the scenario (every veto player accepts it).
        """
        import pandas as pd

        n, ids = self.n_points, self.scenario.issue_ids
        axis_cols = {ax.label: v for ax, v in zip(self.axes, self.values, strict=True)}
        if table == "points":
            cols: dict[str, Any] = {**axis_cols, "zone": self.zone}
            for k, prop in enumerate(self.scenario.proposals):
                cols[f"accepts:{prop.id}"] = self.proposals[:, k]
            return pd.DataFrame(cols)
        if table != "forecasts":
            raise InputError(f"to_frame: table {table!r} is not one of forecasts, points")
        frames = []
        for model, y in self.outcomes.items():
            frames.append(
                pd.DataFrame(
                    {
                        **{k: np.repeat(v, len(ids)) for k, v in axis_cols.items()},
                        "model": model,
                        "issue": np.tile(np.array(ids, dtype=object), n),
                        "outcome": y.reshape(-1),
                        "acceptable": np.repeat(self.acceptable[model], len(ids)),
                        "zone": np.repeat(self.zone, len(ids)),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=[*axis_cols, "model", "issue", "outcome", "acceptable", "zone"])
        return pd.concat(frames, ignore_index=True)

    def plot(self, issue: str | None = None, model: str | None = None) -> Figure:
        """One axis: every model's forecast along the swept values, one panel per issue (or just
        ``issue``), shaded where a zone of agreement exists. Two axes: a heat map over the grid of
        whether a zone exists, or with ``model`` (and ``issue``) of that model's forecast."""
        from accord.api.results import shown
        from accord.report import figures as fg

        if issue is not None and issue not in self.scenario.issue_ids:
            raise InputError(f"plot(issue={issue!r}): unknown issue ({', '.join(self.scenario.issue_ids)})")
        if model is not None and model not in self.outcomes:
            raise InputError(f"plot(model={model!r}): not among the models ({', '.join(self.outcomes)})")
        ids = [issue] if issue else list(self.scenario.issue_ids)
        if len(self.axes) == 1:
            order = np.argsort(self.values[0], kind="stable")
            panels = []
            for i in ids:
                j = self.scenario.issue_ids.index(i)
                sc = self.scenario.issue(i).scale
                models = [model] if model else list(self.outcomes)
                panels.append(
                    {
                        "name": self.scenario.issue(i).name or i,
                        "scale": (sc.min, sc.max, sc.min_label, sc.max_label),
                        "models": {m: self.outcomes[m][order, j] for m in models},
                    }
                )
            zone = None if self.zone_note is not None else self.zone[order]
            return shown(fg.sweep_lines(
                self.values[0][order], panels, zone, self.axes[0].label,
                f"Forecasts as {self.axes[0].label} varies",
            ))  # fmt: skip
        if len(self.axes) != 2:
            raise InputError("plot: only sweeps over one or two inputs can be drawn")
        shape = (self.axes[0].values.size, self.axes[1].values.size)
        x, y = self.axes[1].values, self.axes[0].values
        if model is None:
            return shown(fg.sweep_grid(
                x, y, self.zone.reshape(shape), self.axes[1].label, self.axes[0].label,
                "zone of agreement", "Does a zone of agreement exist?", binary=True,
            ))  # fmt: skip
        i = issue or ids[0]
        j = self.scenario.issue_ids.index(i)
        values = self.outcomes[model][:, j].reshape(shape)
        return shown(fg.sweep_grid(
            x, y, values, self.axes[1].label, self.axes[0].label, f"{model} forecast on {i}",
            f"{model}: forecast on {self.scenario.issue(i).name or i}",
        ))  # fmt: skip

    def __repr__(self) -> str:
        dims = " x ".join(f"{ax.label} ({ax.values.size} values)" for ax in self.axes)
        lines = [f"Sweep of {self.scenario.name!r}: {dims}; {len(self.outcomes)} models"]
        if self.zone_note is None:
            share = float(np.mean(self.zone == 1.0))
            lines.append(
                f"a zone of agreement exists at {100 * share:.0f}% of the {self.n_points} grid points"
            )
            if len(self.axes) == 1 and 0 < share < 1:
                v = self.values[0]
                yes = v[self.zone == 1.0]
                lines.append(f"  where {self.axes[0].label} is in {yes.min():g}..{yes.max():g}")
        else:
            lines.append(f"zone: {self.zone_note}")
        lines.append("to_frame() for forecasts and verdicts; plot() to draw them")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape

        head, *rest = repr(self).split("\n")
        body = "<br>".join(escape(x) for x in rest[:-1])
        return f"<div><p><b>{escape(head)}</b><br>{body}</p></div>"


def parse_axes(
    scenario: Scenario,
    actor: str | None,
    issue: str | None,
    field: str,
    values: Any,
    grid: Sequence[Any] | None,
) -> list[Axis]:
    """The axes of a sweep from :func:`accord.sweep`'s arguments."""
    if grid is None:
        if actor is None or values is None:
            raise InputError("sweep: give actor=, issue=, field= and values=, or grid=[...]")
        return [make_axis(scenario, actor, issue, field, values, "sweep: ")]
    if actor is not None or values is not None:
        raise InputError("sweep: give either actor=/issue=/field=/values= or grid=, not both")
    if isinstance(grid, Mapping) or not 1 <= len(grid) <= 2:
        raise InputError("sweep(grid=...): expected a list of one or two axes")
    axes = []
    for k, item in enumerate(grid):
        where = f"sweep(grid[{k}]): "
        if isinstance(item, Mapping):
            unknown = set(item) - {"actor", "issue", "field", "values"}
            if unknown:
                raise InputError(f"{where}unknown key(s) {', '.join(sorted(unknown))}")
            if "actor" not in item or "values" not in item:
                raise InputError(f"{where}needs actor and values")
            axes.append(
                make_axis(scenario, item["actor"], item.get("issue"), item.get("field", "position"),
                          item["values"], where)
            )  # fmt: skip
        elif isinstance(item, Sequence) and len(item) == 4:
            axes.append(make_axis(scenario, item[0], item[1], item[2], item[3], where))
        else:
            raise InputError(f"{where}expected a mapping or (actor, issue, field, values)")
    if len(axes) == 2 and axes[0].label == axes[1].label:
        raise InputError("sweep(grid=...): both axes sweep the same input")
    return axes


def sweep(
    scenario: Scenario,
    axes: list[Axis],
    models: list[str] | None,
    flat: Mapping[str, Any],
    *,
    loss: str = "quadratic",
    seed: int = 0,
) -> Sweep:
    """Run the sweep over ``axes`` (built by :func:`parse_axes`); see :func:`accord.sweep`."""
    from accord.api.params import for_model, split_variant
    from accord.bargaining.agreement import check_problem, zone_exists
    from accord.forecast import plan_models
    from accord.uncertainty.simulation import proposal_points, veto_acceptance

    if loss not in ("linear", "quadratic"):
        raise InputError(f"sweep(loss={loss!r}): expected linear or quadratic")
    n = int(np.prod([ax.values.size for ax in axes]))
    if n > MAX_POINTS:
        raise InputError(f"sweep: {n} grid points is more than {MAX_POINTS}")
    problem, values = grid_problem(scenario, axes)
    runs: list[tuple[str, Any, dict[str, Any]]] = []
    skipped: dict[str, str] = {}
    if models is None:
        planned, skipped = plan_models(problem, None, flat)
        runs = [(spec.name, spec, params) for spec, params in planned]
    else:
        for entry in models:
            model, fixed = split_variant(entry)
            own = {**for_model(flat, model), **{f"{model}.{k}": v for k, v in fixed.items()}}
            planned, _ = plan_models(problem, [model], own)
            runs.extend((entry, spec, params) for spec, params in planned)
    unit = run_models(problem, runs, seed)
    outcomes = {name: problem.to_scale(y) for name, y in unit.items()}
    acceptable: dict[str, NDArray[np.bool_]] = {
        name: veto_acceptance(problem, y[:, None, :], loss)[:, 0]  # type: ignore[arg-type]
        for name, y in unit.items()
    }
    zone = np.full(n, np.nan)
    note: str | None = None
    try:
        check_problem(problem, loss)  # type: ignore[arg-type]
    except InputError as exc:
        note = str(exc)
    else:
        zone = np.asarray(zone_exists(problem, loss), dtype=float)  # type: ignore[arg-type]
    props = proposal_points(scenario, problem)
    accepted: NDArray[np.bool_] = np.zeros((n, 0), dtype=np.bool_)
    if props.shape[0]:
        accepted = veto_acceptance(problem, np.broadcast_to(props, (n, *props.shape)), loss)  # type: ignore[arg-type]
    return Sweep(scenario, axes, values, outcomes, acceptable, zone, note, accepted, skipped, loss)
