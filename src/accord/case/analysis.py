"""Assemble the case analysis: every analysis run once, gathered into one :class:`CaseAnalysis`.

The order: the forecasts (or the caller's), the verdict on the zone (one maximin solve,
:func:`accord.bargaining.agreement.verdict`), acceptance of every point, the mediator's
candidates (the maximin deal is the verdict's; the veto players' Nash solution starts from it),
the tabled proposals against the zone, a seeded Monte Carlo run for P(zone) and P(each proposal
passes), the durability evidence, and the summary (:mod:`accord.case.summary`). Every edge (the
CLI, the report, the API, the browser) renders the result and computes nothing itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from accord.bargaining import agreement as ag
from accord.bargaining import mediation as md
from accord.bargaining.utility import ACCEPT_TOL, Loss
from accord.case.answer import answer
from accord.case.defaults import DEFAULT_DRAWS, DEFAULT_NOISE
from accord.case.durability import durability_analysis
from accord.case.model import (
    SCHEMA_VERSION,
    ActorInfo,
    ActorMargin,
    AloneFall,
    AtStatusQuo,
    CaseAnalysis,
    Gap,
    IssueInfo,
    MediatorOption,
    ModelForecast,
    MonteCarlo,
    PointAcceptance,
    ProposalCheck,
    Range,
    ScenarioInfo,
    Settings,
    Stance,
    Zone,
)
from accord.case.summary import build_summary
from accord.errors import InputError
from accord.forecast import Forecast, run_forecasts
from accord.models.nbs import nash_solution
from accord.problem import Problem, to_problem
from accord.scenario.model import Scenario

if TYPE_CHECKING:
    from accord.uncertainty.distributed import Progress
    from accord.uncertainty.simulation import Simulation

Array = np.ndarray[Any, np.dtype[np.float64]]

UTILITY_FORMS = {
    "quadratic": "1 - salience-weighted squared distance from the actor's positions "
    "(issues on 0-1); 1 at the actor's ideal",
    "linear": "1 - salience-weighted distance from the actor's positions (issues on 0-1); "
    "1 at the actor's ideal",
}

MEDIATOR_METHODS = {
    "maximin": "maximin: the deal that leaves the worst-off veto player best off",
    "veto_nash": "Nash bargaining among the veto players, all issues jointly",
    "most_support": "most support: every veto player accepts, and the most others too",
}

NASH_DIFFERENCE = (
    "Two Nash solutions differ: the nbs forecast bargains issue by issue among all actors with the "
    "status quo as disagreement point (one actor that cannot gain on an issue keeps it at the status "
    "quo); the mediator's veto_nash proposal bargains among the veto players only, over all issues "
    "jointly, with their reservations as disagreement point."
)


def _num(v: Any) -> float | None:
    f = float(v)
    return f if np.isfinite(f) else None


def _acceptance(problem: Problem, acc: ag.Acceptance, kind: str) -> PointAcceptance:
    return PointAcceptance(
        label=acc.label,
        kind=kind,  # type: ignore[arg-type]
        point=problem.point_dict(acc.point),
        margins=[
            ActorMargin(
                actor=a,
                utility=_num(acc.utility[k]),
                reservation=_num(acc.reservation[k]),
                margin=_num(acc.margin[k]),
                accepts=bool(acc.accepts[k]),
            )
            for k, a in enumerate(problem.actor_ids)
        ],
        all_veto_accept=acc.all_veto_accept,
        rejecting_veto=list(acc.rejecting_veto),
        support=float(acc.support),
    )


def _at_status_quo(scenario: Scenario, problem: Problem, f: Forecast) -> list[AtStatusQuo]:
    """Issues where the forecast equals the status quo, and the actors that cannot gain there.

    An actor cannot gain from a move when its position is at the status quo, or when every move
    the others want (towards their side) takes the outcome away from it.
    """
    out: list[AtStatusQuo] = []
    if f.skipped is not None:
        return out
    label = {a.id: a.label for a in scenario.actors}
    for j, issue in enumerate(problem.issue_ids):
        sq = problem.status_quo[j]
        if not np.isfinite(sq):
            continue
        span = problem.scale_max[j] - problem.scale_min[j]
        if abs(f.outcome[issue] - (problem.scale_min[j] + sq * span)) > 1e-6 * span:
            continue
        on = problem.mask[:, j] & (problem.salience[:, j] > 0)
        p = problem.position[:, j]
        at = [problem.actor_ids[k] for k in np.flatnonzero(on & (np.abs(p - sq) <= 1e-9))]
        above = np.flatnonzero(on & (p > sq + 1e-9))
        below = np.flatnonzero(on & (p < sq - 1e-9))
        weight = problem.capability * problem.salience[:, j]
        if at:
            cannot = at
            why = "at the status quo already: any move leaves " + _join([label[a] for a in at]) + " worse off"
        elif len(above) and len(below):
            minority = above if weight[above].sum() <= weight[below].sum() else below
            cannot = [problem.actor_ids[k] for k in minority]
            way = "up" if minority is above else "down"
            why = (
                "actors sit on both sides of the status quo: every move the others want "
                f"leaves {_join([label[a] for a in cannot])} (wanting it {way}) worse off"
            )
        else:
            continue
        if f.model == "nbs":
            why += "; the per-issue Nash bargaining needs every actor to gain, so it stays"
        out.append(AtStatusQuo(issue=issue, cannot_gain=cannot, why=why))
    return out


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _forecasts(scenario: Scenario, problem: Problem, forecasts: dict[str, Forecast]) -> list[ModelForecast]:
    from accord.forecast import _jsonable
    from accord.models import registry

    out = []
    for name, f in forecasts.items():
        spec = registry.get(name)
        out.append(
            ModelForecast(
                model=name,
                summary=spec.summary,
                citation=spec.citation,
                outcome=None if f.skipped else dict(f.outcome),
                skipped=f.skipped,
                params={k: _jsonable(v) for k, v in f.params.items() if k != "pairs"},
                at_status_quo=_at_status_quo(scenario, problem, f),
            )
        )
    return out


def _zone(problem: Problem, v: ag.Verdict) -> Zone:
    veto_ids = [a for a, k in zip(problem.actor_ids, problem.veto, strict=True) if k]
    r = v.maximin.reservation
    extent = None
    gap = None
    if v.extent is not None:
        lo, hi = problem.to_scale(v.extent[0]), problem.to_scale(v.extent[1])
        extent = {i: Range(min=float(lo[j]), max=float(hi[j])) for j, i in enumerate(problem.issue_ids)}
    else:
        alone: dict[str, AloneFall | None] = {}
        for a in veto_ids:
            s = v.slack[a]
            k = problem.actor_ids.index(a)
            alone[a] = (
                None
                if s is None
                else AloneFall(fall=-s, reservation=float(r[k]), new_reservation=float(r[k] + s))
            )
        gap = Gap(
            uniform_concession=-v.maximin_margin,
            least_total_concession=v.concession.total,
            by_actor=dict(v.concession.by_actor),
            opens_at=problem.point_dict(v.concession.point),
            alone=alone,
            position_changes={a: problem.delta_dict(dx) for a, dx in v.shortfall.items()},
        )
    return Zone(
        exists=v.exists,
        veto_players=veto_ids,
        maximin_point=problem.point_dict(v.maximin_point),
        smallest_margin=v.maximin_margin,
        margins={a: _num(v.maximin.margin[problem.actor_ids.index(a)]) for a in veto_ids},
        extent=extent,
        binding=list(v.binding),
        pivotal=list(v.pivotal),
        blocking_coalitions=None if v.blocking is None else [list(b) for b in v.blocking],
        reservation_slack=dict(v.slack),
        gap=gap,
    )


def _mediator(problem: Problem, loss: Loss, v: ag.Verdict) -> list[md.MediatorProposal]:
    """The mediator's candidates, reusing the verdict's maximin solve."""
    z = v.maximin_margin
    note = (
        f"every veto player's margin is at least {z:.3f} utility"
        if z >= -ACCEPT_TOL
        else f"no zone: the worst-off veto player falls {-z:.3f} utility short"
    )
    out = [md.MediatorProposal("maximin", MEDIATOR_METHODS["maximin"], v.maximin_point, v.maximin, note)]
    if not v.exists:
        return out
    mask = problem.veto.copy()
    w, p, c = ag._members_data(problem, loss, mask)
    cap = problem.capability[mask]
    a = cap / cap.sum() if cap.sum() > 0 else np.full(len(cap), 1.0 / len(cap))
    x = v.maximin_point if z <= 1e-9 else nash_solution(a, w, p, c, loss, v.maximin_point)
    out.append(
        md.MediatorProposal(
            "veto_nash",
            MEDIATOR_METHODS["veto_nash"],
            x,
            ag.acceptance(problem, x, loss, "veto_nash"),
            "asymmetric Nash bargaining solution (Nash 1950) among the veto players only, all issues "
            "jointly; weights: capability; disagreement point: each veto player's reservation. Not the "
            "nbs forecast, which bargains issue by issue among all actors from the status quo.",
        )
    )
    ms = md.max_support_proposal(problem, loss)
    if ms is not None:
        out.append(
            md.MediatorProposal(
                "most_support", MEDIATOR_METHODS["most_support"], ms.point, ms.acceptance, ms.note
            )
        )
    return out


def _monte_carlo(
    scenario: Scenario,
    problem: Problem,
    loss: Loss,
    draws: int,
    seed: int,
    noise: float,
    progress: Progress | None,
) -> MonteCarlo:
    """P(zone) and P(each proposal passes) over seeded draws (no model runs: only the zone)."""
    from accord.uncertainty.distributed import run_blocks
    from accord.uncertainty.draws import BLOCK_SIZE, n_blocks, uncertain_inputs
    from accord.uncertainty.simulation import MonteCarloJob, monte_carlo_blocks, proposal_points

    inputs = uncertain_inputs(scenario, noise)
    declared = list(uncertain_inputs(scenario, 0.0).names)
    job = MonteCarloJob(
        problem=problem,
        inputs=inputs,
        models=(),
        seed=seed,
        n=draws,
        block_size=BLOCK_SIZE,
        proposals=proposal_points(scenario, problem),
        points=np.zeros((0, problem.n_issues)),
        loss=loss,
        zone=True,
    )
    res = run_blocks(monte_carlo_blocks, job, n_blocks(draws, BLOCK_SIZE), progress=progress)
    zone = np.asarray(res["zone_exists"], dtype=float)
    known = np.isfinite(zone)
    unknown = int((~known).sum())
    note = None
    if unknown:
        note = (
            f"{unknown} of {draws} draws left a veto player's reservation unknown; P(zone) is over the others"
        )
    accepted = res.get("proposal_accepted")
    p_pass: dict[str, float | None] = {}
    for k, prop in enumerate(scenario.proposals):
        p_pass[prop.id] = None if accepted is None else float(np.mean(accepted[:, k]))
    return MonteCarlo(
        draws=draws,
        seed=seed,
        noise=noise,
        inputs=list(inputs.names),
        declared=declared,
        p_zone=float(np.mean(zone[known])) if known.any() else None,
        draws_unknown=unknown,
        p_pass=p_pass,
        note=note,
    )


def _from_simulation(scenario: Scenario, sim: Simulation) -> MonteCarlo:
    """The Monte Carlo summary of a run already made (nothing is drawn again)."""
    from accord.uncertainty.draws import uncertain_inputs

    z = sim._zone_json()  # the same P(zone) the simulation reports
    return MonteCarlo(
        draws=sim.draws,
        seed=sim.seed,
        noise=sim.noise,
        inputs=list(sim.inputs.names),
        declared=list(uncertain_inputs(scenario, 0.0).names),
        p_zone=z["probability"],
        draws_unknown=int(z.get("draws_unknown", 0)),
        p_pass={pid: sim.probability(sim.proposal_accepted[:, k]) for k, pid in enumerate(sim.proposal_ids)},
        note=z["note"],
    )


def analyze_case(
    scenario: Scenario,
    *,
    loss: Loss = "quadratic",
    points: dict[str, float] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    noise: float = DEFAULT_NOISE,
    ceasefire_data: str | os.PathLike[str] | None = None,
    forecasts: dict[str, Forecast] | None = None,
    durability_model: bool = True,
    simulation: Simulation | None = None,
    progress: Progress | None = None,
) -> CaseAnalysis:
    """The one case analysis of ``scenario``, summary first.

    ``points``: a point to test, values in scale units by issue id (others at the status quo);
    ``draws``: Monte Carlo draws for P(zone) and P(each proposal passes) (0: none, the fast
    what-if path); ``noise``: default sd, as a share of each value's range, for values without
    their own ``uncertainty:``; ``ceasefire_data``: the ETH/PRIO cease-fire data (default
    ``$ACCORD_CEASEFIRE_DATA``) for the durability evidence (``durability_model``: with the Cox
    model and its cross-validation, which take about a second); ``forecasts``: the result of
    ``run_forecasts(scenario, seed=seed)`` when the caller already has it; ``simulation``: a
    Monte Carlo run of the same scenario (:func:`accord.uncertainty.simulation.simulate`, e.g. the
    report's), whose zone and proposal draws are then used instead of drawing again.
    """
    if loss not in ("linear", "quadratic"):
        raise InputError(f"--loss {loss!r}: expected linear or quadratic")
    if draws < 0:
        raise InputError(f"--draws {draws}: must be 0 or more")
    problem = to_problem(scenario)
    if forecasts is None:
        forecasts = run_forecasts(scenario, seed=seed)
    agreement_error: str | None = None
    try:
        ag.check_problem(problem, loss)
    except InputError as exc:
        agreement_error = str(exc)

    pts: list[PointAcceptance] = []
    zone: Zone | None = None
    mediator: list[MediatorOption] = []
    checks: list[ProposalCheck] = []
    notes: list[str] = []
    verdict: ag.Verdict | None = None
    proposal_acc: dict[str, PointAcceptance] = {}
    if agreement_error is None:
        verdict = ag.verdict(problem, loss)
        notes.extend(verdict.notes)

        def add(label: str, kind: str, x: Array) -> None:
            pts.append(_acceptance(problem, ag.acceptance(problem, x, loss, label), kind))

        if np.isfinite(problem.status_quo).all():
            add("status quo", "status_quo", problem.status_quo)
        for prop in scenario.proposals:
            add(prop.name or prop.id, "proposal", ag.points_of(problem, prop.point))
            proposal_acc[prop.id] = pts[-1]
        for name, f in forecasts.items():
            if f.skipped is None:
                add(f"forecast: {name}", "forecast", ag.points_of(problem, f.outcome))
        if points:
            add("your point", "user", ag.points_of(problem, points))
        zone = _zone(problem, verdict)
        mediator = [
            MediatorOption(
                key=mp.name,  # type: ignore[arg-type]
                method=mp.method,
                note=mp.note,
                point=problem.point_dict(mp.point),
                acceptance=_acceptance(problem, mp.acceptance, "mediator"),
            )
            for mp in _mediator(problem, loss, verdict)
        ]
        for prop in scenario.proposals:
            c = md.compare(problem, ag.points_of(problem, prop.point), loss, prop.id, prop.tabled_by)
            checks.append(
                ProposalCheck(
                    id=prop.id,
                    name=prop.name or prop.id,
                    tabled_by=list(prop.tabled_by),
                    point=problem.point_dict(c.acceptance.point),
                    all_veto_accept=c.acceptance.all_veto_accept,
                    shortfall=dict(c.shortfall),
                    change_for={
                        a: problem.delta_dict(y - c.acceptance.point) for a, y in c.nearest_for.items()
                    },
                    nearest_passing=(
                        None if c.nearest_passing is None else problem.point_dict(c.nearest_passing)
                    ),
                    notes=list(c.notes),
                )
            )
        notes.append(NASH_DIFFERENCE)

    monte_carlo = None
    if simulation is not None and agreement_error is None:
        monte_carlo = _from_simulation(scenario, simulation)
        draws, seed, noise = simulation.draws, simulation.seed, simulation.noise
    elif draws > 0 and agreement_error is None:
        monte_carlo = _monte_carlo(scenario, problem, loss, draws, seed, noise, progress)
    durability = durability_analysis(scenario, ceasefire_data, model=durability_model)

    crisis = None
    if getattr(scenario, "crisis", None) is not None:
        try:
            from accord.games.crisis import analyze_crisis  # type: ignore[import-not-found,unused-ignore]

            crisis = analyze_crisis(scenario, draws=draws, seed=seed).to_dict()
        except ImportError:
            crisis = None

    issues = [
        IssueInfo(
            id=i.id,
            name=i.name or i.id,
            unit=i.scale.unit,
            min=i.scale.min,
            max=i.scale.max,
            min_label=i.scale.min_label,
            max_label=i.scale.max_label,
            status_quo=i.status_quo,
        )
        for i in scenario.issues
    ]
    res, source = _reservations(problem, loss)
    actors = [
        ActorInfo(
            id=a.id,
            name=a.label,
            role=a.role,
            capability=a.capability,
            veto=a.has_veto,
            positions={i: Stance(position=s.position, salience=s.salience) for i, s in a.positions.items()},
            reservation=res[k],
            reservation_source=source[k],
        )
        for k, a in enumerate(scenario.actors)
    ]
    model_forecasts = _forecasts(scenario, problem, forecasts)
    summary = build_summary(
        scenario,
        problem,
        loss=loss,
        verdict=verdict,
        zone=zone,
        mediator=mediator,
        checks=checks,
        proposal_acc=proposal_acc,
        forecasts=model_forecasts,
        monte_carlo=monte_carlo,
        durability=durability,
        actors=actors,
        issues=issues,
        agreement_error=agreement_error,
        draws=draws,
        seed=seed,
        noise=noise,
    )
    if crisis is not None:
        summary = summary.model_copy(update={"crisis": crisis["summary"]})
    return CaseAnalysis(
        summary=summary,
        schema_version=SCHEMA_VERSION,
        scenario=ScenarioInfo(
            name=scenario.name,
            description=scenario.description,
            as_of=scenario.as_of.isoformat() if scenario.as_of else None,
            salience_scale=float(scenario.salience_scale),
            sources=list(scenario.sources),
        ),
        settings=Settings(
            loss=loss,
            utility=UTILITY_FORMS[loss],
            seed=seed,
            draws=draws,
            noise=noise,
            ceasefire_data=None if durability is None else durability.source.split(";")[0],
        ),
        issues=issues,
        actors=actors,
        forecasts=model_forecasts,
        points=pts,
        zone=zone,
        mediator=mediator,
        proposals=checks,
        monte_carlo=monte_carlo,
        durability=durability,
        crisis=crisis,
        answer=[] if verdict is None else answer(scenario, problem, verdict),
        agreement_error=agreement_error,
        notes=notes,
    )


def _reservations(problem: Problem, loss: Loss) -> tuple[list[float | None], list[str]]:
    from accord.bargaining.utility import reservation

    r, source = reservation(problem, loss)
    return [_num(x) for x in np.asarray(r)], [str(s) for s in source]
