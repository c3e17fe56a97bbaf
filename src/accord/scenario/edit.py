"""Editing a Scenario: every change returns a new scenario, validated like a loaded one.

A :class:`~accord.scenario.model.Scenario` is frozen; these methods build the edited copy from
plain data and run the whole validation again, so an edit can never produce a scenario that a
file could not. A bad edit raises :class:`accord.errors.InputError` naming the field, e.g.
``actors[1] (hamas).positions.presence.position: 999 is outside the scale 0..100``.

pydantic's own ``model_copy(update=...)`` and ``model_construct`` skip validation; here both
validate (:class:`ValidatedModel`), so there is no public way to build an invalid scenario.

>>> import accord
>>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
>>> s2 = s.with_position("hamas", "presence", position=20)
>>> s2.actor("hamas").positions["presence"].position, s.actor("hamas").positions["presence"].position
(20.0, 0.0)
>>> s.with_position("hamas", "presence", position=999)
Traceback (most recent call last):
...
accord.errors.InputError: actors[1] (hamas).positions.presence.position: 999 is outside the scale 0..100
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, cast

from pydantic import BaseModel, ValidationError

from accord.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


def _invalid(exc: ValidationError, data: Any) -> InputError:
    from accord.scenario.io import format_validation_error

    return InputError(format_validation_error(exc, data))


def _fields(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}


class ValidatedModel(BaseModel):
    """A pydantic model whose ``model_copy`` and ``model_construct`` validate their result."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied, validated (pydantic's own copy skips validation).

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s.model_copy(update={"name": "Gaza, edited"}).name
        'Gaza, edited'
        >>> s.model_copy(update={"actors": s.actors[:1]})
        Traceback (most recent call last):
        ...
        accord.errors.InputError: actors: a negotiation needs at least 2 actors, got 1
        """
        if not update:
            return super().model_copy(deep=deep)
        unknown = sorted(set(update) - set(type(self).model_fields))
        if unknown:
            raise InputError(f"{type(self).__name__} has no field {', '.join(map(repr, unknown))}")
        data = {**_fields(self), **update}
        try:
            return type(self).model_validate(data)
        except ValidationError as exc:
            raise _invalid(exc, data) from None

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """Build from ``values`` with full validation (pydantic's own skips it)."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise _invalid(exc, values) from None


def _stance(position: Any, salience: Any) -> dict[str, Any]:
    if isinstance(position, Mapping):
        return dict(position)
    if isinstance(position, Sequence) and not isinstance(position, str):
        pos, sal = position
        return {"position": pos, "salience": sal}
    if salience is None:
        raise InputError(f"a new position {position!r} needs a salience")
    return {"position": position, "salience": salience}


class ScenarioEditing:
    """The editing methods of :class:`~accord.scenario.model.Scenario` (each returns a new one)."""

    # the mixin is only ever a base of Scenario (a pydantic model with these attributes)
    @property
    def _ids(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        me: Any = self
        return me.actor_ids, me.issue_ids

    # -- plumbing ------------------------------------------------------------------------------
    def _rebuilt(self, data: dict[str, Any]) -> Self:
        cls: Any = type(self)
        try:
            return cast(Self, cls.model_validate(data))
        except ValidationError as exc:
            raise _invalid(exc, data) from None

    def _actor_index(self, actor: str) -> int:
        actor_ids = self._ids[0]
        if actor not in actor_ids:
            raise InputError(f"unknown actor {actor!r} (actors: {', '.join(actor_ids)})")
        return actor_ids.index(actor)

    def _check_issue(self, issue: str) -> None:
        issue_ids = self._ids[1]
        if issue not in issue_ids:
            raise InputError(f"unknown issue {issue!r} (issues: {', '.join(issue_ids)})")

    def _data(self) -> dict[str, Any]:
        me: Any = self
        data: dict[str, Any] = me.model_dump()
        data["actors"] = list(data["actors"])
        data["issues"] = list(data["issues"])
        data["proposals"] = list(data["proposals"])
        return data

    # -- edits ---------------------------------------------------------------------------------
    def with_position(
        self,
        actor: str,
        issue: str,
        position: float | None = None,
        salience: float | None = None,
    ) -> Self:
        """A copy with ``actor``'s position and/or salience on ``issue`` changed (scale units; the
        salience on the scenario's salience scale). A new position needs both.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s.with_position("israel", "hostages", salience=0.9).actor("israel").positions["hostages"]
        Stance(position=55.0, salience=0.9, power=None, uncertainty={})
        """
        k = self._actor_index(actor)
        self._check_issue(issue)
        if position is None and salience is None:
            raise InputError("with_position: give position=, salience= or both")
        data = self._data()
        stances = dict(data["actors"][k]["positions"])
        if issue in stances:
            stance = dict(stances[issue])
            if position is not None:
                stance["position"] = position
            if salience is not None:
                stance["salience"] = salience
        else:
            if position is None or salience is None:
                raise InputError(
                    f"with_position: {actor} has no position on {issue}; give both position= and salience="
                )
            stance = {"position": position, "salience": salience}
        stances[issue] = stance
        data["actors"][k] = {**data["actors"][k], "positions": stances}
        return self._rebuilt(data)

    def with_reservation(
        self,
        actor: str,
        issue: str | None = None,
        value: float | None = None,
        *,
        utility: float | None = None,
        point: Mapping[str, float] | None = None,
    ) -> Self:
        """A copy with ``actor``'s reservation (what it gets without a deal) changed.

        Three forms: ``with_reservation(actor, issue, value)`` sets one issue of the worst
        acceptable point (scale units; issues the point leaves out count at the actor's own
        position); ``point={...}`` replaces the whole point; ``utility=u`` gives it as a utility
        in [0, 1]. ``with_reservation(actor)`` with nothing else removes it.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s.with_reservation("hamas", "presence", 40).actor("hamas").reservation.point
        {'presence': 40.0, 'hostages': 75.0, 'end_of_war': 35.0}
        >>> s.with_reservation("hamas", utility=0.6).actor("hamas").reservation.utility
        0.6
        """
        k = self._actor_index(actor)
        forms = sum(x is not None for x in (value, utility, point))
        if forms > 1:
            raise InputError("with_reservation: give one of value=, utility= or point=")
        if (issue is None) != (value is None):
            raise InputError("with_reservation: give an issue and its value together")
        data = self._data()
        current = data["actors"][k]["reservation"]
        res: dict[str, Any] | None
        if issue is not None:
            self._check_issue(issue)
            if current is not None and current.get("utility") is not None:
                raise InputError(
                    f"with_reservation: {actor}'s reservation is a utility ({current['utility']:g}), "
                    "not a point; give utility= or point= to replace it"
                )
            old = dict((current or {}).get("point") or {})
            res = {"point": {**old, issue: value}}
        elif point is not None:
            for key in point:
                self._check_issue(key)
            res = {"point": dict(point)}
        elif utility is not None:
            keep = (current or {}).get("uncertainty") or {}
            was_utility = current is not None and current.get("utility") is not None
            res = {"utility": utility, "uncertainty": keep if was_utility else {}}
        else:
            res = None
        data["actors"][k] = {**data["actors"][k], "reservation": res}
        return self._rebuilt(data)

    def with_capability(self, actor: str, capability: float) -> Self:
        """A copy with ``actor``'s capability (its power at the table) changed.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s.with_capability("hamas", 50).actor("hamas").capability
        50.0
        """
        k = self._actor_index(actor)
        data = self._data()
        data["actors"][k] = {**data["actors"][k], "capability": capability}
        return self._rebuilt(data)

    def with_actor(
        self,
        actor: str | Mapping[str, Any] | BaseModel,
        *,
        positions: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Self:
        """A copy with an actor added, or replaced when its id exists.

        ``actor``: an id (with ``positions`` and any Actor field as keywords: ``name``,
        ``capability``, ``role``, ``veto``, ``group``, ``reservation``), a mapping of Actor
        fields, or an :class:`~accord.scenario.model.Actor`. ``positions`` maps each issue to
        ``(position, salience)`` or a mapping ``{"position": .., "salience": ..}``.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s2 = s.with_actor("egypt2", capability=20, role="mediator", positions={"presence": (40, 0.5)})
        >>> s2.actor_ids[-1], s2.actor("egypt2").has_veto
        ('egypt2', False)
        """
        if isinstance(actor, BaseModel):
            item = actor.model_dump()
        elif isinstance(actor, Mapping):
            item = dict(actor)
        else:
            item = {"id": actor}
        item.update(fields)
        if positions is not None:
            item["positions"] = {i: _stance(v, None) for i, v in positions.items()}
        data = self._data()
        ident = item.get("id")
        actor_ids = self._ids[0]
        if ident in actor_ids:
            data["actors"][actor_ids.index(ident)] = item
        else:
            data["actors"].append(item)
        return self._rebuilt(data)

    def without_actor(self, actor: str) -> Self:
        """A copy without ``actor`` (also dropped from the proposals' ``tabled_by``).

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> "qatar" in s.without_actor("qatar").actor_ids
        False
        """
        k = self._actor_index(actor)
        data = self._data()
        del data["actors"][k]
        data["proposals"] = [
            {**p, "tabled_by": tuple(a for a in p["tabled_by"] if a != actor)} for p in data["proposals"]
        ]
        return self._rebuilt(data)

    def with_issue(
        self,
        issue: str | Mapping[str, Any] | BaseModel,
        *,
        positions: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Self:
        """A copy with an issue added, or replaced when its id exists.

        ``issue``: an id (with Issue fields as keywords: ``name``, ``description``, ``scale``
        (a mapping ``{"min": .., "max": .., "min_label": .., "max_label": .., "unit": ..}``),
        ``status_quo``, ``outcome``), a mapping, or an :class:`~accord.scenario.model.Issue`.
        ``positions`` maps actor ids to ``(position, salience)``; a new issue needs at least one.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s2 = s.with_issue("aid", scale={"min": 0, "max": 600, "unit": "trucks a day"},
        ...                   positions={"israel": (200, 0.3), "hamas": (600, 0.7)})
        >>> s2.issue_ids
        ('presence', 'hostages', 'end_of_war', 'aid')
        """
        if isinstance(issue, BaseModel):
            item = issue.model_dump()
        elif isinstance(issue, Mapping):
            item = dict(issue)
        else:
            item = {"id": issue}
        item.update(fields)
        ident = item.get("id")
        data = self._data()
        issue_ids = self._ids[1]
        if ident in issue_ids:
            data["issues"][issue_ids.index(ident)] = item
        else:
            data["issues"].append(item)
        for actor, stance in (positions or {}).items():
            k = self._actor_index(actor)
            stances = dict(data["actors"][k]["positions"])
            stances[str(ident)] = _stance(stance, None)
            data["actors"][k] = {**data["actors"][k], "positions": stances}
        return self._rebuilt(data)

    def with_proposal(
        self,
        proposal: str | Mapping[str, Any] | BaseModel,
        point: Mapping[str, float] | None = None,
        **fields: Any,
    ) -> Self:
        """A copy with a proposal (a named point in issue space, scale units) added or replaced.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s2 = s.with_proposal("split", {"presence": 40, "hostages": 70, "end_of_war": 45},
        ...                      tabled_by=("egypt",))
        >>> s2.proposals[-1].id, s2.proposals[-1].point["presence"]
        ('split', 40.0)
        """
        if isinstance(proposal, BaseModel):
            item = proposal.model_dump()
        elif isinstance(proposal, Mapping):
            item = dict(proposal)
        else:
            item = {"id": proposal}
        if point is not None:
            item["point"] = dict(point)
        item.update(fields)
        data = self._data()
        ids = [p["id"] for p in data["proposals"]]
        if item.get("id") in ids:
            data["proposals"][ids.index(item["id"])] = item
        else:
            data["proposals"].append(item)
        return self._rebuilt(data)

    # -- tables --------------------------------------------------------------------------------
    def to_frame(self, table: str = "positions") -> pd.DataFrame:
        """One of the scenario's tables as a tidy pandas DataFrame (columns in
        :mod:`accord.scenario.frames`): ``"positions"`` (one row per actor and issue),
        ``"actors"``, ``"issues"`` or ``"proposals"`` (one row per proposal and issue).

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> s.to_frame().head(3)[["actor", "issue", "position", "salience"]]
            actor       issue  position  salience
        0  israel    presence      75.0       0.8
        1  israel    hostages      55.0       0.6
        2  israel  end_of_war      90.0       1.0
        """
        from accord.scenario import frames

        return frames.to_frame(self, table)  # type: ignore[arg-type]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tables :meth:`from_frames` rebuilds the scenario from: ``actors``, ``positions``,
        ``issues`` and ``proposals``.

        >>> import accord
        >>> s = accord.load("examples/gaza_ceasefire_2024.yaml")
        >>> sorted(s.to_frames())
        ['actors', 'issues', 'positions', 'proposals']
        """
        from accord.scenario import frames

        return frames.to_frames(self)  # type: ignore[arg-type]

    @classmethod
    def from_frames(
        cls,
        actors: pd.DataFrame,
        positions: pd.DataFrame,
        issues: pd.DataFrame | None = None,
        proposals: pd.DataFrame | None = None,
        **scenario: Any,
    ) -> Self:
        """A scenario from the tables an analyst keeps (see :mod:`accord.scenario.frames`).

        ``actors``: one row per actor (``actor`` and optional ``name``, ``capability``, ``role``,
        ``veto``, ``group``, ``reservation_utility``); ``positions``: one row per actor and issue
        (``actor``, ``issue``, ``position``, ``salience``, optional ``power`` and ``reservation``,
        the actor's worst acceptable value on the issue); ``issues``: one row per issue (``issue``
        and optional ``name``, ``min``, ``max``, ``min_label``, ``max_label``, ``unit``,
        ``status_quo``, ``outcome``; default scale 0-100); ``proposals``: one row per proposal
        and issue. Other scenario fields as keywords (``name``, ``salience_scale``, ...).

        >>> import pandas as pd
        >>> from accord import Scenario
        >>> actors = pd.DataFrame({"actor": ["a", "b"], "capability": [2.0, 1.0]})
        >>> positions = pd.DataFrame({"actor": ["a", "b"], "issue": ["tax", "tax"],
        ...                           "position": [20.0, 80.0], "salience": [1.0, 0.5]})
        >>> s = Scenario.from_frames(actors, positions, name="budget")
        >>> s.actor_ids, s.issue("tax").scale.max
        (('a', 'b'), 100.0)
        """
        from accord.scenario import frames

        data = frames.from_frames(actors, positions, issues, proposals, **scenario)
        model: Any = cls
        try:
            return cast(Self, model.model_validate(data))
        except ValidationError as exc:
            raise _invalid(exc, data) from None
