"""``accord analyze`` on the examples, its JSON, and its messages for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES

from accord.cli import main

GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["analyze", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def gaza_json() -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["analyze", str(GAZA), "--format", "json", "--draws", "100"]) == 0
    return json.loads(buf.getvalue())


def test_gaza_report_answers_whether_israel_and_hamas_want_a_deal(capsys) -> None:
    rc, out, _ = run(capsys, str(GAZA), "--draws", "100")
    assert rc == 0
    # the answer first: the verdict on the first screen, the evidence after it
    first = out.splitlines()[:25]
    assert first[1].startswith("Verdict: No: as encoded, no deal is acceptable to both Israel and Hamas")
    screen = " ".join(" ".join(first).split())
    assert "Confidence: a zone exists in" in screen and "of 100 draws" in screen
    assert "US bridging proposal: fails (Hamas rejects) as encoded; passes in" in screen
    assert "The gap: every veto player would have to lower its reservation by" in screen
    assert "Israel and Hamas must move" in screen
    assert out.index("Verdict:") < out.index("The evidence") < out.index("Zone of possible agreement: NONE")
    text = " ".join(out.split())  # undo Rich's line wrapping
    assert "each prefers its no-deal outcome (its reservation) to every deal the other would accept" in text
    assert "What it would take: every veto player lowering its reservation by" in text
    assert "Israel (Netanyahu government) alone would have to lower its reservation by" in text
    assert "US bridging proposal (Doha, 16 August 2024): accepted by Israel" in text
    assert "Forecasts" in out and "median" in out
    assert "nbs = status quo on end_of_war" in text and "far-right" in text
    assert all(len(line) <= 80 for line in out.splitlines())


def test_gaza_json_carries_the_verdict(gaza_json) -> None:
    assert list(gaza_json)[0] == "summary" and gaza_json["schema_version"]
    assert gaza_json["summary"]["verdict"].startswith("No:")
    assert gaza_json["summary"]["draws"] > 0 and gaza_json["summary"]["p_zone"] is not None
    z = gaza_json["zone"]
    assert z["exists"] is False and z["veto_players"] == ["israel", "hamas"]
    gap = z["gap"]
    assert gap["uniform_concession"] == pytest.approx(-z["smallest_margin"])
    assert gap["uniform_concession"] > 0
    assert set(gap["alone"]) == {"israel", "hamas"} and gap["alone"]["israel"]["fall"] > 0
    assert z["blocking_coalitions"] == [["israel", "hamas"]]
    points = {p["label"]: p for p in gaza_json["points"]}
    bridging = points["US bridging proposal (Doha, 16 August 2024)"]
    margins = {m["actor"]: m for m in bridging["margins"]}
    assert margins["israel"]["accepts"] and not margins["hamas"]["accepts"]
    assert bridging["rejecting_veto"] == ["hamas"]
    proposals = {p["id"]: p for p in gaza_json["proposals"]}
    assert proposals["us_bridging"]["tabled_by"] == ["us"]
    assert proposals["us_bridging"]["nearest_passing"] is None
    assert {"mean", "median", "nbs"} <= {f["model"] for f in gaza_json["forecasts"]}
    assert any(p["kind"] == "forecast" for p in gaza_json["points"])
    assert [m["key"] for m in gaza_json["mediator"]] == ["maximin"]  # no zone: no Nash, no most support
    actors = {a["id"]: a for a in gaza_json["actors"]}
    assert actors["hamas"]["reservation_source"] == "point"
    assert gaza_json["answer"][0].startswith("No:")


def test_user_point_and_linear_loss(capsys) -> None:
    rc, out, _ = run(
        capsys, str(GAZA), "--format", "json", "--loss", "linear", "--point", "presence=40", "--draws", "0"
    )
    assert rc == 0
    data = json.loads(out)
    assert data["settings"]["loss"] == "linear" and data["monte_carlo"] is None
    user = next(p for p in data["points"] if p["label"] == "your point")
    assert user["kind"] == "user"
    # the issues the point leaves out are taken at the status quo
    assert user["point"] == {"presence": 40.0, "hostages": 100.0, "end_of_war": 100.0}


@pytest.mark.parametrize("name", ["drc_m23_doha_2025.yaml", "us_tariffs_2025.yaml"])
def test_other_examples_run(capsys, name) -> None:
    rc, out, _ = run(capsys, str(EXAMPLES / name), "--draws", "50")
    assert rc == 0
    assert "Zone of possible agreement:" in out and "Answer" in out
    assert all(len(line) <= 80 for line in out.splitlines())


# the analyst-encoded cases (the other examples carry published research data with their citation)
ANALYST_EXAMPLES = ("gaza_ceasefire_2024.yaml", "drc_m23_doha_2025.yaml", "us_tariffs_2025.yaml")


def test_examples_label_every_number_as_illustrative() -> None:
    for path in (EXAMPLES / name for name in ANALYST_EXAMPLES):
        text = path.read_text()
        assert "ILLUSTRATIVE ESTIMATES" in text, path.name
        for line in text.splitlines():
            code, _, comment = line.partition("#")
            value = code.partition(":")[2].strip()
            if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
                assert comment.strip(), f"{path.name}: number without a rationale: {line.strip()}"


def _write(tmp_path: Path, actors: str) -> Path:
    f = tmp_path / "s.yaml"
    f.write_text(
        "name: t\nissues:\n  - id: x\n    status_quo: 50\nactors:\n" + actors,
        encoding="utf-8",
    )
    return f


def test_no_veto_player_is_a_clear_error(capsys, tmp_path) -> None:
    f = _write(
        tmp_path,
        "  - {id: a, role: mediator, positions: {x: {position: 0, salience: 1}}}\n"
        "  - {id: b, role: outside, positions: {x: {position: 100, salience: 1}}}\n",
    )
    rc, _, err = run(capsys, str(f))
    assert rc == 2
    assert "no actor has a veto" in err and "s.yaml" in err


def test_reservation_above_every_attainable_utility_is_a_clear_error(capsys, tmp_path) -> None:
    f = _write(
        tmp_path,
        "  - {id: a, positions: {x: {position: 0, salience: 1}}, reservation: {utility: 1.5}}\n"
        "  - {id: b, positions: {x: {position: 100, salience: 1}}}\n",
    )
    rc, _, err = run(capsys, str(f))
    assert rc == 2
    assert "reservation.utility" in err and "1" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--point", "nowhere=3"], "unknown issue 'nowhere'"),
        (["--point", "presence=140"], "outside the scale 0..100"),
        (["--point", "presence"], "expected ISSUE=VALUE"),
        (["--loss", "cubic"], "expected linear or quadratic"),
        (["--format", "xml"], "expected one of text, json"),
        (["--draws", "-1"], "--draws -1: must be 0 or more"),
        (["--noise", "-0.5"], "--noise -0.5: must be 0 or more"),
    ],
)
def test_bad_options_are_clear_errors(capsys, args, message) -> None:
    rc, _, err = run(capsys, str(GAZA), *args)
    assert rc == 2
    assert message in err


def test_a_zone_is_reported_with_its_extent_and_recommendations(capsys, tmp_path) -> None:
    f = tmp_path / "z.yaml"
    f.write_text(
        """
name: zone
issues:
  - {id: x, status_quo: 5, scale: {min: 0, max: 10, unit: km}}
actors:
  - id: a
    capability: 3
    positions: {x: {position: 2, salience: 1}}
    reservation: {point: {x: 6}}
  - {id: b, positions: {x: {position: 9, salience: 1}}, reservation: {point: {x: 4}}}
  - id: m
    role: mediator
    positions: {x: {position: 5, salience: 1}}
    reservation: {point: {x: 3}}
proposals:
  - {id: p, tabled_by: [m], point: {x: 7}}
""",
        encoding="utf-8",
    )
    rc, out, _ = run(capsys, str(f), "--loss", "linear", "--draws", "50")
    assert rc == 0
    text = " ".join(out.split())
    assert "Zone of possible agreement: EXISTS" in out and "Extent of the zone" in out
    assert "Verdict: Yes: as encoded, there are deals that a and b both prefer to no deal" in text
    assert "It takes: a concedes x 2->" in text and "Table: " in text
    assert "p: accepted by b, rejected by a." in text
    rc, out, _ = run(capsys, str(f), "--loss", "linear", "--format", "json", "--draws", "0")
    data = json.loads(out)
    assert data["zone"]["extent"]["x"] == pytest.approx({"min": 4.0, "max": 6.0}, abs=1e-6)
    assert data["zone"]["maximin_point"]["x"] == pytest.approx(5.0, abs=1e-6)  # margins 6 - x, x - 4
    assert data["zone"]["gap"] is None
    mediator = {m["key"]: m for m in data["mediator"]}
    nash = mediator["veto_nash"]
    assert nash["acceptance"]["all_veto_accept"] and 4 <= nash["point"]["x"] <= 6
    assert mediator["most_support"]["acceptance"]["support"] == pytest.approx(1.0)
    assert data["proposals"][0]["nearest_passing"]["x"] == pytest.approx(6.0, abs=1e-5)
    assert data["summary"]["recommended"]["all_veto_accept"] is True
