r"""Which uncertain inputs move each forecast most: variance-based (Sobol') sensitivity indices.

For a model's outcome :math:`Y = f(X_1, \dots, X_k)` on one issue, with independent inputs
:math:`X_i` (the uncertain inputs of :mod:`accord.uncertainty.draws`), the first-order index
:math:`S_i = V[E(Y \mid X_i)] / V(Y)` is the share of the outcome's variance that input
:math:`i` explains alone, and the total index :math:`S_{Ti} = E[V(Y \mid X_{\sim i})] / V(Y)`
the share it explains with all its interactions (Sobol' 1993; Homma & Saltelli 1996).

Estimation follows Saltelli et al. (2010), "Variance based sensitivity analysis of model
output. Design and estimator for the total sensitivity index", *Computer Physics
Communications* 181, 259-270: two independent sample matrices :math:`A` and :math:`B`
(:math:`N \times k`, drawn on the unit hypercube and mapped through each input's inverse
distribution function) and the :math:`k` matrices :math:`A_B^{(i)}` (:math:`A` with column
:math:`i` from :math:`B`), :math:`N (k + 2)` model runs in all. With :math:`V` the variance of
:math:`f(A)` and :math:`f(B)` pooled,

.. math:: S_i = \frac{1}{N V} \sum_j f(B)_j \bigl(f(A_B^{(i)})_j - f(A)_j\bigr)
   \quad\text{(Table 2 (b))}, \qquad
   S_{Ti} = \frac{1}{2 N V} \sum_j \bigl(f(A)_j - f(A_B^{(i)})_j\bigr)^2
   \quad\text{(Table 2 (f), Jansen 1999)}.

Confidence intervals: 95% normal intervals from a bootstrap over the rows (as SALib does).
These are the estimators of ``SALib.analyze.sobol``, here vectorised over inputs, issues and
models. Outcomes are centred on their mean over all runs first (as SALib does), which leaves the
estimators' expectations unchanged and cuts their variance; the indices equal SALib's to 1e-10
on the same outputs (tested). The model runs go through the batch axis in blocks, so they run
on Dask like the Monte Carlo draws and give the same numbers for a seed however they are split.

For the tornado chart, each input is also swung on its own from its 5% to its 95% quantile
with every other input at the scenario's value (one-at-a-time), giving the outcome at both
ends in scale units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.errors import InputError
from accord.limits import check_draws_memory
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
    SENSITIVITY,
    Inputs,
    block_seed,
    draw_uniforms,
    model_seed,
    n_blocks,
    normal_functions,
    uncertain_inputs,
)
from accord.uncertainty.simulation import (
    ModelRun,
    Simulation,
    block_cost,
    model_groups,
    plan_simulation,
    runs_here,
    select_models,
    worker_warmup,
)

Array = NDArray[np.float64]

# model runs per block: a block holds SOBOL_RUNS // (k + 2) base rows, each costing k + 2 runs,
# so that the batch a model sees stays bounded however many inputs there are
SOBOL_RUNS = 16384
BOOTSTRAP = 100
SWING = (0.05, 0.95)


@dataclass(frozen=True)
class SobolJob:
    """What a worker needs to evaluate blocks of the Saltelli design."""

    problem: Problem
    inputs: Inputs
    models: tuple[ModelRun, ...]
    seed: int
    n: int
    block_size: int


def design(u: Array, k: int) -> Array:
    """The Saltelli rows for base uniforms ``u`` ``(n, 2k)``: ``(k + 2, n, k)`` = A, B, A_B^(1..k)."""
    a, b = u[:, :k], u[:, k:]
    ab = np.broadcast_to(a, (k, *a.shape)).copy()
    idx = np.arange(k)
    ab[idx, :, idx] = b[:, idx].T
    return np.concatenate([a[None], b[None], ab], axis=0)


def sobol_pieces(job: SobolJob) -> list[SobolJob]:
    """The job cut by :func:`~accord.uncertainty.simulation.model_groups` (a block of the design is
    large: a piece per group keeps more processes busy)."""
    return [replace(job, models=g) for g in model_groups(job.models)] or [job]


def sobol_cost(job: SobolJob, start: int, stop: int) -> float:
    """Rough CPU seconds of blocks ``start..stop`` of ``job`` (a piece): orders tasks only."""
    rows = min(stop * job.block_size, job.n) - start * job.block_size
    return block_cost(job.models, rows * (job.inputs.k + 2))


def sobol_here(job: SobolJob, start: int, stop: int) -> bool:
    """Whether a task of ``job`` (a piece) needs no compiled kernel (see ``Work.here``)."""
    return runs_here(job.models)


def sobol_blocks(job: SobolJob, start: int, stop: int) -> Chunk:
    """Model outcomes on the design rows of blocks ``start..stop``: per model ``(n, k + 2, I)``."""
    k = job.inputs.k
    parts: list[Chunk] = []
    for blk in range(start, stop):
        u = draw_uniforms(job.seed, SENSITIVITY, blk, 2 * k, job.n, job.block_size)
        n_b = u.shape[0]
        rows = design(u, k).reshape(-1, k)
        problem = job.inputs.apply(job.problem, job.inputs.ppf(rows))
        ss = block_seed(job.seed, SENSITIVITY, blk)
        out: Chunk = {}
        outcomes: dict[str, Array] = {}
        drew: dict[str, bool] = {}
        for m in job.models:
            outcomes[m.name] = m.run(problem, model_seed(ss, m.name), outcomes, drew)
            out[m.name] = np.moveaxis(outcomes[m.name].reshape(k + 2, n_b, -1), 0, 1)
        parts.append(out)
    return {key: np.concatenate([p[key] for p in parts], axis=0) for key in parts[0]}


def sobol_indices(f: Array) -> tuple[Array, Array]:
    """First-order and total indices ``(k, ...)`` from outcomes ``f`` ``(N, k + 2, ...)``.

    NaN where the outcome does not vary.
    """
    # centred on the mean of every run, as SALib.analyze.sobol does (its scaling by the sd cancels):
    # the estimators' variance no longer grows with the outcome's distance from 0, and the
    # indices equal SALib's (tests/uncertainty/test_sensitivity.py checks them to 1e-10)
    # (a contiguous copy: the sum's rounding then depends on the numbers, not on how the blocks
    # were laid out by the workers that computed them)
    f = np.ascontiguousarray(f)
    f = f - f.reshape(-1, *f.shape[2:]).mean(axis=0)
    pooled = np.concatenate([f[:, 0], f[:, 1]], axis=0)
    fa, fb, fab = f[:, 0], f[:, 1], np.moveaxis(f[:, 2:], 1, 0)
    var = np.var(pooled, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(var > 0, var, np.nan)
        first = np.mean(fb * (fab - fa), axis=1) / v
        total = 0.5 * np.mean(np.square(fa - fab), axis=1) / v
    return first, total


def bootstrap_conf(f: Array, rng: np.random.Generator, resamples: int = BOOTSTRAP) -> tuple[Array, Array]:
    """Half-widths of 95% normal intervals of the indices: 1.96 x bootstrap sd over rows."""
    return bootstrap_conf_of(f, bootstrap_rows(rng, f.shape[0], resamples))


def bootstrap_rows(rng: np.random.Generator, n: int, resamples: int = BOOTSTRAP) -> list[NDArray[np.int64]]:
    """The rows of each bootstrap resample of ``n`` rows, drawn from ``rng`` as
    :func:`bootstrap_conf` draws them (the draws do not depend on the outcomes, so the resamples
    of several models can be drawn before their outcomes are in)."""
    return [rng.integers(0, n, n) for _ in range(resamples)]


def bootstrap_conf_of(f: Array, resamples: Sequence[NDArray[np.int64]]) -> tuple[Array, Array]:
    """:func:`bootstrap_conf` on the resamples' rows ``resamples`` (:func:`bootstrap_rows`)."""
    firsts, totals = [], []
    for rows in resamples:
        s1, st = sobol_indices(f[rows])
        firsts.append(s1)
        totals.append(st)
    return 1.96 * np.std(firsts, axis=0), 1.96 * np.std(totals, axis=0)


def swing(problem: Problem, inputs: Inputs, model: ModelRun, seed: int) -> tuple[Array, Array, Array]:
    """One-at-a-time swings: input values ``(2, k)`` at its 5%/95% quantiles and outcomes ``(2, k, I)``."""
    k = inputs.k
    ends = inputs.ppf(np.array([[SWING[0]] * k, [SWING[1]] * k]))
    rows = np.broadcast_to(inputs.value, (2, k, k)).copy()
    idx = np.arange(k)
    rows[:, idx, idx] = ends
    y = model.run(inputs.apply(problem, rows.reshape(2 * k, k)), seed)
    return ends, y[:k], y[k:]


@dataclass(frozen=True)
class SwingJob:
    """What a worker needs to run the one-at-a-time swings: block ``m`` is ``models[m]``'s."""

    problem: Problem
    inputs: Inputs
    models: tuple[ModelRun, ...]
    seed: int


def swing_blocks(job: SwingJob, start: int, stop: int) -> Chunk:
    """The swings' outcomes of models ``start..stop``: ``"y"`` ``(models, 2k, I)``, low ends first,
    and the inputs' values there, ``"ends"`` ``(models, 2, k)`` (the same for every model: made
    where the draws' distribution functions are loaded anyway, not in the caller)."""
    ys, ends = [], []
    for m in job.models[start:stop]:
        values, low, high = swing(job.problem, job.inputs, m, job.seed)
        ys.append(np.concatenate([low, high], axis=0))
        ends.append(values)
    return {"y": np.stack(ys), "ends": np.stack(ends)}


def swing_here(job: SwingJob, start: int, stop: int) -> bool:
    """Whether the swings of models ``start..stop`` need no compiled kernel (see ``Work.here``)."""
    return runs_here(job.models[start:stop])


def swing_cost(job: SwingJob, start: int, stop: int) -> float:
    """Rough CPU seconds of the swings of models ``start..stop`` (2k rows each; a run of the
    ensemble or the SMP costs about a tenth of a second whatever its size)."""
    return sum(0.1 + block_cost([m], 2 * job.inputs.k) for m in job.models[start:stop])


@dataclass
class Sensitivity:
    """Sobol' indices and swings per model: ``first``/``total``/``*_conf`` ``(k, I)``; ``low``/``high``
    the outcomes ``(k, I)`` with the input at its 5% / 95% quantile (unit scale)."""

    problem: Problem
    inputs: Inputs
    n: int
    seed: int
    models: list[ModelRun]
    first: dict[str, Array]
    total: dict[str, Array]
    first_conf: dict[str, Array]
    total_conf: dict[str, Array]
    input_low: Array
    input_high: Array
    low: dict[str, Array]
    high: dict[str, Array]
    point: dict[str, Array]

    def ranking(self, model: str, issue: str) -> list[dict[str, Any]]:
        """Inputs ranked by total index (then first-order), with the numbers behind a tornado chart."""
        j = self.problem.issue_ids.index(issue)
        p = self.problem
        lo_in = self.inputs.to_scale(p, self.input_low)
        hi_in = self.inputs.to_scale(p, self.input_high)
        low = p.to_scale(self.low[model])[:, j]
        high = p.to_scale(self.high[model])[:, j]
        st, s1 = self.total[model][:, j], self.first[model][:, j]
        order = np.lexsort((-np.nan_to_num(s1, nan=-1.0), -np.nan_to_num(st, nan=-1.0)))
        return [
            {
                "input": self.inputs.names[i],
                "S1": _num(s1[i]),
                "S1_conf": _num(self.first_conf[model][i, j]),
                "ST": _num(st[i]),
                "ST_conf": _num(self.total_conf[model][i, j]),
                "input_low": float(lo_in[i]),
                "input_high": float(hi_in[i]),
                "low": float(low[i]),
                "high": float(high[i]),
            }
            for i in order
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "Sobol' indices, Saltelli et al. (2010) first-order and Jansen (1999) total estimators",
            "base_draws": self.n,
            "model_runs": self.n * (self.inputs.k + 2),
            "seed": self.seed,
            "swing_quantiles": list(SWING),
            "models": {
                m.name: {
                    "point": {
                        i: float(v)
                        for i, v in zip(
                            self.problem.issue_ids, self.problem.to_scale(self.point[m.name]), strict=True
                        )
                    },
                    "issues": {issue: self.ranking(m.name, issue) for issue in self.problem.issue_ids},
                }
                for m in self.models
            },
        }


def _num(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def sensitivity(
    scenario: Scenario,
    n: int,
    models: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    noise: float = 0.0,
    *,
    client: Any = None,
    jobs: int | None = 1,
    chunk_blocks: int | None = None,
    progress: Progress | None = None,
    block_size: int | None = None,
    point: Mapping[str, Array] | None = None,
) -> Sensitivity:
    """Sobol' indices of every selected model's outcome on every issue, from ``n`` base draws.

    Costs ``n * (k + 2)`` runs of each model for ``k`` uncertain inputs (see the module
    docstring); raises an InputError when nothing is uncertain. ``block_size`` (base rows per
    block; default ``SOBOL_RUNS // (k + 2)``) is part of what a seed reproduces; ``client``,
    ``jobs`` and ``chunk_blocks`` say where the blocks run, as for
    :func:`~accord.uncertainty.simulation.simulate`, and do not change the numbers. ``point``:
    the models' point forecasts on the scenario with this seed, by name, where already made
    (a :class:`~accord.uncertainty.simulation.Simulation`'s ``point``), instead of running again.
    """
    planned = plan_sensitivity(
        scenario,
        n,
        models,
        params,
        seed,
        noise,
        processes=1 if client is not None else None,
        jobs=jobs,
        block_size=block_size,
        point=point,
    )
    if client is None:
        res = run_works(planned.works, jobs=jobs, chunk_blocks=chunk_blocks, progress=progress)
        return planned.finish(res)
    work, swings = planned.works
    design_res = run_blocks(
        work.fn, work.job, work.n_blocks, client=client, chunk_blocks=chunk_blocks, progress=progress
    )
    return planned.finish([design_res, swing_blocks(swings.job, 0, swings.n_blocks)])


@dataclass
class SobolEstimates:
    """Each model's indices and their intervals (``done``: first, total, first_conf,
    total_conf by name), estimated from its outcomes on the whole design as they come in."""

    models: list[ModelRun]
    n: int
    seed: int
    done: dict[str, tuple[Array, Array, Array, Array]] = field(default_factory=dict)
    resamples: list[list[NDArray[np.int64]]] = field(default_factory=list)
    """Every model's bootstrap rows, drawn on first use model after model from the one generator,
    so that the numbers do not depend on the order the models come in."""

    def add(self, design_res: Chunk) -> None:
        """Estimate the models in ``design_res`` (outcomes ``(n, k + 2, I)`` by name) not yet done."""
        if not self.resamples:
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(SENSITIVITY, 2**32 - 1)))
            self.resamples.extend(bootstrap_rows(rng, self.n) for _ in self.models)
        for j, m in enumerate(self.models):
            f = design_res.get(m.name)
            if f is not None and m.name not in self.done:
                self.done[m.name] = (*sobol_indices(f), *bootstrap_conf_of(f, self.resamples[j]))


@dataclass(frozen=True)
class PlannedSensitivity:
    """The sensitivity indices ready to go: the design's blocks and the swings (``works``), and
    what makes the result of them."""

    works: tuple[Work, Work]
    problem: Problem
    inputs: Inputs
    n: int
    seed: int
    models: list[ModelRun]
    point: dict[str, Array]
    estimates: SobolEstimates
    """The models' indices, estimated as their design outcomes come in."""

    def finish(self, res: Sequence[Chunk]) -> Sensitivity:
        """The indices from the works' results (``sobol_blocks`` and ``swing_blocks``, joined)."""
        design_res, swing_res = res
        problem, inputs, seed, k = self.problem, self.inputs, self.seed, self.inputs.k
        first, total, first_conf, total_conf, low, high, point = {}, {}, {}, {}, {}, {}, {}
        ends = swing_res["ends"][0] if self.models else np.zeros((2, k))
        self.estimates.add(design_res)
        for j, m in enumerate(self.models):
            first[m.name], total[m.name], first_conf[m.name], total_conf[m.name] = self.estimates.done[m.name]
            low[m.name], high[m.name] = swing_res["y"][j, :k], swing_res["y"][j, k:]
            made = self.point.get(m.name)
            point[m.name] = made if made is not None else m.run(problem, seed)
        return Sensitivity(
            problem=problem,
            inputs=inputs,
            n=self.n,
            seed=seed,
            models=self.models,
            first=first,
            total=total,
            first_conf=first_conf,
            total_conf=total_conf,
            input_low=ends[0],
            input_high=ends[1],
            low=low,
            high=high,
            point=point,
        )


def plan_sensitivity(
    scenario: Scenario,
    n: int,
    models: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    noise: float = 0.0,
    *,
    processes: int | None = None,
    jobs: int | None = 1,
    block_size: int | None = None,
    point: Mapping[str, Array] | None = None,
) -> PlannedSensitivity:
    """What :func:`sensitivity` runs, before it runs: run ``works`` (the design's blocks and the
    swings; alone or beside a Monte Carlo run's in one pool,
    :func:`~accord.uncertainty.distributed.run_works`) and pass their results to ``finish``.
    ``processes``: how many will run the blocks at once, for the memory check (default: as
    ``jobs`` would start)."""
    if n < 2:
        raise InputError(f"--sensitivity-draws {n}: must be at least 2")
    problem = to_problem(scenario)
    inputs = uncertain_inputs(scenario, noise)
    if inputs.k == 0:
        raise InputError(
            "sensitivity: no input is uncertain (give uncertainty entries in the scenario or --noise)"
        )
    runs, _ = select_models(problem, models, params)
    if block_size is None:
        block_size = max(1, SOBOL_RUNS // (inputs.k + 2))
    blocks = n_blocks(n, block_size)
    check_draws_memory(
        f"{n:,} x {inputs.k + 2} sensitivity runs x {problem.n_actors} actors x {problem.n_issues} issues",
        n * (inputs.k + 2),
        problem.n_actors,
        problem.n_issues,
        per_draw=len(runs) * problem.n_issues,
        processes=processes or min(resolve_jobs(jobs), blocks * len(model_groups(runs))),
        block=block_size * (inputs.k + 2),
    )
    job = SobolJob(problem, inputs, tuple(runs), seed, n, block_size)
    swings = SwingJob(problem, inputs, tuple(runs), seed)
    estimates = SobolEstimates(runs, n, seed)
    design_work = Work(
        sobol_blocks,
        job,
        blocks,
        sobol_pieces,
        sobol_cost,
        # each model's estimates as soon as its design tasks are in, while the processes run the rest
        ready=estimates.add,
        here=sobol_here,
        preload=normal_functions,
    )
    swing_work = Work(
        swing_blocks, swings, len(runs), None, swing_cost, here=swing_here, preload=normal_functions
    )
    works = (design_work, swing_work)
    return PlannedSensitivity(works, problem, inputs, n, seed, runs, dict(point or {}), estimates)


def simulate_with_sensitivity(
    scenario: Scenario,
    draws: int,
    n: int,
    models: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    noise: float = 0.0,
    *,
    jobs: int | None = 1,
    chunk_blocks: int | None = None,
    progress: Progress | None = None,
    **simulation: Any,
) -> tuple[Simulation, Sensitivity]:
    """:func:`~accord.uncertainty.simulation.simulate` and :func:`sensitivity` of the models it ran,
    from ``n`` base draws, on one set of ``jobs`` local processes: the design's long tasks run
    beside the Monte Carlo blocks instead of after them, and the sensitivity takes the
    simulation's point forecasts. The numbers are those of the two calls one after the other.
    ``simulation``: further keyword arguments of ``simulate`` (``loss``, ``block_size``,
    ``forecasts``)."""
    # the processes start (and load numba where the models will) while the points are made
    k = uncertain_inputs(scenario, noise).k
    rows = max(min(draws, simulation.get("block_size", BLOCK_SIZE)), min(n, SOBOL_RUNS // (k + 2)) * (k + 2))
    with early_processes(jobs, worker_warmup(scenario, models, rows)) as started:
        sim = plan_simulation(scenario, draws, models, params, seed, noise, jobs=jobs, **simulation)
        names = [m.name for m in sim.simulation.models]
        sens = plan_sensitivity(
            scenario, n, names, params, seed, noise, jobs=jobs, point=sim.simulation.point
        )
        res = run_works(
            [sim.work, *sens.works], jobs=jobs, chunk_blocks=chunk_blocks, progress=progress, started=started
        )
    return sim.finish(res[0]), sens.finish(res[1:])
