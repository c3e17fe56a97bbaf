"""The one-call API: CLI defaults, Python-speaking errors, tidy frames, short reprs, plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import accord
from accord.errors import InputError, ParameterError
from accord.forecast import run_forecasts
from accord.scenario import Scenario
from conftest import DATA, EXAMPLES, need

GAZA = EXAMPLES / "gaza_ceasefire_2024.yaml"
CFD = DATA / "ceasefires" / "cfd_1989_2016.csv"
DEU = DATA / "deu" / "deu_dev.tsv"


@pytest.fixture(scope="module")
def gaza() -> Scenario:
    return accord.load(GAZA)


def short(text: str) -> None:
    assert len(text.splitlines()) <= 12 and len(text) < 1200, text


def test_import_accord_stays_light() -> None:
    code = (
        "import sys, accord;"
        "heavy = ('pandas', 'matplotlib', 'scipy.optimize', 'lifelines', 'sklearn', 'dask');"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert callable(accord.forecast) and callable(accord.report) and callable(accord.durability)
    # the modules behind the callable names still import as before
    from accord.durability import HORIZONS
    from accord.report import figures

    assert HORIZONS and figures.PAGE_WIDTH


def test_run_forecasts_takes_one_name(gaza: Scenario) -> None:
    # issue 15: "eum" was taken as the list of letters e, u, m
    assert list(run_forecasts(gaza, "eum")) == ["eum"]


def test_forecast_models_and_params(gaza: Scenario) -> None:
    f = accord.forecast(gaza)
    assert list(f) == list(run_forecasts(gaza, seed=0))
    assert f.outcome("eum", "presence") == run_forecasts(gaza, ["eum"])["eum"].outcome["presence"]
    five = run_forecasts(gaza, ["eum"], {"eum.rounds": 5})["eum"].outcome
    for kwargs in ({"rounds": 5}, {"eum": {"rounds": 5}}, {"params": {"eum": {"rounds": 5}}}):
        assert dict(accord.forecast(gaza, "eum", **kwargs)["eum"].outcome) == five  # type: ignore[arg-type]
    both = accord.forecast(gaza, ["eum", "eum:paper"])
    frame = both.to_frame()
    assert list(frame.columns) == ["model", "variant", "issue", "outcome", "unit", "min", "max"]
    assert set(frame.variant) == {"scholz", "paper"}
    assert len(frame) == 2 * len(gaza.issues)


def test_forecast_errors_speak_python(gaza: Scenario) -> None:
    with pytest.raises(
        ParameterError, match=r"^forecast\(rounds=...\): no selected model has a parameter 'rounds'"
    ):
        accord.forecast(gaza, "compromise", rounds=5)
    with pytest.raises(
        ParameterError, match=r"forecast\(params=\{'eum': ...\}\): model eum has no parameter 'rond'"
    ):
        accord.forecast(gaza, "eum", params={"eum": {"rond": 5}})
    with pytest.raises(ParameterError, match=r"forecast\(models='eum:x'\): model eum has no variant 'x'"):
        accord.forecast(gaza, "eum:x")
    with pytest.raises(ParameterError, match=r"forecast\(models='emu'\): unknown model 'emu'"):
        accord.forecast(gaza, "emu")
    with pytest.raises(ParameterError, match=r"model eum is not selected"):
        accord.forecast(gaza, "compromise", eum={"rounds": 3})
    with pytest.raises(ParameterError, match="parameter rounds: 'x' is not a valid int"):
        accord.forecast(gaza, "eum", rounds="x")
    for error in (ParameterError, InputError):
        try:
            accord.forecast(gaza, "eum", rounds=-1)
        except error as exc:
            assert "--param" not in str(exc)


def test_forecasts_result(gaza: Scenario) -> None:
    f = accord.forecast(gaza)
    short(repr(f))
    assert repr(f).startswith("Forecasts of 'Gaza")
    assert len(repr(f["eum"])) < 200  # issue 15: it was 13,223 characters
    assert "<table" in f._repr_html_()
    traj = f.to_frame("trajectories")
    assert list(traj.columns) == ["model", "issue", "round", "series", "actor", "value"]
    eum = traj[(traj.model == "eum") & (traj.series == "position") & (traj["round"] == 0)]
    pos = gaza.to_frame()
    assert len(eum) == len(pos)
    assert isinstance(f.plot(), Figure)
    assert isinstance(f.plot("eum"), Figure)
    with pytest.raises(InputError, match="no rounds"):
        f.plot("compromise")
    with pytest.raises(KeyError, match="no forecast of 'nope'"):
        f["nope"]


def test_simulate_and_sensitivity(gaza: Scenario) -> None:
    mc = accord.simulate(gaza, 300, ["compromise", "median"], seed=3)
    again = accord.simulate(GAZA, 300, ["compromise", "median"], seed=3)
    assert mc.to_frame().equals(again.to_frame())
    draws = mc.to_frame()
    assert list(draws.columns) == ["draw", "model", "issue", "outcome", "zone"]
    assert len(draws) == 300 * 2 * len(gaza.issues)
    summary = mc.to_frame("summary")
    q = summary.set_index(["model", "issue"]).loc[("compromise", "presence")]
    x = draws[(draws.model == "compromise") & (draws.issue == "presence")].outcome
    assert q.q50 == pytest.approx(float(np.quantile(x, 0.5)))
    assert mc.p_zone == pytest.approx(draws.drop_duplicates("draw").zone.mean())
    assert set(mc.to_frame("proposals").proposal) == {p.id for p in gaza.proposals}
    short(repr(mc))
    assert "P(zone of agreement)" in mc._repr_html_()
    assert isinstance(mc.plot(), Figure)
    with pytest.raises(InputError, match=r"simulate\(draws=0\)"):
        accord.simulate(gaza, 0)
    si = accord.sensitivity(gaza, 32)
    frame = si.to_frame()
    assert list(frame.columns)[:4] == ["model", "issue", "input", "S1"]
    assert set(frame.model) == {"compromise"}
    short(repr(si))
    assert isinstance(si.plot("hostages"), Figure)


def test_analyze(gaza: Scenario) -> None:
    case = accord.analyze(gaza, draws=0)
    assert case.summary.deal_possible is False
    assert case.analysis.summary is case.summary
    short(repr(case))
    assert repr(case).splitlines()[1].startswith("Verdict: No")
    html = case._repr_html_()
    assert "Verdict:" in html and "<svg" in html  # the summary and the key figure
    acc = case.to_frame()
    assert list(acc.columns) == [
        "point",
        "kind",
        "actor",
        "veto",
        "utility",
        "reservation",
        "margin",
        "accepts",
    ]
    sq = acc[(acc.point == "status quo") & (acc.actor == "hamas")].iloc[0]
    assert not sq.accepts and sq.margin < 0
    assert (acc.margin >= -1e-9).eq(acc.accepts).all()
    fc = case.to_frame("forecasts")
    assert (
        fc.set_index(["model", "issue"]).outcome.to_dict()
        == accord.forecast(gaza).to_frame().set_index(["model", "issue"]).outcome.to_dict()
    )
    assert isinstance(case.plot(), Figure)
    assert case.to_dict()["summary"]["deal_possible"] is False
    mine = accord.analyze(gaza, draws=0, point={"presence": 40, "hostages": 70, "end_of_war": 45})
    assert "user" in set(mine.to_frame().kind)
    with pytest.raises(InputError, match=r"analyze\(point=\{'presence': 140\}\): outside the scale"):
        accord.analyze(gaza, point={"presence": 140})
    with pytest.raises(InputError, match=r"analyze\(loss='cubic'\)"):
        accord.analyze(gaza, loss="cubic")
    no_veto = gaza.model_copy(update={"actors": [a.model_copy(update={"veto": False}) for a in gaza.actors]})
    with pytest.raises(InputError, match="analyze: no actor has a veto"):
        accord.analyze(no_veto, draws=0)


def test_report(gaza: Scenario, tmp_path: Path) -> None:
    out = accord.report(EXAMPLES / "eu_emissions.yaml", tmp_path / "eu.html", draws=0)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(InputError, match="already exists; pass overwrite=True to overwrite it"):
        accord.report(gaza, out, draws=0)
    with pytest.raises(InputError, match="pass make_dirs=True"):
        accord.report(gaza, tmp_path / "new" / "x.html", draws=0)
    with pytest.raises(InputError, match="is an input"):
        accord.report(GAZA, GAZA, draws=0, overwrite=True)
    with pytest.raises(InputError, match=r"report\(draws=-1\)"):
        accord.report(gaza, tmp_path / "x.html", draws=-1)


def test_durability(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORD_CEASEFIRE_DATA", raising=False)
    path = need(CFD)
    gaza = accord.load(GAZA)
    d = accord.durability(gaza, data=path)
    frame = d.to_frame()
    assert list(frame.columns) == [
        "horizon",
        "days",
        "base_rate",
        "ci_low",
        "ci_high",
        "pessimistic",
        "cox",
        "location",
    ]
    assert frame.days.tolist() == [7, 30, 56, 182, 365]
    assert ((frame.ci_low <= frame.base_rate) & (frame.base_rate <= frame.ci_high)).all()
    assert frame.cox.between(0, 1).all()
    curve = d.to_frame("curve")
    assert curve.holding.is_monotonic_decreasing
    assert len(d.to_frame("reference")) == d.evidence.class_size
    short(repr(d))
    assert isinstance(d.plot(), Figure)
    deal = gaza.deal.model_dump()  # type: ignore[union-attr]
    kw = accord.durability(data=path, model=False, **deal)
    assert kw.to_frame().base_rate.tolist() == frame.base_rate.tolist()
    assert kw.to_frame().cox.isna().all()
    assert accord.durability(data=path).evidence.reference_class == {}  # no deal: every cease-fire
    with pytest.raises(InputError, match=r"durability\(writen=...\): not a field of a deal"):
        accord.durability(data=path, writen=True)
    with pytest.raises(InputError, match=r"durability: deal.side"):
        accord.durability(data=path, side="trilateral")
    with pytest.raises(InputError, match=r"durability\(data=None\)"):
        accord.durability(written=True)


def test_backtest() -> None:
    path = need(DEU)
    bt = accord.backtest(path, ["mean", "median"])
    issues = bt.to_frame()
    assert {"issue", "model", "forecast", "outcome", "error"} <= set(issues.columns)
    np.testing.assert_allclose(issues.error, issues.forecast - issues.outcome)
    metrics = bt.to_frame("metrics").set_index("model")
    mean = issues[issues.model == "mean"]
    assert metrics.loc["mean", "mae"] == pytest.approx(mean.error.abs().mean())
    short(repr(bt))
    with pytest.raises(ParameterError, match=r"backtest\(models='nope'\)"):
        accord.backtest(path, "nope")
