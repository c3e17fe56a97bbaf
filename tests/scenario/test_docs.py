"""The examples in docs/scenario-format.md are valid and mean what the text says."""

from __future__ import annotations

import re
from pathlib import Path

from accord.scenario import load
from conftest import ROOT

DOC = ROOT / "docs" / "scenario-format.md"


def _block(language: str, index: int = 0) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return blocks[index]


def test_complete_example_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(_block("yaml"), encoding="utf-8")
    s = load(path)
    assert s.actor("LU").positions == {}
    assert s.actor("UK").reservation is not None and s.actor("UK").reservation.point == {"emissions": 10}
    assert s.actor("DE").positions["emissions"].uncertainty["position"].sd == 1
    assert s.proposals[0].tabled_by == ("DE",)


def test_flat_example_is_valid(tmp_path: Path) -> None:
    text = re.findall(r"```\n(#scenario.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)[0]
    path = tmp_path / "example.csv"
    path.write_text(text, encoding="utf-8")
    s = load(path)
    assert s.name == "EC emission standards for small cars"
    assert s.issue("emissions").scale.max_label == "applies after 10 years"
    assert [a.has_veto for a in s.actors] == [False, False, False]
