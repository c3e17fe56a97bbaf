"""The pages' adapter from a stored case analysis to what they show; the SVG charts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accord.scenario import load
from accord.scenario.formats.native import to_data
from accord.web import charts, forms, view
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    from accord.case import analyze_case

    gaza = load(EXAMPLES / "gaza_ceasefire_2024.yaml")
    softer, _ = forms.check(forms.apply_form(to_data(gaza), {"a1.r2": "70"}))
    assert softer is not None
    return {
        "typed": analyze_case(gaza, draws=40, forecasts={}).to_dict(),
        "typed_deal": analyze_case(softer, draws=40, forecasts={}).to_dict(),
        "quick": analyze_case(gaza, draws=0, forecasts={}).to_dict(),
    }


def test_headline(results: dict[str, Any]) -> None:
    a, b = view.summary(results["typed"]), view.summary(results["typed_deal"])
    assert (a["verdict"], b["verdict"]) == ("no deal", "deal possible")
    assert a["gap"] == pytest.approx(0.0521, abs=1e-3) and b["gap"] is None
    assert a["maximin"]["presence"] == pytest.approx(35.6, abs=0.1)
    assert set(a["p_proposals"]) == {"us_bridging", "hamas_july"}
    assert a["answer"] and a["answer"][0].startswith("No")
    assert a["p_zone"] == 0.0  # 40 draws, none with a zone
    assert view.summary(results["quick"])["p_zone"] is None  # no Monte Carlo
    assert view.summary(None)["verdict"] == "not run"


def test_a_result_in_another_layout_reads_as_not_run(results: dict[str, Any]) -> None:
    """The dict-shaped analysis of development versions (no ``schema_version``) is not read: not run."""
    older = {"answer": ["No: as encoded, ..."], "zone": {"exists": False}, "actors": {"israel": {}}}
    assert view.summary(older)["verdict"] == "not run"
    assert view.acceptance(older) == {"actors": [], "points": []}
    assert view.durability(older) is None and view.summary_html(older) is None


def test_acceptance_extent_and_summary_fragment(results: dict[str, Any]) -> None:
    for key in results:
        table = view.acceptance(results[key])
        assert len(table["actors"]) == 9 and {"israel", "hamas"} <= {a["id"] for a in table["actors"]}
        labels = [p[0] for p in table["points"]]
        assert "status quo" in labels and "mediator: maximin" in labels
        sq = dict((p[0], p[3]) for p in table["points"])["status quo"]
        assert sq["israel"]["accepts"] is True and sq["hamas"]["accepts"] is False
    assert view.extent(results["typed"]) == {} and set(view.extent(results["typed_deal"])) == {
        "presence",
        "hostages",
        "end_of_war",
    }
    fragment = view.summary_html(results["typed"])
    assert fragment is not None and "Verdict" in fragment
    assert view.summary_html(results["quick"]) is not None
    assert view.durability(results["typed"]) is None  # no cease-fire data configured


def test_charts_escape_text_and_keep_labels_apart() -> None:
    evil = "<script>alert(1)</script>"
    svg = charts.timeline(
        [date(2024, 8, 20), date(2024, 8, 27)],
        {evil: [0.1, None], "b": [0.2, 0.3]},
        title=evil,
        y_min=0,
        y_max=1,
        y_label=evil,
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    marks = [(f"a{k}", 50.0 + k * 0.5, "actor") for k in range(6)] + [(evil, 50, "proposal")]
    strip = charts.scale_strip(title="t", lo=0, hi=100, min_label=evil, max_label="x", marks=marks)
    assert "<script>" not in strip
    # six actors within 3 points of each other: six label rows, none overlapping
    assert strip.count("<circle") == 12
    rows = {line.split('y="')[1].split('"')[0] for line in strip.split("<text")[3:] if "a" in line}
    assert len(rows) >= 6
