"""Kaplan-Meier survival curves and base rates of holding for reference classes of cease-fires.

The product-limit estimator with Greenwood's variance and log(-log) confidence intervals
(Kaplan & Meier 1958; Kalbfleisch & Prentice 2002, eq. 1.10), checked against lifelines'
``KaplanMeierFitter`` in the tests; a reference class is a set of cease-fire features, widened
feature by feature (:data:`FALLBACK_ORDER`) until it holds :data:`MIN_CLASS_SIZE` cease-fires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from accord.durability.data import BINARY_FEATURES, FEATURE_VALUES, CeasefireData
from accord.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

HORIZONS: tuple[tuple[str, int], ...] = (
    ("1 week", 7),
    ("30 days", 30),
    ("8 weeks", 56),
    ("6 months", 182),
    ("1 year", 365),
)
"""The horizons (label, days) at which the probability of still holding is reported."""


FALLBACK_ORDER: tuple[str, ...] = (
    "ceasefire_class",
    "written",
    "mediated",
    "purpose",
    "partial",
    "fixed_term",
    "side",
    "timing",
    "mechanism",
    "enforcement",
    "ddr",
    "location",
)
"""Priority of features in a reference class: when a class is too small, the feature latest in
this order is dropped first (the conflict's own location first: its record is usually short)."""

MIN_CLASS_SIZE = 30


# -- Kaplan-Meier --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KaplanMeier:
    """The product-limit estimate: ``survival[k]`` is S(t) just after ``timeline[k]``."""

    timeline: np.ndarray  # distinct event times, ascending
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    n: int
    n_events: int
    alpha: float = 0.05

    def _index(self, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.timeline, t, side="right") - 1

    def at(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """S(t): the probability of lasting beyond t (1 before the first event)."""
        k = self._index(np.atleast_1d(np.asarray(t, dtype=float)))
        return np.concatenate(([1.0], self.survival))[k + 1]

    def ci_at(self, t: float | Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise confidence interval of S(t)."""
        k = self._index(np.atleast_1d(np.asarray(t, dtype=float)))
        return np.concatenate(([1.0], self.ci_low))[k + 1], np.concatenate(([1.0], self.ci_high))[k + 1]

    def curve(self, max_days: float = 730.0) -> dict[str, list[float]]:
        """The step curve from day 0 to ``max_days`` as ``{"time", "survival", "lower", "upper"}``
        (the shape :func:`accord.report.figures.survival` draws)."""
        keep = self.timeline <= max_days
        time = [0.0, *self.timeline[keep].tolist(), float(max_days)]
        return {
            "time": time,
            "survival": [round(float(v), 5) for v in self.at(time)],
            "lower": [round(float(v), 5) for v in self.ci_at(time)[0]],
            "upper": [round(float(v), 5) for v in self.ci_at(time)[1]],
        }

    @property
    def median(self) -> float | None:
        """The smallest time with S(t) <= 0.5, or None when the curve stays above one half."""
        hit = np.flatnonzero(self.survival <= 0.5)
        return float(self.timeline[hit[0]]) if hit.size else None


def kaplan_meier(
    durations: np.ndarray | Sequence[float], events: np.ndarray | Sequence[bool], alpha: float = 0.05
) -> KaplanMeier:
    """Kaplan-Meier estimate of the survival function (Kaplan & Meier 1958).

    S(t) = prod_{t_j <= t} (1 - d_j / n_j) over distinct event times t_j with d_j events and
    n_j at risk (durations >= t_j; a censoring at t_j counts as at risk). Greenwood's variance
    and the log(-log) interval of Kalbfleisch & Prentice (2002, eq. 1.10):
    S^{exp(+-z * se)} with se = sqrt(sum d/(n(n-d))) / |log S|.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError("durations and events must be 1-d arrays of the same length")
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("durations must be finite and non-negative")
    order = np.sort(t)
    times = np.unique(t[e])
    d = np.searchsorted(np.sort(t[e]), times, side="right") - np.searchsorted(
        np.sort(t[e]), times, side="left"
    )
    n = len(t) - np.searchsorted(order, times, side="left")
    surv = np.cumprod(1.0 - d / n)
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(np.where(n > d, d / (n * (n - d)), np.inf))
        z = stats.norm.ppf(1 - alpha / 2)
        log_s = np.log(surv)
        se = np.sqrt(green) / np.abs(log_s)
        low = surv ** np.exp(z * se)
        high = surv ** np.exp(-z * se)
    degenerate = ~np.isfinite(se) | (surv <= 0) | (surv >= 1)
    low = np.where(degenerate, np.where(surv >= 1, 1.0, 0.0), low)
    high = np.where(degenerate, np.where(surv <= 0, 0.0, 1.0), high)
    return KaplanMeier(
        timeline=times,
        survival=surv,
        ci_low=np.nan_to_num(low),
        ci_high=np.nan_to_num(high, nan=1.0),
        at_risk=n,
        events=d,
        n=len(t),
        n_events=int(e.sum()),
        alpha=alpha,
    )


# -- reference classes ---------------------------------------------------------------------------


def check_reference(reference: Mapping[str, str | None]) -> dict[str, str]:
    """Validate a reference class ``{feature: value}``; None values are dropped."""
    out: dict[str, str] = {}
    for name, value in reference.items():
        if value is None:
            continue
        if name == "location":
            # free text, checked against the data's locations in base_rate
            out[name] = " ".join(str(value).split())
            continue
        if name not in FEATURE_VALUES:
            raise InputError(f"unknown cease-fire feature {name!r}; known: {', '.join(FEATURE_VALUES)}")
        v = str(value).strip().lower().replace("-", "_")
        if name == "purpose":
            v = v.replace(" ", "_")
        if v not in FEATURE_VALUES[name]:
            raise InputError(f"{name}: {value!r} is not one of {', '.join(FEATURE_VALUES[name])}")
        out[name] = v
    return out


def class_mask(table: pd.DataFrame, reference: Mapping[str, str]) -> np.ndarray:
    """Boolean mask of the cease-fires in a reference class (unknown values are outside)."""
    mask = np.ones(len(table), dtype=bool)
    for name, value in reference.items():
        if name in BINARY_FEATURES:
            mask &= (table[name] == (1.0 if value == "yes" else 0.0)).to_numpy()
        elif name == "purpose":
            mask &= (table["purpose_" + value] == 1.0).to_numpy()
        elif name == "location":
            names = table["location"].astype(str).str.split().str.join(" ").str.lower()
            mask &= (names == value.lower()).to_numpy()
        else:
            mask &= (table[name] == value).to_numpy()
    return mask


@dataclass(frozen=True)
class BaseRate:
    """The Kaplan-Meier base rate for the reference class actually used."""

    requested: dict[str, str]
    used: dict[str, str]
    dropped: tuple[str, ...]
    fallbacks: tuple[str, ...]
    size: int
    events: int
    km: KaplanMeier

    def to_json(self) -> dict[str, Any]:
        p = self.km.at([d for _, d in HORIZONS])
        lo, hi = self.km.ci_at([d for _, d in HORIZONS])
        return {
            "requested_class": self.requested,
            "class": self.used,
            "dropped": list(self.dropped),
            "fallback": list(self.fallbacks),
            "size": self.size,
            "breakdowns": self.events,
            "median_days": self.km.median,
            "holding": [
                {
                    "horizon": label,
                    "days": days,
                    "probability": round(float(p[k]), 4),
                    "ci": [round(float(lo[k]), 4), round(float(hi[k]), 4)],
                }
                for k, (label, days) in enumerate(HORIZONS)
            ],
            "curve": self.km.curve(),
        }


def base_rate(
    data: CeasefireData,
    reference: Mapping[str, str | None] | None = None,
    *,
    min_size: int = MIN_CLASS_SIZE,
) -> BaseRate:
    """Kaplan-Meier probability of holding for a reference class of cease-fires.

    When the class holds fewer than ``min_size`` cease-fires, features are dropped one at a time
    (latest in :data:`FALLBACK_ORDER` first) until it is large enough; each step is recorded.
    """
    requested = check_reference(reference or {})
    table = data.at_risk
    if "location" in requested and not class_mask(data.table, {"location": requested["location"]}).any():
        known = sorted({" ".join(str(v).split()) for v in data.table["location"]})
        raise InputError(f"location {requested['location']!r} is not in the data; known: {', '.join(known)}")
    used = dict(requested)
    order = sorted(used, key=lambda f: FALLBACK_ORDER.index(f) if f in FALLBACK_ORDER else -1)
    dropped: list[str] = []
    notes: list[str] = []
    while True:
        mask = class_mask(table, used)
        size = int(mask.sum())
        if size >= min_size or not used:
            break
        last = order.pop()
        notes.append(f"class {_describe(used)} has {size} cease-fires (< {min_size}): dropped {last}")
        dropped.append(last)
        del used[last]
    if size == 0:
        raise InputError("no cease-fires in the data to estimate a base rate from")
    sub = table[mask]
    km = kaplan_meier(sub["duration"].to_numpy(), sub["event"].to_numpy())
    return BaseRate(requested, used, tuple(dropped), tuple(notes), size, int(sub["event"].sum()), km)


def _describe(reference: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in reference.items()) + "}" if reference else "{all}"
