"""The command line end to end, through accord.cli.main."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from accord import __version__
from accord.cli import main
from accord.scenario import load
from conftest import EXAMPLES

Cap = pytest.CaptureFixture[str]
EU = EXAMPLES / "eu_emissions.yaml"


def run(capsys: Cap, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_version(capsys: Cap) -> None:
    rc, out, _ = run(capsys, "--version")
    assert rc == 0 and out.strip() == f"accord {__version__}"


def test_bare_command_prints_help_and_succeeds(capsys: Cap) -> None:
    rc, out, err = run(capsys)
    assert rc == 0
    assert "Usage" in out + err and "forecast" in out + err


def test_validate(capsys: Cap) -> None:
    rc, out, err = run(capsys, "validate", str(EU))
    assert rc == 0 and err == ""
    assert out.strip() == (
        f"{EU}: valid: 'EC emission standards for small cars', 10 actors (0 with a veto), "
        "1 issues, 10 positions, 0 proposals"
    )


def test_forecast_table_fits_80_columns(capsys: Cap) -> None:
    rc, out, err = run(capsys, "forecast", str(EU))
    assert rc == 0 and err == ""
    assert "Delay before the stricter emission standard applies" in out
    assert "compromise" in out and "7.39" in out  # capability x salience weighted mean
    assert "recorded outcome" in out and "8.83" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_forecast_json_schema(capsys: Cap) -> None:
    rc, out, _ = run(capsys, "forecast", str(EU), "--format", "json", "-m", "compromise", "-m", "median")
    assert rc == 0
    data = json.loads(out)
    assert set(data) == {"scenario", "forecasts"}
    sc = data["scenario"]
    assert sc["name"] == "EC emission standards for small cars" and sc["as_of"] is None
    assert sc["actors"][:2] == ["NL", "BE"]
    assert sc["issues"]["emissions"] == {
        "name": "Delay before the stricter emission standard applies",
        "scale": {
            "min": 0.0,
            "max": 10.0,
            "min_label": "applies at once",
            "max_label": "applies after 10 years",
        },
        "status_quo": None,
        "outcome": 8.833,
    }
    assert list(data["forecasts"]) == ["compromise", "median"]
    comp = data["forecasts"]["compromise"]
    assert comp["params"] == {"weighting": "power"}
    # sum of capability x salience x position over sum of capability x salience (Scholz et al. give 7.39)
    assert comp["issues"]["emissions"]["outcome"] == pytest.approx(5.003 / 0.677, rel=1e-12)
    assert comp["issues"]["emissions"]["fallback_to_plain_mean"] is False
    assert data["forecasts"]["median"]["issues"]["emissions"]["outcome"] == pytest.approx(7.0)


def test_forecast_json_marks_skipped_models(capsys: Cap, tmp_path: Path) -> None:
    rc, out, _ = run(capsys, "forecast", str(EU), "--format", "json")
    assert rc == 0
    forecasts = json.loads(out)["forecasts"]
    assert {"mean", "compromise", "median", "nbs"} <= set(forecasts)
    for value in forecasts.values():
        assert "skipped" in value or "emissions" in value["issues"]


def test_forecast_csv(capsys: Cap) -> None:
    rc, out, _ = run(capsys, "forecast", str(EU), "--format", "csv", "--model", "mean", "--model", "median")
    assert rc == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["model", "issue", "outcome"]
    assert rows[1][:2] == ["mean", "emissions"] and float(rows[1][2]) == pytest.approx(6.7)
    assert rows[2][:2] == ["median", "emissions"] and float(rows[2][2]) == pytest.approx(7.0)
    assert out.endswith("\n")


def test_forecast_param(capsys: Cap) -> None:
    rc, out, _ = run(capsys, "forecast", str(EU), "--format", "csv", "-m", "median", "-p", "weighting=equal")
    assert rc == 0
    assert float(list(csv.reader(io.StringIO(out)))[1][2]) == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "turns=3"], "--param turns: no selected model has a parameter 'turns'"),
        (["--param", "weighting"], "--param 'weighting': expected NAME=VALUE"),
        (["-m", "median", "-p", "weighting=votes"], "'votes' is not one of power"),
        (["-m", "median", "-p", "nbs.loss=linear"], "model 'nbs' is not selected"),
        (["--model", "oracle"], "unknown model 'oracle'"),
        (["--format", "xml"], "--format 'xml': expected one of table, json, csv"),
        (["--input-format", "toml"], "unknown input format 'toml'"),
    ],
)
def test_forecast_bad_options(capsys: Cap, args: list[str], message: str) -> None:
    rc, out, err = run(capsys, "forecast", str(EU), *args)
    assert rc == 2 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_usage_error_exit_code(capsys: Cap) -> None:
    rc, _, err = run(capsys, "forecast")
    assert rc == 2 and "Missing argument 'file'" in err and "Traceback" not in err
    rc, _, err = run(capsys, "frobnicate")
    assert rc == 2 and "No such command 'frobnicate'" in err


def test_convert_yaml_json_csv(capsys: Cap, tmp_path: Path) -> None:
    original = load(EU)
    rc, out, _ = run(capsys, "convert", str(EU), str(tmp_path / "eu.json"))
    assert rc == 0 and out.strip() == f"wrote {tmp_path / 'eu.json'}"
    assert load(tmp_path / "eu.json") == original
    assert run(capsys, "convert", str(tmp_path / "eu.json"), str(tmp_path / "eu.yaml"))[0] == 0
    assert load(tmp_path / "eu.yaml") == original
    assert run(capsys, "convert", str(EU), str(tmp_path / "eu.csv"))[0] == 0
    assert load(tmp_path / "eu.csv") == original
    assert run(capsys, "convert", str(EU), str(tmp_path / "eu.txt"), "--output-format", "yaml")[0] == 0
    assert yaml.safe_load((tmp_path / "eu.txt").read_text())["name"] == original.name


def test_convert_to_an_unknown_suffix(capsys: Cap, tmp_path: Path) -> None:
    rc, _, err = run(capsys, "convert", str(EU), str(tmp_path / "eu.toml"))
    assert rc == 2 and "cannot tell the output format from '.toml'" in err


def test_convert_bdm_table(capsys: Cap, tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("actor,capability,position,salience\nA,1,3,0.5\nB,2,4,0.5\n", encoding="utf-8")
    assert run(capsys, "convert", str(src), str(tmp_path / "t.yaml"))[0] == 0
    assert load(tmp_path / "t.yaml") == load(src)


def test_models(capsys: Cap) -> None:
    rc, out, _ = run(capsys, "models")
    assert rc == 0
    for name in ("mean", "compromise", "median", "nbs"):
        assert f"{name}:" in out
    assert "--param weighting=power" in out and "Achen (2006)" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_models_json(capsys: Cap) -> None:
    rc, out, _ = run(capsys, "models", "--format", "json")
    assert rc == 0
    models = {m["name"]: m for m in json.loads(out)}
    nbs = models["nbs"]
    assert set(nbs) == {"name", "summary", "citation", "params"}
    assert {p["name"] for p in nbs["params"]} == {"loss", "disagreement", "weighting"}
    assert next(p for p in nbs["params"] if p["name"] == "loss")["choices"] == ["quadratic", "linear"]


def test_validate_bad_file(capsys: Cap, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,capability,x.position,x.salience\na,1,5,0.5\nb,-1,6,0.5\n", encoding="utf-8")
    rc, out, err = run(capsys, "validate", str(path))
    assert rc == 2 and out == ""
    assert err == f"error: {path}: line 3, column 'capability' (actor 'b'): must be >= 0, got -1\n"


def test_docs_json_example_is_the_real_output(capsys: Cap) -> None:
    """docs/cli.md shows the JSON schema by example; it must be what the command prints."""
    import re

    from conftest import ROOT

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = json.loads(re.findall(r"```json\n(.*?)```", text, flags=re.S)[0])
    rc, out, _ = run(capsys, "forecast", str(EU), "--format", "json", "-m", "compromise", "-m", "nbs")
    assert rc == 0
    assert json.loads(out) == _approx(documented)


def _approx(value: object) -> object:
    """The documented value, with floats compared to 1e-9 (the last digits may differ by platform)."""
    if isinstance(value, dict):
        return {k: _approx(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_approx(v) for v in value]
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9)
    return value


def test_forecast_json_can_leave_out_trajectories(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["forecast", str(EXAMPLES / "eu_emissions.yaml"), "-m", "eum", "--format", "json"]
    assert main(args) == 0
    full = json.loads(capsys.readouterr().out)
    assert main([*args, "--no-trajectories"]) == 0
    short = json.loads(capsys.readouterr().out)
    issue = full["forecasts"]["eum"]["issues"]["emissions"]
    assert "trajectory" in issue
    assert "trajectory" not in short["forecasts"]["eum"]["issues"]["emissions"]
    assert short["forecasts"]["eum"]["issues"]["emissions"]["outcome"] == issue["outcome"]


def test_help_shows_flags_as_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--sensitivity " in out and "<bool>" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--help"],
        ["analyze", "--help"],
        ["validate"],
        ["validate", "no-such-file.yaml"],
        ["validate", str(EXAMPLES / "gaza_ceasefire_2024.yaml"), "--no-such-option"],
        ["models", "--format", "json"],
        ["validat", "x.yaml"],
        ["backtest", "--help"],
    ],
)
def test_a_command_runs_the_same_in_the_app_built_for_it_alone(
    capsys: Cap, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    import accord.cli

    alone = run(capsys, *args)
    monkeypatch.setattr(accord.cli, "_app_for", lambda argv: accord.cli.app)
    assert run(capsys, *args) == alone
