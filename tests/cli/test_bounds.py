"""Issue 14: every numeric option and model parameter has a bound; misuse is one line and exit 2."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from accord.cli import main
from accord.cli.output import dump_json
from accord.errors import ParameterError
from accord.limits import check_draws_memory, check_memory
from accord.models import registry
from conftest import EXAMPLES

Cap = pytest.CaptureFixture[str]
EU = str(EXAMPLES / "eu_emissions.yaml")


def run(capsys: Cap, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["forecast", EU, "--seed", "-1"], "--seed -1: must be 0 or more"),
        (["forecast", EU, "--seed", str(2**40)], "must be at most 4294967295"),
        (["analyze", EU, "--seed", "-3"], "--seed -3"),
        (["simulate", EU, "--bins", "1000000000"], "--bins 1000000000: must be at most"),
        (["simulate", EU, "--draws", str(10**18)], "--draws 1000000000000000000: must be at most"),
        (["simulate", EU, "--draws", "1000000000"], "--draws 1000000000: must be at most"),
        (["simulate", EU, "--noise", "nan"], "--noise nan: must be a number"),
        (["simulate", EU, "--sensitivity-draws", "1"], "--sensitivity-draws 1: must be at least 2"),
        (["report", EU, "--draws", "-1"], "--draws -1"),
        (["durability", "--fixed-term-days", "-5"], "--fixed-term-days -5: must be at least 1"),
        (["durability", "--min-size", "-1"], "--min-size -1: must be at least 1"),
        (["backtest", "deu", "x.tsv", "--min-actors", "-1"], "--min-actors -1: must be at least 1"),
        (["backtest", "deu", "x.tsv", "--bootstrap", "-1"], "--bootstrap -1: must be 0 or more"),
        (["backtest", "deu", "x.tsv", "--splits", "0"], "--splits 0: must be at least 2"),
        (["forecast", EU, "-m", "smp", "-p", "max_turns=100000000"], "max_turns: 100000000 is above"),
        (["forecast", EU, "-m", "smp", "-p", "min_turns=0"], "min_turns: 0 is below"),
    ],
)
def test_bad_option_is_one_line_exit_2(capsys: Cap, args: list[str], message: str) -> None:
    rc, out, err = run(capsys, *args)
    assert rc == 2, (out, err)
    assert message in err, err
    assert "Traceback" not in err and err.count("\n") == 1, err


def test_non_json_parameter_file(capsys: Cap, tmp_path: Path) -> None:
    junk = tmp_path / "p.json"
    junk.write_text("not json at all")
    rc, _, err = run(capsys, "forecast", EU, "-m", "ensemble", "-p", f"params={junk}")
    assert rc == 2 and "not a JSON parameter file" in err
    junk.write_text("[1, 2]")
    rc, _, err = run(capsys, "forecast", EU, "-m", "ensemble", "-p", f"params={junk}")
    assert rc == 2 and "not a trained parameter file" in err


def test_unwritable_output_path(capsys: Cap, tmp_path: Path) -> None:
    rc, _, err = run(capsys, "convert", EU, str(tmp_path / "no" / "such" / "x.yaml"))
    assert rc == 2 and "does not exist" in err
    rc, _, err = run(capsys, "convert", EU, "/proc/version")
    assert rc == 2 and err.startswith("error: ")


def test_every_numeric_model_parameter_is_bounded() -> None:
    for spec in registry.all_models():
        for p in spec.params:
            if p.type is int:
                assert p.low is not None and p.high is not None, (spec.name, p.name)
            if p.type is float:
                assert p.low is not None or p.high is not None, (spec.name, p.name)


def test_param_refuses_booleans_for_numbers() -> None:
    with pytest.raises(ParameterError, match="expected int"):
        registry.get("smp").resolve({"max_turns": True})


def test_memory_estimate_refuses_with_a_pointer(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ParameterError, match="--workers.*Dask cluster"):
        check_draws_memory("a run", 10**9, 27, 3)
    check_draws_memory("a run", 1000, 27, 3)
    monkeypatch.setenv("ACCORD_MAX_MEMORY_MB", "1")
    with pytest.raises(ParameterError, match="above the limit of 1.0 MiB"):
        check_memory("x", 1000, 1000)


def test_memory_estimate_counts_the_local_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1 MiB: 131,072 values; one process: 2,000 draws x (27 + 3) = 60,000 values
    monkeypatch.setenv("ACCORD_MAX_MEMORY_MB", "1")
    check_draws_memory("a run", 2000, 9, 3, per_draw=3)
    check_draws_memory("a run", 2000, 9, 3, per_draw=3, processes=2, block=1000)  # + 60,000
    with pytest.raises(ParameterError, match="would need about"):
        check_draws_memory("a run", 2000, 9, 3, per_draw=3, processes=4, block=1000)  # + 114,000


def test_simulate_refuses_before_allocating(capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_MAX_MEMORY_MB", "1")
    rc, _, err = run(capsys, "simulate", EU, "--draws", "100000", "-m", "compromise")
    assert rc == 2 and "would need about" in err and "--workers" in err


def test_json_output_never_carries_nan() -> None:
    text = dump_json({"forecasts": {"eum": {"outcome": {"x": math.nan, "y": 1.0, "z": [math.inf]}}}})
    data = json.loads(text)  # strict: json.loads accepts NaN, so check the text too
    assert "NaN" not in text and "Infinity" not in text
    assert data["forecasts"]["eum"]["outcome"] == {"x": None, "y": 1.0, "z": [None]}
    assert set(data["null_reasons"]) == {"forecasts.eum.outcome.x", "forecasts.eum.outcome.z[0]"}
    assert "not a finite number" in data["null_reasons"]["forecasts.eum.outcome.x"]


def test_json_output_of_an_overflowing_scenario(capsys: Cap, tmp_path: Path) -> None:
    p = tmp_path / "over.yaml"
    p.write_text(
        "name: overflow\nactors:\n"
        "  - {id: a, capability: 1.0e308, positions: {x: {position: 10, salience: 1}}}\n"
        "  - {id: b, capability: 1.0e308, positions: {x: {position: 90, salience: 1}}}\n"
        "  - {id: c, capability: 1.0e308, positions: {x: {position: 60, salience: 1}}}\n"
        "issues:\n  - {id: x}\n"
    )
    rc, out, err = run(capsys, "forecast", str(p), "--format", "json", "-m", "compromise", "-m", "median")
    assert rc in (0, 2), err
    if rc == 0:
        assert "NaN" not in out and "Infinity" not in out
        json.loads(out)
