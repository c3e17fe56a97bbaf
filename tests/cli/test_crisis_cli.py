"""`accord crisis` end to end: text, JSON and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES

from accord.cli import main

IRAN = str(EXAMPLES / "iran_israel_2024.yaml")


def test_text_answer_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crisis", IRAN, "--draws", "200"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Crisis: most likely outcome 'calibrated strike answered'")
    assert "Subgame-perfect equilibrium path" in out and "What it would take" in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crisis", IRAN, "--draws", "100", "--seed", "3", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert list(d)[0] == "summary"
    assert d["monte_carlo"]["draws"] == 100
    assert abs(sum(d["qre_probabilities"].values()) - 1) < 1e-12


def test_lambda_override(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crisis", IRAN, "--draws", "0", "--lambda", "0", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["qre_probabilities"]["no retaliation"] == pytest.approx(0.25)


@pytest.mark.parametrize("args", [["--format", "xml"], ["--draws", "-1"], ["--lambda", "-2"]])
def test_bad_options(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crisis", IRAN, *args]) == 2


def test_no_crisis_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crisis", str(EXAMPLES / "gaza_ceasefire_2024.yaml")]) == 2
    assert "no `crisis` section" in capsys.readouterr().err
    assert main(["crisis", str(tmp_path / "nope.yaml")]) == 2
