"""From the analysis objects to figures: what :mod:`accord.report.figures` draws for a case.

Each function takes the objects the CLI and the JSON output are made from (the
:class:`~accord.case.CaseAnalysis`, :class:`~accord.forecast.Forecast`, the simulation's and the
sensitivity's ``to_json()``, :class:`~accord.bargaining.zone_grid.ZoneGrid`,
:class:`~accord.models.eum.PairData`) and returns :class:`Plate` objects: a figure with its
file name, title and caption. Nothing here computes a number; it selects and labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from accord.bargaining.zone_grid import ZoneGrid
from accord.case.model import CaseAnalysis, Durability
from accord.forecast import Forecast
from accord.models.eum import PairData
from accord.report import figures as fg
from accord.scenario.model import Scenario


@dataclass
class Plate:
    """A figure ready for the report: ``name`` is its file stem (safe characters only)."""

    name: str
    title: str
    caption: str
    figure: Figure


def _scale(scenario: Scenario, issue: str) -> fg.Scale:
    s = scenario.issue(issue).scale
    return (s.min, s.max, s.min_label, s.max_label)


def _issue_name(scenario: Scenario, issue: str) -> str:
    i = scenario.issue(issue)
    unit = f" ({i.scale.unit})" if i.scale.unit else ""
    return (i.name or i.id) + unit


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def forecast_plates(scenario: Scenario, forecasts: Mapping[str, Forecast]) -> list[Plate]:
    """The models' forecasts side by side, and the per-round trajectories of the iterative models."""
    plates = [forecasts_plate(scenario, forecasts)]
    for name, f in forecasts.items():
        plate = trajectory_plate(scenario, name, f)
        if plate is not None:
            plates.append(plate)
    return plates


def forecasts_plate(scenario: Scenario, forecasts: Mapping[str, Forecast]) -> Plate:
    """The models' forecasts side by side on each issue, against positions, status quo and proposals."""
    issues = []
    for i in scenario.issues:
        issues.append(
            {
                "id": i.id,
                "name": _issue_name(scenario, i.id),
                "scale": {
                    "min": i.scale.min,
                    "max": i.scale.max,
                    "min_label": i.scale.min_label,
                    "max_label": i.scale.max_label,
                },
                "positions": {
                    a.label: a.positions[i.id].position for a in scenario.actors if i.id in a.positions
                },
                "status_quo": i.status_quo,
                "proposals": {(p.name or p.id): p.point[i.id] for p in scenario.proposals if i.id in p.point},
            }
        )
    outcomes = {m: f.outcome for m, f in forecasts.items() if f.skipped is None}
    return Plate(
        "forecasts",
        "Forecasts by model",
        "Each model's forecast per issue (one row per model) against the actors' positions "
        "(grey, labelled), the status quo (dotted) and the proposals on the table (dashed).",
        fg.forecasts_by_issue(issues, outcomes),
    )


def trajectory_panels(scenario: Scenario, forecast: Forecast) -> list[dict[str, Any]] | None:
    """The trajectory chart's panels, one per issue; None where the model did not run, or ran
    one round or none."""
    if forecast.skipped is not None or not forecast.result.trajectory:
        return None
    panels = [
        {"name": _issue_name(scenario, i), "scale": _scale(scenario, i), "rounds": forecast.trajectory(i)}
        for i in forecast.problem.issue_ids
    ]
    return panels if any(len(p["rounds"]) > 1 for p in panels) else None


def trajectory_plate(scenario: Scenario, name: str, forecast: Forecast) -> Plate | None:
    """The model's positions round by round, or None where it ran no rounds (or one)."""
    panels = trajectory_panels(scenario, forecast)
    if panels is None:
        return None
    labels = {a.id: a.label for a in scenario.actors}
    return Plate(
        f"trajectory_{_safe(name)}",
        f"Rounds of the {name} model",
        f"Each actor's position round by round in the {name} model (thin lines) and the "
        "model's forecast (thick black).",
        fg.trajectory(panels, labels, f"{name}: positions and forecast by round"),
    )


def acceptance_plate(scenario: Scenario, case: CaseAnalysis) -> Plate:
    """The acceptance tables (``points`` and ``mediator`` of the case analysis) as a heat map."""
    columns = [(p.label, p) for p in case.points] + [
        (f"mediator: {m.key}", m.acceptance) for m in case.mediator
    ]
    margins = np.array(
        [[np.nan if acc.margins[k].margin is None else acc.margins[k].margin for _, acc in columns]
         for k in range(len(case.actors))],
        dtype=float,
    )  # fmt: skip
    fig = fg.acceptance_heatmap(
        margins,
        [a.name for a in case.actors],
        [c for c, _ in columns],
        [a.veto for a in case.actors],
    )
    return Plate(
        "acceptance",
        "Who accepts what",
        "Each actor's utility margin over its reservation (what it gets without a deal) for the "
        "status quo, the proposals, each model's forecast and the mediator's candidate deals. "
        "Blue accepts, vermillion rejects; a deal needs every veto player (*).",
        fig,
    )


def zone_plate(scenario: Scenario, case: CaseAnalysis, zone: ZoneGrid) -> Plate:
    """The veto players' acceptance regions on the slice ``zone`` (from ``margin_grid``)."""
    ix, iy = zone.issue_x, zone.issue_y
    points: dict[str, tuple[float, float]] = {}
    for p in case.points:
        if p.kind in ("status_quo", "proposal", "user"):
            points[p.label] = (p.point[ix], p.point[iy])
    for m in case.mediator:
        points[f"mediator: {m.key}"] = (m.point[ix], m.point[iy])
    others = [i for i in scenario.issue_ids if i not in (ix, iy)]
    held = ", ".join(f"{_issue_name(scenario, i)} = {zone.at[i]:.3g}" for i in others)
    title = f"Zone of agreement: {scenario.issue(ix).name or ix} x {scenario.issue(iy).name or iy}"
    if held:
        title += f"\n(other issues at the maximin deal: {held})"
    name = {a.id: a.name for a in case.actors}
    labels = [name[a] for a in zone.actor_ids]
    fig = fg.zone_2d(
        zone.x,
        zone.y,
        zone.margins,
        labels,
        _scale(scenario, ix),
        _scale(scenario, iy),
        _issue_name(scenario, ix),
        _issue_name(scenario, iy),
        points,
        title=fg.wrap(title, 90),
    )
    return Plate(
        "zone",
        "The zone of agreement on the two most contested issues",
        "Each veto player accepts the deals on the side of its line marked by the thin dotted "
        "twin line; where all regions overlap (green) lies the zone. Points on the table are "
        "projected onto this slice" + (", the other issues held at the maximin deal." if others else "."),
        fig,
    )


def quadrant_plate(
    scenario: Scenario, pairs: PairData, focal: str, issue: str, round_: int = 1
) -> Plate | None:
    """The perceptual chart of ``focal`` on ``issue`` in round ``round_`` of the EUM (``pair_data``);
    None where :func:`quadrant_others` finds no one to show."""
    keep = quadrant_others(pairs, focal, issue, round_)
    if not keep:
        return None
    i = pairs.actor_ids.index(focal)
    k = pairs.issue_ids.index(issue)
    x = pairs.eu_challenger[round_, i, :, k]
    y = pairs.eu_target[round_, i, :, k]
    offers = pairs.offer_names()[round_, i, :, k]
    names = {a.id: a.label for a in scenario.actors}
    fname = names[focal]
    fig = fg.quadrant(
        x[keep],
        y[keep],
        [names[pairs.actor_ids[j]] for j in keep],
        fname,
        fg.wrap(
            f"How {fname} sees the others on {scenario.issue(issue).name or issue} (EUM, round {round_})", 80
        ),
        offers=[str(offers[j]) for j in keep],
    )
    return Plate(
        "quadrant",
        f"How {fname} sees the others (expected-utility model)",
        f"Bueno de Mesquita's perceptual chart: for each other actor j, {fname}'s expected utility "
        f"of challenging j (across) and j's expected utility of challenging {fname} as {fname} "
        "perceives it (up), with the offer the model recorded for the pair (marker).",
        fig,
    )


def quadrant_others(pairs: PairData, focal: str, issue: str, round_: int = 1) -> list[int]:
    """The actors (indices) the perceptual chart of ``focal`` shows: every other actor with both
    expected utilities known in round ``round_``; none where the EUM ran fewer rounds."""
    if pairs.eu_challenger.ndim != 4 or pairs.eu_challenger.shape[0] <= round_:
        return []
    i = pairs.actor_ids.index(focal)
    k = pairs.issue_ids.index(issue)
    x = pairs.eu_challenger[round_, i, :, k]
    y = pairs.eu_target[round_, i, :, k]
    return [j for j in range(len(pairs.actor_ids)) if j != i and np.isfinite(x[j]) and np.isfinite(y[j])]


def simulation_plates(
    scenario: Scenario,
    simulation: Mapping[str, Any],
    sensitivity: Mapping[str, Any] | None,
    sensitivity_model: str | None,
) -> list[Plate]:
    """Outcome distributions (``Simulation.to_json()``) and tornado charts (``Sensitivity.to_json()``)."""
    plates = [distributions_plate(scenario, simulation)]
    for i in tornado_issues(scenario, sensitivity, sensitivity_model):
        plates.append(tornado_plate(scenario, sensitivity or {}, str(sensitivity_model), i))
    return plates


def distributions_plate(scenario: Scenario, simulation: Mapping[str, Any]) -> Plate:
    """The Monte Carlo outcome distributions of every model that ran (``Simulation.to_json()``)."""
    models = {m: d for m, d in simulation["models"].items() if "skipped" not in d}
    panels = [
        {
            "name": _issue_name(scenario, i),
            "scale": _scale(scenario, i),
            "models": {m: d["issues"][i] for m, d in models.items()},
        }
        for i in scenario.issue_ids
    ]
    return Plate(
        "distributions",
        "Forecasts under uncertainty",
        f"Share of the {simulation['draws']} Monte Carlo draws landing in each bin of each "
        "issue's scale, per model; dashed lines are the medians.",
        fg.outcome_distribution(panels, "Monte Carlo outcome distributions"),
    )


def tornado_issues(
    scenario: Scenario, sensitivity: Mapping[str, Any] | None, sensitivity_model: str | None
) -> list[str]:
    """The issues with a tornado chart: every issue when the sensitivity ranked the model's inputs."""
    if sensitivity and sensitivity_model and sensitivity_model in sensitivity["models"]:
        return list(scenario.issue_ids)
    return []


def tornado_plate(scenario: Scenario, sensitivity: Mapping[str, Any], model: str, issue: str) -> Plate:
    """What moves ``model``'s forecast on ``issue``: its inputs' swings and Sobol' indices."""
    sm = sensitivity["models"][model]
    return Plate(
        f"tornado_{_safe(issue)}",
        f"What moves the {model} forecast on {scenario.issue(issue).name or issue}",
        "Each uncertain input swung alone from its 5% to its 95% quantile, the others at "
        "their scenario values (bars from the point forecast, black line), ranked by the "
        "total Sobol' index (right).",
        fg.tornado(
            sm["issues"][issue],
            sm["point"][issue],
            _scale(scenario, issue),
            fg.wrap(f"{model}: {_issue_name(scenario, issue)}", 80),
        ),
    )


def durability_plates(du: Durability) -> list[Plate]:
    """The base rate's Kaplan-Meier curve, the location's own record and the analyst's claim."""
    base = du.curves.get("reference_class")
    if base is None:
        return []
    cls = ", ".join(f"{k}={v}" for k, v in du.reference_class.items()) or "all cease-fires"
    curves = {fg.wrap(f"reference class ({cls}; n = {du.class_size})", 60): base.model_dump()}
    own = du.curves.get("location")
    if own is not None and du.location_size:
        curves[f"{du.location}'s own record (n = {du.location_size})"] = own.model_dump()
    marks = {h.horizon: float(h.days) for h in du.holding}
    fig = fg.survival(
        curves,
        "How long comparable cease-fires held",
        marks=marks,
        claim=None if du.claim is None else du.claim.model_dump(),
    )
    return [
        Plate(
            "survival",
            "How long comparable cease-fires held",
            "Kaplan-Meier share still holding (not broken down) by day, with its 95% band, for the "
            "reference class and the location's own record; the diamond is the base rate at the "
            "analyst's claimed horizon.",
            fig,
        )
    ]


def crisis_plates(crisis: Mapping[str, Any] | None) -> list[Plate]:
    """The crisis game's tree, coloured by the QRE's choice probabilities (``CaseAnalysis.crisis``)."""
    if not crisis or not crisis.get("tree"):
        return []
    fig = fg.game_tree(
        crisis["tree"],
        "The crisis game: who moves, and how likely each choice is",
    )
    lam = crisis.get("rationality")
    return [
        Plate(
            "crisis_tree",
            "The crisis game",
            f"Each branch is coloured and thickened by its choice probability in the agent logit QRE "
            f"(lambda = {lam:g}); each leaf shows the probability that play ends there."
            if isinstance(lam, int | float)
            else "Each branch is coloured and thickened by its choice probability in the agent logit QRE.",
            fig,
        )
    ]


def figures_for_case(
    scenario: Scenario,
    case: CaseAnalysis | None,
    forecasts: Mapping[str, Forecast],
    zone: ZoneGrid | None = None,
    pairs: PairData | None = None,
    focal: str | None = None,
    issue: str | None = None,
) -> list[Plate]:
    """Every figure of a case that needs no Monte Carlo: forecasts, trajectories, the perceptual
    chart (with ``pairs``, ``focal`` and ``issue``), acceptance and the zone (with ``case``, the
    case analysis, and ``zone``)."""
    plates = forecast_plates(scenario, forecasts)
    if pairs is not None and focal is not None and issue is not None:
        q = quadrant_plate(scenario, pairs, focal, issue)
        if q is not None:
            plates.append(q)
    if case is not None and case.zone is not None:
        plates.append(acceptance_plate(scenario, case))
        if zone is not None:
            plates.append(zone_plate(scenario, case, zone))
    return plates


# the names the report's callers use for the other two groups
figures_for_simulation = simulation_plates
figures_for_durability = durability_plates
