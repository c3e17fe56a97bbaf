"""Backtests: how far each model's forecast lands from recorded outcomes.

The scorable issues of a DEU file (a recorded outcome and at least ``min_actors`` actors with
a position) are forecast by every registered model that applies, and the absolute errors are
summarised per model: mean absolute error (the field's yardstick: Achen 2006; Thomson 2011),
root mean squared error, median absolute error and bias (forecast minus outcome, so a
positive bias forecasts too high), with percentile bootstrap intervals that resample
*proposals* (the issues of one proposal are decided together, so they are not independent),
and splits by procedure, voting rule and era.

Single-issue models run on all issues at once: the one-issue problems are stacked along the
batch axis, one stack per actor set (issues whose actors, veto pattern and scales agree),
which is exact for any model that carries the batch axis through. Models that couple issues
(the exchange model trades between the issues of one proposal) run once per proposal on a
multi-issue problem that groups the proposal's issues (:data:`JOINT_MODELS`, extendable per
call).

A model with a ``variant`` parameter (EUM: ``scholz`` and ``paper``) is scored once per variant:
the default variant under the model's name, every other as ``NAME:VARIANT`` (``eum:paper``),
which is also how one asks for it by name (:func:`model_rows`).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.errors import ParameterError
from accord.forecast import route_params
from accord.models import registry
from accord.models.registry import ModelSpec
from accord.models.weighted import weighted_median
from accord.problem import Problem, to_problem
from accord.scenario.formats.deu import merge_issues
from accord.scenario.model import Scenario

Array = NDArray[np.float64]

# models that run across the issues of a proposal rather than issue by issue (the ensemble's
# exchange-model feature trades across the proposal, as in its training)
JOINT_MODELS: frozenset[str] = frozenset({"exchange", "ensemble"})
# learned models: scoring them in-sample would flatter them; their honest figure is cross-validated
LEARNED_MODELS: frozenset[str] = frozenset({"ensemble"})
BASELINE = "compromise"
SPLITS = ("procedure", "voting_rule", "era")


def scorable(scenarios: Sequence[Scenario], min_actors: int = 3) -> list[Scenario]:
    """The one-issue scenarios with a recorded outcome and at least ``min_actors`` positions."""
    out = []
    for s in scenarios:
        issue = s.issues[0]
        n = sum(issue.id in a.positions for a in s.actors)
        if issue.outcome is not None and n >= min_actors:
            out.append(s)
    return out


def stack(problems: Sequence[Problem]) -> Problem:
    """Stack problems of one shape along a new leading batch axis.

    The problems must agree on everything that has no batch axis (mask, veto, scales). Actor
    ids are kept when they agree, else numbered. Each problem's ``meta`` goes to
    ``meta["batch_meta"]`` (a list in batch order) for models that read importer facts.
    """
    first = problems[0]
    ids = first.actor_ids
    if any(p.actor_ids != ids for p in problems):
        ids = tuple(f"actor{k + 1}" for k in range(first.n_actors))
    issue_ids = (
        first.issue_ids
        if all(p.issue_ids == first.issue_ids for p in problems)
        else tuple(f"issue{k + 1}" for k in range(first.n_issues))
    )

    def st(name: str) -> Array:
        return np.stack([getattr(p, name) for p in problems])

    return replace(
        first,
        position=st("position"),
        salience=st("salience"),
        capability=st("capability"),
        power=st("power"),
        status_quo=st("status_quo"),
        reservation_utility=st("reservation_utility"),
        reservation_point=st("reservation_point"),
        actor_ids=ids,
        issue_ids=issue_ids,
        meta={"batch_meta": [p.meta for p in problems]},
    )


def _shape_key(p: Problem) -> tuple[Any, ...]:
    return (
        p.position.shape,
        p.actor_ids,
        p.mask.tobytes(),
        p.veto.tobytes(),
        p.scale_min.tobytes(),
        p.scale_max.tobytes(),
    )


@dataclass
class ModelRun:
    """One model's forecasts over the scored issues, in scale units (NaN where it did not run)."""

    name: str
    forecast: Array
    skipped: dict[str, str] = field(default_factory=dict)
    joint: bool = False


def run_issue_model(
    spec: ModelSpec,
    problems: Sequence[Problem],
    params: Mapping[str, Any],
    seed: int,
    batch: bool = True,
) -> tuple[Array, dict[int, str]]:
    """Forecast every one-issue problem; stacks same-shape problems along the batch axis.

    Returns the forecasts (scale units, NaN where the model does not apply) and the reasons
    by problem index.
    """
    out = np.full(len(problems), np.nan)
    reasons: dict[int, str] = {}
    groups: dict[tuple[Any, ...], list[int]] = {}
    for k, p in enumerate(problems):
        groups.setdefault(_shape_key(p) if batch else (k,), []).append(k)
    seeds = np.random.SeedSequence(seed).spawn(len(groups))
    for (_, members), ss in zip(groups.items(), seeds, strict=True):
        sub = [problems[k] for k in members]
        prob = stack(sub) if batch else sub[0]
        reason = spec.why_not(prob)
        if reason is not None:
            for k in members:
                reasons[k] = reason
            continue
        result = spec.run(prob, params, seed=ss)
        values = prob.to_scale(result.outcome).reshape(len(members), -1)[:, 0]
        out[np.asarray(members)] = values
    return out, reasons


def run_joint_model(
    spec: ModelSpec,
    groups: Sequence[Sequence[Scenario]],
    params: Mapping[str, Any],
    seed: int,
    spawn: bool = True,
) -> tuple[list[Array], dict[int, str]]:
    """Forecast each group of issues (a proposal) together on one multi-issue problem.

    Each group's generator is seeded by a child of ``seed`` (``spawn=False``: by ``seed`` itself).
    """
    seeds: Sequence[int | np.random.SeedSequence] = (
        np.random.SeedSequence(seed).spawn(max(len(groups), 1)) if spawn else [seed] * max(len(groups), 1)
    )
    out: list[Array] = []
    reasons: dict[int, str] = {}
    for g, (members, ss) in enumerate(zip(groups, seeds, strict=False)):
        scenario = merge_issues(members) if len(members) > 1 else members[0]
        prob = to_problem(scenario)
        reason = spec.why_not(prob)
        if reason is not None:
            reasons[g] = reason
            out.append(np.full(len(members), np.nan))
            continue
        result = spec.run(prob, params, seed=ss)
        out.append(np.asarray(prob.to_scale(result.outcome), dtype=float).reshape(-1))
    return out, reasons


@dataclass
class Backtest:
    """Forecasts and recorded outcomes of the scored issues, with error summaries."""

    issues: list[dict[str, Any]]
    outcome: Array
    proposal: NDArray[np.str_]
    runs: dict[str, ModelRun]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return list(self.runs)

    def errors(self, model: str) -> Array:
        """Forecast minus outcome per issue (NaN where the model did not run)."""
        return self.runs[model].forecast - self.outcome

    def add(self, run: ModelRun) -> None:
        self.runs[run.name] = run

    def metrics(self, model: str, where: NDArray[np.bool_] | None = None) -> dict[str, Any]:
        """MAE, RMSE, median absolute error, bias and n over the issues in ``where``."""
        e = self.errors(model)
        keep = np.isfinite(e) if where is None else np.isfinite(e) & where
        return summarise(e[keep])

    def bootstrap(
        self,
        model: str,
        n_boot: int = 1000,
        seed: int = 0,
        level: float = 0.95,
        against: str | None = BASELINE,
    ) -> dict[str, Any]:
        """Percentile intervals for MAE, RMSE, median AE and bias, resampling proposals.

        Each replicate draws as many proposals as there are, with replacement, and weighs each
        issue by how often its proposal was drawn; every model sees the same replicates (the
        generator is seeded by ``seed`` alone), so intervals for a difference are paired.
        ``against``: also the interval of MAE(model) - MAE(against) on their common issues.
        """
        e = self.errors(model)
        keep = np.isfinite(e)
        weights = proposal_weights(self.proposal, n_boot, seed)
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        out: dict[str, Any] = {"level": level, "n_boot": n_boot}
        for name, stat in _weighted_stats(e[keep], weights[:, keep]).items():
            out[name] = [float(np.nanquantile(stat, lo_q)), float(np.nanquantile(stat, hi_q))]
        if against is not None and against in self.runs and against != model:
            f = self.errors(against)
            both = keep & np.isfinite(f)
            w = weights[:, both]
            tot = w.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                diff = (w @ np.abs(e[both]) - w @ np.abs(f[both])) / tot
            point = float(np.mean(np.abs(e[both])) - np.mean(np.abs(f[both]))) if both.any() else None
            out[f"mae_minus_{against}"] = {
                "estimate": point,
                "interval": [float(np.nanquantile(diff, lo_q)), float(np.nanquantile(diff, hi_q))],
                "n": int(both.sum()),
            }
        return out

    def splits(self) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
        """Metrics per model within each procedure, voting rule and era."""
        out: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        for key in SPLITS:
            labels = np.array([str(i.get(key)) for i in self.issues])
            out[key] = {
                str(v): {m: self.metrics(m, labels == v) for m in self.runs} for v in sorted(set(labels))
            }
        return out

    def to_json(self, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
        models: dict[str, Any] = {}
        for m, run in self.runs.items():
            entry = self.metrics(m)
            entry["bootstrap"] = self.bootstrap(m, n_boot=n_boot, seed=seed) if entry["n"] else None
            if run.skipped:
                entry["skipped"] = run.skipped
            if m in self.params:
                entry["params"] = self.params[m]
            if run.joint:
                entry["runs_on"] = "proposal"
            models[m] = entry
        issues = []
        for k, item in enumerate(self.issues):
            row = dict(item)
            row["forecasts"] = {m: _num(r.forecast[k]) for m, r in self.runs.items()}
            issues.append(row)
        return {"info": self.info, "models": models, "splits": self.splits(), "issues": issues}


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def summarise(errors: Array) -> dict[str, Any]:
    """MAE, RMSE, median absolute error and bias of signed errors (forecast - outcome)."""
    if errors.size == 0:
        return {"mae": None, "rmse": None, "median_ae": None, "bias": None, "n": 0}
    a = np.abs(errors)
    return {
        "mae": float(a.mean()),
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "median_ae": float(np.median(a)),
        "bias": float(errors.mean()),
        "n": int(errors.size),
    }


def proposal_weights(proposal: NDArray[np.str_], n_boot: int, seed: int) -> Array:
    """Bootstrap weights ``(n_boot, n_issues)``: how often each issue's proposal was drawn."""
    labels, index = np.unique(proposal, return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(labels), size=(n_boot, len(labels)))
    counts = np.zeros((n_boot, len(labels)))
    np.add.at(counts, (np.arange(n_boot)[:, None], draws), 1.0)
    return counts[:, index]


def _weighted_stats(e: Array, w: Array) -> dict[str, Array]:
    tot = w.sum(axis=1)
    a = np.abs(e)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = w @ a / tot
        rmse = np.sqrt(w @ (e**2) / tot)
        bias = w @ e / tot
    med = weighted_median(np.broadcast_to(a, w.shape), w, axis=-1)
    return {"mae": mae, "rmse": rmse, "median_ae": med, "bias": bias}


def select_models(names: Sequence[str] | None, exclude: Collection[str] = LEARNED_MODELS) -> list[ModelSpec]:
    """The named models, or every registered model except the learned ones."""
    if names:
        return [registry.get(n.partition(":")[0]) for n in names]
    return [s for s in registry.all_models() if s.name not in exclude]


def variants(spec: ModelSpec) -> tuple[str, ...]:
    """The choices of a model's ``variant`` parameter, the default first (none if it has none)."""
    for p in spec.params:
        if p.name == "variant" and p.choices:
            return (str(p.default), *(str(c) for c in p.choices if c != p.default))
    return ()


def model_rows(
    names: Sequence[str] | None, exclude: Collection[str] = LEARNED_MODELS
) -> list[tuple[str, ModelSpec, dict[str, Any]]]:
    """``(row name, spec, fixed parameters)`` for every row of a backtest.

    ``names``: ``NAME`` or ``NAME:VARIANT`` (default: every registered model but the learned
    ones, each with every variant: ``eum`` (its default variant) and ``eum:paper``).
    """
    rows: list[tuple[str, ModelSpec, dict[str, Any]]] = []
    if names:
        for n in names:
            model, _, variant = n.partition(":")
            spec = registry.get(model)
            if not variant:
                rows.append((n, spec, {}))
                continue
            if variant not in variants(spec):
                choices = ", ".join(variants(spec)) or "none"
                raise ParameterError(f"model {model} has no variant {variant!r} (variants: {choices})")
            rows.append((n, spec, {"variant": variant}))
        return rows
    for spec in select_models(None, exclude):
        vs = variants(spec)
        rows.append((spec.name, spec, {"variant": vs[0]} if vs else {}))
        rows.extend((f"{spec.name}:{v}", spec, {"variant": v}) for v in vs[1:])
    return rows


def run_backtest(
    scenarios: Sequence[Scenario],
    models: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    min_actors: int = 3,
    joint: Collection[str] = JOINT_MODELS,
    batch: bool = True,
) -> Backtest:
    """Forecast every scorable one-issue scenario with every model that applies.

    ``scenarios``: one-issue scenarios (e.g. :func:`accord.scenario.formats.deu.read_issues`);
    ``models``: names, ``NAME`` or ``NAME:VARIANT`` (default: every registered model but the
    learned ones, one row per variant, see :func:`model_rows`); ``params``:
    ``--param`` style values routed to the models; ``joint``: models to run per proposal
    (``meta["proposal"]``) on a multi-issue problem holding all the proposal's issues in
    ``scenarios`` (scored or not); only scorable issues are scored.
    """
    cases = scorable(scenarios, min_actors)
    if not cases:
        raise ParameterError(f"no scorable issue (a recorded outcome and at least {min_actors} positions)")
    rows = model_rows(models)
    specs = list({id(spec): spec for _, spec, _ in rows}.values())
    routed = route_params(specs, params or {})
    problems = [to_problem(s) for s in cases]
    proposal = np.array([str(s.meta.get("proposal", s.issues[0].id)) for s in cases])
    outcome = np.array([float(s.issues[0].outcome) for s in cases])  # type: ignore[arg-type]
    runs: dict[str, ModelRun] = {}
    resolved_params: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    for name, spec, fixed in rows:
        started = time.perf_counter()
        resolved = spec.resolve({**routed[spec.name], **fixed})
        resolved_params[name] = resolved
        if spec.name in joint:
            # every issue of a proposal takes part (trades may run through unscored issues);
            # only the scored ones are scored
            members: dict[str, list[Scenario]] = {}
            for s in scenarios:
                members.setdefault(str(s.meta.get("proposal", s.issues[0].id)), []).append(s)
            row = {c.issues[0].id: k for k, c in enumerate(cases)}
            pids = list(dict.fromkeys(str(p) for p in proposal))
            groups = [members[pid] for pid in pids]
            values, why = run_joint_model(spec, groups, resolved, seed)
            forecast = np.full(len(cases), np.nan)
            skipped: dict[str, str] = {}
            for g, group in enumerate(groups):
                for s, v in zip(group, values[g], strict=True):
                    k = row.get(s.issues[0].id)
                    if k is None:
                        continue
                    forecast[k] = v
                    if g in why:
                        skipped[s.issues[0].id] = why[g]
            runs[name] = ModelRun(name, forecast, skipped, joint=True)
        else:
            forecast, reasons = run_issue_model(spec, problems, resolved, seed, batch=batch)
            runs[name] = ModelRun(name, forecast, {cases[k].issues[0].id: r for k, r in reasons.items()})
        seconds[name] = time.perf_counter() - started
    issues = [issue_row(s) for s in cases]
    info = {
        "n_issues": len(cases),
        "n_proposals": len(set(proposal.tolist())),
        "min_actors": min_actors,
        "seconds": seconds,
    }
    return Backtest(issues, outcome, proposal, runs, resolved_params, info)


def issue_row(s: Scenario) -> dict[str, Any]:
    """The per-issue facts a backtest reports beside the forecasts."""
    issue = s.issues[0]
    meta = s.meta
    return {
        "issue": issue.id,
        "proposal": meta.get("proposal"),
        "procedure": meta.get("procedure"),
        "voting_rule": meta.get("voting_rule"),
        "era": meta.get("era"),
        "n_actors": sum(issue.id in a.positions for a in s.actors),
        "status_quo": issue.status_quo,
        "outcome": issue.outcome,
    }
