"""Fitting and cross-validating the learned forecaster (:mod:`accord.models.ensemble`) on DEU.

Every figure is cross-validated with folds grouped by proposal: the issues of one proposal are
decided together, so a proposal's issues are never split between training and test folds.
Hyper-parameters (which learners, in what committee, with which feature set) are chosen by
ensemble selection in an inner grouped cross-validation on the training folds only (nested
cross-validation: Varma & Simon 2006), and
the prediction intervals are split-conformal on the inner folds' out-of-fold residuals, so no
test fold ever tunes anything. ``accord backtest train FILE --out PATH`` writes a parameter file
(never into the installed package; the shipped ``accord/data/ensemble.json`` is replaced only by
copying a file so written, on purpose, in a source checkout).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from accord.evaluation.backtest import run_issue_model, run_joint_model, scorable
from accord.models import ensemble, registry
from accord.problem import to_problem
from accord.scenario.formats.deu import SOURCE, load_file
from accord.scenario.model import Scenario

Array = NDArray[np.float64]

# base models (key: model name, or NAME:LABEL for a second parameter set) and their parameters
DEFAULT_BASE: dict[str, dict[str, Any]] = {
    "mean": {"weighting": "equal"},
    "compromise": {"weighting": "power"},
    "median": {"weighting": "power"},
    "nbs": {},
    "nbs:worst": {"disagreement": "worst"},
    "eum": {"variant": "scholz"},
    "eum:paper": {"variant": "paper"},
    "smp": {},
    "exchange": {},
}
ANCHOR = "compromise"
GBM = {"kind": "gbm", "n_estimators": 100, "max_depth": 2, "learning_rate": 0.03, "subsample": 0.7}
CANDIDATES: tuple[dict[str, Any], ...] = (
    {"kind": "anchor"},
    # fixed equal-weight averages of the anchor and other base models (nothing fitted)
    {"kind": "blend", "models": ["smp"]},
    {"kind": "blend", "models": ["smp", "exchange"]},
    {"kind": "blend", "models": ["mean", "smp", "exchange", "nbs:worst"]},
    {"kind": "lad", "alpha": 0.03},
    GBM,
    {"kind": "choice", "C": 0.1, "mix": 0.3},
    {"kind": "choice", "C": 1.0, "mix": 0.3},
    {"kind": "committee", "members": [{"kind": "choice", "C": 0.1, "mix": 0.3}, GBM]},
)
LEVELS = ensemble.LEVELS
ROUNDS = 10  # rounds of ensemble selection among the candidates (1: the best single one)


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
        return Rows(
            self.matrix(names), self.anchor_forecast, self.outcome, self.candidates.get(variant), tuple(names)
        )


Candidates = tuple[Array, Array, NDArray[np.bool_]]


@dataclass
class Rows:
    """What a learner sees of some issues: features, anchor forecast, outcome, candidates."""

    X: Array
    anchor: Array
    y: Array
    candidates: Candidates | None = None
    names: tuple[str, ...] = ()

    def take(self, idx: NDArray[np.intp]) -> Rows:
        c = self.candidates
        return Rows(
            self.X[idx],
            self.anchor[idx],
            self.y[idx],
            None if c is None else (c[0][idx], c[1][idx], c[2][idx]),
            self.names,
        )


def build_dataset(
    scenarios: Sequence[Scenario],
    base_models: Mapping[str, Mapping[str, Any]] = DEFAULT_BASE,
    anchor: str = ANCHOR,
    min_actors: int = 3,
    seed: int = 0,
    known: Mapping[str, Array] | None = None,
) -> Dataset:
    """Base forecasts and features of every scorable one-issue scenario.

    ``known``: forecasts already made (scale units, one per scorable issue in order, NaN where
    the model did not run) by base-model key, with the same parameters; they are not rerun.
    """
    if anchor not in base_models:
        raise ValueError(f"the anchor {anchor!r} must be one of the base models")
    cases = scorable(scenarios, min_actors)
    problems = [to_problem(s) for s in cases]
    lo = np.array([p.scale_min[0] for p in problems])
    span = np.array([p.scale_max[0] - p.scale_min[0] for p in problems])
    forecasts: dict[str, Array] = {}
    for key, params in base_models.items():
        spec = registry.get(ensemble.base_model_name(key))
        if known is not None and key in known:
            values = np.asarray(known[key], dtype=float)
            if values.shape != (len(cases),):
                raise ValueError(f"known forecasts of {key}: {values.shape}, expected ({len(cases)},)")
        elif spec.name in ensemble.JOINT_BASE:
            values = _joint_forecasts(spec, scenarios, cases, spec.resolve(params), seed)
        else:
            values, reasons = run_issue_model(spec, problems, spec.resolve(params), seed)
            if reasons and key == anchor:
                k, why = next(iter(reasons.items()))
                raise ValueError(f"the anchor {key} does not apply to {cases[k].issues[0].id}: {why}")
        forecasts[key] = (values - lo) / span  # NaN where the model did not run
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


def _joint_forecasts(
    spec: registry.ModelSpec,
    scenarios: Sequence[Scenario],
    cases: Sequence[Scenario],
    params: Mapping[str, Any],
    seed: int,
) -> Array:
    """A joint model's forecasts of the scored issues, run once per proposal on all its issues
    (scored or not), NaN where it does not apply (a proposal with one issue).

    Every proposal is run with the same ``seed``, as :func:`accord.models.ensemble.predict` runs
    the base models with the training seed, so a forecast repeats its training features.
    """
    members: dict[str, list[Scenario]] = {}
    for s in scenarios:
        members.setdefault(str(s.meta.get("proposal", s.issues[0].id)), []).append(s)
    wanted = {c.issues[0].id for c in cases}
    pids = list(dict.fromkeys(str(c.meta.get("proposal", c.issues[0].id)) for c in cases))
    found: dict[str, float] = {}
    for pid in pids:
        group = members[pid]
        values, _ = run_joint_model(spec, [group], params, seed, spawn=False)
        for s, x in zip(group, values[0], strict=True):
            if s.issues[0].id in wanted:
                found[s.issues[0].id] = float(x)
    return np.array([found[c.issues[0].id] for c in cases])


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
        out: dict[str, Any] = {
            "kind": "committee",
            "members": [fit_learner(m, rows, seed) for m in candidate["members"]],
        }
        if "weights" in candidate:
            out["weights"] = [float(w) for w in candidate["weights"]]
        return out
    if kind == "anchor":
        return {"kind": "anchor", "shift": 0.0}
    if kind == "blend":
        cols = [f"{ensemble.feature_key(m)}_rel" for m in candidate["models"]]
        missing = [c for c in cols if c not in rows.names]
        if missing:
            raise ValueError(f"blend: no feature {', '.join(missing)} among the rows' features")
        return {
            "kind": "blend",
            "models": list(candidate["models"]),
            "index": [rows.names.index(c) for c in cols],
        }
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


def usable(candidate: Mapping[str, Any], names: Sequence[str]) -> bool:
    """Whether a candidate can be fitted on rows with these features (a blend needs its models)."""
    if candidate["kind"] == "committee":
        return all(usable(m, names) for m in candidate["members"])
    if candidate["kind"] == "blend":
        return all(f"{ensemble.feature_key(m)}_rel" in names for m in candidate["models"])
    return True


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


def ensemble_selection(preds: Sequence[Array], y: Array, rounds: int) -> NDArray[np.intp]:
    """How often each candidate enters the committee: greedy forward selection with
    replacement (Caruana, Niculescu-Mizil, Crew & Ksikes 2004, "Ensemble selection from
    libraries of models", ICML), on out-of-fold forecasts.

    Each round adds the candidate that most lowers the MAE of the committee's average; the
    committee kept is the best one seen. Ties go to the earlier candidate. ``rounds=1``: the
    best single candidate.
    """
    counts = np.zeros(len(preds), dtype=np.intp)
    total = np.zeros_like(y)
    best_mae, best = np.inf, counts.copy()
    stacked = np.asarray(preds)
    for r in range(1, max(rounds, 1) + 1):
        maes = np.mean(np.abs((total[None, :] + stacked) / r - y[None, :]), axis=1)
        j = int(np.argmin(maes))
        counts[j] += 1
        total += stacked[j]
        if maes[j] < best_mae - 1e-12:
            best_mae, best = float(maes[j]), counts.copy()
    return best


def select(
    rows: Mapping[str, Rows],
    groups: NDArray[np.str_],
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    n_splits: int = 5,
    seed: int = 0,
    rounds: int = ROUNDS,
) -> tuple[dict[str, Any], Array, dict[str, float]]:
    """The learner with the lowest grouped-CV MAE on these rows.

    ``rows``: the same issues under each feature set (``deu``, ``generic``). Per feature set,
    every candidate's out-of-fold forecasts feed an ensemble selection (:func:`ensemble_selection`,
    ``rounds`` rounds); the feature set whose committee has the lower out-of-fold MAE wins
    (ties: the first). Averaging a few good candidates rather than betting on the single best
    damps the noise of choosing among near-equal scores. Returns the choice with its
    ``feature_set`` (a committee with ``weights`` unless one candidate is chosen), its
    out-of-fold forecasts, and every (candidate, feature set) pair's CV MAE.
    """
    folds = grouped_folds(groups, n_splits, seed)
    scores: dict[str, float] = {}
    best: tuple[float, dict[str, Any], Array] | None = None
    for feature_set, r in rows.items():
        cands = [c for c in candidates if usable(c, r.names)]
        preds = [_oof(c, r, folds, seed) for c in cands]
        for c, pred in zip(cands, preds, strict=True):
            scores[json.dumps({**c, "feature_set": feature_set}, sort_keys=True)] = float(
                np.mean(np.abs(pred - r.y))
            )
        if not cands:
            continue
        counts = ensemble_selection(preds, r.y, rounds)
        chosen = np.flatnonzero(counts)
        pred = np.average(np.asarray(preds)[chosen], axis=0, weights=counts[chosen])
        mae = float(np.mean(np.abs(pred - r.y)))
        if len(chosen) == 1:
            option = {**cands[int(chosen[0])], "feature_set": feature_set}
        else:
            option = {
                "kind": "committee",
                "members": [dict(cands[int(k)]) for k in chosen],
                "weights": [int(counts[k]) for k in chosen],
                "feature_set": feature_set,
            }
        if best is None or mae < best[0] - 1e-12:
            best = (mae, option, pred)
    if best is None:
        raise ValueError("no candidate learner applies to these features")
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
    rounds: int = ROUNDS,
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
        cand, inner_pred, _ = select(
            train_rows, data.groups[train], candidates, n_inner, seed + 1000 + f, rounds
        )
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
            row[m] = float(np.nanmean(np.abs(fc[test] - y[test])))
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
    names = base + list(ensemble.GENERIC_FEATURES) + list(ensemble.SIDE_FEATURES)
    return names + list(ensemble.DEU_FEATURES) if variant == "deu" else names


def fit_variant(
    data: Dataset,
    feature_sets: Sequence[str],
    candidates: Sequence[Mapping[str, Any]] = CANDIDATES,
    n_splits: int = 5,
    seed: int = 0,
    rounds: int = ROUNDS,
) -> dict[str, Any]:
    """Select (learner, feature set) and fit on all rows; conformal radii from the selection's
    out-of-fold residuals."""
    rows = {v: data.rows(variant_features(data, v), v) for v in feature_sets}
    cand, pred, scores = select(rows, data.groups, candidates, n_splits, seed, rounds)
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
    resolved = {
        m: registry.get(ensemble.base_model_name(m)).resolve(params) for m, params in base_models.items()
    }
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


def parse_base(spec: str) -> dict[str, dict[str, Any]]:
    """Base models from ``--base``: comma-separated KEYs (a model name or a key of
    :data:`DEFAULT_BASE`, e.g. ``eum:paper``) or ``NAME:param=value;param=value``."""
    base: dict[str, dict[str, Any]] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, rest = item.partition(":")
        if "=" in rest:
            base[name] = dict(kv.split("=", 1) for kv in rest.split(";") if kv)
        else:
            base[item] = DEFAULT_BASE.get(item, {})
    return base
