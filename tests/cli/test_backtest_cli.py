"""``accord backtest deu`` and ``accord backtest export`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.cli import main
from conftest import DATA, need

DEV = DATA / "deu" / "deu_dev.tsv"


def test_backtest_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["backtest", "deu", str(need(DEV)), "-m", "mean", "-m", "compromise", "--format", "json",
               "--bootstrap", "50"])  # fmt: skip
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["models"]) == {"mean", "compromise"}
    assert data["models"]["mean"]["n"] == 262
    assert data["models"]["mean"]["mae"] == pytest.approx(24.57, abs=0.005)
    assert data["models"]["compromise"]["rmse"] > data["models"]["compromise"]["mae"]
    assert len(data["issues"]) == 262 and "forecasts" in data["issues"][0]
    assert set(data["splits"]["procedure"]) == {"CNS", "COD"}


def test_backtest_text_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "deu", str(need(DEV)), "-m", "median", "-p", "weighting=equal",
                 "--bootstrap", "20"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "262 issues in 98 proposals" in out and "29.20" in out
    assert main(["backtest", "deu", str(DEV), "-m", "mean", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("issue,proposal,procedure,voting_rule,era") and lines[0].endswith(",mean")
    assert len(lines) == 263


def test_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("isnr\tprnr\tpcom\tscom\tpep\tsep\n1\td1\t5\t5\t5\t5\n")
    assert main(["backtest", "deu", str(bad)]) == 2
    assert "missing column(s) rp, out" in capsys.readouterr().err
    assert main(["backtest", "deu", str(need(DEV)), "--capability", "votes"]) == 2
    assert "capability='votes'" in capsys.readouterr().err


def test_export_then_forecast_with_ensemble(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "issue.yaml"
    assert main(["backtest", "export", str(need(DEV)), str(out), "--issue", "d00032i2"]) == 0
    capsys.readouterr()
    assert main(["forecast", str(out), "--model", "ensemble", "--model", "compromise"]) == 0
    text = capsys.readouterr().out
    assert "80% interval" in text and "95% interval" in text
    assert main(["forecast", str(out), "--model", "ensemble", "--format", "json"]) == 0
    issue = json.loads(capsys.readouterr().out)["forecasts"]["ensemble"]["issues"]["d00032i2"]
    assert issue["interval_80"][0] <= issue["outcome"] <= issue["interval_80"][1]
    assert main(["forecast", str(DEV)]) == 2
    assert "issue=ID" in capsys.readouterr().err


def test_backtest_variant_rows(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["backtest", "deu", str(need(DEV)), "-m", "eum:paper", "-m", "compromise", "--format", "json",
               "--bootstrap", "20"])  # fmt: skip
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["models"]) == {"eum:paper", "compromise"}
    assert data["models"]["eum:paper"]["params"]["variant"] == "paper"
    assert data["models"]["eum:paper"]["mae"] == pytest.approx(29.85, abs=0.005)
    assert set(data["info"]["seconds"]) == {"eum:paper", "compromise"}
    assert main(["backtest", "deu", str(DEV), "-m", "eum:nope"]) == 2
    assert "no variant 'nope'" in capsys.readouterr().err
