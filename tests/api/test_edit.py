"""Scenario editing: each with_* returns a new, validated scenario; nothing builds an invalid one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accord
from accord.errors import InputError
from accord.problem import to_problem
from accord.scenario import Scenario
from conftest import EXAMPLES
from strategies import scenarios

GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"


@pytest.fixture(scope="module")
def gaza() -> Scenario:
    return accord.load(GAZA)


def test_with_position_changes_one_value_and_leaves_the_original(gaza: Scenario) -> None:
    s2 = gaza.with_position("hamas", "presence", position=20)
    assert s2.actor("hamas").positions["presence"].position == 20
    assert gaza.actor("hamas").positions["presence"].position == 0
    # everything else is the same
    assert s2.with_position("hamas", "presence", position=0) == gaza


def test_the_issue_case_off_the_scale_is_refused(gaza: Scenario) -> None:
    # issue 15: model_copy(update=...) let a position of 999 on a 0-100 scale through
    with pytest.raises(
        InputError, match=r"actors\[1\] \(hamas\).positions.presence.position: 999 is outside"
    ):
        gaza.with_position("hamas", "presence", position=999)
    actors = list(gaza.actors)
    bad_actor = actors[1].model_dump()
    bad_actor["positions"]["presence"]["position"] = 999
    with pytest.raises(InputError, match="999 is outside the scale"):
        gaza.model_copy(update={"actors": [actors[0], bad_actor, *actors[2:]]})


def test_model_copy_and_model_construct_validate(gaza: Scenario) -> None:
    assert gaza.model_copy(update={"name": "x"}).name == "x"
    assert gaza.model_copy() == gaza
    with pytest.raises(InputError, match="at least 2 actors"):
        gaza.model_copy(update={"actors": gaza.actors[:1]})
    with pytest.raises(InputError, match="has no field 'nmae'"):
        gaza.model_copy(update={"nmae": "x"})
    stance = gaza.actor("hamas").positions["presence"]
    with pytest.raises(InputError, match="salience"):
        stance.model_copy(update={"salience": -1})
    with pytest.raises(InputError):
        Scenario.model_construct(name="x", actors=(), issues=())


def test_with_position_needs_both_values_for_a_new_stance(gaza: Scenario) -> None:
    s = gaza.with_issue("aid", positions={"israel": (200 / 6, 0.3), "hamas": (100, 0.7)})
    with pytest.raises(InputError, match="has no position on aid"):
        s.with_position("us", "aid", position=50)
    s2 = s.with_position("us", "aid", position=50, salience=0.2)
    assert s2.actor("us").positions["aid"].salience == 0.2
    with pytest.raises(InputError, match="unknown actor 'ghost'"):
        gaza.with_position("ghost", "presence", position=1)
    with pytest.raises(InputError, match="unknown issue 'ghost'"):
        gaza.with_position("hamas", "ghost", position=1)
    with pytest.raises(InputError, match="give position=, salience= or both"):
        gaza.with_position("hamas", "presence")


def test_with_reservation_forms(gaza: Scenario) -> None:
    s = gaza.with_reservation("hamas", "presence", 40)
    assert s.actor("hamas").reservation.point == {"presence": 40, "hostages": 75, "end_of_war": 35}  # type: ignore[union-attr]
    u = gaza.with_reservation("hamas", utility=0.5)
    assert u.actor("hamas").reservation.utility == 0.5  # type: ignore[union-attr]
    assert u.actor("hamas").reservation.point is None  # type: ignore[union-attr]
    with pytest.raises(InputError, match="is a utility"):
        u.with_reservation("hamas", "presence", 40)
    assert gaza.with_reservation("hamas").actor("hamas").reservation is None
    with pytest.raises(InputError, match="outside the scale"):
        gaza.with_reservation("hamas", "presence", 140)
    with pytest.raises(InputError, match="utility"):
        gaza.with_reservation("hamas", utility=1.5)
    with pytest.raises(InputError, match="one of"):
        gaza.with_reservation("hamas", "presence", 40, utility=0.5)
    p = gaza.with_reservation("hamas", point={"presence": 10})
    assert p.actor("hamas").reservation.point == {"presence": 10}  # type: ignore[union-attr]


def test_actors_issues_proposals(gaza: Scenario) -> None:
    s = gaza.with_capability("hamas", 50)
    assert s.actor("hamas").capability == 50
    with pytest.raises(InputError, match="capability"):
        gaza.with_capability("hamas", -1)
    s = gaza.with_actor("jordan", capability=10, role="outside", positions={"presence": (30, 0.2)})
    assert s.actor_ids[-1] == "jordan" and not s.actor("jordan").has_veto
    # replacing an existing actor keeps its place
    s = gaza.with_actor(gaza.actor("hamas").model_copy(update={"capability": 40}))
    assert s.actor_ids == gaza.actor_ids and s.actor("hamas").capability == 40
    with pytest.raises(InputError, match="unknown issue"):
        gaza.with_actor("jordan", positions={"ghost": (30, 0.2)})
    s = gaza.without_actor("us")
    assert "us" not in s.actor_ids
    assert all("us" not in p.tabled_by for p in s.proposals)
    two = gaza.model_copy(update={"actors": gaza.actors[:2], "proposals": ()})
    with pytest.raises(InputError, match="at least 2 actors"):
        two.without_actor("hamas")
    s = gaza.with_issue(
        "aid", scale={"min": 0, "max": 600, "unit": "trucks a day"}, positions={"hamas": (600, 1)}
    )
    assert s.issue("aid").scale.max == 600
    with pytest.raises(InputError, match="no actor has a position"):
        gaza.with_issue("aid")
    s = gaza.with_proposal("split", {"presence": 40}, tabled_by=("egypt",))
    assert s.proposals[-1].point == {"presence": 40}
    with pytest.raises(InputError, match="unknown actor 'ghost'"):
        gaza.with_proposal("split", {"presence": 40}, tabled_by=("ghost",))
    # replacing a proposal by id
    s2 = s.with_proposal("split", {"presence": 50})
    assert len(s2.proposals) == len(s.proposals) and s2.proposals[-1].point == {"presence": 50}


# -- the property: no sequence of with_* calls yields an invalid scenario -------------------------

_anything = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 1.0, 100.0, -1.0]),
)


@st.composite
def edits(draw: st.DrawFn, s: Scenario) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    actors = [*s.actor_ids, "new", "ghost"]
    issues = [*s.issue_ids, "fresh", "ghost"]
    out = []
    for _ in range(draw(st.integers(1, 6))):
        a, i = draw(st.sampled_from(actors)), draw(st.sampled_from(issues))
        op = draw(
            st.sampled_from(
                [
                    "position",
                    "salience",
                    "reservation",
                    "utility",
                    "capability",
                    "actor",
                    "without",
                    "issue",
                    "proposal",
                ]
            )
        )
        v = draw(_anything)
        if op == "position":
            out.append(("with_position", (a, i), {"position": v}))
        elif op == "salience":
            out.append(("with_position", (a, i), {"salience": v}))
        elif op == "reservation":
            out.append(("with_reservation", (a, i, v), {}))
        elif op == "utility":
            out.append(("with_reservation", (a,), {"utility": v}))
        elif op == "capability":
            out.append(("with_capability", (a, v), {}))
        elif op == "actor":
            out.append(("with_actor", (a,), {"positions": {i: (v, draw(_anything))}}))
        elif op == "without":
            out.append(("without_actor", (a,), {}))
        elif op == "issue":
            out.append(
                (
                    "with_issue",
                    (i,),
                    {"positions": {a: (v, 0.5)}, "scale": {"min": 0, "max": draw(_anything)}},
                )
            )
        else:
            out.append(("with_proposal", ("p", {i: v}), {}))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), s=scenarios(max_actors=4, max_issues=3))
def test_no_sequence_of_edits_yields_an_invalid_scenario(data: st.DataObject, s: Scenario) -> None:
    for method, args, kwargs in data.draw(edits(s)):
        before = s
        try:
            s = getattr(s, method)(*args, **kwargs)
        except InputError:
            assert s is before
            continue
        # the result is exactly what validating its own data gives, and the models can run on it
        assert Scenario.model_validate(s.model_dump()) == s
        p = to_problem(s)
        ok = p.mask
        assert np.all((p.position[ok] >= 0) & (p.position[ok] <= 1))
        assert np.all((p.salience >= 0) & (p.salience <= 1))
        assert np.all(np.isfinite(p.capability)) and np.all(p.capability >= 0)
