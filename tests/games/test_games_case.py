"""The crisis game in the case analysis: summary line, evidence, and the report's section and tree."""

from __future__ import annotations

from tests.conftest import EXAMPLES
from tests.report.test_html import check_html

from accord.case import analyze_case
from accord.case.summary import summary_lines
from accord.report.html import collect, render
from accord.scenario import load

IRAN = EXAMPLES / "iran_israel_2024.yaml"


def test_case_analysis_carries_the_crisis() -> None:
    s = load(IRAN)
    case = analyze_case(s, draws=0)
    assert case.crisis is not None
    assert case.summary.crisis is not None and case.summary.crisis.startswith("Crisis: most likely outcome")
    names = {a.id: a.name for a in case.actors}
    issues = {i.id: i for i in case.issues}
    heads = [h for h, _ in summary_lines(case.summary, names, issues)]
    assert "Crisis" in heads
    # JSON round trip keeps it
    again = type(case).from_dict(case.to_dict())
    assert again.summary.crisis == case.summary.crisis


def test_no_crisis_no_line() -> None:
    case = analyze_case(load(EXAMPLES / "gaza_ceasefire_2024.yaml"), draws=0)
    assert case.crisis is None and case.summary.crisis is None


def test_report_has_the_crisis_section_and_tree() -> None:
    d = collect(
        load(IRAN), draws=50, models=["compromise"], sensitivity_draws=4, sensitivity_model="compromise"
    )
    html, _ = render(d)
    check_html(html)
    assert '<section id="crisis">' in html
    assert html.index('<section id="durability">') < html.index('<section id="crisis">')
    assert html.index('<section id="crisis">') < html.index('<section id="assumptions">')
    assert "The crisis game" in html and "What it would take" in html
    assert "<svg" in html[html.index('<section id="crisis">') :]
