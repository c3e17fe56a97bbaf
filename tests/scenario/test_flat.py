"""The flat table reader (CSV and XLSX) and the flat CSV writer."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from accord.errors import InputError
from accord.scenario import load, save
from accord.scenario.formats import flat
from accord.scenario.io import detect_format
from conftest import DATA, need

EU = """\
#scenario,EC car emissions
#source,Bueno de Mesquita (1994)
id,name,capability,role,veto,group,emissions.position,emissions.salience
#name,,,,,,Delay,
#min,,,,,,0,
#max,,,,,,10,
#min_label,,,,,,at once,
#max_label,,,,,,after 10 years,
# member states
NL,Netherlands,0.08,party,,,4,0.8
BE,Belgium,0.08,party,,,7,0.4
UK,United Kingdom,0.16,,,,10,0.9
"""


def _write(tmp_path: Path, text: str, name: str = "case.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_actors_issues_and_directives(tmp_path: Path) -> None:
    s = load(_write(tmp_path, EU))
    assert s.name == "EC car emissions"
    assert s.sources == ("Bueno de Mesquita (1994)",)
    assert s.actor_ids == ("NL", "BE", "UK")
    issue = s.issue("emissions")
    assert issue.name == "Delay"
    assert (issue.scale.min, issue.scale.max) == (0, 10)
    assert (issue.scale.min_label, issue.scale.max_label) == ("at once", "after 10 years")
    uk = s.actor("UK")
    assert uk.name == "United Kingdom"
    assert uk.capability == 0.16
    assert uk.positions["emissions"].position == 10
    assert uk.positions["emissions"].salience == 0.9


def test_detected_from_content(tmp_path: Path) -> None:
    path = _write(tmp_path, EU, "case.txt")
    assert detect_format(path, path.read_bytes()) == "flat"


def test_space_separated_headers_semicolons_and_missing_pairs(tmp_path: Path) -> None:
    text = (
        "Actor;Capability;Trade Position;Trade Salience;Aid Position;Aid Salience\n"
        "us;3;80;0.5;;\n"
        "eu;2;40;0.9;60;1\n"
        "cn;2;10;0.7;20;0.4\n"
    )
    s = load(_write(tmp_path, text))
    assert s.issue_ids == ("Trade", "Aid")
    assert "Aid" not in s.actor("us").positions
    assert s.actor("eu").positions["Aid"].position == 60
    assert s.name == "case"  # the file's stem without a #scenario row
    assert s.issue("Aid").scale.max == 100  # the default scale


def test_optional_columns(tmp_path: Path) -> None:
    text = (
        "#salience_scale,100\n"
        "#as_of,2024-08-20\n"
        "id,capability,role,veto,group,reservation,x.position,x.salience,x.power,x.reservation\n"
        "#status_quo,,,,,,50\n"
        "a,1,party,yes,north,0.4,20,80,,\n"
        "b,2,mediator,,,,70,50,5,\n"
        "c,1,outside,false,,,90,30,,60\n"
    )
    s = load(_write(tmp_path, text))
    assert s.salience_scale == 100
    assert s.as_of is not None and s.as_of.isoformat() == "2024-08-20"
    assert s.issue("x").status_quo == 50
    a, b, c = s.actors
    assert a.veto is True and a.group == "north" and a.reservation is not None
    assert a.reservation.utility == 0.4
    assert b.role == "mediator" and b.positions["x"].power == 5 and b.reservation is None
    assert c.veto is False and c.reservation is not None and c.reservation.point == {"x": 60}


def test_writer_round_trips(tmp_path: Path) -> None:
    s = load(_write(tmp_path, EU))
    out = tmp_path / "out.csv"
    save(s, out)
    assert load(out) == s
    # the header and one directive row, as documented
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "id,name,capability,role,veto,group,emissions.position,emissions.salience" in lines
    assert "#max,,,,,,10," in lines


def test_writer_refuses_what_a_table_cannot_hold(tmp_path: Path) -> None:
    s = load(_write(tmp_path, EU))
    with_proposal = s.model_copy(
        update={"proposals": (s.proposals + (_proposal(),)), "meta": {"source": "x"}}
    )
    with pytest.raises(InputError, match=r"cannot hold proposals \(split\); meta; write YAML or JSON"):
        save(with_proposal, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def _proposal():  # type: ignore[no-untyped-def]
    from accord.scenario import Proposal

    return Proposal(id="split", point={"emissions": 7})


def _xlsx(tmp_path: Path, rows: list[list[object]], title: str = "scenario") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.create_sheet("notes").append(["free text"])
    path = tmp_path / "case.xlsx"
    wb.save(path)
    return path


def test_xlsx_equals_csv(tmp_path: Path) -> None:
    csv_path = _write(tmp_path, EU)
    rows: list[list[object]] = []
    for line in EU.splitlines():
        cells: list[object] = []
        for cell in line.split(","):
            try:
                cells.append(float(cell))
            except ValueError:
                cells.append(cell or None)
        rows.append(cells)
    path = _xlsx(tmp_path, rows)
    assert detect_format(path, path.read_bytes()) == "xlsx"
    assert load(path) == load(csv_path)


def test_xlsx_errors_name_the_cell(tmp_path: Path) -> None:
    rows: list[list[object]] = [["id", "capability", "x.position", "x.salience"], ["a", 1, 10, 0.5]]
    path = _xlsx(tmp_path, [*rows, ["b", "lots", 20, 1]])
    with pytest.raises(InputError, match=r"xlsx: sheet 'scenario', cell B3 \(capability\): 'lots' is not a"):
        load(path)


def test_xlsx_picks_a_sheet(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [["id", "x.position", "x.salience"], ["a", 1, 0.5], ["b", 2, 1]], title="Sheet1")
    assert load(path).actor_ids == ("a", "b")
    assert len(load(path, sheet="Sheet1").actors) == 2
    with pytest.raises(InputError, match=r"no sheet 'other' \(sheets: 'Sheet1', 'notes'\)"):
        load(path, sheet="other")


@pytest.mark.parametrize(
    "name",
    ["argentina", "china", "eu_emissions", "honduras", "iran2013", "sultan"],
)
def test_does_not_claim_bdm_tables(name: str) -> None:
    path = need(DATA / "bdm" / f"{name}.csv")
    assert flat.sniff(path, path.read_bytes()) is False


def test_does_not_claim_ktab_or_decide_files() -> None:
    folders = (
        "ktab",
        "decide",
        "bdm/original/dmasad",
        "bdm/original/jmckib",
        "bdm/original/decisionmechanics",
    )
    found = [p for d in folders for p in need(DATA / d).glob("*")]
    for path in found:
        if path.suffix in (".csv", ".txt", ".xml"):
            assert flat.sniff(path, path.read_bytes()) is False, path
