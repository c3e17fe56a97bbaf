"""KTAB's XML input: the bundled files, model parameters, ideal adjustment, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import DATA, need

from accord.errors import InputError
from accord.forecast import run_forecasts
from accord.problem import to_problem
from accord.scenario.io import detect_format, load

KTAB = DATA / "ktab"


def _fixed_example(tmp_path: Path) -> Path:
    """smpExample.xml with Alice's empty first coordinate filled in (KTAB cannot read it either)."""
    text = need(KTAB / "smpExample.xml").read_text(encoding="utf-8-sig")
    path = tmp_path / "smpExample.xml"
    path.write_text(text.replace("<dCoord></dCoord>", "<dCoord>25.0</dCoord>", 1))
    return path


def test_xml_equals_the_csv() -> None:
    path = need(KTAB / "dummyData_3Dim.xml")
    assert detect_format(path, path.read_bytes()) == "ktab-xml"
    x, c = load(path), load(need(KTAB / "dummyData_3Dim.csv"))
    assert [a.id for a in x.actors] == [a.id for a in c.actors]
    a, b = to_problem(x), to_problem(c)
    np.testing.assert_array_equal(a.position, b.position)
    np.testing.assert_array_equal(a.salience, b.salience)
    np.testing.assert_array_equal(a.capability, b.capability)
    assert x.meta["ktab"]["prng_seed"] == "03707583219545544125"
    assert "ideal_adjustment" not in x.meta["ktab"]  # absent: ideals follow positions


def test_empty_coordinate_is_reported_with_its_line() -> None:
    with pytest.raises(InputError, match=r"line 32: actor Alice position 1 \(<dCoord>\) is empty"):
        load(need(KTAB / "smpExample.xml"))


def test_model_parameters_and_ideal_adjustment_are_kept(tmp_path: Path) -> None:
    s = load(_fixed_example(tmp_path))
    ktab = s.meta["ktab"]
    assert ktab["model_parameters"]["PCEModel"] == "MarkovIncentive"
    assert s.meta["model_params"]["smp"] == {
        "victory_model": "Linear",
        "pce_model": "MarkovIncentive",
        "transitions": "Stochastic",
        "voting_rule": "PropCbc",
        "big_r_adjust": "OneThird",
        "big_r_range": "Mid",
        "third_party_commit": "SemiCommit",
        "interpolation": "S2P2",
        "bargain_model": "InitOnlyInterp",
    }
    assert {"adjusting": "Carol", "reference": "David", "adjust": 0.13} in ktab["ideal_adjustment"]
    assert len(ktab["ideal_adjustment"]) == 6


def test_the_files_parameters_are_the_smp_defaults_and_params_override_them(tmp_path: Path) -> None:
    s = load(_fixed_example(tmp_path))
    f = run_forecasts(s, ["smp"], {"max_turns": "4"}, seed=3)["smp"]
    assert f.params["pce_model"] == "MarkovIncentive" and f.params["transitions"] == "Stochastic"
    g = run_forecasts(s, ["smp"], {"transitions": "Deterministic", "max_turns": "4"})["smp"]
    assert g.params["transitions"] == "Deterministic"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("</desc>", "", 1), r"line \d+, column \d+: malformed XML: mismatched tag"),
        (
            lambda t: t.replace("<dCoord>15.9</dCoord>", "<dCoord>1x</dCoord>"),
            r"line 48: actor Bob position 1 \(<dCoord>\): '1x' is not a number",
        ),
        (
            lambda t: t.replace("<PCEModel>MarkovIncentive", "<PCEModel>Markov"),
            r"line 9: <PCEModel> 'Markov' is not one of",
        ),
        (
            lambda t: t.replace("<referencePos>David", "<referencePos>Dave"),
            r"<iaPair> names unknown actor 'Dave'",
        ),
        (lambda t: t.replace("<dSal>25.2</dSal>", ""), r"actor Bob has 2 <dSal>, expected 3"),
        (
            lambda t: t.replace("<adjust>0.07</adjust>", "<adjust>0.5</adjust>"),
            r"the <adjust> weights of 'Bob' add up to 1.25",
        ),
    ],
)
def test_bad_xml_names_the_line(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _fixed_example(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(InputError, match=message):
        load(path)
