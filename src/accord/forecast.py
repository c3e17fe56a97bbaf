"""Running registered models on a scenario and turning results back into scale units.

This is the thin layer between the core (Problem, models) and the edges (CLI, report):
it picks the models that apply, routes ``--param`` values to them, and converts outcomes
and trajectories back to the issues' own units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.errors import ParameterError
from accord.models import registry
from accord.models.registry import Field, ModelResult, ModelSpec
from accord.problem import Problem, to_problem
from accord.scenario.model import Scenario


@dataclass
class Forecast:
    """One model's forecast on one scenario (no batch axis), in scale units."""

    model: str
    params: dict[str, Any]
    problem: Problem
    result: ModelResult
    skipped: str | None = None
    outcome: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.skipped is None:
            values = self.problem.to_scale(self.result.outcome)
            self.outcome = {i: float(v) for i, v in zip(self.problem.issue_ids, values, strict=True)}

    def __repr__(self) -> str:
        if self.skipped is not None:
            return f"<Forecast {self.model}: skipped ({self.skipped})>"
        values = ", ".join(f"{i} {v:.4g}" for i, v in self.outcome.items())
        rounds = next(iter(self.result.trajectory.values())).shape[0] - 1 if self.result.trajectory else 0
        return f"<Forecast {self.model}: {values}" + (f"; {rounds} rounds>" if rounds else ">")

    def trajectory(self, issue: str) -> list[dict[str, Any]]:
        """Per round: every trajectory entry for this issue, in its declared layout and scale.

        An entry per actor and issue becomes ``{actor: value}`` (actors with a position on the
        issue); one per issue a value; points on the unit scale are shown in the issue's units.
        """
        traj = self.result.trajectory
        if not traj:
            return []
        j = self.problem.issue_ids.index(issue)
        n_rounds = next(iter(traj.values())).shape[0]
        actors = [(k, a) for k, a in enumerate(self.problem.actor_ids) if self.problem.mask[k, j]]
        rounds: list[dict[str, Any]] = []
        for t in range(n_rounds):
            entry: dict[str, Any] = {"round": t}
            for key, arr in traj.items():
                spec = self.result.fields[key]
                values = self._scaled(arr[t], spec, j)
                if spec.axes == ("round", "actor", "issue"):
                    entry[key] = {a: _num(values[k]) for k, a in actors}
                else:
                    entry[key] = _jsonable(np.asarray(values))
            rounds.append(entry)
        return rounds

    def _scaled(self, arr: Any, spec: Field, j: int) -> Any:
        """``arr[..., j]`` of a per-issue field, points on the unit scale put in the issue's units."""
        values = np.asarray(arr)[..., j]
        if spec.scale == "position":
            lo, hi = self.problem.scale_min[j], self.problem.scale_max[j]
            return lo + values * (hi - lo)
        return values

    def to_json(self, trajectories: bool = True) -> dict[str, Any]:
        """The forecast as JSON-ready data: per issue the outcome, the per-issue details and (unless
        ``trajectories`` is false) the per-round trajectory; the details that are not per issue
        once, under ``details``."""
        if self.skipped is not None:
            return {"skipped": self.skipped}
        fields = self.result.fields
        issues: dict[str, Any] = {}
        for j, issue in enumerate(self.problem.issue_ids):
            item: dict[str, Any] = {"outcome": _num(self.outcome[issue])}
            for key, value in self.result.details.items():
                if fields[key].per_issue:
                    item[key] = _jsonable(np.asarray(self._scaled(value, fields[key], j)))
            traj = self.trajectory(issue) if trajectories else None
            if traj:
                item["trajectory"] = traj
            issues[issue] = item
        out: dict[str, Any] = {"params": _jsonable(self.params), "issues": issues}
        extra = {k: _jsonable(v) for k, v in self.result.details.items() if not fields[k].per_issue}
        if extra:
            out["details"] = extra
        return out


def _num(v: Any) -> Any:
    f = float(v)
    return f if np.isfinite(f) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return [_jsonable(v) for v in value] if value.ndim else _num(value)
        return value.tolist()
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def route_params(specs: list[ModelSpec], params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Split ``--param`` values among models: ``model.name=v`` for one, ``name=v`` for all that have it."""
    names = {s.name for s in specs}
    routed: dict[str, dict[str, Any]] = {s.name: {} for s in specs}
    for key, value in params.items():
        model, dot, pname = key.partition(".")
        if dot:
            if model not in names:
                raise ParameterError(f"--param {key}: model {model!r} is not selected")
            routed[model][pname] = value
            continue
        takers = [s.name for s in specs if any(p.name == key for p in s.params)]
        if not takers:
            raise ParameterError(
                f"--param {key}: no selected model has a parameter {key!r} "
                f"(selected: {', '.join(sorted(names))}; see `accord models`)"
            )
        for t in takers:
            routed[t][key] = value
    return routed


def plan_models(
    problem: Problem,
    models: str | list[str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[tuple[ModelSpec, dict[str, Any]]], dict[str, str]]:
    """The models to run with their checked parameters, and those that do not apply (with why).

    Without ``models``, every registered model that applies; a named model that does not apply
    is an error. A scenario may carry its own parameter defaults (``meta["model_params"]``,
    e.g. a KTAB XML file's), which ``params`` override.
    """
    if isinstance(models, str):  # one name, not a list of letters
        models = [models]
    explicit = bool(models)
    specs = [registry.get(m) for m in models] if models else registry.all_models()
    routed = route_params(specs, params or {})
    runs: list[tuple[ModelSpec, dict[str, Any]]] = []
    skipped: dict[str, str] = {}
    for spec in specs:
        reason = spec.why_not(problem)
        if reason is not None:
            if explicit:
                raise ParameterError(f"model {spec.name} does not apply: {reason}")
            skipped[spec.name] = reason
            continue
        own = (problem.meta.get("model_params") or {}).get(spec.name) or {}
        runs.append((spec, spec.resolve({**own, **routed[spec.name]})))
    return runs, skipped


def run_forecasts(
    scenario: Scenario | Problem,
    models: str | list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> dict[str, Forecast]:
    """Run the named models (every model that applies when none is named; one name or a list)."""
    if isinstance(models, str):
        models = [models]
    problem = scenario if isinstance(scenario, Problem) else to_problem(scenario)
    runs, skipped = plan_models(problem, models, params)
    out: dict[str, Forecast] = {}
    for spec, resolved in runs:
        if spec.name == "ensemble":
            result = _ensemble(problem, resolved, seed, out)
        else:
            result = spec.run(problem, resolved, seed=seed)
        out[spec.name] = Forecast(spec.name, resolved, problem, result)
    for name, reason in skipped.items():
        out[name] = Forecast(name, {}, problem, ModelResult(np.empty(0)), reason)
    order = models or [spec.name for spec in registry.all_models()]
    return {name: out[name] for name in order if name in out}


def _ensemble(
    problem: Problem, resolved: Mapping[str, Any], seed: int | None, done: Mapping[str, Forecast]
) -> ModelResult:
    """The learned ensemble, given the base forecasts that the models already run here computed
    bit for bit (:func:`accord.models.ensemble.reusable`) instead of running them again."""
    from accord.models.ensemble import ensemble_given, load_parameters, reusable

    trained = load_parameters(resolved["params"])
    same_seed = (0 if seed is None else seed) == int(trained.get("seed", 0))
    ran = ((f.model, f.params) for f in done.values() if f.skipped is None)
    reuses = reusable(problem, trained["base_models"], ran, same_seed)
    known = {key: done[name].result.outcome for key, name in reuses.items()}
    return ensemble_given(problem, known, variant=resolved["variant"], params=resolved["params"])


def scenario_json(s: Scenario) -> dict[str, Any]:
    """The scenario summary that heads every JSON output."""
    return {
        "name": s.name,
        "as_of": s.as_of.isoformat() if s.as_of else None,
        "actors": [a.id for a in s.actors],
        "issues": {
            i.id: {
                "name": i.name or i.id,
                "scale": {
                    "min": i.scale.min,
                    "max": i.scale.max,
                    "min_label": i.scale.min_label,
                    "max_label": i.scale.max_label,
                },
                "status_quo": i.status_quo,
                "outcome": i.outcome,
            }
            for i in s.issues
        },
    }


# `accord.forecast(...)` calls accord.api.forecast (the notebook API); see accord.api.callable
from accord.api.callable import make_callable  # noqa: E402

make_callable(__name__, "forecast")
