"""One test per class of bad input: the message names the file, the field or line, and what is wrong;
the CLI prints one line and exits with code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.cli import main
from accord.errors import InputError
from accord.scenario import load

Cap = pytest.CaptureFixture[str]


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "talks",
        "actors": [
            {"id": "us", "capability": 3, "positions": {"trade": {"position": 80, "salience": 0.5}}},
            {"id": "eu", "capability": 2, "positions": {"trade": {"position": 40, "salience": 0.9}}},
        ],
        "issues": [{"id": "trade", "scale": {"min": 0, "max": 100}}],
    }
    doc.update(changes)
    return doc


def _yaml(tmp_path: Path, doc: Any, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _csv(tmp_path: Path, text: str, name: str = "case.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_bad(path: Path, capsys: Cap, *fragments: str, **options: Any) -> str:
    """Loading fails with a message holding the file name and every fragment; the CLI exits 2."""
    with pytest.raises(InputError) as info:
        load(path, **options)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("error: ") and path.name in out.err
    assert "Traceback" not in out.err and out.err.count("\n") == 1, out.err
    return message


def _actor(ident: str, position: float = 50, salience: float = 0.5, **extra: Any) -> dict[str, Any]:
    return {"id": ident, "positions": {"trade": {"position": position, "salience": salience}}, **extra}


# -- ids ---------------------------------------------------------------------------------


def test_unknown_issue_id(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][1]["positions"]["tariffs"] = {"position": 1, "salience": 1}
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[1] (eu).positions: unknown issue 'tariffs'")


def test_unknown_actor_in_proposal(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(proposals=[{"id": "deal", "tabled_by": ["cn"], "point": {"trade": 50}}])
    assert_bad(_yaml(tmp_path, doc), capsys, "proposals[0] (deal).tabled_by: unknown actor 'cn'")


def test_unknown_field(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["capabilty"] = 2
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[0] (us).capabilty: unknown field")


def test_duplicate_actor_id(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"].append(_actor("us"))
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[2]: duplicate id 'us'")


def test_duplicate_id_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,1\nb,2,1\na,3,1\n")
    assert_bad(path, capsys, "line 4, column 'id': duplicate id 'a'")


def test_duplicate_yaml_key(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("name: a\nname: b\nactors: []\nissues: []\n", encoding="utf-8")
    assert_bad(path, capsys, "line 2, column 1", "duplicate key 'name'")


# -- positions and saliences -------------------------------------------------------------


def test_position_outside_scale(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["positions"]["trade"]["position"] = 140
    assert_bad(
        _yaml(tmp_path, doc),
        capsys,
        "actors[0] (us).positions.trade.position: 140 is outside the scale 0..100",
    )


def test_position_outside_scale_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\n#max,10,\na,1,1\nb,12,1\n")
    assert_bad(path, capsys, "line 4, column 'x.position' (actor 'b'): 12 is outside the scale 0..10")


def test_salience_above_one(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][1]["positions"]["trade"]["salience"] = 90
    assert_bad(
        _yaml(tmp_path, doc),
        capsys,
        "actors[1] (eu).positions.trade.salience: 90 is outside 0..1",
        "salience_scale: 100",
    )


def test_salience_scale_100_accepts_percentages(tmp_path: Path) -> None:
    doc = _doc(salience_scale=100)
    doc["actors"][1]["positions"]["trade"]["salience"] = 90
    s = load(_yaml(tmp_path, doc))
    assert s.actor("eu").positions["trade"].salience == 90


def test_salience_above_100(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(salience_scale=100)
    doc["actors"][1]["positions"]["trade"]["salience"] = 101
    assert_bad(_yaml(tmp_path, doc), capsys, "positions.trade.salience: 101 is outside 0..100")


def test_salience_scale_other_than_1_or_100(tmp_path: Path, capsys: Cap) -> None:
    assert_bad(
        _yaml(tmp_path, _doc(salience_scale=10)), capsys, "salience_scale: must be one of 1 or 100, got 10"
    )


def test_salience_above_one_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,80\nb,2,1\n")
    assert_bad(
        path, capsys, "line 2, column 'x.salience' (actor 'a'): 80 is outside 0..1", "#salience_scale,100"
    )


def test_negative_salience(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][1]["positions"]["trade"]["salience"] = -0.2
    assert_bad(
        _yaml(tmp_path, doc), capsys, "actors[1] (eu).positions.trade.salience: must be >= 0, got -0.2"
    )


# -- numbers -----------------------------------------------------------------------------


def test_negative_capability(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["capability"] = -3
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[0] (us).capability: must be >= 0, got -3")


def test_negative_capability_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,capability,x.position,x.salience\na,1,1,1\nb,-3,2,1\n")
    assert_bad(path, capsys, "line 3, column 'capability' (actor 'b'): must be >= 0, got -3")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_yaml(tmp_path: Path, capsys: Cap, value: str) -> None:
    path = tmp_path / "case.yaml"
    text = yaml.safe_dump(_doc(), sort_keys=False).replace("position: 80", f"position: {value}")
    path.write_text(text, encoding="utf-8")
    assert_bad(path, capsys, "actors[0] (us).positions.trade.position: must be a finite number")


def test_non_finite_capability(tmp_path: Path, capsys: Cap) -> None:
    text = yaml.safe_dump(_doc(), sort_keys=False).replace("capability: 3", "capability: .nan")
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    assert_bad(path, capsys, "actors[0] (us).capability: must be a finite number, got nan")


@pytest.mark.parametrize("cell", ["inf", "nan", "-Infinity"])
def test_non_finite_in_a_table(tmp_path: Path, capsys: Cap, cell: str) -> None:
    path = _csv(tmp_path, f"id,capability,x.position,x.salience\na,1,1,1\nb,{cell},2,1\n")
    assert_bad(path, capsys, "line 3, column 'capability': must be a finite number")


def test_empty_string_for_a_number(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["capability"] = ""
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[0] (us).capability: empty; a number is required")


def test_empty_cell_for_a_number(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,capability,x.position,x.salience\na,1,1,1\nb,,2,1\n")
    assert_bad(path, capsys, "line 3, column 'capability': empty; a number is required")


def test_half_empty_pair_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,1\nb,2,\n")
    assert_bad(path, capsys, "line 3, column 'x.salience': empty; give both position and salience")


def test_text_for_a_number(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["positions"]["trade"]["position"] = "high"
    assert_bad(
        _yaml(tmp_path, doc), capsys, "actors[0] (us).positions.trade.position: 'high' is not a number"
    )


def test_text_for_a_number_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,1\nb,high,1\n")
    assert_bad(path, capsys, "line 3, column 'x.position': 'high' is not a number")


# -- shape -------------------------------------------------------------------------------


def test_one_actor(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"] = doc["actors"][:1]
    assert_bad(_yaml(tmp_path, doc), capsys, "actors: a negotiation needs at least 2 actors, got 1")


def test_one_actor_row_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,1\n")
    assert_bad(path, capsys, "at least 2 actors, got 1")


def test_no_issues(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(issues=[])
    for actor in doc["actors"]:
        actor["positions"] = {}
    assert_bad(_yaml(tmp_path, doc), capsys, "issues: there must be at least one issue")


def test_no_issue_columns(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,capability,x.position\na,1,1\nb,2,1\n")
    assert_bad(
        path, capsys, "line 1, column 'x.position': issue 'x' has no x.salience column", input_format="flat"
    )


def test_unknown_column(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,capabilty,x.position,x.salience\na,1,1,1\nb,2,2,1\n")
    assert_bad(path, capsys, "line 1, column 'capabilty': unknown column 'capabilty'")


def test_missing_required_field(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    del doc["actors"][0]["positions"]["trade"]["salience"]
    assert_bad(
        _yaml(tmp_path, doc), capsys, "actors[0] (us).positions.trade.salience: required field is missing"
    )


def test_top_level_not_a_mapping(tmp_path: Path, capsys: Cap) -> None:
    assert_bad(_yaml(tmp_path, ["a", "b"]), capsys, "expected a mapping at the top level, got list")


# -- reservations, scales, proposals -----------------------------------------------------


def test_reservation_point_outside_scale(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["reservation"] = {"point": {"trade": 120}}
    assert_bad(
        _yaml(tmp_path, doc),
        capsys,
        "actors[0] (us).reservation.point.trade: 120 is outside the scale 0..100",
    )


def test_reservation_point_outside_scale_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience,x.reservation\na,1,1,120\nb,2,1,\n")
    assert_bad(path, capsys, "line 2, column 'x.reservation' (actor 'a'): 120 is outside the scale 0..100")


def test_reservation_utility_above_one(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["reservation"] = {"utility": 1.5}
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[0] (us).reservation.utility: must be <= 1, got 1.5")


def test_reservation_with_both_forms(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["reservation"] = {"utility": 0.5, "point": {"trade": 10}}
    assert_bad(_yaml(tmp_path, doc), capsys, "actors[0] (us).reservation: give either utility or point")


def test_status_quo_outside_scale(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(issues=[{"id": "trade", "scale": {"min": 0, "max": 100}, "status_quo": 140}])
    assert_bad(_yaml(tmp_path, doc), capsys, "issues[0] (trade): status_quo: 140 is outside the scale 0..100")


def test_status_quo_outside_scale_in_a_table(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\n#max,10,\n#status_quo,14,\na,1,1\nb,2,1\n")
    assert_bad(path, capsys, "line 3, column 'x.position': status_quo: 14 is outside the scale 0..10")


def test_reversed_scale(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(issues=[{"id": "trade", "scale": {"min": 100, "max": 0}}])
    assert_bad(
        _yaml(tmp_path, doc), capsys, "issues[0] (trade).scale: scale.max 0 must be above scale.min 100"
    )


def test_proposal_outside_scale(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(proposals=[{"id": "deal", "point": {"trade": -5}}])
    assert_bad(
        _yaml(tmp_path, doc), capsys, "proposals[0] (deal).point.trade: -5 is outside the scale 0..100"
    )


def test_uncertainty_needs_one_form(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["positions"]["trade"]["uncertainty"] = {"position": {"low": 50}}
    assert_bad(
        _yaml(tmp_path, doc), capsys, "positions.trade.uncertainty.position: a range needs both low and high"
    )


def test_bad_role_and_veto(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"][0]["role"] = "boss"
    assert_bad(
        _yaml(tmp_path, doc), capsys, "actors[0] (us).role: must be one of 'party', 'mediator' or 'outside'"
    )
    path = _csv(tmp_path, "id,veto,x.position,x.salience\na,maybe,1,1\nb,,2,1\n")
    assert_bad(path, capsys, "line 2, column 'veto': must be true or false, got 'maybe'")


def test_bad_date(tmp_path: Path, capsys: Cap) -> None:
    assert_bad(_yaml(tmp_path, _doc(as_of="last week")), capsys, "as_of: 'last week' is not a date")


# -- malformed files ---------------------------------------------------------------------


def test_malformed_yaml(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("name: talks\nactors:\n  - id: a\n   capability: 2\n", encoding="utf-8")
    assert_bad(path, capsys, "line 4, column 4: malformed YAML")


def test_malformed_json(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_doc())[:-5], encoding="utf-8")
    assert_bad(path, capsys, "line 1, column", "malformed JSON")


def test_malformed_csv_quotes(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, 'id,x.position,x.salience\na,1,1\n"b"c,2,1\n')
    assert_bad(path, capsys, "line 3: malformed CSV")


def test_malformed_csv_unclosed_quote(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, 'id,x.position,x.salience\na,1,1\n"b,2,1\n')
    assert_bad(path, capsys, "malformed CSV")


def test_csv_row_longer_than_header(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,1\nb,2,1,7\n")
    assert_bad(path, capsys, "line 3: 4 cells, but the header has 3 columns")


def test_unknown_directive(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\n#maximum,10,\na,1,1\nb,2,1\n")
    assert_bad(path, capsys, "line 2, column 'id': unknown directive '#maximum' below the header")


def test_xlsx_not_a_zip(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id,x.position,x.salience\na,1,1\nb,2,1\n", name="case.xlsx")
    assert_bad(path, capsys, "not an XLSX workbook (the file is not a zip archive)")


def test_xlsx_corrupt_zip(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert_bad(path, capsys, "not a readable XLSX workbook")


def test_xlsx_empty_sheet(tmp_path: Path, capsys: Cap) -> None:
    import openpyxl

    path = tmp_path / "case.xlsx"
    openpyxl.Workbook().save(path)
    assert_bad(path, capsys, "sheet 'Sheet' is empty")


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "case.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(
        InputError, match=r"case.xlsx: the workbook has no sheet 'actors' \(sheets: 'Sheet'\)"
    ):
        load(path, sheet="actors")


def test_unrecognised_format(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "just some words\nand more\n", name="notes.txt")
    assert_bad(path, capsys, "unrecognised format; give --input-format")


# -- encodings and empty files -----------------------------------------------------------


def test_latin1_file(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes("name: Caf\u00e9\nactors: []\n".encode("latin-1"))
    assert_bad(path, capsys, "line 1: not valid UTF-8 text (byte 0xe9", "save the file as UTF-8")


def test_latin1_table(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.csv"
    path.write_bytes("id,name,x.position,x.salience\na,Sa\u00f3 Tom\u00e9,1,1\n".encode("latin-1"))
    assert_bad(path, capsys, "line 2: not valid UTF-8 text")


def test_utf16_file(tmp_path: Path, capsys: Cap) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(yaml.safe_dump(_doc()).encode("utf-16"))
    assert_bad(path, capsys, "the file is UTF-16 text; save it as UTF-8")


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "case.csv"
    path.write_bytes(b"\xef\xbb\xbfid,x.position,x.salience\r\na,1,1\r\nb,2,1\r\n")
    assert load(path).actor_ids == ("a", "b")


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_empty_file(tmp_path: Path, capsys: Cap, content: bytes) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(content)
    assert_bad(path, capsys, "the file is empty")


def test_missing_file(tmp_path: Path, capsys: Cap) -> None:
    assert_bad(tmp_path / "nowhere.yaml", capsys, "file not found")


def test_directory(tmp_path: Path, capsys: Cap) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert_bad(folder, capsys, "is a directory")


# -- BDM tables ----------------------------------------------------------------------------


def test_bdm_bad_number(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "actor,capability,position,salience\nA,1,5,0.5\nB,x,6,0.5\n")
    assert_bad(path, capsys, "line 3, column capability: 'x' is not a number")


def test_bdm_short_row(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "actor,capability,position,salience\nA,1,5,0.5\nB,1,6\n")
    assert_bad(path, capsys, "line 3: expected 4 columns, got 3")


def test_issue_nobody_takes_a_position_on(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc(issues=[{"id": "trade"}, {"id": "aid"}])
    assert_bad(_yaml(tmp_path, doc), capsys, "issues[1] (aid): no actor has a position on this issue")
    path = _csv(tmp_path, "id,x.position,x.salience,y.position,y.salience\na,1,1,,\nb,2,1,,\n")
    assert_bad(path, capsys, "issue 'y': no actor has a position on this issue")


def test_decimal_comma(tmp_path: Path, capsys: Cap) -> None:
    path = _csv(tmp_path, "id;capability;x.position;x.salience\na;1;1;0,5\nb;2;2;1\n")
    assert_bad(path, capsys, "column 'x.salience': '0,5' is not a number", "(write the decimal separator")


def test_wrong_shape(tmp_path: Path, capsys: Cap) -> None:
    doc = _doc()
    doc["actors"] = {a["id"]: a for a in doc["actors"]}
    message = assert_bad(_yaml(tmp_path, doc), capsys, "actors: expected a list, got dict {'us': {")
    assert len(message) < len(str(tmp_path)) + 120
