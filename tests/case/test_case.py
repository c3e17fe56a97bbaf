"""The case analysis: one typed result per scenario, its JSON and schema, and its summary.

On every example and on generated scenarios: the summary fits one 80x25 screen, every number in
the text summary is one of its JSON fields, the JSON validates against the published schema and
reads back into the same object.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from tests.conftest import DATA, EXAMPLES, ROOT, need
from tests.strategies import full_scenarios, scenarios

from accord.case import (
    SCHEMA_VERSION,
    CaseAnalysis,
    analyze_case,
    human_days,
    json_schema,
)
from accord.cli.analyze import HEIGHT, WIDTH, summary_text
from accord.errors import InputError
from accord.scenario import load

SCHEMA_FILE = ROOT / "docs" / "case-analysis.schema.json"
CFD = DATA / "ceasefires" / "cfd_1989_2016.csv"
EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml"))
GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


VALIDATOR = _validator()


def _renderings(value: Any, out: set[str]) -> None:
    """Every way the text may print a JSON value: its numbers at 0-3 decimals, as a percentage,
    and the numbers written inside its strings."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        v = float(value)
        for d in range(4):
            out.add(f"{v:.{d}f}")
            out.add(f"{100 * v:.{d}f}")
        out.add(f"{v:g}")
        return
    if isinstance(value, str):
        out.update(NUMBER.findall(value))
        return
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(NUMBER.findall(str(k)))
            _renderings(v, out)
        return
    for v in value:
        _renderings(v, out)


def check_case(case: CaseAnalysis) -> None:
    """The properties every case analysis has (see the module docstring)."""
    d = case.to_dict()
    assert list(d)[0] == "summary" and d["schema_version"] == SCHEMA_VERSION
    text = json.dumps(d, allow_nan=False)  # no NaN or infinity anywhere
    VALIDATOR.validate(json.loads(text))
    assert CaseAnalysis.from_dict(json.loads(text)) == case
    lines = summary_text(case)
    assert len(lines) <= HEIGHT, "\n".join(lines)
    assert all(len(line) <= WIDTH for line in lines), "\n".join(lines)
    assert lines[1].startswith("Verdict: ")
    allowed: set[str] = set()
    _renderings(d["summary"], allowed)
    # names and labels the summary quotes (actor and proposal names, issue ids, scale labels)
    _renderings([a["name"] for a in d["actors"]] + [i["id"] for i in d["issues"]], allowed)
    _renderings([i["min_label"] for i in d["issues"]] + [i["max_label"] for i in d["issues"]], allowed)
    for line in lines[1:]:
        for token in NUMBER.findall(line.replace("->", " ")):
            assert token in allowed or token.lstrip("-") in allowed, f"{token!r} in {line!r} is no JSON field"


def test_published_schema_is_the_generated_one() -> None:
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert published == json_schema(), (
        "docs/case-analysis.schema.json is stale: regenerate it with\n"
        "python -c \"import json; from accord.case import json_schema; "
        "print(json.dumps(json_schema(), indent=2, ensure_ascii=False))\" > docs/case-analysis.schema.json"
    )
    assert published["properties"]["schema_version"]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example(path: Path) -> None:
    case = analyze_case(load(path), draws=200)
    check_case(case)
    if case.zone is not None:
        assert case.monte_carlo is not None and case.monte_carlo.draws == 200
        assert case.summary.p_zone is not None


def test_gaza_summary_answers_first() -> None:
    case = analyze_case(load(GAZA), draws=300)
    s = case.summary
    assert s.verdict.startswith("No:") and s.deal_possible is False
    assert "Israel and Hamas must move" in s.verdict
    assert s.draws == 300 and s.p_zone is not None
    odds = {p.id: p for p in s.proposals}
    assert odds["us_bridging"].rejected_by == ["hamas"] and odds["us_bridging"].p_pass is not None
    assert s.gap is not None and s.gap == pytest.approx(-case.zone.smallest_margin)  # type: ignore[union-attr]
    assert {m.actor for m in s.who_must_move} == {"israel", "hamas"}
    assert s.recommended is not None and s.recommended.key == "maximin"
    text = "\n".join(summary_text(case))
    assert "US bridging proposal: fails (Hamas rejects)" in " ".join(text.split())
    # the two Nash outputs are named apart, and the difference is explained
    assert any(c.kind in ("models_disagree", "forecast_at_status_quo") and "nbs" in c.text for c in s.caveats)
    nbs = next(f for f in case.forecasts if f.model == "nbs")
    at_sq = {a.issue: a for a in nbs.at_status_quo}
    assert "far_right" in at_sq["end_of_war"].cannot_gain
    assert any("veto_nash" in n for n in case.notes)


def test_draws_zero_is_the_fast_path_and_reuses_forecasts() -> None:
    from accord.forecast import run_forecasts

    s = load(GAZA)
    fc = run_forecasts(s, seed=0)
    case = analyze_case(s, draws=0, forecasts=fc)
    assert case.monte_carlo is None and case.summary.p_zone is None and case.summary.draws == 0
    assert "no Monte Carlo draws" in "\n".join(summary_text(case))
    assert analyze_case(s, draws=0, forecasts=fc) == case  # same input, same result


def test_same_seed_same_numbers_and_zone_case_concessions(tmp_path: Path) -> None:
    f = tmp_path / "z.yaml"
    f.write_text(
        """
name: zone
issues:
  - {id: x, status_quo: 5, scale: {min: 0, max: 10, unit: km, min_label: west, max_label: east}}
  - {id: y, status_quo: 5, scale: {min: 0, max: 10}}
actors:
  - id: a
    capability: 3
    positions: {x: {position: 2, salience: 1}, y: {position: 3, salience: 0.5}}
    reservation: {point: {x: 7, y: 7}}
  - id: b
    positions: {x: {position: 9, salience: 1}, y: {position: 6, salience: 0.5}}
    reservation: {point: {x: 3, y: 3}}
  - {id: m, role: mediator, positions: {x: {position: 5, salience: 1}}}
proposals:
  - {id: p, tabled_by: [m], point: {x: 5, y: 5}}
""",
        encoding="utf-8",
    )
    s = load(f)
    one, two = analyze_case(s, draws=100, seed=3), analyze_case(s, draws=100, seed=3)
    assert one == two
    check_case(one)
    sm = one.summary
    assert sm.deal_possible is True and sm.verdict.startswith("Yes:") and "both" in sm.verdict
    assert sm.recommended is not None and sm.recommended.all_veto_accept
    by = {(c.actor, c.issue): c for c in sm.concessions}
    assert by[("a", "x")].ideal == 2 and by[("a", "x")].toward == "east" and by[("a", "x")].unit == "km"
    assert by[("a", "x")].concession == pytest.approx(abs(sm.recommended.point["x"] - 2), abs=0.06)
    keys = {m.key for m in one.mediator}
    assert keys == {"maximin", "veto_nash", "most_support"}


def test_from_dict_rejects_other_versions_and_garbage() -> None:
    d = analyze_case(load(GAZA), draws=0).to_dict()
    with pytest.raises(InputError, match="schema_version 9"):
        CaseAnalysis.from_dict({**d, "schema_version": "9.0"})
    with pytest.raises(InputError, match="not a case analysis"):
        CaseAnalysis.from_dict({"summary": 1})


def test_no_veto_player_still_gives_a_case() -> None:
    case = analyze_case(load(EXAMPLES / "eu_emissions.yaml"), draws=50)
    assert case.zone is None and case.agreement_error and "no actor has a veto" in case.agreement_error
    assert case.summary.verdict.startswith("No verdict:") and case.summary.deal_possible is None
    check_case(case)


def test_human_days() -> None:
    assert human_days(5222) == "14.3 years"
    assert human_days(42) == "6 weeks"
    assert human_days(3) == "3 days"
    assert human_days(1) == "1 day"
    assert human_days(100) == "3.3 months"
    assert human_days(None) == "not reached"


def test_gaza_durability_with_the_ceasefire_data() -> None:
    case = analyze_case(load(GAZA), draws=100, ceasefire_data=need(CFD))
    check_case(case)
    d = case.durability
    assert d is not None and d.class_size >= d.min_class_size and d.reference
    assert len(d.reference) == d.class_size
    hold = {h.days: h for h in d.holding}
    for days in (56, 365):
        h = hold[days]
        assert 0 <= h.base_rate <= 1 and h.pessimistic is not None and h.cox is not None
        assert h.pessimistic <= h.base_rate + 1e-9  # counting unclear endings as breakdowns cannot raise it
        assert h.location is not None  # Israel's own record
    assert d.location == "Israel" and d.location_size and "location" in d.dropped
    assert d.model_check is not None and 0.5 < d.model_check.concordance < 1
    s = case.summary.durability
    assert s is not None and [h.horizon for h in s.holding] == ["8 weeks", "1 year"]
    assert any(c.kind == "small_reference_class" for c in case.summary.caveats)
    text = " ".join(" ".join(summary_text(case)).split())
    assert "Would it hold:" in text and "at 8 weeks" in text and "Cox model" in text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_actors=6, max_issues=3))
def test_generated_scenarios(s: Any) -> None:
    check_case(analyze_case(s, draws=20))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(full_scenarios())
def test_generated_full_scenarios(s: Any) -> None:
    try:
        case = analyze_case(s, draws=20)
    except InputError:
        return  # e.g. an uncertainty range outside its value's scale: a clear error is the answer
    check_case(case)


def test_interstate_case_is_flagged_against_intrastate_data() -> None:
    s = load(GAZA)
    assert s.deal is not None
    s = s.model_copy(update={"deal": s.deal.model_copy(update={"interstate": True})})
    case = analyze_case(s, draws=0, ceasefire_data=need(CFD), durability_model=False)
    kinds = {c.kind: c.text for c in case.summary.caveats}
    assert "interstate case" in kinds["out_of_scope"] and "civil conflicts" in kinds["out_of_scope"]
    assert case.durability is not None and "intrastate" in case.durability.scope
    check_case(case)
