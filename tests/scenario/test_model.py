"""The Scenario model: defaults, derived values and the checks that only it makes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from accord.scenario import Actor, Reservation, Scale, Scenario, Stance, Uncertainty, validate


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "t",
        "actors": [
            {"id": "a", "positions": {"x": {"position": 10, "salience": 0.5}}},
            {"id": "b", "role": "mediator", "positions": {"x": {"position": 90, "salience": 1}}},
            {"id": "c", "role": "outside", "veto": True},
        ],
        "issues": [{"id": "x"}],
    }
    doc.update(changes)
    return doc


def test_defaults() -> None:
    s = validate(_doc(), "t")
    a, b, c = s.actors
    assert a.capability == 1.0 and a.role == "party" and a.veto is None
    assert s.issues[0].scale == Scale(min=0, max=100, min_label="min", max_label="max")
    assert s.salience_scale == 1 and s.proposals == () and s.deal is None and s.meta == {}
    assert c.positions == {}  # an actor may sit out every issue


def test_veto_defaults_by_role() -> None:
    a, b, c = validate(_doc(), "t").actors
    assert a.has_veto  # a party must sign
    assert not b.has_veto  # a mediator need not
    assert c.has_veto  # unless the file says so


def test_label_and_lookups() -> None:
    s = validate(_doc(), "t")
    assert s.actor("a").label == "a"
    assert Actor(id="eu", name="European Union").label == "European Union"
    assert s.issue("x").id == "x"
    assert s.actor_ids == ("a", "b", "c") and s.issue_ids == ("x",)
    with pytest.raises(KeyError):
        s.actor("zz")
    with pytest.raises(KeyError):
        s.issue("zz")


def test_frozen_and_closed() -> None:
    s = validate(_doc(), "t")
    with pytest.raises(ValidationError):
        s.actors[0].capability = 2  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        Stance.model_validate({"position": 1, "salience": 1, "weight": 2})


def test_uncertainty_forms() -> None:
    assert Uncertainty(sd=10).sd == 10
    assert Uncertainty(low=50, high=70).high == 70
    with pytest.raises(ValidationError, match="give either sd or both low and high"):
        Uncertainty()
    with pytest.raises(ValidationError, match="give either sd or both low and high"):
        Uncertainty(sd=1, low=0, high=2)
    with pytest.raises(ValidationError, match="low 70.0 is above high 50.0"):
        Uncertainty(low=70, high=50)
    with pytest.raises(ValidationError, match="must be a finite number"):
        Uncertainty(sd=float("inf"))


def test_uncertainty_on_every_value() -> None:
    doc = _doc()
    doc["actors"][0]["uncertainty"] = {"capability": {"sd": 0.2}}
    doc["actors"][0]["positions"]["x"]["uncertainty"] = {
        "position": {"low": 5, "high": 20},
        "salience": {"sd": 0.1},
    }
    doc["actors"][0]["reservation"] = {"utility": 0.3, "uncertainty": {"utility": {"sd": 0.05}}}
    doc["issues"][0]["status_quo"] = 40
    doc["issues"][0]["uncertainty"] = {"status_quo": {"sd": 5}}
    s = validate(doc, "t")
    assert s.actors[0].positions["x"].uncertainty["position"].low == 5
    with pytest.raises(Exception, match=r"uncertainty.weight: unknown field|uncertainty.weight"):
        doc["actors"][0]["uncertainty"] = {"weight": {"sd": 1}}
        validate(doc, "t")


def test_reservation_forms() -> None:
    assert Reservation(utility=0.4).point is None
    assert Reservation(point={"x": 30}).utility is None
    with pytest.raises(ValidationError, match="give either utility or point"):
        Reservation()


def test_scale_points_inside() -> None:
    scale = Scale(min=0, max=10, points=({"value": 5, "label": "half"},))  # type: ignore[arg-type]
    assert scale.points[0].label == "half"
    assert scale.contains(0) and scale.contains(10) and not scale.contains(10.5)
    with pytest.raises(ValidationError, match=r"points\[0\] \('far'\) value 11.0 is outside the scale 0..10"):
        Scale(min=0, max=10, points=({"value": 11, "label": "far"},))  # type: ignore[arg-type]


def test_outcome_and_status_quo_inside_scale() -> None:
    doc = _doc(issues=[{"id": "x", "status_quo": 0, "outcome": 100}])
    assert validate(doc, "t").issues[0].outcome == 100
    with pytest.raises(Exception, match=r"outcome: 101 is outside the scale 0..100"):
        validate(_doc(issues=[{"id": "x", "outcome": 101}]), "t")


def test_proposals() -> None:
    doc = _doc(proposals=[{"id": "p", "name": "bridge", "tabled_by": ["b"], "point": {"x": 55}}])
    p = validate(doc, "t").proposals[0]
    assert p.tabled_by == ("b",) and p.point == {"x": 55}
    with pytest.raises(Exception, match=r"proposals\[1\]: duplicate id 'p'"):
        validate(_doc(proposals=[{"id": "p", "point": {}}, {"id": "p", "point": {}}]), "t")
    with pytest.raises(Exception, match=r"proposals\[0\] \(p\).point: unknown issue 'y'"):
        validate(_doc(proposals=[{"id": "p", "point": {"y": 1}}]), "t")


def test_duplicate_issue_ids() -> None:
    with pytest.raises(Exception, match=r"issues\[1\]: duplicate id 'x'"):
        validate(_doc(issues=[{"id": "x"}, {"id": "x"}]), "t")


def test_reservation_point_unknown_issue() -> None:
    doc = _doc()
    doc["actors"][1]["reservation"] = {"point": {"y": 3}}
    with pytest.raises(Exception, match=r"actors\[1\] \(b\).reservation.point: unknown issue 'y'"):
        validate(doc, "t")


def test_per_issue_power() -> None:
    doc = _doc()
    doc["actors"][0]["positions"]["x"]["power"] = 4
    assert validate(doc, "t").actors[0].positions["x"].power == 4
    doc["actors"][0]["positions"]["x"]["power"] = -1
    with pytest.raises(Exception, match=r"positions.x.power: must be >= 0, got -1"):
        validate(doc, "t")


def test_direct_construction_equals_validate() -> None:
    s = Scenario(
        name="t",
        actors=(Actor(id="a", positions={"x": Stance(position=1, salience=1)}), Actor(id="b")),
        issues=({"id": "x"},),  # type: ignore[arg-type]
    )
    assert s == validate(
        {
            "name": "t",
            "actors": [{"id": "a", "positions": {"x": {"position": 1, "salience": 1}}}, {"id": "b"}],
            "issues": [{"id": "x"}],
        },
        "t",
    )
