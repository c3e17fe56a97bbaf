"""The learned forecaster's training: grouped folds without leakage, nested CV, reproducibility."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from accord.evaluation import backtest as bt
from accord.evaluation import learn
from accord.models import ensemble, registry
from accord.problem import to_problem
from accord.scenario.formats import deu
from accord.scenario.model import Scenario
from conftest import DATA, need

DEV = DATA / "deu" / "deu_dev.tsv"
SMALL = ({"kind": "anchor"}, {"kind": "lad", "alpha": 0.03}, {"kind": "choice", "C": 1.0, "mix": 0.3})


# the quick base models (SMP, EUM and the exchange model are tested on a few proposals below)
QUICK = {k: learn.DEFAULT_BASE[k] for k in ("mean", "compromise", "median", "nbs:worst")}
FEW = ("d00032", "d97264", "d96085", "d95341")


@cache
def _issues() -> tuple[Scenario, ...]:
    return tuple(deu.read_issues(need(DEV)))


@cache
def _data() -> learn.Dataset:
    return learn.build_dataset(_issues(), _resolved(QUICK))


def _resolved(base: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    return {k: registry.get(ensemble.base_model_name(k)).resolve(v) for k, v in base.items()}


def test_grouped_folds_never_share_a_proposal() -> None:
    groups = np.array(["a", "a", "b", "c", "c", "c", "d", "e", "f", "f"])
    folds = learn.grouped_folds(groups, 3, seed=1)
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(len(groups)))
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    again = learn.grouped_folds(groups, 3, seed=1)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again, strict=True))
    with pytest.raises(ValueError, match="cannot fill"):
        learn.grouped_folds(groups[:2], 3, seed=0)


def test_dataset_on_dev() -> None:
    data = _data()
    assert len(data.issues) == 262 and len(set(data.groups.tolist())) == 98
    mae = float(np.mean(np.abs(data.anchor_forecast - data.outcome))) * 100
    assert mae == pytest.approx(24.63, abs=0.005)
    names = learn.variant_features(data, "deu")
    assert data.matrix(names).shape == (262, len(names)) and np.isfinite(data.matrix(names)).all()
    for train, test in learn.grouped_folds(data.groups, 5, 0):
        assert not set(data.groups[train].tolist()) & set(data.groups[test].tolist())


def test_nested_cv_reproducible_and_blind_to_test_outcomes() -> None:
    data = _data()
    names = ["generic"]
    cv = learn.nested_cv(data, names, SMALL, n_outer=3, n_inner=3, seed=7)
    again = learn.nested_cv(data, names, SMALL, n_outer=3, n_inner=3, seed=7)
    np.testing.assert_array_equal(cv.oof, again.oof)
    assert cv.coverage == again.coverage
    assert 0.3 < cv.coverage["0.5"] < 0.7 and cv.coverage["0.95"] > 0.85
    # changing the outcomes of one test fold cannot change that fold's forecasts
    _, test = cv.folds[0]
    noisy = dataclasses.replace(data, outcome=data.outcome.copy())
    noisy.outcome[test] = 1.0 - noisy.outcome[test]
    moved = learn.nested_cv(noisy, names, SMALL, n_outer=3, n_inner=3, seed=7)
    np.testing.assert_array_equal(moved.oof[test], cv.oof[test])
    assert not np.array_equal(moved.oof, cv.oof)


def test_anchor_candidate_is_the_compromise_model() -> None:
    data = _data()
    cv = learn.nested_cv(data, ["generic"], ({"kind": "anchor"},), n_outer=3, n_inner=3, seed=0)
    np.testing.assert_allclose(cv.oof, np.clip(data.anchor_forecast, 0, 1))


def test_serialised_gbm_matches_sklearn() -> None:
    from sklearn.ensemble import GradientBoostingRegressor

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(120, 4))
    r = X[:, 0] - 0.5 * X[:, 2] + 0.1 * rng.normal(size=120)
    cand = {"kind": "gbm", "n_estimators": 30, "max_depth": 2, "learning_rate": 0.1, "subsample": 0.8}
    learner = learn.fit_learner(cand, learn.Rows(X, np.zeros(120), r), seed=3)
    ref = GradientBoostingRegressor(
        loss="absolute_error", n_estimators=30, max_depth=2, learning_rate=0.1, subsample=0.8, random_state=3
    ).fit(X, r)
    np.testing.assert_allclose(ensemble.predict_correction(learner, X), ref.predict(X), atol=1e-12)
    lad = learn.fit_learner({"kind": "lad", "alpha": 0.0}, learn.Rows(X, np.zeros(120), r))
    assert np.mean(np.abs(ensemble.predict_correction(lad, X) - r)) < np.mean(np.abs(r - np.median(r)))


def test_conformal_quantile() -> None:
    r = np.arange(1.0, 10.0)  # 9 residuals
    assert learn.conformal_quantile(r, 0.5) == 5.0  # ceil(10 * 0.5) = 5th
    assert learn.conformal_quantile(r, 0.8) == 8.0
    assert learn.conformal_quantile(r, 0.95) == 1.0  # ceil(9.5) = 10 > 9: the whole scale


def test_every_base_model_on_a_few_proposals() -> None:
    """EUM (both variants), SMP and the exchange model as base models; the exchange model runs
    per proposal (absent, and flagged, on a one-issue proposal); known forecasts are reused."""
    issues = [s for s in _issues() if s.meta["proposal"] in FEW]
    base = _resolved(learn.DEFAULT_BASE)
    data = learn.build_dataset(issues, base)
    run = bt.run_backtest(issues, models=["eum", "eum:paper", "smp", "exchange"])
    for key in ("eum", "eum:paper", "smp"):
        np.testing.assert_allclose(data.forecasts[key] * 100, run.runs[key].forecast, atol=1e-9)
    # the exchange model runs on the whole proposal, every proposal with the training seed
    merged = to_problem(deu.merge_issues([s for s in issues if s.meta["proposal"] == "d00032"]))
    direct = registry.get("exchange").run(merged, base["exchange"], seed=0).outcome
    np.testing.assert_allclose(data.forecasts["exchange"][data.groups == "d00032"], direct, atol=1e-12)
    single = np.array([g == "d97264" for g in data.groups])
    assert single.any() and np.isnan(data.forecasts["exchange"][single]).all()
    np.testing.assert_array_equal(data.features["has_exchange"], (~single).astype(float))
    assert (data.features["exchange_rel"][single] == 0).all()
    names = learn.variant_features(data, "deu")
    assert {"eum_paper_rel", "smp_rel", "has_exchange", "capability_anchor_side"} <= set(names)
    assert np.isfinite(data.matrix(names)).all()
    known = {k: run.runs[k].forecast for k in ("smp", "eum")}
    again = learn.build_dataset(issues, base, known=known)
    np.testing.assert_array_equal(again.matrix(names), data.matrix(names))


def test_status_quo_side_features() -> None:
    data = _data()
    f = data.features
    sq_side = f["status_quo_side"]
    assert set(np.unique(sq_side).tolist()) <= {-1.0, 0.0, 1.0}
    above, below = f["capability_above_status_quo"], f["capability_below_status_quo"]
    assert ((above >= 0) & (below >= 0) & (above + below <= 1 + 1e-12)).all()
    np.testing.assert_array_equal(f["capability_anchor_side"][sq_side > 0], above[sq_side > 0])
    assert (f["anchor_status_quo_distance"][f["has_status_quo"] == 0] == 0).all()


def test_blend_and_ensemble_selection() -> None:
    data = _data()
    names = learn.variant_features(data, "generic")
    rows = data.rows(names, "generic")
    learner = learn.fit_learner({"kind": "blend", "models": ["mean", "nbs:worst"]}, rows)
    expected = (data.forecasts["compromise"] + data.forecasts["mean"] + data.forecasts["nbs:worst"]) / 3
    np.testing.assert_allclose(
        ensemble.forecast_rows(learner, rows.anchor, rows.X, None), np.clip(expected, 0, 1)
    )
    assert not learn.usable({"kind": "blend", "models": ["smp"]}, names)
    y = np.array([0.0, 1.0, 0.0, 1.0])
    preds = [np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])]
    assert learn.ensemble_selection(preds, y, 1).tolist() == [1, 0, 0]  # ties: the first
    counts = learn.ensemble_selection([np.array([0.0, 1.0, 0.5, 0.5]), np.array([0.0, 1.0, -0.5, 1.5])], y, 4)
    assert counts.tolist() == [1, 1]  # the average is exact


def test_training_is_a_subcommand_that_never_writes_into_the_package(tmp_path: Path) -> None:
    from accord.cli import backtest as cli_backtest
    from accord.cli import main

    # the CLI's defaults are the training module's (kept apart so `accord --help` stays light)
    assert cli_backtest.BASE_MODELS.split(",") == list(learn.DEFAULT_BASE)
    assert cli_backtest.ANCHOR == learn.ANCHOR
    assert learn.parse_base("mean,eum:paper,nbs:loss=linear;weighting=equal") == {
        "mean": {"weighting": "equal"},
        "eum:paper": {"variant": "paper"},
        "nbs": {"loss": "linear", "weighting": "equal"},
    }
    dev = tmp_path / "dev.tsv"
    dev.write_text("not read\n")
    assert main(["backtest", "train", str(dev)]) == 2  # --out is required: no default path
    assert main(["backtest", "train", str(dev), "--out", str(dev)]) == 2  # never onto the input
    assert not hasattr(learn, "main")
