"""The typed case analysis: one frozen result per scenario, summary first.

Every field says its unit. Points are in each issue's own scale units (``issues[].unit``);
utilities, reservations and margins are on 0-1 (1 = the actor's ideal outcome); probabilities
are shares on 0-1; durations are in days (with a reading in weeks, months or years beside
them). The models are pydantic v2 models, so :func:`json_schema` is generated from them and
published as ``docs/case-analysis.schema.json``; :meth:`CaseAnalysis.to_dict` gives the JSON
(first key ``summary``, no NaN or infinity: ``null``) and :meth:`CaseAnalysis.from_dict` reads
it back.
"""

import math
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"
"""Version of the JSON layout; bumped when a field changes meaning or disappears."""

SCHEMA_ID = "https://accord.invalid/schemas/case-analysis.schema.json"


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def F(description: str, **kw: Any) -> Any:
    """A documented field (every field of the case analysis says what it holds and its unit)."""
    return Field(description=description, **kw)


Point = dict[str, float]
"""A point: issue id -> value in that issue's own scale units."""


# --------------------------------------------------------------------------------------------
# the summary (the answer first)
# --------------------------------------------------------------------------------------------


class ProposalOdds(_Result):
    id: str = F("proposal id in the scenario")
    name: str = F("proposal name")
    tabled_by: list[str] = F("actor ids that tabled it")
    passes: bool = F("every veto player accepts it as encoded (no uncertainty)")
    rejected_by: list[str] = F("veto players (ids) that reject it as encoded")
    p_pass: float | None = F(
        "share of the Monte Carlo draws (0-1) in which every veto player accepts it; null without draws"
    )


class Concession(_Result):
    actor: str = F("veto player id")
    issue: str = F("issue id")
    ideal: float = F("the actor's position (its ideal) on the issue, scale units")
    deal: float = F("the recommended deal's value on the issue, scale units")
    concession: float = F("distance from the ideal to the deal, scale units (>= 0)")
    toward: str = F("the scale end's label the deal moves the actor towards")
    unit: str = F("the issue's unit")


class Mover(_Result):
    actor: str = F("veto player id")
    fall: float = F("how far its reservation must fall in the least total concession, utility (0-1)")


class Recommendation(_Result):
    key: str = F("candidate: maximin, veto_nash, most_support, or proposal:<id> for a tabled proposal")
    name: str = F("the candidate's name in words")
    point: Point = F("the deal, scale units per issue")
    all_veto_accept: bool = F("every veto player accepts it")
    support: float = F("capability-weighted share of all actors that accept it, 0-1")
    smallest_veto_margin: float | None = F("smallest veto player's margin there, utility (0-1 scale)")
    why: str = F("why this candidate, in words, against the others")


class HoldingSummary(_Result):
    horizon: str = F("the horizon in words (8 weeks, 1 year)")
    days: int = F("the horizon, days")
    base_rate: float = F("Kaplan-Meier share of the reference class still holding, 0-1")
    pessimistic: float | None = F(
        "the same with unclear but dated endings counted as breakdowns (pessimistic bound), 0-1"
    )
    cox: float | None = F("the Cox model's probability that this deal still holds, 0-1")


class DurabilitySummary(_Result):
    reference_class: str = F("the reference class actually used, in words")
    class_size: int = F("cease-fires in the reference class")
    median_days: float | None = F("median time to breakdown in the class, days (null: above half hold)")
    median_text: str = F("the median in weeks, months or years")
    holding: list[HoldingSummary] = F("still holding at 8 weeks and at 1 year")


class Caveat(_Result):
    kind: Literal[
        "inferred_reservation",
        "models_disagree",
        "small_reference_class",
        "out_of_scope",
        "verdict_uncertain",
        "forecast_at_status_quo",
        "other",
    ] = F("what the caveat is about")
    text: str = F("the caveat in one or two sentences")


class Summary(_Result):
    verdict: str = F("the answer in one sentence: is there a deal every veto player prefers to no deal?")
    deal_possible: bool | None = F(
        "a zone of possible agreement exists as encoded; null when the question cannot be asked"
    )
    smallest_margin: float | None = F(
        "the maximin deal's smallest veto margin, utility (0-1 scale); < 0: the uniform gap"
    )
    draws: int = F("Monte Carlo draws behind the probabilities (0: none)")
    noise: float = F("default sd, share of each value's range, for values without their own uncertainty")
    seed: int = F("the seed of the draws")
    p_zone: float | None = F("share of the draws (0-1) in which a zone of possible agreement exists")
    proposals: list[ProposalOdds] = F("each tabled proposal: passes as encoded, and its share of draws")
    concessions: list[Concession] = F("with a zone: what each veto player concedes at the recommended deal")
    gap: float | None = F("without a zone: the uniform concession that would open one, utility (0-1)")
    least_total_concession: float | None = F("without a zone: the least total concession, utility (0-1)")
    who_must_move: list[Mover] = F("without a zone: the veto players that must lower their reservations")
    recommended: Recommendation | None = F("which deal to table and why")
    durability: DurabilitySummary | None = F("whether it would hold (with a deal: block and cease-fire data)")
    caveats: list[Caveat] = F("what could change the verdict")
    crisis: str | None = F(
        "the crisis game's answer in one line (most likely outcome, its SPE, P(wider war)); "
        "null without a crisis: block",
        default=None,
    )


# --------------------------------------------------------------------------------------------
# the evidence
# --------------------------------------------------------------------------------------------


class ScenarioInfo(_Result):
    name: str = F("scenario name")
    description: str = F("scenario description")
    as_of: str | None = F("the date the scenario describes, ISO 8601")
    salience_scale: float = F("saliences are written on 0-1 (1) or 0-100 (100)")
    sources: list[str] = F("the analyst's sources")


class IssueInfo(_Result):
    id: str = F("issue id")
    name: str = F("issue name")
    unit: str = F("the scale's unit")
    min: float = F("the scale's lower end, scale units")
    max: float = F("the scale's upper end, scale units")
    min_label: str = F("what the lower end means")
    max_label: str = F("what the upper end means")
    status_quo: float | None = F("the status quo, scale units")


class Stance(_Result):
    position: float = F("position, scale units")
    salience: float = F("salience on the scenario's salience scale")


class ActorInfo(_Result):
    id: str = F("actor id")
    name: str = F("actor name")
    role: str = F("party, mediator or outside")
    capability: float = F("capability, the scenario's own scale")
    veto: bool = F("must sign a deal")
    positions: dict[str, Stance] = F("issue id -> position and salience")
    reservation: float | None = F("reservation utility (0-1): what it gets without a deal")
    reservation_source: str = F(
        "where the reservation comes from: utility (given), point (a worst acceptable point), "
        "status_quo (inferred: the utility of the status quo), none (unknown)"
    )


class AtStatusQuo(_Result):
    issue: str = F("issue id where the forecast equals the status quo")
    cannot_gain: list[str] = F("actor ids that lose from every move away from the status quo")
    why: str = F("why the forecast stays at the status quo, in words")


class ModelForecast(_Result):
    model: str = F("model name in the registry")
    summary: str = F("what the model is, in words")
    citation: str = F("the model's source")
    outcome: Point | None = F("the forecast, scale units per issue; null when skipped")
    skipped: str | None = F("why the model did not run")
    params: dict[str, Any] = F("parameters used")
    at_status_quo: list[AtStatusQuo] = F("issues where the forecast equals the status quo, and why")


class ActorMargin(_Result):
    actor: str = F("actor id")
    utility: float | None = F("utility of the point, 0-1 (1 = its ideal)")
    reservation: float | None = F("reservation utility, 0-1")
    margin: float | None = F("utility minus reservation, utility units; >= 0 accepts")
    accepts: bool = F("margin >= 0")


class PointAcceptance(_Result):
    label: str = F("the point's label")
    kind: Literal["status_quo", "proposal", "forecast", "user", "mediator"] = F("what the point is")
    point: Point = F("the point, scale units per issue")
    margins: list[ActorMargin] = F("every actor's margin at the point")
    all_veto_accept: bool = F("every veto player accepts")
    rejecting_veto: list[str] = F("veto players that reject")
    support: float = F("capability-weighted share of all actors that accept, 0-1")


class Range(_Result):
    min: float = F("lowest value in the zone, scale units")
    max: float = F("highest value in the zone, scale units")


class AloneFall(_Result):
    fall: float = F("how far this veto player's reservation must fall alone, utility")
    reservation: float = F("its reservation, utility")
    new_reservation: float = F("the reservation that opens a zone, utility")


class Gap(_Result):
    uniform_concession: float = F("every veto player lowering its reservation by this opens a zone, utility")
    least_total_concession: float = F("smallest sum of reservation falls that opens a zone, utility")
    by_actor: dict[str, float] = F("each veto player's share of the least total concession, utility")
    opens_at: Point = F("where the zone opens after the least total concession, scale units")
    alone: dict[str, AloneFall | None] = F("per veto player: the fall that opens a zone alone (null: none)")
    position_changes: dict[str, Point] = F(
        "per veto player rejecting the maximin deal: how far the deal must move for it, scale units "
        "(+ towards each issue's max label)"
    )


class Zone(_Result):
    exists: bool = F("a zone of possible agreement exists (every veto player accepts some deal)")
    veto_players: list[str] = F("veto player ids")
    maximin_point: Point = F("the maximin deal, scale units")
    smallest_margin: float = F("the smallest veto margin at the maximin deal, utility; < 0: the gap")
    margins: dict[str, float | None] = F("each veto player's margin at the maximin deal, utility")
    extent: dict[str, Range] | None = F("the zone's extent on each issue, scale units")
    binding: list[str] = F("veto players whose margin binds at the maximin deal")
    pivotal: list[str] = F("veto players whose consent decides the zone")
    blocking_coalitions: list[list[str]] | None = F("minimal sets of veto players that cannot all agree")
    reservation_slack: dict[str, float | None] = F(
        "per veto player: headroom (> 0) or needed fall (< 0) of its reservation, utility"
    )
    gap: Gap | None = F("without a zone: what it would take")


class MediatorOption(_Result):
    key: Literal["maximin", "veto_nash", "most_support"] = F("the mediator's candidate")
    method: str = F("the method in words")
    note: str = F("how it was chosen")
    point: Point = F("the candidate deal, scale units")
    acceptance: PointAcceptance = F("every actor's view of it")


class ProposalCheck(_Result):
    id: str = F("proposal id")
    name: str = F("proposal name")
    tabled_by: list[str] = F("actor ids that tabled it")
    point: Point = F("the proposal, scale units (issues it leaves out at the status quo)")
    all_veto_accept: bool = F("every veto player accepts it")
    shortfall: dict[str, float] = F("rejecting veto player -> utility it is short")
    change_for: dict[str, Point] = F(
        "rejecting veto player -> the smallest move of the proposal it accepts, scale units"
    )
    nearest_passing: Point | None = F("the nearest point every veto player accepts, scale units")
    notes: list[str] = F("remarks")


class MonteCarlo(_Result):
    draws: int = F("Monte Carlo draws")
    seed: int = F("seed")
    noise: float = F("default sd, share of each value's range, for values without their own uncertainty")
    inputs: list[str] = F("the uncertain inputs drawn (the scenario's own uncertainty entries first)")
    declared: list[str] = F("the inputs the scenario itself declares uncertain")
    p_zone: float | None = F("share of draws (0-1) with a zone of possible agreement")
    draws_unknown: int = F("draws that left a veto player's reservation unknown (left out of p_zone)")
    p_pass: dict[str, float | None] = F(
        "proposal id -> share of draws (0-1) in which every veto player accepts"
    )
    note: str | None = F("why a probability is missing")


class Holding(_Result):
    horizon: str = F("horizon in words")
    days: int = F("horizon, days")
    base_rate: float = F("Kaplan-Meier share still holding, 0-1")
    ci: list[float] = F("95% interval of the base rate, 0-1 (low, high)")
    pessimistic: float | None = F("unclear dated endings counted as breakdowns, 0-1")
    cox: float | None = F("Cox model's probability for this deal, 0-1")
    location: float | None = F("share still holding in the location's own record, 0-1")


class ReferenceCeasefire(_Result):
    location: str = F("where (the CFD's location)")
    declared: str | None = F("declared, ISO date")
    start: str | None = F("start (entry into effect, else declaration), ISO date")
    days: float | None = F("duration to its end or censoring, days")
    how_it_ended: str = F("how it ended, in words")
    ceasefire_class: str | None = F("cessation, preliminary or definitive")


class Curve(_Result):
    time: list[float] = F("days since the start")
    survival: list[float] = F("Kaplan-Meier share still holding, 0-1")
    lower: list[float] = F("95% band, lower, 0-1")
    upper: list[float] = F("95% band, upper, 0-1")


class Claim(_Result):
    claim: str = F("the analyst's claim in words")
    days: float = F("its horizon, days")
    base_rate_holding: float = F("share of the reference class still holding then, 0-1")
    ci: list[float] = F("95% interval, 0-1 (low, high)")


class ModelCheck(_Result):
    model: str = F("the survival model")
    concordance: float = F("Harrell's concordance under cross-validation grouped by conflict, 0-1")
    folds: int = F("cross-validation folds")


class Durability(_Result):
    deal: str = F("the deal's description")
    features: dict[str, str] = F("the deal's cease-fire features")
    requested_class: dict[str, str] = F("the reference class the deal asks for")
    reference_class: dict[str, str] = F("the reference class used (features dropped when too small)")
    dropped: list[str] = F("features dropped to reach the minimum class size")
    min_class_size: int = F("the minimum reference class size, cease-fires")
    class_size: int = F("cease-fires in the reference class")
    breakdowns: int = F("breakdowns among them")
    median_days: float | None = F("median time to breakdown, days (null: more than half hold)")
    median_text: str = F("the median in weeks, months or years")
    holding: list[Holding] = F("still holding at each horizon")
    location: str | None = F("the deal's location as the CFD names it")
    location_size: int | None = F("cease-fires in the location's own record")
    location_breakdowns: int | None = F("breakdowns in the location's own record")
    model_check: ModelCheck | None = F("how well the Cox model ranks held-out cease-fires")
    expectation: str | None = F("the analyst's claim, in words, and the base rate at its horizon")
    claim: Claim | None = F("the analyst's claim and the base rate at its horizon")
    curves: dict[str, Curve] = F("survival curves: reference_class, and location (its own record)")
    reference: list[ReferenceCeasefire] = F("the cease-fires of the reference class")
    scope: str = F("what the data covers")
    source: str = F("the data file and its citation")
    notes: list[str] = F("fallbacks and remarks")


class Settings(_Result):
    loss: Literal["quadratic", "linear"] = F("utility loss")
    utility: str = F("the utility function in words")
    seed: int = F("seed of the stochastic models and the draws")
    draws: int = F("Monte Carlo draws (0: none)")
    noise: float = F("default sd, share of each value's range, for values without their own uncertainty")
    ceasefire_data: str | None = F("the cease-fire data file used (name only)")


class CaseAnalysis(_Result):
    """The whole analysis of one case, summary first (see the module docstring for units)."""

    summary: Summary = F("the answer first")
    schema_version: str = F("version of this JSON layout")
    scenario: ScenarioInfo = F("the case")
    settings: Settings = F("how it was computed")
    issues: list[IssueInfo] = F("the issues and their scales")
    actors: list[ActorInfo] = F("the actors, positions and reservations")
    forecasts: list[ModelForecast] = F("each model's forecast")
    points: list[PointAcceptance] = F(
        "acceptance of the status quo, proposals, forecasts and the user's point"
    )
    zone: Zone | None = F("the zone of possible agreement or the gap; null when it cannot be analysed")
    mediator: list[MediatorOption] = F(
        "deals a mediator could table (maximin, Nash among veto players, most support)"
    )
    proposals: list[ProposalCheck] = F("the scenario's proposals against the zone")
    monte_carlo: MonteCarlo | None = F("the Monte Carlo summary; null with draws 0")
    durability: Durability | None = F("whether the deal would hold; null without cease-fire data")
    crisis: dict[str, Any] | None = F("the crisis-game analysis, when the scenario has a crisis: block")
    answer: list[str] = F(
        "the verdict and its reasons in plain sentences (blocking coalitions, falls, proposals)"
    )
    agreement_error: str | None = F("why the agreement analysis could not run (e.g. no veto player)")
    notes: list[str] = F("remarks on the analysis")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, first key ``summary``; NaN and infinity become ``None``."""
        return _finite(self.model_dump(mode="json"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a case analysis from :meth:`to_dict` output (e.g. stored JSON)."""
        from accord.errors import InputError

        version = data.get("schema_version") if isinstance(data, dict) else None
        if version is not None and str(version).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise InputError(
                f"schema_version {version}: this accord reads case analyses of version {SCHEMA_VERSION}"
            )
        try:
            return cls.model_validate(data)
        except Exception as exc:  # pydantic's ValidationError: one clear line
            raise InputError(f"not a case analysis: {str(exc).splitlines()[0]}") from None

    def _repr_html_(self) -> str:
        from accord.report.html import summary_html

        return summary_html(self)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def json_schema() -> dict[str, Any]:
    """The JSON schema of :meth:`CaseAnalysis.to_dict` (published as docs/case-analysis.schema.json)."""
    schema = CaseAnalysis.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "accord case analysis",
        "description": f"The case analysis of one scenario (accord, schema version {SCHEMA_VERSION}).",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
