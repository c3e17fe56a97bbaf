"""Warnings about valid scenarios that are probably not what their authors meant (exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import DATA, EXAMPLES, need

from accord.cli import main

CFD = DATA / "ceasefires" / "cfd_1989_2016.csv"
GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"


def test_saliences_on_the_wrong_scale_warn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(
        "name: t\nsalience_scale: 100\nissues: [{id: x}]\nactors:\n"
        "  - {id: a, positions: {x: {position: 1, salience: 0.8}}}\n"
        "  - {id: b, positions: {x: {position: 2, salience: 1}}}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(f)]) == 0
    out = capsys.readouterr()
    assert "valid" in out.out
    assert "warning:" in out.err and "salience_scale is 100 but every salience is at most 1" in out.err


def test_unknown_deal_location_warns_with_the_nearest_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "g.yaml"
    f.write_text(GAZA.read_text(encoding="utf-8").replace("location: Israel ", "location: Isreal "), "utf-8")
    assert main(["validate", str(f), "--data", str(need(CFD))]) == 0
    err = capsys.readouterr().err
    assert "deal.location 'Isreal' is not a location of the cease-fire data; nearest: Israel" in err
    # the example itself is clean
    assert main(["validate", str(GAZA), "--data", str(CFD)]) == 0
    assert capsys.readouterr().err == ""
