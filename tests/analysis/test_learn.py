"""The learned forecaster's training: grouped folds without leakage, nested CV, reproducibility."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from accord.analysis import learn
from accord.models import ensemble
from accord.scenario.formats import deu
from conftest import DATA, need

DEV = DATA / "deu" / "deu_dev.tsv"
SMALL = ({"kind": "anchor"}, {"kind": "lad", "alpha": 0.03}, {"kind": "choice", "C": 1.0, "mix": 0.3})


@cache
def _data() -> learn.Dataset:
    return learn.build_dataset(deu.read_issues(need(DEV)), learn.DEFAULT_BASE)


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
