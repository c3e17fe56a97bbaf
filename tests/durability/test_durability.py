"""Durability: Kaplan-Meier by hand, CFD cleaning rules on hand-made tables, and the real data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.conftest import DATA, need

from accord import durability as du
from accord.errors import InputError
from accord.scenario.model import Deal, Scenario

CFD = DATA / "ceasefires" / "cfd_1989_2016.csv"


# -- Kaplan-Meier --------------------------------------------------------------------------------


def test_kaplan_meier_matches_hand_worked_table() -> None:
    # t:     1  2  2+ 3  4+ 5      (+ = censored)
    # t=1: 6 at risk, 1 event -> 5/6;  t=2: 5 at risk (the censored 2 counts), 1 event -> 4/6
    # t=3: 3 at risk, 1 event -> 4/9;  t=5: 1 at risk, 1 event -> 0
    km = du.kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    np.testing.assert_allclose(km.timeline, [1, 2, 3, 5])
    np.testing.assert_array_equal(km.at_risk, [6, 5, 3, 1])
    np.testing.assert_allclose(km.survival, [5 / 6, 4 / 6, 4 / 9, 0.0])
    np.testing.assert_allclose(km.at([0.5, 1, 2.5, 4.9, 10]), [1, 5 / 6, 4 / 6, 4 / 9, 0])
    assert km.median == 3.0
    # Greenwood at t=2: 1/(6*5) + 1/(5*4) = 1/12; log(-log) interval with z = 1.959964
    se = np.sqrt(1 / 12) / abs(np.log(4 / 6))
    factor = np.exp(1.959964 * se)
    low, high = km.ci_at(2)
    np.testing.assert_allclose([low[0], high[0]], [(4 / 6) ** factor, (4 / 6) ** (1 / factor)], rtol=1e-5)
    np.testing.assert_allclose([low[0], high[0]], [0.19464, 0.90443], atol=1e-4)


def test_kaplan_meier_agrees_with_lifelines() -> None:
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(7)
    t = rng.integers(0, 40, size=300).astype(float)
    e = rng.random(300) < 0.6
    km = du.kaplan_meier(t, e)
    ref = KaplanMeierFitter().fit(t, e)
    grid = np.arange(0, 45, 0.5)
    np.testing.assert_allclose(km.at(grid), ref.survival_function_at_times(grid).to_numpy(), atol=1e-12)
    ci = ref.confidence_interval_survival_function_
    times = ci.index.to_numpy()
    inside = (times > 0) & (km.at(times) > 0) & (km.at(times) < 1)
    low, high = km.ci_at(times[inside])
    np.testing.assert_allclose(low, ci.iloc[inside, 0].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(high, ci.iloc[inside, 1].to_numpy(), atol=1e-9)


def test_kaplan_meier_without_events_stays_at_one() -> None:
    km = du.kaplan_meier([3.0, 5.0], [False, False])
    assert km.timeline.size == 0
    np.testing.assert_allclose(km.at([0, 100]), [1, 1])
    assert km.median is None


# -- dates ---------------------------------------------------------------------------------------


def test_clean_dates_imputes_and_flags_precision() -> None:
    dates, prec = du.clean_dates([1994, 1994, 1994, 0, -1, 2000], [2, 3, -1, 0, 5, 6], [31, -1, -1, 0, 1, 0])
    assert [str(d) for d in dates[:3]] == ["1994-02-28", "1994-03-15", "1994-07-01"]
    assert np.isnat(dates[3]) and np.isnat(dates[4])
    assert str(dates[5]) == "2000-06-15"
    assert list(prec) == ["day", "month", "year", "", "", "month"]


# -- hand-made CFD tables ------------------------------------------------------------------------


def cfd_row(cf_id: int, **kw: Any) -> dict[str, Any]:
    """One CFD actor row with neutral defaults (every required column)."""
    row: dict[str, Any] = {c: 0 for c in du.REQUIRED_COLUMNS}
    row.update(
        cc=100,
        cf_id=cf_id,
        location="Testland",
        ucdp_acd_id=1,
        side=2,
        cf_dec_yr=2000,
        cf_dec_month=1,
        cf_dec_day=1,
        cf_effect_yr=2000,
        cf_effect_month=1,
        cf_effect_day=1,
        fixed_time="0",
        ceasefire_class=1,
        timing=0,
        ended=-1,
        end_yr=-1,
        end_month=-1,
        end_day=-1,
    )
    row.update(kw)
    return row


def table(rows: list[dict[str, Any]], **kw: Any) -> du.CeasefireData:
    return du.ceasefires(pd.DataFrame(rows), **kw)


def test_one_row_per_ceasefire_and_breakdown_by_any_party_counts() -> None:
    rows = [
        # cease-fire 1: the government row is unclear, the rebel row broke down on 11 January
        cfd_row(1, actor_name="gov", ended=-1, end_yr=2000, end_month=3, end_day=1),
        cfd_row(1, actor_name="reb", ended=2, end_yr=2000, end_month=1, end_day=11, written=1),
        # cease-fire 2: expired as planned after 7 days (censored)
        cfd_row(2, ended=1, end_yr=2000, end_month=1, end_day=8, fixed=1, fixed_time="7"),
        # cease-fire 3: never entered into effect (excluded)
        cfd_row(3, ended=3, cf_effect_yr=0, cf_effect_month=0, cf_effect_day=0),
        # cease-fire 4: did not end: censored at the censor date
        cfd_row(4, ended=0, end_yr=0, end_month=0, end_day=0),
        # cease-fire 5: unclear and no end date: excluded
        cfd_row(5, ended=-1),
        # cease-fire 6: effect date unknown -> declaration; replaced (censored) on 21 January
        cfd_row(
            6,
            cf_effect_yr=-1,
            cf_effect_month=-1,
            cf_effect_day=-1,
            ended=4,
            end_yr=2000,
            end_month=1,
            end_day=21,
        ),
    ]
    data = table(rows, censor_date="2000-12-31")
    t = data.table.set_index("cf_id")
    assert len(t) == 6 and data.notes["rows"] == 7
    assert t.loc[1, "event"] and t.loc[1, "duration"] == 10 and t.loc[1, "written"] == 1.0
    assert t.loc[1, "n_actors"] == 2 and t.loc[1, "actor_codes_differ"]
    assert not t.loc[2, "event"] and t.loc[2, "duration"] == 7 and t.loc[2, "fixed_term_days"] == 7
    assert not t.loc[3, "included"] and t.loc[3, "exclusion"] == "never in effect"
    assert not t.loc[4, "event"] and t.loc[4, "duration"] == 365  # 2000-01-01 .. 2000-12-31
    assert not t.loc[5, "included"] and t.loc[5, "exclusion"] == "no end date"
    assert t.loc[6, "start_source"] == "declaration" and t.loc[6, "duration"] == 20
    assert data.notes["included"] == 4 and data.notes["events"] == 1
    assert data.notes["excluded_never_in_effect"] == 1 and data.notes["excluded_no_end_date"] == 1


def test_imprecise_end_is_middle_of_its_period_after_the_start() -> None:
    rows = [
        # start 20 March, breakdown "March 2000": the part of March after the start is 20-31 -> 25th
        cfd_row(1, cf_effect_month=3, cf_effect_day=20, ended=2, end_yr=2000, end_month=3, end_day=-1),
        # breakdown "2000", start 1 January: 1 January .. 31 December -> 1 July (182 days)
        cfd_row(2, ended=2, end_yr=2000, end_month=-1, end_day=-1),
        # day-precise end one day before the start: clipped to the start
        cfd_row(3, cf_effect_day=5, ended=2, end_yr=2000, end_month=1, end_day=4),
    ]
    t = table(rows).table.set_index("cf_id")
    assert t.loc[1, "duration"] == 5
    assert t.loc[2, "duration"] == 182
    assert t.loc[3, "duration"] == 0


def test_default_censor_date_is_latest_date_in_file() -> None:
    rows = [cfd_row(1, ended=0), cfd_row(2, ended=2, end_yr=2003, end_month=5, end_day=6)]
    data = table(rows)
    assert str(data.censor_date) == "2003-05-06"
    assert data.table.set_index("cf_id").loc[1, "duration"] == (
        np.datetime64("2003-05-06") - np.datetime64("2000-01-01")
    ).astype(int)


def test_reference_class_falls_back_and_says_so() -> None:
    rows = [
        cfd_row(k, ended=2, end_yr=2000, end_month=1, end_day=1 + k, written=int(k < 4)) for k in range(1, 9)
    ]
    rows += [cfd_row(20, ended=2, end_yr=2000, end_month=2, end_day=1, written=1, mediator_nego=1)]
    data = table(rows)
    rate = du.base_rate(data, {"written": "yes", "mediated": "yes"}, min_size=3)
    assert rate.used == {"written": "yes"} and rate.dropped == ("mediated",)
    assert rate.size == 4 and "has 1 cease-fires (< 3): dropped mediated" in rate.fallbacks[0]
    assert du.base_rate(data, {"written": "no"}, min_size=3).size == 5


def test_bad_reference_values_are_input_errors() -> None:
    with pytest.raises(InputError, match="written: 'maybe' is not one of yes, no"):
        du.check_reference({"written": "maybe"})
    with pytest.raises(InputError, match="unknown cease-fire feature 'colour'"):
        du.check_reference({"colour": "red"})
    assert du.check_reference({"purpose": "Peace-Process", "side": None}) == {"purpose": "peace_process"}


# -- reading files -------------------------------------------------------------------------------


def test_foreign_file_names_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "other.csv"
    p.write_text("cc,cf_id,location\n1,2,X\n")
    with pytest.raises(InputError) as err:
        du.read_cfd(p)
    msg = str(err.value)
    assert msg.startswith(str(p)) and "missing columns" in msg and "ended" in msg and "cc," not in msg


def test_non_numeric_code_names_row_and_column(tmp_path: Path) -> None:
    p = tmp_path / "cfd.csv"
    pd.DataFrame([cfd_row(1), cfd_row(2, ended="broken")]).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"row 3, column ended: 'broken' is not a number"):
        du.read_cfd(p)


def test_missing_file_and_missing_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="not found"):
        du.data_path(tmp_path / "nope.csv")
    monkeypatch.delenv(du.ENV_VAR, raising=False)
    with pytest.raises(InputError, match=du.ENV_VAR):
        du.data_path(None)
    p = tmp_path / "cfd.csv"
    pd.DataFrame([cfd_row(1)]).to_csv(p, index=False)
    monkeypatch.setenv(du.ENV_VAR, str(p))
    assert du.data_path(None) == p


# -- the scenario's deal -------------------------------------------------------------------------


def scenario_with(deal: dict[str, Any] | None) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "test",
            "actors": [{"id": "a", "positions": {"x": {"position": 0, "salience": 1}}}, {"id": "b"}],
            "issues": [{"id": "x"}],
            "deal": deal,
        }
    )


def test_deal_is_validated() -> None:
    s = scenario_with({"written": True, "purpose": ["humanitarian"], "ceasefire_class": "preliminary"})
    assert isinstance(s.deal, Deal) and s.deal.written is True
    with pytest.raises(ValueError, match="purpose"):
        scenario_with({"purpose": ["revenge"]})
    with pytest.raises(ValueError, match="fixed_term_days is given but fixed_term is false"):
        scenario_with({"fixed_term": False, "fixed_term_days": 42})
    ref, more, term = du.deal_reference(
        Deal(written=True, mediated=True, purpose=("humanitarian", "peace_process"), fixed_term_days=42)
    )
    assert ref == {"written": "yes", "mediated": "yes", "purpose": "humanitarian"}
    assert more == ["peace_process"] and term == 42.0


# -- the real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cfd() -> du.CeasefireData:
    return du.load(need(CFD))


def test_real_data_counts(cfd: du.CeasefireData) -> None:
    n = cfd.notes
    assert (n["rows"], n["ceasefires"], n["included"], n["events"]) == (3596, 1984, 1259, 172)
    assert str(cfd.censor_date) == "2018-02-12"
    assert cfd.table[["cc", "cf_id"]].duplicated().sum() == 0
    assert (cfd.at_risk["duration"] >= 0).all()


def test_real_data_curves_are_monotone_and_classes_sized(cfd: du.CeasefireData) -> None:
    sizes = {}
    for ref in (
        {},
        {"written": "yes"},
        {"written": "no"},
        {"mediated": "yes"},
        {"ceasefire_class": "definitive"},
    ):
        rate = du.base_rate(cfd, ref)
        assert np.all(np.diff(rate.km.survival) <= 0)
        assert np.all(rate.km.ci_low <= rate.km.survival + 1e-12)
        assert np.all(rate.km.survival <= rate.km.ci_high + 1e-12)
        assert rate.size == int(du.class_mask(cfd.at_risk, rate.used).sum())
        sizes[tuple(ref.items())] = rate.size
    assert sizes[(("written", "yes"),)] + sizes[(("written", "no"),)] <= sizes[()]


def test_real_data_base_rate_is_reproducible(cfd: du.CeasefireData) -> None:
    rate = du.base_rate(cfd, {}).to_json()
    probs = [h["probability"] for h in rate["holding"]]
    np.testing.assert_allclose(probs, [0.9422, 0.8963, 0.8748, 0.7788, 0.7308], atol=1e-4)
    assert rate["size"] == 1259 and rate["breakdowns"] == 172 and rate["median_days"] is None
    assert du.base_rate(du.load(CFD), {}).to_json() == rate


def test_real_data_model_concordance_and_calibration(cfd: du.CeasefireData) -> None:
    check = du.cross_validate(cfd, folds=5, seed=0)
    assert check.mean_concordance >= 0.65
    assert len(check.calibration) == 5
    predicted = [b["predicted"] for b in check.calibration]
    assert predicted == sorted(predicted)
    assert sum(b["n"] for b in check.calibration) == check.n


def test_durability_section_for_a_scenario(cfd: du.CeasefireData) -> None:
    s = scenario_with({"description": "test deal", "written": True, "mediated": True})
    section = du.durability_section(s, CFD, model=False)
    assert section["deal"]["features"] == {"written": "yes", "mediated": "yes"}
    assert section["base_rate"]["class"] == {"written": "yes", "mediated": "yes"}
    assert du.durability_section(scenario_with(None), CFD)["deal"] is None
    assert "expectation" not in section


def test_the_analysts_claim_is_read_against_the_base_rate(cfd: du.CeasefireData) -> None:
    deal = {"written": True, "mediated": True, "expectation": "falls apart within weeks", "expected_days": 28}
    section = du.durability_section(scenario_with(deal), CFD, model=False)
    claim = section["expectation"]
    rate = du.base_rate(cfd, {"written": "yes", "mediated": "yes"})
    assert claim["days"] == 28
    assert claim["base_rate_holding"] == pytest.approx(float(rate.km.at([28])[0]), abs=1e-4)
    assert claim["ci"][0] <= claim["base_rate_holding"] <= claim["ci"][1]
    assert claim["class_size"] == rate.size


def test_unclear_endings_as_breakdowns_is_the_pessimistic_bound() -> None:
    rows = [
        cfd_row(1, ended=-1, end_yr=2000, end_month=1, end_day=6),
        cfd_row(2, ended=2, end_yr=2000, end_month=1, end_day=11),
        cfd_row(3, ended=4, end_yr=2000, end_month=1, end_day=21),
    ]
    base = table(rows)
    worst = table(rows, unclear_as="breakdown")
    assert base.notes["events"] == 1 and worst.notes["events"] == 2
    s_base = du.base_rate(base, min_size=1).km.at(7)[0]
    s_worst = du.base_rate(worst, min_size=1).km.at(7)[0]
    assert s_base == 1.0 and s_worst == pytest.approx(2 / 3)
    with pytest.raises(InputError, match="unclear_as"):
        table(rows, unclear_as="sometimes")


def test_location_class_and_unknown_location() -> None:
    rows = [cfd_row(1, ended=2, end_yr=2000, end_month=1, end_day=3)]
    rows += [cfd_row(2, cc=200, location="Elsewhere ", ended=1, end_yr=2000, end_month=1, end_day=3)]
    data = table(rows)
    rate = du.base_rate(data, {"location": "elsewhere"}, min_size=1)
    assert rate.size == 1 and rate.events == 0
    with pytest.raises(
        InputError, match="location 'Atlantis' is not in the data; known: Elsewhere, Testland"
    ):
        du.base_rate(data, {"location": "Atlantis"})


def test_curve_starts_at_one_and_has_report_shape() -> None:
    km = du.kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    c = km.curve(max_days=4)
    assert set(c) == {"time", "survival", "lower", "upper"}
    assert c["time"] == [0.0, 1.0, 2.0, 3.0, 4.0] and c["survival"][0] == 1.0
    assert all(len(v) == 5 for v in c.values())


def test_deal_round_trips_through_yaml(tmp_path: Path) -> None:
    from accord.scenario import io as sio

    s = scenario_with(
        {"written": True, "purpose": ["humanitarian"], "fixed_term_days": 42, "effective": "2025-01-19"}
    )
    path = tmp_path / "s.yaml"
    sio.save(s, path)
    assert sio.load(path) == s


def gaza_deal() -> Deal:
    """The deal block documented in docs/durability.md (kept valid by this test)."""
    import re

    import yaml

    text = (Path(__file__).resolve().parents[2] / "docs" / "durability.md").read_text()
    block = re.search(r"```yaml\n(deal:\n.*?)```", text, re.S)
    assert block is not None
    return Deal.model_validate(yaml.safe_load(block.group(1))["deal"])


def test_documented_gaza_deal_validates_and_reproduces(cfd: du.CeasefireData) -> None:
    deal = gaza_deal()
    assert deal.fixed_term_days == 42 and deal.mediators == ("Egypt", "Qatar", "United States")
    ref, more, term = du.deal_reference(deal)
    rate = du.base_rate(cfd, ref)
    assert rate.used == {"written": "yes", "mediated": "yes", "ceasefire_class": "preliminary"}
    assert (rate.size, rate.events) == (81, 12)
    np.testing.assert_allclose(rate.km.at(56), [0.9074], atol=1e-4)
    own = du.base_rate(cfd, {"location": "Israel"}, min_size=1)
    assert (own.size, own.events) == (41, 14)
    np.testing.assert_allclose(own.km.at(56), [0.525], atol=1e-4)
