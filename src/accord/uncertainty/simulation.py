"""Forecasts under uncertainty: Monte Carlo draws of a scenario through the models.

Each draw perturbs the inputs the scenario declares uncertain (:mod:`accord.uncertainty.draws`)
and runs every selected model on the whole batch of draws at once (the models are vectorised
over the batch axis). Per model and issue it reports the distribution of the outcome
(quantiles 5, 25, 50, 75, 95, mean, standard deviation, histogram); per draw, whether a zone
of agreement exists (:func:`accord.bargaining.agreement.zone_exists`, where that module is
installed), whether each proposal is accepted by every veto player, and whether each model's
point forecast stays acceptable to every veto player (a durability proxy: a deal that the
uncertainty in the inputs can push out of some veto player's acceptance set is fragile).
Acceptance is :func:`accord.bargaining.utility.all_veto_accept` on the draw's own positions,
saliences and reservation utilities.

Draws are cut into blocks of :data:`~accord.uncertainty.draws.BLOCK_SIZE` with one random stream
per block, and tasks (ranges of blocks) run in-process or on Dask
(:mod:`accord.uncertainty.distributed`): the numbers depend on the seed alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.bargaining.utility import Loss, all_veto_accept, reservation, utility_of_points
from accord.errors import InputError
from accord.forecast import plan_models
from accord.limits import check_draws_memory
from accord.models import registry
from accord.problem import Problem, to_problem
from accord.scenario.model import Scenario
from accord.uncertainty.distributed import (
    Chunk,
    Progress,
    Work,
    early_processes,
    resolve_jobs,
    run_blocks,
    run_works,
)
from accord.uncertainty.draws import (
    BLOCK_SIZE,
    MONTE_CARLO,
    Inputs,
    block_seed,
    draw_uniforms,
    model_seed,
    n_blocks,
    normal_functions,
    uncertain_inputs,
)

Array = NDArray[np.float64]

QUANTILES: tuple[int, ...] = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class ModelRun:
    """A model to run on every draw: its registry name and resolved parameters (picklable).

    ``reuses``: (base-model key, model name) pairs: the learned ensemble's base forecasts that
    are, bit for bit, another selected model's outcome on the same draws
    (:func:`accord.models.ensemble.same_forecasts`), passed to it instead of recomputed;
    ``seed_free``: those of its keys that hold only where that model's run drew nothing from its
    generator (the exchange model, which runs with another seed in the ensemble, breaks ties
    at random). ``watch``: note whether this model's run drew (another model reuses it so).
    """

    name: str
    params: dict[str, Any]
    reuses: tuple[tuple[str, str], ...] = ()
    seed_free: tuple[str, ...] = ()
    watch: bool = False

    def run(
        self,
        problem: Problem,
        seed: int | np.random.SeedSequence,
        outcomes: Mapping[str, Array] | None = None,
        drew: dict[str, bool] | None = None,
    ) -> Array:
        """The outcome on ``problem``; ``outcomes``: the other models' on it, by name (for
        ``reuses``); ``drew``: whether each watched model's run drew, by name (filled for this
        model when it is watched, read for ``seed_free``)."""
        spec = registry.get(self.name)
        if self.watch and drew is not None:
            from accord.models.ensemble import run_noting_draws

            result, drew[self.name] = run_noting_draws(self.name, problem, self.params, seed)
            return result.outcome
        if not self.reuses or outcomes is None:
            return spec.run(problem, self.params, seed=seed).outcome
        from accord.models.ensemble import ensemble_given

        known = {
            key: outcomes[name]
            for key, name in self.reuses
            if key not in self.seed_free or (drew or {}).get(name) is False
        }
        return ensemble_given(problem, known, **spec.resolve(self.params)).outcome


def select_models(
    problem: Problem, models: list[str] | None, params: Mapping[str, Any] | None
) -> tuple[list[ModelRun], dict[str, str]]:
    """The models to run (every model that applies when none is named) and those skipped, with why.

    The ensemble, run after the models it can take base forecasts from, is told which.
    """
    planned, skipped = plan_models(problem, models, params)
    runs: list[ModelRun] = []
    for spec, resolved in planned:
        reuses: dict[str, str] = {}
        seed_free: list[str] = []
        if spec.name == "ensemble":
            from accord.models.ensemble import load_parameters, reusable, seed_dependent

            base = load_parameters(resolved["params"])["base_models"]
            ran = ((other.name, other.params) for other in runs)
            reuses = reusable(problem, base, ran, seed_free=True)
            seed_free = seed_dependent(base, reuses)
            watched = {reuses[key] for key in seed_free}
            runs = [replace(r, watch=True) if r.name in watched else r for r in runs]
        runs.append(ModelRun(spec.name, resolved, tuple(reuses.items()), tuple(seed_free)))
    return runs, skipped


# rough CPU seconds per block of 1,000 draws on the examples (docs/performance.md): they only
# order the pieces a block is cut into for local processes (costliest first), never the numbers
MODEL_COST = {"ensemble": 4.0, "smp": 1.5, "eum": 0.5, "exchange": 0.5, "nbs": 0.05}


# models that never load compiled kernels (models/kernels): their tasks may run in the command's
# own process while its workers are busy, since it has not loaded numba (a test checks the list)
NO_KERNELS = frozenset({"mean", "compromise", "median", "nbs"})


def runs_here(models: Sequence[ModelRun]) -> bool:
    """Whether ``models`` all run without compiled kernels (:data:`NO_KERNELS`)."""
    return all(m.name in NO_KERNELS for m in models)


def block_cost(models: Sequence[ModelRun], rows: int) -> float:
    """Rough CPU seconds of ``models`` on ``rows`` draws (:data:`MODEL_COST`): orders tasks only."""
    return rows / 1000 * sum(MODEL_COST.get(m.name, 0.01) for m in models)


def model_groups(models: Sequence[ModelRun]) -> list[tuple[ModelRun, ...]]:
    """The models cut into groups that run apart: the ensemble with the models whose outcomes it
    takes (``reuses``), every other model alone; costliest group first, each in run order."""
    group_of = {m.name: k for k, m in enumerate(models)}
    for m in models:
        for _, name in m.reuses:
            old, new = group_of[name], group_of[m.name]
            group_of = {key: new if g == old else g for key, g in group_of.items()}
    groups: dict[int, list[ModelRun]] = {}
    for m in models:
        groups.setdefault(group_of[m.name], []).append(m)
    ordered = sorted(groups.values(), key=lambda g: -sum(MODEL_COST.get(m.name, 0.01) for m in g))
    return [tuple(g) for g in ordered]


def kernel_warmup(scenario: Scenario, models: Sequence[str] | None, rows: int) -> Any:
    """:func:`accord.models.kernels.warm_up` where running ``models`` (None: every model) on
    blocks of ``rows`` draws of ``scenario`` loads numba anyway: the SMP (alone or in the
    ensemble) on a batch large enough for its compiled kernels
    (:func:`accord.models.smp.batch_loads_kernels`); else None."""
    names = set(models) if models else {m.name for m in registry.all_models()}
    if not names & {"smp", "ensemble"}:
        return None
    from accord.models import kernels, smp

    return kernels.warm_up if smp.batch_loads_kernels(rows, len(scenario.actors)) else None


def worker_warmup(scenario: Scenario, models: Sequence[str] | None, rows: int) -> Callable[[], None]:
    """What a worker started ahead (:func:`~accord.uncertainty.distributed.early_processes`)
    loads before it forks the others, for running ``models`` on blocks of ``rows`` draws of
    ``scenario``: the draws' normal distribution functions (``scipy.special``), and numba where
    :func:`kernel_warmup` says the models load it."""
    return partial(_warm_up, kernel_warmup(scenario, models, rows))


def _warm_up(kernels: Callable[[], None] | None) -> None:
    normal_functions()
    if kernels is not None:
        kernels()


def proposal_points(scenario: Scenario, problem: Problem) -> Array:
    """Proposals ``(P, I)`` on the unit scale; NaN where a proposal leaves an issue out."""
    col = {issue: j for j, issue in enumerate(problem.issue_ids)}
    out = np.full((len(scenario.proposals), problem.n_issues), np.nan)
    for k, prop in enumerate(scenario.proposals):
        for issue, value in prop.point.items():
            out[k, col[issue]] = value
    return problem.to_unit(out) if out.size else out


def veto_acceptance(problem: Problem, points: Array, loss: Loss) -> NDArray[np.bool_]:
    """Whether every veto player accepts each point ``(*B, K, I)``: ``(*B, K)``.

    Issues a point leaves out (NaN) stay at the draw's status quo.
    """
    sq = np.broadcast_to(problem.status_quo, problem.batch_shape + (problem.n_issues,))[..., None, :]
    x = np.where(np.isfinite(points), points, sq)
    r, _ = reservation(problem, loss)
    margin = utility_of_points(problem, x, loss) - r[..., None, :]
    return all_veto_accept(problem, margin)


def zone_function() -> Any:
    """``accord.bargaining.agreement.zone_exists``, or None when that module is not installed."""
    try:
        from accord.bargaining import agreement  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    return getattr(agreement, "zone_exists", None)


@dataclass(frozen=True)
class MonteCarloJob:
    """Everything a worker needs to evaluate blocks of Monte Carlo draws (sent once per worker)."""

    problem: Problem
    inputs: Inputs
    models: tuple[ModelRun, ...]
    seed: int
    n: int
    block_size: int
    proposals: Array
    points: Array
    loss: Loss
    zone: bool


def monte_carlo_pieces(job: MonteCarloJob) -> list[MonteCarloJob]:
    """The job cut by :func:`model_groups`; the last (cheapest) piece also judges acceptance and
    the zone."""
    groups = model_groups(job.models)
    if len(groups) < 2:
        return [job]
    none = np.zeros((0, job.problem.n_issues))
    cut = [replace(job, models=g, proposals=none, points=none, zone=False) for g in groups[:-1]]
    return [*cut, replace(job, models=groups[-1])]


def monte_carlo_cost(job: MonteCarloJob, start: int, stop: int) -> float:
    """Rough CPU seconds of blocks ``start..stop`` of ``job`` (a piece): orders tasks only."""
    rows = min(stop * job.block_size, job.n) - start * job.block_size
    return block_cost(job.models, rows)


def monte_carlo_here(job: MonteCarloJob, start: int, stop: int) -> bool:
    """Whether a task of ``job`` (a piece) needs no compiled kernel (see ``Work.here``)."""
    return runs_here(job.models)


def monte_carlo_blocks(job: MonteCarloJob, start: int, stop: int) -> Chunk:
    """Blocks ``start..stop`` of the Monte Carlo draws: outcomes and acceptance per draw."""
    parts: list[Chunk] = []
    zone_exists = zone_function() if job.zone else None
    for b in range(start, stop):
        u = draw_uniforms(job.seed, MONTE_CARLO, b, job.inputs.k, job.n, job.block_size)
        problem = job.inputs.apply(job.problem, job.inputs.ppf(u))
        ss = block_seed(job.seed, MONTE_CARLO, b)
        out: Chunk = {}
        outcomes: dict[str, Array] = {}
        drew: dict[str, bool] = {}
        for m in job.models:
            outcomes[m.name] = m.run(problem, model_seed(ss, m.name), outcomes, drew)
            out[f"outcome:{m.name}"] = outcomes[m.name]
        n_b = u.shape[0]
        if job.proposals.shape[0]:
            out["proposal_accepted"] = veto_acceptance(
                problem, np.broadcast_to(job.proposals, (n_b, *job.proposals.shape)), job.loss
            )
        if job.points.shape[0]:
            out["point_acceptable"] = veto_acceptance(
                problem, np.broadcast_to(job.points, (n_b, *job.points.shape)), job.loss
            )
        if zone_exists is not None:
            out["zone_exists"] = _zone_per_draw(zone_exists, problem, job.loss)
        parts.append(out)
    return {key: np.concatenate([p[key] for p in parts], axis=0) for key in parts[0]}


def _zone_per_draw(zone_exists: Any, problem: Problem, loss: Loss) -> Array:
    """1.0 or 0.0 per draw: whether a zone exists; NaN where a draw leaves a veto player's
    reservation unknown (a salience drawn above 0 on an issue without a status quo)."""
    r, _ = reservation(problem, loss)
    known = np.isfinite(np.where(problem.veto, r, 0.0)).all(axis=-1)
    zone = np.full(known.shape, np.nan)
    if known.any():
        sub = problem if known.all() else problem.take(np.flatnonzero(known))
        zone[known] = np.asarray(zone_exists(sub, loss=loss), dtype=float)
    return zone


@dataclass
class Simulation:
    """Monte Carlo draws of a scenario through the models, on the unit scale.

    ``outcomes[model]``: ``(N, I)``; ``point[model]``: ``(I,)`` the point forecast on the
    scenario's own values; ``proposal_accepted``: ``(N, P)``; ``point_acceptable``: ``(N, M)``
    in the order of ``models``; ``zone_exists``: ``(N,)`` or None with ``zone_reason``.
    """

    scenario: Scenario
    problem: Problem
    inputs: Inputs
    draws: int
    seed: int
    noise: float
    block_size: int
    loss: Loss
    models: list[ModelRun]
    skipped: dict[str, str]
    point: dict[str, Array]
    outcomes: dict[str, Array]
    proposal_ids: tuple[str, ...]
    proposal_accepted: NDArray[np.bool_]
    point_acceptable: NDArray[np.bool_]
    zone_exists: Array | None
    """1.0/0.0 per draw, NaN where a veto player's reservation is unknown in that draw."""
    zone_reason: str | None
    acceptance_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def outcome_summary(self, model: str, bins: int = 20) -> dict[str, dict[str, Any]]:
        """Per issue: mean, sd, quantiles and a histogram of the model's outcome, in scale units."""
        x = self.problem.to_scale(self.outcomes[model])
        return {
            issue: distribution(x[:, j], self.problem.scale_min[j], self.problem.scale_max[j], bins)
            for j, issue in enumerate(self.problem.issue_ids)
        }

    def probability(self, flags: NDArray[np.bool_] | None) -> float | None:
        if flags is None or self.acceptance_reason is not None or flags.size == 0:
            return None
        return float(np.mean(flags))

    def _zone_json(self) -> dict[str, Any]:
        """P(zone) over the draws where every veto player's reservation is known."""
        if self.zone_exists is None:
            return {"probability": None, "note": self.zone_reason}
        known = np.isfinite(self.zone_exists)
        unknown = int((~known).sum())
        note = self.zone_reason
        if unknown:
            note = (
                f"{unknown} of {known.size} draws left a veto player's reservation unknown (a salience "
                "drawn above 0 on an issue without a status quo); the probability is over the others"
            )
        p = float(np.mean(self.zone_exists[known])) if known.any() else None
        return {"probability": p, "note": note, "draws_unknown": unknown}

    def to_json(self, bins: int = 20) -> dict[str, Any]:
        models: dict[str, Any] = {}
        for m_idx, m in enumerate(self.models):
            point = self.problem.to_scale(self.point[m.name])
            models[m.name] = {
                "params": m.params,
                "point": {i: float(v) for i, v in zip(self.problem.issue_ids, point, strict=True)},
                "point_acceptable": self.probability(
                    self.point_acceptable[:, m_idx] if self.point_acceptable.size else None
                ),
                "issues": self.outcome_summary(m.name, bins),
            }
        for name, reason in self.skipped.items():
            models[name] = {"skipped": reason}
        return {
            "draws": self.draws,
            "seed": self.seed,
            "noise": self.noise,
            "block_size": self.block_size,
            "loss": self.loss,
            "inputs": describe_inputs(self.problem, self.inputs),
            "models": models,
            "zone_exists": self._zone_json(),
            "proposals": {
                pid: {"accepted_by_all_veto": self.probability(self.proposal_accepted[:, k])}
                for k, pid in enumerate(self.proposal_ids)
            },
            "acceptance_note": self.acceptance_reason,
        }


def distribution(x: Array, lo: float, hi: float, bins: int) -> dict[str, Any]:
    """Mean, sd, quantiles (keys "5", "25", ...) and a histogram on ``[lo, hi]`` of draws ``x``."""
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return {"mean": None, "sd": None, "quantiles": {str(q): None for q in QUANTILES}, "valid": 0}
    qs = np.quantile(finite, np.array(QUANTILES) / 100.0)
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(np.clip(finite, lo, hi), bins=edges)
    return {
        "mean": float(finite.mean()),
        "sd": float(finite.std()),
        "quantiles": {str(q): float(v) for q, v in zip(QUANTILES, qs, strict=True)},
        "edges": [float(e) for e in edges],
        "counts": [int(c) for c in counts],
        "valid": int(finite.size),
    }


def describe_inputs(problem: Problem, inputs: Inputs) -> list[dict[str, Any]]:
    """The uncertain inputs in the scenario's units: name, value, distribution and its parameters."""
    value = inputs.to_scale(problem, inputs.value)
    lo = inputs.to_scale(problem, inputs.lo)
    hi = inputs.to_scale(problem, inputs.hi)
    _, unit = inputs.units(problem)
    out: list[dict[str, Any]] = []
    for k, name in enumerate(inputs.names):
        item: dict[str, Any] = {"input": name, "value": float(value[k])}
        if inputs.normal[k]:
            item.update(
                distribution="truncated normal",
                sd=float(inputs.sd[k] * unit[k]),
                low=float(lo[k]),
                high=float(hi[k]) if np.isfinite(hi[k]) else None,
            )
        else:
            item.update(distribution="uniform", low=float(lo[k]), high=float(hi[k]))
        out.append(item)
    return out


def acceptance_note(problem: Problem, loss: Loss) -> str | None:
    """Why acceptance cannot be judged (a veto player's reservation is unknown), else None."""
    _, source = reservation(problem, loss)
    missing = [
        a for a, s, v in zip(problem.actor_ids, source, problem.veto, strict=True) if v and s == "none"
    ]
    if missing:
        return (
            "no reservation known for veto player(s) " + ", ".join(missing) + " (give a reservation "
            "utility or point, or a status quo on every issue they care about)"
        )
    return None


def _point(run: ModelRun, problem: Problem, seed: int, forecasts: Mapping[str, Any] | None) -> Array:
    """The model's point forecast: the one in ``forecasts`` (``Forecast`` objects) where it ran
    with the same parameters, else a run on ``problem``."""
    made = (forecasts or {}).get(run.name)
    if made is not None and made.skipped is None and made.params == run.params:
        return np.asarray(made.result.outcome)
    return run.run(problem, seed)


def simulate(
    scenario: Scenario,
    draws: int,
    models: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    noise: float = 0.0,
    *,
    loss: Loss = "quadratic",
    client: Any = None,
    jobs: int | None = 1,
    chunk_blocks: int | None = None,
    progress: Progress | None = None,
    block_size: int = BLOCK_SIZE,
    forecasts: Mapping[str, Any] | None = None,
) -> Simulation:
    """``draws`` Monte Carlo draws of ``scenario`` through ``models`` (see the module docstring).

    ``client``: a ``distributed.Client`` to run the tasks on, or None for this machine, with
    ``jobs`` processes (None: every usable core; 1: in this process); ``chunk_blocks``: blocks
    per task (default: 1 on this machine, about 4 tasks per worker on Dask). The numbers depend
    on ``seed`` (and ``block_size``) only. ``forecasts``: the point forecasts already made on
    the scenario with this seed (:func:`accord.forecast.run_forecasts`, by model name); a model's
    is used as its point forecast when it ran with the same parameters, instead of running again.
    """

    def plan() -> PlannedSimulation:
        return plan_simulation(
            scenario,
            draws,
            models,
            params,
            seed,
            noise,
            loss=loss,
            processes=1 if client is not None else None,
            jobs=jobs,
            block_size=block_size,
            forecasts=forecasts,
        )

    if client is None:
        # the processes start (and load numba where the models will) while the points are made;
        # one block of one model is one task, which runs here
        several = n_blocks(draws, block_size) > 1 or models is None or len(models) > 1
        warm = worker_warmup(scenario, models, min(draws, block_size))
        with early_processes(jobs if several else 1, warm) as started:
            planned = plan()
            res = run_works(
                [planned.work], jobs=jobs, chunk_blocks=chunk_blocks, progress=progress, started=started
            )[0]
        return planned.finish(res)
    planned = plan()
    work = planned.work
    res = run_blocks(
        work.fn, work.job, work.n_blocks, client=client, chunk_blocks=chunk_blocks, progress=progress
    )
    return planned.finish(res)


@dataclass(frozen=True)
class PlannedSimulation:
    """A Monte Carlo run ready to go: its blocks (``work``) and what makes the result of them."""

    work: Work
    simulation: Simulation
    """Everything but the draws' results (``outcomes`` empty, acceptance and zone unset)."""

    def finish(self, res: Chunk) -> Simulation:
        """The simulation with the blocks' results ``res`` (:func:`monte_carlo_blocks`, joined)."""
        sim, draws = self.simulation, self.simulation.draws
        return replace(
            sim,
            outcomes={m.name: res[f"outcome:{m.name}"] for m in sim.models},
            proposal_accepted=res.get("proposal_accepted", np.zeros((draws, 0), dtype=bool)),
            point_acceptable=res.get("point_acceptable", np.zeros((draws, 0), dtype=bool)),
            zone_exists=res.get("zone_exists"),
        )


def plan_simulation(
    scenario: Scenario,
    draws: int,
    models: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    noise: float = 0.0,
    *,
    loss: Loss = "quadratic",
    processes: int | None = None,
    jobs: int | None = 1,
    block_size: int = BLOCK_SIZE,
    forecasts: Mapping[str, Any] | None = None,
) -> PlannedSimulation:
    """What :func:`simulate` runs, before it runs: the models chosen, the point forecasts made, the
    job built; run ``work`` (:func:`~accord.uncertainty.distributed.run_works`, alone or beside
    other works in one pool) and pass its result to ``finish``. ``processes``: how many will run
    the blocks at once, for the memory check (default: as ``jobs`` would start)."""
    if draws < 1:
        raise InputError(f"--draws {draws}: must be at least 1")
    if block_size < 1:
        raise InputError(f"block size {block_size}: must be at least 1")
    problem = to_problem(scenario)
    inputs = uncertain_inputs(scenario, noise)
    runs, skipped = select_models(problem, models, params)
    blocks = n_blocks(draws, block_size)
    check_draws_memory(
        f"{draws:,} draws x {problem.n_actors} actors x {problem.n_issues} issues",
        draws,
        problem.n_actors,
        problem.n_issues,
        per_draw=len(runs) * problem.n_issues + len(scenario.proposals) + 2,
        processes=processes or min(resolve_jobs(jobs), blocks * len(model_groups(runs))),
        block=block_size,
    )
    point = {m.name: _point(m, problem, seed, forecasts) for m in runs}
    points = np.array([point[m.name] for m in runs]).reshape(len(runs), problem.n_issues)
    proposals = proposal_points(scenario, problem)
    zone_exists = zone_function()
    zone_reason = (
        None
        if zone_exists is not None
        else "accord.bargaining.agreement.zone_exists is not available in this installation"
    )
    if zone_exists is not None:
        from accord.bargaining.agreement import check_problem

        try:
            check_problem(problem, loss)
        except InputError as exc:
            # e.g. a veto player without a reservation: report why, do not guess
            zone_exists, zone_reason = None, f"no zone probability: {exc}"
    job = MonteCarloJob(
        problem=problem,
        inputs=inputs,
        models=tuple(runs),
        seed=seed,
        n=draws,
        block_size=block_size,
        proposals=proposals,
        points=points,
        loss=loss,
        zone=zone_exists is not None,
    )
    sim = Simulation(
        scenario=scenario,
        problem=problem,
        inputs=inputs,
        draws=draws,
        seed=seed,
        noise=noise,
        block_size=block_size,
        loss=loss,
        models=runs,
        skipped=skipped,
        point=point,
        outcomes={},
        proposal_ids=tuple(p.id for p in scenario.proposals),
        proposal_accepted=np.zeros((draws, 0), dtype=bool),
        point_acceptable=np.zeros((draws, 0), dtype=bool),
        zone_exists=None,
        zone_reason=zone_reason,
        acceptance_reason=acceptance_note(problem, loss),
    )
    work = Work(
        monte_carlo_blocks,
        job,
        blocks,
        monte_carlo_pieces,
        monte_carlo_cost,
        here=monte_carlo_here,
        preload=normal_functions,
    )
    return PlannedSimulation(work, sim)
