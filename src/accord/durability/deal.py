"""The durability analysis of a deal: base rate, the Cox model's prediction and its check, as one dict.

What ``accord durability`` prints and the case analysis carries: :func:`analyse` for a
reference class, :func:`durability_section` for a scenario's ``deal:`` block.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from accord.durability.cox import cross_validate, fit_cox, predict_holding
from accord.durability.data import BINARY_FEATURES, CITATION, PURPOSES, CeasefireData, ceasefires, load
from accord.durability.survival import HORIZONS, MIN_CLASS_SIZE, base_rate, check_reference

if TYPE_CHECKING:
    import pandas as pd


def deal_table(reference: Mapping[str, str], fixed_term_days: float | None = None) -> pd.DataFrame:
    """A one-row table in the shape of :func:`ceasefires` for a deal described by features.

    Features the deal does not state are left unknown (which the model reads as 'no' or the base
    category), purposes not named are 'no'.
    """
    import pandas as pd  # lazily: `accord --help` must not pay for pandas

    row: dict[str, Any] = {name: np.nan for name in BINARY_FEATURES}
    for p in PURPOSES:
        row["purpose_" + p] = 0.0
    row.update(ceasefire_class=None, side=None, timing=None, fixed_term_days=fixed_term_days)
    for name, value in reference.items():
        if name in BINARY_FEATURES:
            row[name] = 1.0 if value == "yes" else 0.0
        elif name == "purpose":
            row["purpose_" + value] = 1.0
        else:
            row[name] = value
    return pd.DataFrame([row])


def analyse(
    data: CeasefireData,
    reference: Mapping[str, str | None] | None = None,
    *,
    purposes: Sequence[str] = (),
    fixed_term_days: float | None = None,
    min_size: int = MIN_CLASS_SIZE,
    model: bool = True,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Base rate for the reference class, plus (``model=True``) the Cox model's prediction for a
    cease-fire with these features and its cross-validated concordance and calibration.

    ``purposes`` lists further purposes of the deal (the reference class uses at most one, the
    ``purpose`` entry of ``reference``); the model uses them all.
    """
    ref = check_reference(reference or {})
    extra = [check_reference({"purpose": p})["purpose"] for p in purposes]
    rate = base_rate(data, ref, min_size=min_size)
    out: dict[str, Any] = {
        "data": {
            "source": Path(data.source).name if data.source else "",
            "citation": CITATION,
            "censor_date": str(data.censor_date),
            "unclear_as": data.unclear_as,
            **data.notes,
        },
        "event": (
            "breakdown (ended code 2)"
            + ("; dated unclear endings (code -1) also" if data.unclear_as == "breakdown" else "")
            + "; other endings censored, see docs/durability.md"
        ),
        "base_rate": rate.to_json(),
    }
    if "location" in rate.dropped:
        # the conflict's own record, however short, beside the broader class
        own = base_rate(data, {"location": ref["location"]}, min_size=1).to_json()
        out["location_record"] = {k: v for k, v in own.items() if k != "curve"}
    if data.raw is not None and data.unclear_as == "censored":
        # the pessimistic bound: unclear but dated endings counted as breakdowns
        worst = ceasefires(data.raw, censor_date=data.censor_date, unclear_as="breakdown")
        alt = base_rate(worst, rate.used, min_size=1).to_json()
        out["if_unclear_endings_were_breakdowns"] = {
            "size": alt["size"],
            "breakdowns": alt["breakdowns"],
            "median_days": alt["median_days"],
            "holding": alt["holding"],
        }
    if model:
        fitted = fit_cox(data.at_risk)
        deal = deal_table(ref, fixed_term_days)
        for p in extra:
            deal["purpose_" + p] = 1.0
        probs = [float(predict_holding(fitted, deal, days)[0]) for _, days in HORIZONS]
        check = cross_validate(data, folds=folds, seed=seed)
        out["model"] = {
            **check.to_json(),
            "deal_holding": [
                {"horizon": label, "days": days, "probability": round(p, 4)}
                for (label, days), p in zip(HORIZONS, probs, strict=True)
            ],
            "hazard_ratios": {k: round(float(math.exp(v)), 3) for k, v in fitted.params_.items()},
        }
    return out


def deal_reference(deal: Any) -> tuple[dict[str, str], list[str], float | None]:
    """(reference class, further purposes, fixed term) from a scenario's ``Deal``."""
    ref: dict[str, str] = {}
    for name in BINARY_FEATURES:
        value = getattr(deal, name, None)
        if value is not None:
            ref[name] = "yes" if value else "no"
    for name in ("ceasefire_class", "side", "timing", "location"):
        value = getattr(deal, name, None)
        if value is not None:
            ref[name] = str(value)
    purposes = list(getattr(deal, "purpose", ()) or ())
    if purposes:
        ref["purpose"] = purposes[0]
    term = getattr(deal, "fixed_term_days", None)
    return ref, purposes[1:], (float(term) if term is not None else None)


def durability_section(
    scenario: Any, data_path: str | os.PathLike[str] | None = None, *, model: bool = True
) -> dict[str, Any]:
    """The durability section of ``accord analyze``: base rate (and model) for ``scenario.deal``.

    ``data_path`` None falls back to ``$ACCORD_CEASEFIRE_DATA``. A scenario without a ``deal``
    gets the base rate of all cease-fires, and says so.
    """
    data = load(data_path)
    deal = getattr(scenario, "deal", None)
    if deal is None:
        section = analyse(data, {}, model=False)
        section["deal"] = None
        section["note"] = "the scenario describes no deal: base rate of all cease-fires"
        return section
    ref, more, term = deal_reference(deal)
    section = analyse(data, ref, purposes=more, fixed_term_days=term, model=model)
    section["deal"] = {"description": getattr(deal, "description", ""), "features": ref}
    days = getattr(deal, "expected_days", None)
    if days is not None:
        # the analyst's claim beside the base rate at the claim's own horizon
        rate = base_rate(data, ref)
        p = float(rate.km.at([days])[0])
        lo, hi = (float(v[0]) for v in rate.km.ci_at([days]))
        section["expectation"] = {
            "claim": getattr(deal, "expectation", ""),
            "days": days,
            "base_rate_holding": round(p, 4),
            "ci": [round(lo, 4), round(hi, 4)],
            "class_size": rate.size,
        }
    return section
