"""A Cox proportional-hazards model of cease-fire breakdown and its cross-validated check.

Cox (1972), fitted with lifelines' ``CoxPHFitter`` (a small ridge penalty for stability) on the
features of :func:`design_matrix`; scored by Harrell's concordance on held-out conflicts and by
its calibration at :data:`CALIBRATION_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from accord.durability.data import BINARY_FEATURES, PURPOSES, CeasefireData
from accord.durability.survival import kaplan_meier

if TYPE_CHECKING:
    import pandas as pd

CALIBRATION_DAYS = 56
"""Horizon of the calibration check: holding 8 weeks."""

# -- survival model ------------------------------------------------------------------------------

MODEL_COLUMNS: tuple[str, ...] = (
    *BINARY_FEATURES,
    *("purpose_" + p for p in PURPOSES),
    "class_preliminary",
    "class_definitive",
    "side_bilateral",
    "side_multilateral",
    "timing_1",
    "timing_2",
    "timing_3",
    "log_fixed_term",
)


def design_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Covariates of the Cox model: yes/no features (unknown = no), purpose flags, dummies for
    class (base: cessation), side (base: unilateral), timing (base: 0) and log(1 + fixed term)."""
    import pandas as pd  # lazily: `accord --help` must not pay for pandas

    x = pd.DataFrame(index=table.index)
    for name in BINARY_FEATURES:
        x[name] = pd.to_numeric(table[name], errors="coerce").fillna(0.0)
    for p in PURPOSES:
        x["purpose_" + p] = pd.to_numeric(table["purpose_" + p], errors="coerce").fillna(0.0)
    x["class_preliminary"] = (table["ceasefire_class"] == "preliminary").astype(float)
    x["class_definitive"] = (table["ceasefire_class"] == "definitive").astype(float)
    x["side_bilateral"] = (table["side"] == "bilateral").astype(float)
    x["side_multilateral"] = (table["side"] == "multilateral").astype(float)
    for k in ("1", "2", "3"):
        x["timing_" + k] = (table["timing"] == k).astype(float)
    x["log_fixed_term"] = np.log1p(pd.to_numeric(table["fixed_term_days"], errors="coerce").fillna(0.0))
    return x[list(MODEL_COLUMNS)]


def fit_cox(table: pd.DataFrame, penalizer: float = 0.05) -> Any:
    """Cox proportional-hazards model (Cox 1972) on :func:`design_matrix`, fitted by lifelines
    with a small ridge penalty for stability (lifelines ``CoxPHFitter(penalizer=...)``)."""
    from lifelines import CoxPHFitter

    x = design_matrix(table)
    keep = [c for c in x.columns if x[c].std() > 0]
    frame = x[keep].assign(duration=table["duration"].to_numpy(), event=table["event"].to_numpy())
    model = CoxPHFitter(penalizer=penalizer)
    model.fit(frame, duration_col="duration", event_col="event")
    return model


def predict_holding(model: Any, table: pd.DataFrame, days: float) -> np.ndarray:
    """The model's probability that each cease-fire still holds after ``days``."""
    x = design_matrix(table)[list(model.params_.index)]
    surv = model.predict_survival_function(x, times=[days])
    return np.asarray(surv, dtype=float).reshape(-1)


@dataclass(frozen=True)
class ModelCheck:
    """Cross-validated concordance (grouped by conflict) and 8-week calibration."""

    concordance: tuple[float, ...]
    calibration: tuple[dict[str, Any], ...]
    n: int
    events: int
    folds: int

    @property
    def mean_concordance(self) -> float:
        return float(np.mean(self.concordance))

    def to_json(self) -> dict[str, Any]:
        return {
            "model": "Cox proportional hazards (lifelines), ridge penalizer 0.05",
            "folds": self.folds,
            "grouped_by": "conflict (UCDP conflict id; country where missing)",
            "ceasefires": self.n,
            "breakdowns": self.events,
            "concordance_mean": round(self.mean_concordance, 4),
            "concordance_folds": [round(c, 4) for c in self.concordance],
            "calibration_8_weeks": list(self.calibration),
        }


def cross_validate(
    data: CeasefireData, *, folds: int = 5, bins: int = 5, seed: int = 0, penalizer: float = 0.05
) -> ModelCheck:
    """Harrell's concordance of the Cox model on held-out conflicts, and its calibration.

    Folds are groups of whole conflicts (``GroupKFold`` after a seeded shuffle of the conflict
    labels), so no conflict is in both training and test data. Calibration: the held-out
    predictions of holding :data:`CALIBRATION_DAYS` days are cut into ``bins`` quantile bins; in
    each bin the mean prediction is set beside the Kaplan-Meier estimate observed in that bin.
    """
    from lifelines.utils import concordance_index
    from sklearn.model_selection import GroupKFold

    table = data.at_risk.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    labels = table["conflict"].unique()
    relabel = dict(zip(labels, rng.permutation(len(labels)), strict=True))
    groups = table["conflict"].map(relabel).to_numpy()
    pred = np.full(len(table), np.nan)
    scores: list[float] = []
    for train, test in GroupKFold(n_splits=folds).split(table, groups=groups):
        model = fit_cox(table.iloc[train], penalizer=penalizer)
        held = table.iloc[test]
        x = design_matrix(held)[list(model.params_.index)]
        risk = np.asarray(model.predict_partial_hazard(x), dtype=float).reshape(-1)
        scores.append(float(concordance_index(held["duration"].to_numpy(), -risk, held["event"].to_numpy())))
        pred[test] = predict_holding(model, held, CALIBRATION_DAYS)
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, pred, side="right") - 1, 0, len(edges) - 2)
    calibration = []
    for b in range(len(edges) - 1):
        sel = which == b
        if not sel.any():
            continue
        km = kaplan_meier(table["duration"].to_numpy()[sel], table["event"].to_numpy()[sel])
        lo, hi = km.ci_at(CALIBRATION_DAYS)
        calibration.append(
            {
                "bin": b + 1,
                "n": int(sel.sum()),
                "predicted": round(float(pred[sel].mean()), 4),
                "observed": round(float(km.at(CALIBRATION_DAYS)[0]), 4),
                "observed_ci": [round(float(lo[0]), 4), round(float(hi[0]), 4)],
            }
        )
    return ModelCheck(tuple(scores), tuple(calibration), len(table), int(table["event"].sum()), folds)
