"""`accord durability` end to end: on a hand-made table, on the real data, and on bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tests.conftest import need
from tests.durability.test_durability import CFD, cfd_row

from accord import durability as du
from accord.cli import main


@pytest.fixture
def small_cfd(tmp_path: Path) -> Path:
    rows = [
        cfd_row(k, ended=2 if k % 2 else 1, end_yr=2000, end_month=1, end_day=1 + k, written=int(k < 5))
        for k in range(1, 11)
    ]
    p = tmp_path / "cfd.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_json_output_on_a_small_table(small_cfd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "durability",
            "--data",
            str(small_cfd),
            "--written",
            "yes",
            "--min-size",
            "2",
            "--no-model",
            "--format",
            "json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    rate = out["base_rate"]
    assert rate["class"] == {"written": "yes"} and rate["size"] == 4
    # written=yes: k=1..4, durations 1,2,3,4 days; breakdowns at 1 and 3 (odd k), expiries censored
    holding = {h["days"]: h["probability"] for h in rate["holding"]}
    assert holding[7] == pytest.approx(3 / 4 * 1 / 2)
    assert out["data"]["ceasefires"] == 10 and "model" not in out


def test_text_output_reports_fallback(small_cfd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        [
            "durability",
            "--data",
            str(small_cfd),
            "--written",
            "yes",
            "--mediated",
            "yes",
            "--min-size",
            "2",
            "--no-model",
        ]
    )
    assert rc == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "fallback:" in out and "dropped mediated" in out and "still holding after" in out


def test_environment_variable_supplies_the_data(
    small_cfd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(du.ENV_VAR, str(small_cfd))
    assert main(["durability", "--no-model", "--format", "json", "--min-size", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["base_rate"]["size"] == 10


def test_bad_files_and_options_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("name,value\na,1\n")
    assert main(["durability", "--data", str(foreign), "--no-model"]) == 2
    err = capsys.readouterr().err
    assert "missing columns" in err and "cf_effect_yr" in err and "foreign.csv" in err
    assert main(["durability", "--data", str(tmp_path / "absent.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    monkeypatch.delenv(du.ENV_VAR, raising=False)
    assert main(["durability"]) == 2
    assert du.ENV_VAR in capsys.readouterr().err
    assert main(["durability", "--data", str(foreign), "--written", "perhaps"]) == 2
    assert "written: 'perhaps' is not one of yes, no" in capsys.readouterr().err


def test_scenario_deal_on_real_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need(CFD)
    scenario = {
        "name": "deal test",
        "actors": [{"id": "a", "positions": {"x": {"position": 0, "salience": 1}}}, {"id": "b"}],
        "issues": [{"id": "x"}],
        "deal": {
            "description": "a written, mediated deal",
            "written": True,
            "mediated": True,
            "purpose": ["humanitarian"],
        },
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario))
    rc = main(["durability", "--data", str(CFD), "--scenario", str(path), "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["base_rate"]["requested_class"] == {
        "written": "yes",
        "mediated": "yes",
        "purpose": "humanitarian",
    }
    assert out["model"]["concordance_mean"] >= 0.65
    probs = [h["probability"] for h in out["model"]["deal_holding"]]
    assert probs == sorted(probs, reverse=True)
    assert out["deal"]["description"] == "a written, mediated deal"
