"""The editor's form: applying submitted values to a scenario and placing each error at its field."""

from __future__ import annotations

from typing import Any

import pytest

from accord.scenario import load
from accord.scenario.formats.native import to_data
from accord.web import forms
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def gaza() -> dict[str, Any]:
    return to_data(load(EXAMPLES / "gaza_ceasefire_2024.yaml"))


def test_a_reservation_cell_changes_only_that_value(gaza: dict[str, Any]) -> None:
    data = forms.apply_form(gaza, {"a1.r2": "70"})
    scenario, errors = forms.check(data)
    assert errors == [] and scenario is not None
    hamas = scenario.actor("hamas")
    assert hamas.reservation is not None and hamas.reservation.point == {
        "presence": 30,
        "hostages": 75,
        "end_of_war": 70,
    }
    # what the grid does not show (uncertainty ranges, descriptions) is kept
    assert scenario.actor("israel").positions["presence"].uncertainty["position"].sd == 10
    assert (
        scenario.issue("presence").description
        == load(EXAMPLES / "gaza_ceasefire_2024.yaml").issue("presence").description
    )


def test_every_error_lands_on_its_field_with_the_cli_wording(gaza: dict[str, Any]) -> None:
    form = {"a0.p0.salience": "abc", "a0.capability": "-3", "i0.status_quo": "140", "a1.r0": "140"}
    scenario, errors = forms.check(forms.apply_form(gaza, form))
    assert scenario is None
    by_field = {e.field: e for e in errors}
    assert by_field["a0.p0.salience"].message == "'abc' is not a number"
    assert by_field["a0.p0.salience"].path == "actors[0] (israel).positions.presence.salience"
    assert by_field["a0.capability"].message == "must be >= 0, got -3"
    assert by_field["i0.status_quo"].message == "140 is outside the scale 0..100"
    # the position was not submitted: it keeps its stored value and raises no error
    assert "a0.p0.position" not in by_field


def test_model_level_errors_name_the_field(gaza: dict[str, Any]) -> None:
    # the scenario-wide check reports a reservation outside its scale with the path in its message
    _, errors = forms.check(forms.apply_form(gaza, {"a1.r0": "140"}))
    assert [(e.field, e.message) for e in errors] == [("a1.r0", "140 is outside the scale 0..100")]
    _, errors = forms.check(forms.apply_form(gaza, {"p0.i1": "-5"}))
    assert errors[0].field == "p0.i1"
    _, errors = forms.check(forms.apply_form(gaza, {"a2.p0.salience": "3"}))
    assert errors[0].field == "a2.p0.salience" and "0..1" in errors[0].message


def test_blank_cells_remove_a_stance_and_a_reservation(gaza: dict[str, Any]) -> None:
    form = {
        "a8.p0.position": "",
        "a8.p0.salience": "",
        "a1.r0": "",
        "a1.r1": "",
        "a1.r2": "",
        "a1.res_utility": "",
    }
    scenario, errors = forms.check(forms.apply_form(gaza, form))
    assert errors == [] and scenario is not None
    assert "presence" not in scenario.actors[8].positions
    assert scenario.actor("hamas").reservation is None
    scenario, _ = forms.check(
        forms.apply_form(gaza, {"a1.r0": "", "a1.r1": "", "a1.r2": "", "a1.res_utility": "0.4"})
    )
    assert scenario is not None and scenario.actor("hamas").reservation is not None
    assert scenario.actor("hamas").reservation.utility == 0.4


def test_deal_and_roles(gaza: dict[str, Any]) -> None:
    form = {
        "deal.written": "no",
        "deal.side": "",
        "deal.expected_days": "10",
        "a2.role": "party",
        "a2.veto": "yes",
    }
    scenario, errors = forms.check(forms.apply_form(gaza, form))
    assert errors == [] and scenario is not None and scenario.deal is not None
    assert scenario.deal.written is False and scenario.deal.side is None and scenario.deal.expected_days == 10
    assert scenario.actor("us").role == "party" and scenario.actor("us").has_veto
    _, errors = forms.check(forms.apply_form(gaza, {"deal.fixed_term_days": "0"}))
    assert errors[0].field == "deal.fixed_term_days"


def test_yaml_view_errors_carry_the_line(gaza: dict[str, Any]) -> None:
    scenario, errors, _ = forms.check_yaml("name: [unclosed\n")
    assert (
        scenario is None
        and errors[0].field == "yaml"
        and "line 2, column 1: malformed YAML" in errors[0].message
    )
    scenario, errors, _ = forms.check_yaml("name: x\nactors: []\nissues: []\n")
    assert scenario is None and "actors" in errors[0].message


def test_rows_are_added_and_removed(gaza: dict[str, Any]) -> None:
    data = forms.edit_rows(gaza, "add_proposal")
    assert data["proposals"][-1] == {"id": "proposal_3", "name": "New proposal", "point": {}}
    data = forms.apply_form(data, {"p2.i0": "40", "p2.i2": "45", "i0.max_label": "all of Gaza"})
    scenario, errors = forms.check(data)
    assert errors == [] and scenario is not None
    assert scenario.proposals[2].point == {"presence": 40, "end_of_war": 45}
    assert scenario.issue("presence").scale.max_label == "all of Gaza"
    # a new issue needs positions before the scenario is valid; the error says so
    _, errors = forms.check(forms.edit_rows(gaza, "add_issue"))
    assert errors and "no actor has a position" in errors[0].message
    data = forms.edit_rows(forms.edit_rows(gaza, "add_actor"), "remove_issue:0")
    scenario, errors = forms.check(data)
    assert errors == [] and scenario is not None
    assert scenario.actors[-1].id == "actor_10" and scenario.issue_ids == ("hostages", "end_of_war")
    assert scenario.actor("hamas").reservation is not None
    assert "presence" not in (scenario.actor("hamas").reservation.point or {})
    scenario, _ = forms.check(forms.edit_rows(gaza, "remove_actor:2"))  # the US tabled a proposal
    assert scenario is not None and "us" not in scenario.actor_ids
    assert scenario.proposals[0].tabled_by == ()
    assert forms.edit_rows(gaza, "remove_actor:99") == gaza
