"""The DEU reader: one scenario per issue, capability schemes, date repair, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.errors import InputError
from accord.problem import to_problem
from accord.scenario import io as sio
from accord.scenario.formats import deu
from conftest import DATA, need

DEV = DATA / "deu" / "deu_dev.tsv"

HEADER = "prnr\tisnr\tprname\tproc\tcounvte\tintro\tfinact\tpcom\tpep\tpde\tpfr\tscom\tsep\tsde\tsfr\trp\tout"


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "deu.tsv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def test_small_file_reads_every_field(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "\t\t\t\t\t\t\t4.1\t4.1\t4.1\t2.8\t\t\t\t\t\t",
        "d99001\td99001i1\ttoys\tCOD\tQMV\t10-11-99\t2022-05-01\t100\t50\t0\t\t80\t\t40\t\t0\t60",
        "n05001\tn05001i1\tfish\tCNS\tUnan\t01-09-05\t999\t0\t\t100\t40\t50\t0\t30\t20\t\t",
    )
    parsed = deu.load_file(p)
    assert parsed.gdp == {"com": 4.1, "ep": 4.1, "de": 4.1, "fr": 2.8}
    first, second = parsed.scenarios
    issue = first.issues[0]
    assert (issue.id, issue.status_quo, issue.outcome) == ("d99001i1", 0.0, 60.0)
    assert first.actor_ids == ("com", "ep", "de")  # France sits out: blank position
    assert first.actor("ep").positions["d99001i1"].salience == 0.0  # blank salience counts as 0
    assert first.meta["blank_salience"] == ["ep"]
    assert first.meta["procedure"] == "COD" and first.meta["voting_rule"] == "qmv"
    # the spreadsheet swap: 2022-05-01 is 22 May 2001
    assert first.meta["final_act"] == "2001-05-22" and first.meta["dates_repaired"] == ["finact"]
    assert first.meta["era"] == "pre-nice"
    assert first.actor("ep").has_veto and not first.actor("com").has_veto and not first.actor("de").has_veto
    assert second.issues[0].status_quo is None and second.issues[0].outcome is None
    assert second.meta["final_act"] is None and second.meta["era"] == "nice"
    assert second.actor("de").has_veto and "ep" not in second.actor_ids  # unanimity


def test_capability_schemes(tmp_path: Path) -> None:
    rows = (
        "\t\t\t\t\t\t\t4.1\t4.1\t4.1\t2.8\t\t\t\t\t\t",
        "d99001\td99001i1\ttoys\tCOD\tQMV\t10-11-99\t01-05-00\t100\t50\t0\t20\t80\t50\t40\t10\t0\t60",
        "n05001\tn05001i1\tfish\tCNS\tQMV\t01-09-05\t01-09-06\t0\t30\t100\t40\t50\t20\t30\t20\t0\t40",
    )
    p = _write(tmp_path, *rows)
    caps = {
        scheme: [{a.id: a.capability for a in s.actors} for s in deu.read_issues(p, capability=scheme)]
        for scheme in deu.SCHEMES
    }
    assert caps["equal"][0] == {"com": 1.0, "ep": 1.0, "de": 1.0, "fr": 1.0}
    assert caps["council"][0] == {"com": 10.0, "ep": 10.0, "de": 10.0, "fr": 10.0}  # pre-Nice
    assert caps["council"][1] == {"com": 29.0, "ep": 29.0, "de": 29.0, "fr": 29.0}  # Nice
    assert caps["population"][0]["fr"] == pytest.approx(63.39)
    assert caps["gdp"][0] == {"com": 4.1, "ep": 4.1, "de": 4.1, "fr": 2.8}
    proc = deu.read_issues(p, capability="council", institutions="procedure")
    assert proc[0].actor("ep").capability == 10.0  # codecision
    assert proc[1].actor("ep").capability == 0.0  # consultation
    assert deu.read_issues(p, capability="council", institutions="none")[0].actor("com").capability == 0.0


def test_council_weights_by_era() -> None:
    assert deu.council_weight("de", "pre-nice") == 10 and deu.council_weight("lu", "pre-nice") == 2
    assert deu.council_weight("pl", "pre-nice") == 8  # 2004 interim weights
    assert deu.council_weight("es", "nice") == 27 and deu.council_weight("mt", "nice") == 3
    assert deu.council_weight("de", "lisbon") == pytest.approx(82.31)
    assert deu.council_weight("com", "nice") is None
    assert sum(deu.NICE[c] for c in deu.NICE if c not in ("bu", "ro", "cr")) == 321  # EU-25 total
    assert sum(deu.PRE_NICE[c] for c in list(deu.PRE_NICE)[:15]) == 87  # EU-15 total
    assert deu.era(None) is None


def test_read_one_issue_or_proposal(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "d99001\td99001i1\ttoys\tCOD\tQMV\t10-11-99\t01-05-00\t100\t50\t0\t20\t80\t50\t40\t10\t0\t60",
        "d99001\td99001i2\ttoys\tCOD\tQMV\t10-11-99\t01-05-00\t0\t\t100\t40\t50\t0\t30\t20\t0\t50",
    )
    with pytest.raises(InputError, match=r"2 issues: d99001i1, d99001i2.*issue=ID"):
        sio.load(p)
    one = sio.load(p, issue="d99001i2")
    assert one.issue_ids == ("d99001i2",) and "ep" not in one.actor_ids
    both = sio.load(p, input_format="deu", proposal="d99001")
    assert both.issue_ids == ("d99001i1", "d99001i2")
    prob = to_problem(both)
    assert prob.mask[both.actor_ids.index("ep")].tolist() == [True, False]
    with pytest.raises(InputError, match="no issue 'x'"):
        sio.load(p, issue="x")
    with pytest.raises(InputError, match="no proposal 'x'"):
        sio.load(p, proposal="x")
    with pytest.raises(InputError, match="do not apply to deu"):
        sio.load(p, issue="d99001i1", colour="red")


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            HEADER.replace("\tout", ""),
            "d1\td1i1\tx\tCOD\tQMV\t\t\t1\t2\t3\t4\t5\t6\t7\t8\t9",
            "missing column",
        ),
        (HEADER, "d1\td1i1\tx\tCOD\tQMV\t\t\tabc\t2\t3\t4\t5\t6\t7\t8\t9\t10", r"line 2, column pcom: 'abc'"),
        (HEADER, "d1\td1i1\tx\tCOD\tQMV\t\t\t1\t2\t3\t4\t5\t6\t7\t8\t9\t140", r"column out: 140 is outside"),
        (HEADER, "d1\td1i1\tx\tCOD\tQMV\t\t\t1\t2\t3\t4\t5\t6\t-7\t8\t9\t10", r"column sde: -7 is outside"),
        (HEADER, "d1\t\tx\tCOD\tQMV\t\t\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10", "line 2, column isnr"),
        ("isnr\tprnr\trp\tout\tpcom\tscom", "i1\td1\t0\t10\t5\t5", "fewer than 2 actor column pairs"),
    ],
)
def test_bad_files(tmp_path: Path, header: str, row: str, message: str) -> None:
    p = _write(tmp_path, row, header=header)
    with pytest.raises(InputError, match=message):
        deu.load_file(p)


def test_duplicate_issue_and_missing_gdp(tmp_path: Path) -> None:
    row = "d1\td1i1\tx\tCOD\tQMV\t10-11-99\t\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10"
    with pytest.raises(InputError, match="duplicate issue id 'd1i1'"):
        deu.load_file(_write(tmp_path, row, row))
    with pytest.raises(InputError, match="GDP row"):
        deu.load_file(_write(tmp_path, row), capability="gdp")
    with pytest.raises(InputError, match="capability='votes'"):
        deu.load_file(_write(tmp_path, row), capability="votes")
    no_date = "d1\td1i1\tx\tCOD\tQMV\t999\t\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10"
    with pytest.raises(InputError, match="Council voting-weight era"):
        deu.load_file(_write(tmp_path, no_date), capability="council")
    with pytest.raises(InputError, match="file not found"):
        deu.load_file(tmp_path / "nope.tsv")


def test_dev_file() -> None:
    parsed = deu.load_file(need(DEV))
    assert len(parsed.scenarios) == 270 and not parsed.skipped
    assert parsed.gdp is not None and parsed.gdp["de"] == 4.1
    assert sum(len(s.meta["blank_salience"]) for s in parsed.scenarios) == 46
    # every repaired date falls in order and in the year the proposal id names
    for s in parsed.scenarios:
        if s.meta["final_act"]:
            assert s.meta["intro"] <= s.meta["final_act"]
        year = int(s.meta["proposal"][1:3])
        assert int(s.meta["intro"][2:4]) in (year, year + 1)
    assert len(parsed.proposals()) == 100
    assert deu.sniff(DEV, DEV.read_bytes()[:4096])
    assert sio.detect_format(DEV, DEV.read_bytes()) == "deu"


def test_other_delimiters_and_encodings(tmp_path: Path) -> None:
    row = "d99001\td99001i1\tjouets é\tCOD\tQMV\t10-11-99\t01-05-00\t100\t50\t0\t20\t80\t50\t40\t10\t0\t60"
    p = tmp_path / "deu.csv"
    p.write_bytes((HEADER + "\n" + row + "\n").replace("\t", ";").encode("cp1252"))
    (s,) = deu.read_issues(p)
    assert s.meta["proposal_name"] == "jouets é" and s.issues[0].outcome == 60.0
    assert deu.sniff(p, p.read_bytes())
    p.write_bytes(b"\x81\x8d\x90" * 3)
    with pytest.raises(InputError, match="not valid UTF-8"):
        deu.load_file(p)
