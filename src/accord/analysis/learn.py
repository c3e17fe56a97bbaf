"""Fitting and cross-validating the learned forecaster (:mod:`accord.models.ensemble`) on DEU.

Every figure is cross-validated with folds grouped by proposal: the issues of one proposal are
decided together, so a proposal's issues are never split between training and test folds.
Hyper-parameters (which learner, how much penalty) are chosen by an inner grouped
cross-validation on the training folds only (nested cross-validation: Varma & Simon 2006), and
the prediction intervals are split-conformal on the inner folds' out-of-fold residuals, so no
test fold ever tunes anything. Run ``python -m accord.analysis.learn FILE`` to regenerate
``accord/data/ensemble.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.analysis.backtest import run_issue_model, scorable
from accord.models import ensemble, registry
from accord.problem import to_problem
from accord.scenario.formats.deu import SOURCE, load_file
from accord.scenario.model import Scenario

Array = NDArray[np.float64]

# base models and their parameters; retrain with EUM, SMP and the exchange model once registered
DEFAULT_BASE: dict[str, dict[str, Any]] = {
    "mean": {"weighting": "equal"},
    "compromise": {"weighting": "power"},
    "median": {"weighting": "power"},
    "nbs": {},
}
ANCHOR = "compromise"
CANDIDATES: tuple[dict[str, Any], ...] = (
    {"kind": "anchor"},
    {"kind": "lad", "alpha": 0.03},
    {"kind": "gbm", "n_estimators": 100, "max_depth": 2, "learning_rate": 0.03, "subsample": 0.7},
    {"kind": "choice", "C": 0.1, "mix": 0.3},
    {"kind": "choice", "C": 1.0, "mix": 0.3},
    {
        "kind": "committee",
        "members": [
            {"kind": "choice", "C": 0.1, "mix": 0.3},
            {"kind": "gbm", "n_estimators": 100, "max_depth": 2, "learning_rate": 0.03, "subsample": 0.7},
        ],
    },
)
LEVELS = ensemble.LEVELS


@dataclass
class Dataset:
    """Scored issues as rows: features, base forecasts and outcomes, all on the unit scale."""

    issues: list[str]
    groups: NDArray[np.str_]
    outcome: Array
    forecasts: dict[str, Array]
    features: dict[str, Array]
    anchor: str = ANCHOR
    candidates: dict[str, Candidates] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def anchor_forecast(self) -> Array:
        return self.forecasts[self.anchor]

    def matrix(self, names: Sequence[str]) -> Array:
        return ensemble.feature_matrix(self.features, names)

    def rows(self, names: Sequence[str], variant: str) -> Rows:
        return Rows(self.matrix(names), self.anchor_forecast, self.outcome, self.candidates.get(variant))


Candidates = tuple[Array, Array, NDArray[np.bool_]]


@dataclass
class Rows:
    """What a learner sees of some issues: features, anchor forecast, outcome, candidates."""

    X: Array
    anchor: Array
    y: Array
    candidates: Candidates | None = None

    def take(self, idx: NDArray[np.intp]) -> Rows:
        c = self.candidates
        return Rows(
            self.X[idx],
            self.anchor[idx],
            self.y[idx],
            None if c is None else (c[0][idx], c[1][idx], c[2][idx]),
        )


def build_dataset(
    scenarios: Sequence[Scenario],
    base_models: Mapping[str, Mapping[str, Any]] = DEFAULT_BASE,
    anchor: str = ANCHOR,
    min_actors: int = 3,
    seed: int = 0,
) -> Dataset:
    """Base forecasts and features of every scorable one-issue scenario."""
    if anchor not in base_models:
        raise ValueError(f"the anchor {anchor!r} must be one of the base models")
    cases = scorable(scenarios, min_actors)
    problems = [to_problem(s) for s in cases]
    lo = np.array([p.scale_min[0] for p in problems])
    span = np.array([p.scale_max[0] - p.scale_min[0] for p in problems])
    forecasts: dict[str, Array] = {}
    for name, params in base_models.items():
        spec = registry.get(name)
        values, reasons = run_issue_model(spec, problems, spec.resolve(params), seed)
        if reasons:
            k, why = next(iter(reasons.items()))
            raise ValueError(f"base model {name} does not apply to {cases[k].issues[0].id}: {why}")
        forecasts[name] = (values - lo) / span
    rows: list[dict[str, Array]] = []
    for k, p in enumerate(problems):
        fk = {m: f[k : k + 1] for m, f in forecasts.items()}
        rows.append(ensemble.issue_features(p, fk, anchor))
    features = {name: np.concatenate([r[name] for r in rows]) for name in rows[0]}
    outcome = np.array([(float(s.issues[0].outcome or 0.0) - lo[k]) / span[k] for k, s in enumerate(cases)])
    groups = np.array([str(s.meta.get("proposal", s.issues[0].id)) for s in cases])
    candidates: dict[str, Candidates] = {}
    width = max(p.n_actors for p in problems) + 1
    for variant in ("deu", "generic"):
        parts = [
            ensemble.candidate_arrays(p, forecasts[anchor][k : k + 1], variant == "deu")
            for k, p in enumerate(problems)
        ]
        n_f = parts[0][1].shape[-1]
        values = np.zeros((len(parts), width))
        feats = np.zeros((len(parts), width, n_f))
        valid = np.zeros((len(parts), width), dtype=bool)
        for k, (v, f, ok) in enumerate(parts):
            values[k, : v.shape[1]] = v[0]
            feats[k, : v.shape[1]] = f[0]
            valid[k, : v.shape[1]] = ok[0]
        candidates[variant] = (values, feats, valid)
    return Dataset([s.issues[0].id for s in cases], groups, outcome, forecasts, features, anchor, candidates)


def grouped_folds(groups: NDArray[np.str_], n_splits: int, seed: int) -> list[tuple[NDArray[np.intp], ...]]:
    """``(train, test)`` index pairs; every group (proposal) lies wholly in one test fold.

    Groups are shuffled by ``seed`` and dealt, largest first, to the fold with the fewest
    issues so far, so folds are balanced in issues.
    """
    labels, index, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if len(labels) < n_splits:
        raise ValueError(f"{len(labels)} groups cannot fill {n_splits} folds")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    order = order[np.argsort(-counts[order], kind="stable")]
    fold_of = np.empty(len(labels), dtype=np.intp)
    sizes = np.zeros(n_splits, dtype=np.intp)
    for g in order:
        f = int(np.argmin(sizes))
        fold_of[g] = f
        sizes[f] += counts[g]
    issue_fold = fold_of[index]
    return [(np.flatnonzero(issue_fold != f), np.flatnonzero(issue_fold == f)) for f in range(n_splits)]


# -- learners -----------------------------------------------------------------------------------
def fit_learner(candidate: Mapping[str, Any], rows: Rows, seed: int = 0) -> dict[str, Any]:
    """Fit one candidate learner; its parameters as plain data.

    ``lad`` and ``gbm`` fit the residual ``outcome - anchor``; ``choice`` fits which candidate
    position lies nearest the outcome (logistic regression over candidates).
    """
    kind = candidate["kind"]
    X = rows.X
    residual = rows.y - rows.anchor
    if kind == "choice":
        return _fit_choice(candidate, rows)
    if kind == "committee":
        return {"kind": "committee", "members": [fit_learner(m, rows, seed) for m in candidate["members"]]}
    if kind == "anchor":
        return {"kind": "anchor", "shift": 0.0}
    if kind == "lad":
        from sklearn.linear_model import QuantileRegressor

        center = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        model = QuantileRegressor(quantile=0.5, alpha=float(candidate["alpha"]), solver="highs")
        model.fit((X - center) / scale, residual)
        return {
            "kind": "lad",
            "alpha": float(candidate["alpha"]),
            "center": center.tolist(),
            "scale": scale.tolist(),
            "coef": np.asarray(model.coef_, dtype=float).tolist(),
            "intercept": float(model.intercept_),
        }
    if kind == "gbm":
        from sklearn.ensemble import GradientBoostingRegressor

        gbm = GradientBoostingRegressor(
            loss="absolute_error",
            n_estimators=int(candidate["n_estimators"]),
            max_depth=int(candidate["max_depth"]),
            learning_rate=float(candidate["learning_rate"]),
            subsample=float(candidate["subsample"]),
            random_state=seed,
        )
        gbm.fit(X, residual)
        trees = []
        for est in gbm.estimators_[:, 0]:
            t = est.tree_
            trees.append(
                {
                    "left": t.children_left.tolist(),
                    "right": t.children_right.tolist(),
                    "feature": t.feature.tolist(),
                    "threshold": t.threshold.tolist(),
                    "value": t.value[:, 0, 0].tolist(),
                }
            )
        learner = {
            "kind": "gbm",
            **{k: candidate[k] for k in ("n_estimators", "max_depth", "subsample")},
            "learning_rate": float(candidate["learning_rate"]),
            "init": 0.0,
            "trees": trees,
        }
        # the initial constant (the residuals' median) is whatever sklearn adds to the trees
        learner["init"] = float(gbm.predict(X[:1])[0] - ensemble.predict_correction(learner, X[:1])[0])
        return learner
    raise ValueError(f"unknown learner kind {kind!r}")


def _fit_choice(candidate: Mapping[str, Any], rows: Rows) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    if rows.candidates is None:
        raise ValueError("the choice learner needs candidate arrays")
    values, feats, valid = rows.candidates
    gap = np.where(valid, np.abs(values - rows.y[:, None]), np.inf)
    label = np.zeros(valid.shape, dtype=bool)
    label[np.arange(len(gap)), np.argmin(gap, axis=1)] = True
    F = feats[valid]
    center = F.mean(axis=0)
    scale = F.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    model = LogisticRegression(C=float(candidate["C"]), max_iter=5000)
    model.fit((F - center) / scale, label[valid])
    return {
        "kind": "choice",
        "C": float(candidate["C"]),
        "mix": float(candidate["mix"]),
        "center": center.tolist(),
        "scale": scale.tolist(),
        "coef": np.asarray(model.coef_[0], dtype=float).tolist(),
        "intercept": float(model.intercept_[0]),
    }


def _forecast(learner: Mapping[str, Any], rows: Rows) -> Array:
    return ensemble.forecast_rows(learner, rows.anchor, rows.X, rows.candidates)


def conformal_quantile(abs_residuals: Array, level: float) -> float:
    """Split-conformal radius: the ceil((n + 1) level)-th smallest absolute residual (1 if none)."""
    r = np.sort(np.asarray(abs_residuals, dtype=float))
    k = math.ceil((len(r) + 1) * level)
    return float(r[k - 1]) if 1 <= k <= len(r) else 1.0


def _oof(candidate: Mapping[str, Any], rows: Rows, folds: Sequence[tuple[Any, ...]], seed: int) -> Array:
    pred = np.full(len(rows.y), np.nan)
    for train, test in folds:
        learner = fit_learner(candidate, rows.take(train), seed)
        pred[test] = _forecast(learner, rows.take(test))
    return pred


def select(
    rows: Mapping[str, Rows],
    groups: NDArray[np.str_],
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    n_splits: int = 5,
    seed: int = 0,
) -> tuple[dict[str, Any], Array, dict[str, float]]:
    """The (candidate, feature set) pair with the lowest grouped-CV MAE on these rows.

    ``rows``: the same issues under each feature set (``deu``, ``generic``). Returns the
    candidate with its ``feature_set``, its out-of-fold forecasts and every pair's CV MAE.
    """
    folds = grouped_folds(groups, n_splits, seed)
    scores: dict[str, float] = {}
    best: tuple[float, dict[str, Any], Array] | None = None
    for feature_set, r in rows.items():
        for cand in candidates:
            pred = _oof(cand, r, folds, seed)
            mae = float(np.mean(np.abs(pred - r.y)))
            option = {**cand, "feature_set": feature_set}
            scores[json.dumps(option, sort_keys=True)] = mae
            if best is None or mae < best[0] - 1e-12:
                best = (mae, option, pred)
    assert best is not None
    return best[1], best[2], scores


@dataclass
class CrossValidation:
    """Nested grouped cross-validation of the whole fitting procedure."""

    feature_sets: list[str]
    oof: Array
    outcome: Array
    anchor: Array
    folds: list[tuple[NDArray[np.intp], ...]]
    chosen: list[dict[str, Any]]
    coverage: dict[str, float]
    width: dict[str, float]
    fold_mae: list[dict[str, float]]

    @property
    def mae(self) -> float:
        return float(np.mean(np.abs(self.oof - self.outcome)))

    def to_json(self, scale: float = 100.0) -> dict[str, Any]:
        return {
            "feature_sets": self.feature_sets,
            "mae": self.mae * scale,
            "anchor_mae": float(np.mean(np.abs(self.anchor - self.outcome))) * scale,
            "coverage": self.coverage,
            "mean_interval_width": {k: v * scale for k, v in self.width.items()},
            "chosen_per_fold": self.chosen,
            "fold_mae": [{k: v * scale for k, v in f.items()} for f in self.fold_mae],
            "n": len(self.outcome),
        }


def nested_cv(
    data: Dataset,
    feature_sets: Sequence[str],
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    n_outer: int = 5,
    n_inner: int = 5,
    seed: int = 0,
) -> CrossValidation:
    """Out-of-fold forecasts of the whole procedure: per outer fold, the inner grouped CV on
    the training folds picks the learner and the feature set and gives the conformal radius."""
    rows = {v: data.rows(variant_features(data, v), v) for v in feature_sets}
    y = data.outcome
    a = data.anchor_forecast
    folds = grouped_folds(data.groups, n_outer, seed)
    oof = np.full(len(y), np.nan)
    covered = {f"{lv:g}": 0 for lv in LEVELS}
    width = {f"{lv:g}": 0.0 for lv in LEVELS}
    chosen: list[dict[str, Any]] = []
    fold_mae: list[dict[str, float]] = []
    for f, (train, test) in enumerate(folds):
        train_rows = {v: r.take(train) for v, r in rows.items()}
        cand, inner_pred, _ = select(train_rows, data.groups[train], candidates, n_inner, seed + 1000 + f)
        learner = fit_learner(cand, train_rows[cand["feature_set"]], seed)
        oof[test] = _forecast(learner, rows[cand["feature_set"]].take(test))
        residual = np.abs(inner_pred - y[train])
        for lv in LEVELS:
            q = conformal_quantile(residual, lv)
            lo = np.clip(oof[test] - q, 0.0, 1.0)
            hi = np.clip(oof[test] + q, 0.0, 1.0)
            covered[f"{lv:g}"] += int(np.sum((y[test] >= lo - 1e-12) & (y[test] <= hi + 1e-12)))
            width[f"{lv:g}"] += float(np.sum(hi - lo))
        chosen.append(cand)
        row = {"ensemble": float(np.mean(np.abs(oof[test] - y[test])))}
        for m, fc in data.forecasts.items():
            row[m] = float(np.mean(np.abs(fc[test] - y[test])))
        fold_mae.append(row)
    n = len(y)
    return CrossValidation(
        list(feature_sets),
        oof,
        y,
        a,
        folds,
        chosen,
        {k: v / n for k, v in covered.items()},
        {k: v / n for k, v in width.items()},
        fold_mae,
    )


def variant_features(data: Dataset, variant: str) -> list[str]:
    base = ensemble.base_feature_names(list(data.forecasts), data.anchor)
    names = base + list(ensemble.GENERIC_FEATURES)
    return names + list(ensemble.DEU_FEATURES) if variant == "deu" else names


def fit_variant(
    data: Dataset,
    feature_sets: Sequence[str],
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    n_splits: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Select (learner, feature set) and fit on all rows; conformal radii from the selection's
    out-of-fold residuals."""
    rows = {v: data.rows(variant_features(data, v), v) for v in feature_sets}
    cand, pred, scores = select(rows, data.groups, candidates, n_splits, seed)
    learner = fit_learner(cand, rows[cand["feature_set"]], seed)
    residual = np.abs(pred - data.outcome)
    return {
        "feature_set": cand["feature_set"],
        "features": variant_features(data, cand["feature_set"]),
        "learner": learner,
        "interval": {f"{lv:g}": conformal_quantile(residual, lv) for lv in LEVELS},
        "selection_cv_mae": {k: v * 100 for k, v in scores.items()},
    }


def train(
    path: str | Path,
    base_models: Mapping[str, Mapping[str, Any]] = DEFAULT_BASE,
    anchor: str = ANCHOR,
    capability: str = "equal",
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    n_splits: int = 5,
    seed: int = 0,
    evaluate: bool = True,
) -> dict[str, Any]:
    """Train both variants on a DEU file; the returned dict is the shipped parameter file."""
    p = Path(path)
    scenarios = load_file(p, capability=capability).scenarios
    resolved = {m: registry.get(m).resolve(params) for m, params in base_models.items()}
    data = build_dataset(scenarios, resolved, anchor, seed=seed)
    out: dict[str, Any] = {
        "format": "accord-ensemble/1",
        "trained": date.today().isoformat(),
        "training_data": {
            "file": p.name,
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            "issues": len(data.issues),
            "proposals": len(set(data.groups.tolist())),
            "capability": capability,
            "min_actors": 3,
            "source": SOURCE,
        },
        "anchor": anchor,
        "base_models": resolved,
        "seed": seed,
        "variants": {},
    }
    # a DEU scenario may use the DEU features or not (the inner CV decides); others cannot
    for variant, sets in (("deu", ("deu", "generic")), ("generic", ("generic",))):
        spec = fit_variant(data, sets, candidates, n_splits, seed)
        if evaluate:
            spec["nested_cv"] = nested_cv(data, sets, candidates, n_splits, n_splits, seed).to_json()
        out["variants"][variant] = spec
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m accord.analysis.learn",
        description="Train the ensemble forecaster on a DEU file and write its parameters.",
    )
    parser.add_argument("file", help="DEU table (e.g. ../shared/data/deu/deu_dev.tsv)")
    parser.add_argument("--out", default=None, help="output JSON (default: the package's ensemble.json)")
    parser.add_argument(
        "--base",
        default=",".join(DEFAULT_BASE),
        help="comma-separated base models (NAME or NAME:param=value;param=value)",
    )
    parser.add_argument("--anchor", default=ANCHOR)
    parser.add_argument("--capability", default="equal")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", type=int, default=5)
    args = parser.parse_args(argv)
    base: dict[str, dict[str, Any]] = {}
    for item in args.base.split(","):
        name, _, rest = item.strip().partition(":")
        params = dict(kv.split("=", 1) for kv in rest.split(";") if kv) if rest else {}
        base[name] = params or DEFAULT_BASE.get(name, {})
    trained = train(args.file, base, args.anchor, args.capability, n_splits=args.splits, seed=args.seed)
    out = (
        Path(args.out) if args.out else Path(__file__).resolve().parents[1] / "data" / ensemble.DEFAULT_PARAMS
    )
    out.write_text(json.dumps(trained, indent=1) + "\n", encoding="utf-8")
    for variant, spec in trained["variants"].items():
        cv = spec.get("nested_cv", {})
        print(
            f"{variant}: learner {spec['learner']['kind']}; nested CV MAE {cv.get('mae', float('nan')):.2f} "
            f"(anchor {cv.get('anchor_mae', float('nan')):.2f}); coverage {cv.get('coverage')}"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
