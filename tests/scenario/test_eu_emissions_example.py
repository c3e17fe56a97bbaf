"""examples/eu_emissions.yaml is the BDM EC emissions table in native form, with its citation."""

from __future__ import annotations

import numpy as np
import pytest

from accord.forecast import run_forecasts
from accord.problem import to_problem
from accord.scenario import load
from conftest import DATA, EXAMPLES, need

EXAMPLE = EXAMPLES / "eu_emissions.yaml"


def test_loads_with_scale_in_words_and_citation() -> None:
    s = load(EXAMPLE)
    issue = s.issue("emissions")
    assert (issue.scale.min, issue.scale.max, issue.scale.unit) == (0, 10, "years")
    assert issue.scale.min_label == "applies at once" and issue.scale.max_label == "applies after 10 years"
    assert any("Bueno de Mesquita" in src and "1994" in src for src in s.sources)
    assert any("Scholz" in src and "Table 1" in src for src in s.sources)


def test_equals_the_bdm_import_in_numbers() -> None:
    example = load(EXAMPLE)
    bdm = load(need(DATA / "bdm" / "eu_emissions.csv"))
    names = {"UK": "United Kingdom"}
    assert [names.get(a.name, a.name) for a in bdm.actors] == [a.name for a in example.actors]
    pa, pb = to_problem(example), to_problem(bdm)
    np.testing.assert_array_equal(pa.capability, pb.capability)
    np.testing.assert_array_equal(pa.salience, pb.salience)
    np.testing.assert_array_equal(pa.scale_min, pb.scale_min)
    np.testing.assert_array_equal(pa.scale_max, pb.scale_max)
    np.testing.assert_array_equal(pa.position, pb.position)


def test_baseline_forecasts_match_the_published_starting_point() -> None:
    """Scholz et al. (2011) report the starting median 7.0 and mean (capability x salience) 7.39."""
    out = run_forecasts(load(EXAMPLE), ["median", "compromise"])
    assert out["median"].outcome["emissions"] == pytest.approx(7.0)
    assert round(out["compromise"].outcome["emissions"], 2) == 7.39
