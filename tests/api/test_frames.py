"""Scenario tables: to_frame columns, and to_frames / from_frames round-trips any valid scenario."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import accord
from accord.errors import InputError
from accord.scenario import Scenario
from accord.scenario.frames import COLUMNS
from conftest import EXAMPLES
from strategies import full_scenarios, scenarios

TABLE_FIELDS = ("name", "description", "as_of", "sources", "salience_scale", "deal", "crisis", "meta")


def _normal(s: Scenario, tables_only: bool = False) -> dict[str, Any]:
    """The scenario's data with veto resolved (the table holds whether an actor must sign)."""
    d = s.model_dump()
    for a, actor in zip(d["actors"], s.actors, strict=True):
        a["veto"] = actor.has_veto
        if tables_only:
            a["uncertainty"] = {}
            for st in a["positions"].values():
                st["uncertainty"] = {}
            if a["reservation"] is not None:
                a["reservation"]["uncertainty"] = {}
    if tables_only:
        for i in d["issues"]:
            i["uncertainty"] = {}
            i["scale"]["points"] = ()
    return d


def _rebuild(s: Scenario) -> Scenario:
    frames = s.to_frames()
    if frames["proposals"].empty:
        del frames["proposals"]
    return Scenario.from_frames(**frames, **{k: getattr(s, k) for k in TABLE_FIELDS})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=full_scenarios(flat=True))
def test_round_trip_of_any_flat_scenario(s: Scenario) -> None:
    assert _normal(_rebuild(s)) == _normal(s)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=full_scenarios())
def test_round_trip_keeps_everything_the_tables_hold(s: Scenario) -> None:
    # uncertainty entries and labelled scale points are not in the tables (the docstring says so)
    assert _normal(_rebuild(s), tables_only=True) == _normal(s, tables_only=True)


@settings(max_examples=25, deadline=None)
@given(s=scenarios())
def test_frames_have_the_documented_columns(s: Scenario) -> None:
    for table, frame in s.to_frames().items():
        assert list(frame.columns) == list(COLUMNS[table])
    pos = s.to_frame()
    assert len(pos) == sum(len(a.positions) for a in s.actors)


def test_gaza_tables() -> None:
    s = accord.load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    pos = s.to_frame()
    row = pos[(pos.actor == "hamas") & (pos.issue == "presence")].iloc[0]
    assert (row.position, row.salience, row.reservation) == (0, 0.9, 30)
    actors = s.to_frame("actors").set_index("actor")
    assert actors.loc["israel", "veto"] and not actors.loc["us", "veto"]
    props = s.to_frame("proposals")
    assert set(props.proposal) == {p.id for p in s.proposals}
    assert _rebuild(s).to_frames().keys() == s.to_frames().keys()
    with pytest.raises(InputError, match="table 'votes'"):
        s.to_frame("votes")


def test_from_frames_a_spreadsheet_with_defaults() -> None:
    actors = pd.DataFrame(
        {"actor": ["gov", "rebels", "un"], "capability": [3, 1, 1], "role": ["party", "party", "mediator"]}
    )
    positions = pd.DataFrame(
        {
            "actor": ["gov", "rebels", "un", "gov", "rebels"],
            "issue": ["autonomy", "autonomy", "autonomy", "amnesty", "amnesty"],
            "position": [10, 90, 50, 0, 100],
            "salience": [80, 90, 30, 40, 60],
        }
    )
    s = Scenario.from_frames(actors, positions, name="peace talks")
    assert s.salience_scale == 100  # saliences written 0-100
    assert s.issue_ids == ("autonomy", "amnesty") and s.issue("amnesty").scale.max == 100
    f = accord.forecast(s, "compromise")
    assert 10 < f.outcome("compromise", "autonomy") < 90


def test_from_frames_errors_name_the_table_row_and_field() -> None:
    actors = pd.DataFrame({"actor": ["a", "b"]})
    positions = pd.DataFrame(
        {"actor": ["a", "b"], "issue": ["x", "x"], "position": [1.0, 2.0], "salience": [1.0, 1.0]}
    )
    with pytest.raises(InputError, match="positions: missing column"):
        Scenario.from_frames(actors, positions.drop(columns="salience"))
    with pytest.raises(InputError, match="positions: missing column.*salience.*unknown column.*salinece"):
        Scenario.from_frames(actors, positions.rename(columns={"salience": "salinece"}))
    with pytest.raises(InputError, match="positions row 1: unknown actor 'c'"):
        Scenario.from_frames(actors, positions.assign(actor=["a", "c"]))
    issues = pd.DataFrame({"issue": ["x"], "min": [0.0], "max": [1.5]})
    with pytest.raises(
        InputError, match=r"actors\[1\] \(b\).positions.x.position: 2 is outside the scale 0..1.5"
    ):
        Scenario.from_frames(actors, positions, issues)
    with pytest.raises(InputError, match="a second row"):
        Scenario.from_frames(actors, pd.concat([positions, positions]))
    with pytest.raises(InputError, match="expected a pandas DataFrame"):
        Scenario.from_frames(actors, {"actor": ["a"]})  # type: ignore[arg-type]
