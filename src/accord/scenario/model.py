"""The Scenario: a negotiation case in the field's own words, validated once at load.

A Scenario holds actors (capability, role, veto), issues (a scale with labelled ends
and an optional status quo), each actor's position and salience per issue, what each
actor gets without a deal (its reservation), and named proposals. Every check that a
model relies on happens here; after construction nothing re-checks it.
"""

import math
from datetime import date
from typing import Any, Literal, Self, get_args, get_origin

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from accord.scenario.crisis import Crisis
from accord.scenario.edit import ScenarioEditing, ValidatedModel

Role = Literal["party", "mediator", "outside"]


class _Strict(ValidatedModel):
    # identifiers and keys are trimmed (``"NL "`` is ``"NL"``, so a padded duplicate is caught)
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        """A number field takes a number: not ``true`` nor the text ``"5"`` (no silent coercion)."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            _check_numbers(field.annotation, value)
        return value


def _is_number_type(annotation: Any) -> bool:
    args = [annotation]
    if get_origin(annotation):
        args = [a for a in get_args(annotation) if a is not type(None)]
    return bool(args) and all(a in (int, float) for a in args)


def _not_a_number(value: Any) -> str | None:
    if isinstance(value, str) and not value.strip():
        return "empty; a number is required"
    if isinstance(value, bool):
        return f"{str(value).lower()} is a yes/no value, not a number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"{value!r} is not a number"
        return f"{value!r} is quoted text, not a number (remove the quotes)"
    return None


def _check_numbers(annotation: Any, value: Any) -> None:
    if _is_number_type(annotation):
        problem = _not_a_number(value)
        if problem:
            raise ValueError(problem)
    elif get_origin(annotation) is dict and isinstance(value, dict):
        args = get_args(annotation)
        if len(args) == 2 and _is_number_type(args[1]):
            for key, item in value.items():
                problem = _not_a_number(item)
                if problem:
                    raise ValueError(f"{key}: {problem}")


def _finite(value: float, what: str = "") -> float:
    if not math.isfinite(value):
        raise ValueError(f"{what + ' ' if what else ''}must be a finite number, got {value}")
    return value


class Uncertainty(_Strict):
    """An analyst's uncertainty about one value: a standard deviation or a range.

    ``{sd: 10}`` means a normal draw around the value (truncated to the valid range);
    ``{low: 50, high: 70}`` a uniform draw on the range. Units are those of the value.
    """

    sd: float | None = Field(default=None, ge=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        has_sd = self.sd is not None
        has_range = self.low is not None or self.high is not None
        if has_sd == has_range:
            raise ValueError("give either sd or both low and high")
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both low and high")
            _finite(self.low, "low")
            _finite(self.high, "high")
            if self.low > self.high:
                raise ValueError(f"low {self.low} is above high {self.high}")
        elif self.sd is not None:
            _finite(self.sd, "sd")
        return self


class ScalePoint(_Strict):
    value: float
    label: str


class Scale(_Strict):
    """An issue's scale in the analyst's units, with a word for each end."""

    min: float = 0.0
    max: float = 100.0
    min_label: str = "min"
    max_label: str = "max"
    unit: str = ""
    points: tuple[ScalePoint, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _finite(self.min, "scale.min")
        _finite(self.max, "scale.max")
        if not self.max > self.min:
            raise ValueError(f"scale.max {self.max:g} must be above scale.min {self.min:g}")
        for i, p in enumerate(self.points):
            if not self.min <= p.value <= self.max:
                raise ValueError(
                    f"points[{i}] ({p.label!r}) value {p.value} is outside the scale "
                    f"{self.min:g}..{self.max:g}"
                )
        return self

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


class Issue(_Strict):
    id: str = Field(min_length=1)
    name: str = ""
    description: str = ""
    scale: Scale = Scale()
    status_quo: float | None = None
    outcome: float | None = None
    """The recorded outcome, where the case is historical (used by backtests)."""
    uncertainty: dict[Literal["status_quo"], Uncertainty] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _inside(self) -> Self:
        for field in ("status_quo", "outcome"):
            value = getattr(self, field)
            if value is not None:
                _finite(value, field)
                if not self.scale.contains(value):
                    raise ValueError(
                        f"{field}: {value:g} is outside the scale {self.scale.min:g}..{self.scale.max:g}"
                    )
        return self


class Stance(_Strict):
    """An actor's position on an issue, how much the issue matters to it, and its power there."""

    position: float
    salience: float = Field(ge=0)
    power: float | None = Field(default=None, ge=0)
    """Power on this issue where it differs from the actor's capability (Decide files)."""
    uncertainty: dict[Literal["position", "salience"], Uncertainty] = Field(default_factory=dict)

    @field_validator("position", "salience", "power")
    @classmethod
    def _is_finite(cls, v: float | None) -> float | None:
        if v is not None:
            _finite(v)
        return v


class Reservation(_Strict):
    """What an actor gets without a deal: a utility in [0, 1], or its worst acceptable point."""

    utility: float | None = Field(default=None, ge=0, le=1)
    point: dict[str, float] | None = None
    uncertainty: dict[Literal["utility"], Uncertainty] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.utility is None) == (self.point is None):
            raise ValueError("give either utility or point")
        if self.point is not None and "utility" in self.uncertainty:
            # nothing would draw it: a point's utility follows the drawn positions and saliences
            raise ValueError(
                "uncertainty.utility applies to a reservation given as a utility; this one is a point, "
                "whose utility already moves with the drawn positions and saliences: remove "
                "uncertainty.utility, or give reservation: {utility: ..., uncertainty: {utility: ...}}"
            )
        return self


class Actor(_Strict):
    id: str = Field(min_length=1)
    name: str = ""
    capability: float = Field(default=1.0, ge=0)
    role: Role = "party"
    veto: bool | None = None
    """Whether the actor must sign; parties default to true, others to false."""
    group: str | None = None
    positions: dict[str, Stance] = Field(default_factory=dict)
    reservation: Reservation | None = None
    uncertainty: dict[Literal["capability"], Uncertainty] = Field(default_factory=dict)

    @field_validator("capability")
    @classmethod
    def _cap_finite(cls, v: float) -> float:
        return _finite(v, "capability")

    @property
    def has_veto(self) -> bool:
        return self.veto if self.veto is not None else self.role == "party"

    @property
    def label(self) -> str:
        return self.name or self.id


class Proposal(_Strict):
    """A named point in issue space, such as a mediator's bridging proposal."""

    id: str = Field(min_length=1)
    name: str = ""
    tabled_by: tuple[str, ...] = ()
    point: dict[str, float]
    description: str = ""


class Deal(_Strict):
    """The cease-fire deal under analysis, in the features of the ETH/PRIO Ceasefire Dataset.

    Used by the durability analysis (:mod:`accord.durability`, docs/durability.md).
    Every feature is optional: leave out what is not known. ``purpose`` lists the deal's purposes
    (the first one selects the reference class; the survival model uses all).
    """

    description: str = ""
    written: bool | None = None
    partial: bool | None = None
    """Covers only part of the conflict (some areas or some forces)."""
    mediated: bool | None = None
    mediators: tuple[str, ...] = ()
    purpose: tuple[Literal["humanitarian", "peace_process", "holiday", "election", "other"], ...] = ()
    ceasefire_class: Literal["cessation", "preliminary", "definitive"] | None = None
    side: Literal["unilateral", "bilateral", "multilateral"] | None = None
    timing: Literal["0", "1", "2", "3"] | None = None
    """The CFD ``timing`` code, see docs/durability.md."""
    enforcement: bool | None = None
    """Enforced by an outside state's or an international organisation's forces."""
    mechanism: bool | None = None
    """An implementation mechanism (monitoring, verification, joint committee) was agreed."""
    ddr: bool | None = None
    fixed_term: bool | None = None
    fixed_term_days: int | None = Field(default=None, ge=1)
    location: str | None = None
    """The conflict's location as the CFD names it (e.g. ``Israel``), for its own record."""
    interstate: bool | None = None
    """A conflict between states (the CFD covers civil conflicts only: the base rate is then an analogy)."""
    declared: date | None = None
    effective: date | None = None
    expectation: str = ""
    """An analyst's claim about how long the deal holds, in words (e.g. "falls apart within weeks")."""
    expected_days: float | None = Field(default=None, gt=0)
    """The claim as a horizon in days (e.g. 28 for "within weeks"): the base rate is read there."""

    @model_validator(mode="after")
    def _term(self) -> Self:
        if self.fixed_term_days is not None and self.fixed_term is False:
            raise ValueError("fixed_term_days is given but fixed_term is false")
        if self.declared and self.effective and self.effective < self.declared:
            raise ValueError(f"effective {self.effective} is before declared {self.declared}")
        return self


class Scenario(ScenarioEditing, _Strict):
    """A negotiation case. Construct through :func:`accord.scenario.load` or ``Scenario(...)``;
    change one through the ``with_*`` methods (:mod:`accord.scenario.edit`), each a new scenario.

    ``salience_scale`` says whether saliences are written on 0-1 (``1``) or 0-100 (``100``).
    """

    name: str = Field(min_length=1)
    description: str = ""
    as_of: date | None = None
    sources: tuple[str, ...] = ()
    salience_scale: Literal[1, 100] = 1
    actors: tuple[Actor, ...]
    issues: tuple[Issue, ...]
    proposals: tuple[Proposal, ...] = ()
    deal: Deal | None = None
    """The deal under analysis, described by cease-fire features (used by the durability analysis)."""
    crisis: Crisis | None = None
    """A crisis escalation game among some of the actors (used by :mod:`accord.games.crisis`)."""
    meta: dict[str, Any] = Field(default_factory=dict)
    """Free-form facts an importer keeps (e.g. DEU procedure and voting rule)."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(self.actors) < 2:
            raise ValueError(f"actors: a negotiation needs at least 2 actors, got {len(self.actors)}")
        if not self.issues:
            raise ValueError("issues: there must be at least one issue")
        actor_ids = _unique([a.id for a in self.actors], "actors")
        issue_ids = _unique([i.id for i in self.issues], "issues")
        _unique([p.id for p in self.proposals], "proposals")
        issues = {i.id: i for i in self.issues}
        top = float(self.salience_scale)
        for a_idx, actor in enumerate(self.actors):
            where = f"actors[{a_idx}] ({actor.id})"
            for issue_id, stance in actor.positions.items():
                if issue_id not in issues:
                    raise ValueError(f"{where}.positions: unknown issue {issue_id!r}")
                scale = issues[issue_id].scale
                if not scale.contains(stance.position):
                    raise ValueError(
                        f"{where}.positions.{issue_id}.position: {stance.position:g} is outside "
                        f"the scale {scale.min:g}..{scale.max:g}"
                    )
                if stance.salience > top:
                    raise ValueError(
                        f"{where}.positions.{issue_id}.salience: {stance.salience:g} is outside "
                        f"0..{top:g} (set salience_scale: 100 for saliences written 0-100)"
                    )
            res = actor.reservation
            if res is not None and res.point is not None:
                for issue_id, value in res.point.items():
                    if issue_id not in issues:
                        raise ValueError(f"{where}.reservation.point: unknown issue {issue_id!r}")
                    scale = issues[issue_id].scale
                    if not math.isfinite(value) or not scale.contains(value):
                        raise ValueError(
                            f"{where}.reservation.point.{issue_id}: {value:g} is outside the "
                            f"scale {scale.min:g}..{scale.max:g}"
                        )
        held = {issue_id for actor in self.actors for issue_id in actor.positions}
        for i_idx, issue in enumerate(self.issues):
            if issue.id not in held:
                raise ValueError(f"issues[{i_idx}] ({issue.id}): no actor has a position on this issue")
        for p_idx, prop in enumerate(self.proposals):
            where = f"proposals[{p_idx}] ({prop.id})"
            for by in prop.tabled_by:
                if by not in actor_ids:
                    raise ValueError(f"{where}.tabled_by: unknown actor {by!r}")
            for issue_id, value in prop.point.items():
                if issue_id not in issues:
                    raise ValueError(f"{where}.point: unknown issue {issue_id!r}")
                scale = issues[issue_id].scale
                if not math.isfinite(value) or not scale.contains(value):
                    raise ValueError(
                        f"{where}.point.{issue_id}: {value:g} is outside the scale "
                        f"{scale.min:g}..{scale.max:g}"
                    )
        if self.crisis is not None:
            self.crisis.check_actors(tuple(actor_ids))
        del issue_ids
        return self

    # -- convenience -------------------------------------------------------------------
    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    @property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.issues)

    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)


def _unique(ids: list[str], where: str) -> set[str]:
    seen: set[str] = set()
    for k, ident in enumerate(ids):
        if ident in seen:
            raise ValueError(f"{where}[{k}]: duplicate id {ident!r}")
        seen.add(ident)
    return seen
