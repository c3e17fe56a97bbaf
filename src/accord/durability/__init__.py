"""How long do cease-fires hold? Base rates and a survival model from the ETH/PRIO Civil
Conflict Ceasefire Dataset (CFD; Clayton, Nygård, Rustad & Strand et al. 2023, *Journal of
Conflict Resolution* (online 2022), "Introducing the ETH/PRIO Civil Conflict Ceasefire Dataset").

The data are read from a path the user gives (``--data``) or from the environment variable
``ACCORD_CEASEFIRE_DATA``; accord never ships a copy. The CFD has one row per cease-fire and
actor; :func:`ceasefires` reduces it to one row per cease-fire with its features, start, end and
whether it broke down. The rules (dates, censoring, one rule per ``ended`` code, deduplication)
are in ``docs/durability.md``; the constants below carry them.

Estimators: the Kaplan-Meier product-limit estimator with Greenwood's variance and log(-log)
confidence intervals (Kaplan & Meier 1958; Kalbfleisch & Prentice 2002, eq. 1.10), and a Cox
proportional-hazards model (Cox 1972) fitted with lifelines, scored by Harrell's concordance
under cross-validation grouped by conflict.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from accord.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

ENV_VAR = "ACCORD_CEASEFIRE_DATA"
"""Environment variable naming the CFD file used when no ``--data`` path is given."""

CITATION = (
    "Clayton, G., Nygård, H. M., Strand, H., Rustad, S. A., et al. (2023). Introducing the "
    "ETH/PRIO Civil Conflict Ceasefire Dataset. Journal of Conflict Resolution. "
    "doi:10.1177/00220027221129195"
)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "cc",
    "cf_id",
    "location",
    "ucdp_acd_id",
    "side",
    "cf_dec_yr",
    "cf_dec_month",
    "cf_dec_day",
    "cf_effect_yr",
    "cf_effect_month",
    "cf_effect_day",
    "partial",
    "written",
    "fixed",
    "fixed_time",
    "p_humanitarian",
    "p_peaceprocess",
    "p_holiday",
    "p_election",
    "p_other",
    "ceasefire_class",
    "timing",
    "mediator_nego",
    "implement",
    "enforcement",
    "ddr",
    "ended",
    "end_yr",
    "end_month",
    "end_day",
)

HORIZONS: tuple[tuple[str, int], ...] = (
    ("1 week", 7),
    ("30 days", 30),
    ("8 weeks", 56),
    ("6 months", 182),
    ("1 year", 365),
)
"""The horizons (label, days) at which the probability of still holding is reported."""

CALIBRATION_DAYS = 56
"""Horizon of the calibration check: holding 8 weeks."""


@dataclass(frozen=True)
class EndRule:
    """How one ``ended`` code enters the survival data."""

    code: int
    meaning: str
    evidence: str
    treatment: str  # "event", "censored", "excluded"


END_RULES: dict[int, EndRule] = {
    2: EndRule(
        2,
        "broke down",
        "ends at irregular times (median 13 days), rarely at a fixed term's expiry (40%) or at the "
        "start of a successor cease-fire (21%)",
        "event",
    ),
    1: EndRule(
        1,
        "expired as planned",
        "94% of fixed-term cease-fires with this code end within 2 days of their announced term",
        "censored",
    ),
    4: EndRule(
        4,
        "replaced by a new cease-fire",
        "95% are followed by another cease-fire in the same country starting within 3 days",
        "censored",
    ),
    0: EndRule(
        0,
        "did not end",
        "no end date in 153 of 165 rows; mostly definitive cease-fires within a peace agreement",
        "censored",
    ),
    -1: EndRule(
        -1,
        "unknown whether or how it ended",
        "the code the CFD uses for unclear values throughout",
        "censored",
    ),
    3: EndRule(
        3,
        "never entered into effect",
        "89 of 107 rows have entry-into-effect year 0 (not applicable)",
        "excluded",
    ),
}
"""One rule per ``ended`` code (derived from the data; see docs/durability.md)."""

# When the actor rows of one cease-fire carry different ``ended`` codes, the cease-fire takes the
# first code in this order: a breakdown by any party breaks the cease-fire; a cease-fire that never
# took effect for some party did not take hold; then the planned endings; "unclear" last.
END_PRECEDENCE: tuple[int, ...] = (2, 3, 1, 4, 0, -1)

BINARY_FEATURES: dict[str, str] = {
    "written": "written",
    "partial": "partial",
    "mediated": "mediator_nego",
    "enforcement": "enforcement",
    "mechanism": "implement",
    "ddr": "ddr",
    "fixed_term": "fixed",
}
"""Yes/no features: accord name -> CFD column."""

CLASS_LABELS = {1: "cessation", 2: "preliminary", 3: "definitive"}
SIDE_LABELS = {1: "unilateral", 2: "bilateral", 3: "multilateral"}
TIMING_LABELS = {0: "0", 1: "1", 2: "2", 3: "3"}
PURPOSES: dict[str, str] = {
    "humanitarian": "p_humanitarian",
    "peace_process": "p_peaceprocess",
    "holiday": "p_holiday",
    "election": "p_election",
    "other": "p_other",
}

FEATURE_VALUES: dict[str, tuple[str, ...]] = {
    **{name: ("yes", "no") for name in BINARY_FEATURES},
    "ceasefire_class": tuple(CLASS_LABELS.values()),
    "side": tuple(SIDE_LABELS.values()),
    "timing": tuple(TIMING_LABELS.values()),
    "purpose": tuple(PURPOSES),
}
"""The features a reference class may name, with their allowed values."""

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


# -- loading -------------------------------------------------------------------------------------


def data_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The CFD file to read: ``path`` if given, else ``$ACCORD_CEASEFIRE_DATA``."""
    if path is None or str(path) == "":
        env = os.environ.get(ENV_VAR, "")
        if not env:
            raise InputError(
                f"no cease-fire data: pass --data PATH or set {ENV_VAR} to the CFD csv file "
                "(ETH/PRIO Civil Conflict Ceasefire Dataset)"
            )
        path = env
    p = Path(path)
    if not p.is_file():
        raise InputError("cease-fire data file not found", source=str(p))
    return p


def _code_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """The values each numeric CFD column may take (codebook codes; -1 unclear, 0 not applicable)."""
    year = ((-1, 0), (1900, 2100))
    ranges: dict[str, tuple[tuple[int, int], ...]] = {
        "cc": ((1, 999),),
        "cf_id": ((1, 10**7),),
        "ucdp_acd_id": ((-1, 10**7),),
        "side": ((-1, 3),),
        "written": ((-1, 2),),
        "ceasefire_class": ((-1, 3),),
        "timing": ((-1, 3),),
        "enforcement": ((-1, 3),),
        "ended": ((-1, 4),),
    }
    for stem in ("cf_dec", "cf_effect", "end"):
        pre = "end" if stem == "end" else stem
        ranges[f"{pre}_yr"] = year
        ranges[f"{pre}_month"] = ((-1, 12),)
        ranges[f"{pre}_day"] = ((-1, 31),)
    for col in REQUIRED_COLUMNS:
        ranges.setdefault(col, ((-1, 1),))  # the yes/no columns and the purposes
    return ranges


CODE_RANGES = _code_ranges()
"""Allowed values of the numeric CFD columns; anything else is refused with its row and column."""


def read_cfd(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the CFD csv (one row per cease-fire and actor) and check its columns and codes.

    Every numeric column must hold whole numbers within its codebook range (:data:`CODE_RANGES`;
    empty cells count as -1, unclear); a year of ``inf``, a month of 13 or an unknown code is an error
    naming its row and column, as is a row with fewer cells than the header.
    """
    import io as _io

    import pandas as pd  # lazily: `accord --help` must not pay for pandas

    from accord.limits import read_input

    p = data_path(path)
    data = read_input(p, what="cease-fire data file (CSV)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte offset {exc.start}); save it as UTF-8", source=str(p)
        ) from None
    try:
        raw = pd.read_csv(_io.StringIO(text), low_memory=False, keep_default_na=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputError(f"not a readable CSV table: {exc}".splitlines()[0], source=str(p)) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"not the ETH/PRIO cease-fire dataset: missing columns {', '.join(missing)}", source=str(p)
        )
    if raw.empty:
        raise InputError("the table has no rows", source=str(p))
    # a truncated row: pandas fills the missing cells with NaN; the last column empty everywhere
    # else is not a sign of it, so compare each row's cell count with the header's
    ncols = len(raw.columns)
    lines = [ln for ln in text.splitlines()[1:] if ln.strip()]
    if len(lines) == len(raw) and '"' not in text:
        for k, ln in enumerate(lines):
            if ln.count(",") + 1 < ncols:
                raise InputError(
                    f"row {k + 2}: {ln.count(',') + 1} cells, the header has {ncols} (a truncated row?)",
                    source=str(p),
                )
    numeric = [c for c in REQUIRED_COLUMNS if c not in ("location", "fixed_time")]
    for col in numeric:
        values = pd.to_numeric(raw[col], errors="coerce")
        bad = values.isna() & raw[col].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"row {row + 2}, column {col}: {raw[col].iloc[row]!r} is not a number", source=str(p)
            )
        values = values.fillna(-1).astype(float)
        ok = np.isfinite(values.to_numpy()) & (values.to_numpy() == np.round(values.to_numpy()))
        allowed = np.zeros(len(values), dtype=bool)
        for lo, hi in CODE_RANGES[col]:
            allowed |= (values.to_numpy() >= lo) & (values.to_numpy() <= hi)
        bad_mask = ~(ok & allowed)
        if bad_mask.any():
            row = int(np.flatnonzero(bad_mask)[0])
            shown = " or ".join(f"{lo}..{hi}" for lo, hi in CODE_RANGES[col])
            raise InputError(
                f"row {row + 2}, column {col}: {raw[col].iloc[row]} is not a valid code "
                f"(expected a whole number in {shown})",
                source=str(p),
            )
        raw[col] = values.astype(int)
    return raw


def clean_dates(year: ArrayLike, month: ArrayLike, day: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """CFD year/month/day columns -> (dates as ``datetime64[D]``, precision).

    Precision is ``"day"``, ``"month"`` (day unknown: the 15th is used), ``"year"`` (month unknown:
    1 July is used) or ``""`` (no date: year 0, not applicable, or -1, unknown). A day beyond the
    month's end (the CFD has 31 February) is moved to the month's last day.
    """
    year = np.asarray(year, dtype=int)
    month = np.asarray(month, dtype=int)
    day = np.asarray(day, dtype=int)
    has_year = year > 0
    has_month = has_year & (month >= 1) & (month <= 12)
    has_day = has_month & (day >= 1)
    m = np.where(has_month, month, 7)
    y = np.where(has_year, year, 1970)
    first = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
    month_len = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(int)
    d = np.where(has_day, np.minimum(day, month_len), np.where(has_month, 15, 1))
    dates = first.astype("datetime64[D]") + (d - 1)
    dates = np.where(has_year, dates, np.datetime64("NaT"))
    precision = np.where(has_day, "day", np.where(has_month, "month", np.where(has_year, "year", "")))
    return dates.astype("datetime64[D]"), precision


def period_bounds(dates: np.ndarray, precision: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of the period an imprecise date stands for (the day itself when
    precise): its month for ``"month"`` precision, its year for ``"year"``."""
    d = np.asarray(dates, dtype="datetime64[D]")
    month = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]")
    lo = np.where(precision == "month", month.astype("datetime64[D]"), d)
    lo = np.where(precision == "year", year.astype("datetime64[D]"), lo)
    hi = np.where(precision == "month", (month + 1).astype("datetime64[D]") - 1, d)
    hi = np.where(precision == "year", (year + 1).astype("datetime64[D]") - 1, hi)
    return lo.astype("datetime64[D]"), hi.astype("datetime64[D]")


@dataclass
class CeasefireData:
    """One row per cease-fire (``table``) and the counts behind it (``notes``)."""

    table: pd.DataFrame
    source: str
    censor_date: np.datetime64
    notes: dict[str, int] = field(default_factory=dict)
    unclear_as: str = "censored"
    raw: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def at_risk(self) -> pd.DataFrame:
        """The cease-fires that enter the survival analysis (not excluded)."""
        return self.table[self.table["included"]]


def _binary(values: pd.Series) -> pd.Series:
    """CFD 0/1(/2) with -1 (unclear) -> 1.0 / 0.0 / NaN; enforcement 3 is also 'unclear'."""
    import pandas as pd  # lazily: `accord --help` must not pay for pandas

    v = values.astype(float)
    return pd.Series(np.where(v < 0, np.nan, np.where(v > 0, 1.0, 0.0)), index=values.index)


def ceasefires(
    raw: pd.DataFrame,
    *,
    censor_date: str | np.datetime64 | None = None,
    source: str = "",
    unclear_as: str = "censored",
) -> CeasefireData:
    """Reduce the CFD's cease-fire x actor rows to one row per cease-fire.

    A cease-fire is identified by (``cc``, ``cf_id``). Its features are those of its actor rows
    (yes/no features: yes if any row with a known value says yes; categories: the first row); its
    declaration is the earliest declared; its ending follows :data:`END_PRECEDENCE` and the
    earliest end date among the rows carrying that code. Duration runs from entry into effect
    (falling back to the declaration when the effect date is unknown, -1) to the end date; an end
    that imputation puts before the start is moved to the start (duration 0). Censored cease-fires
    without an end date are censored at ``censor_date`` (default: the latest date in the file).

    ``unclear_as="breakdown"`` is the pessimistic sensitivity check: cease-fires whose ending is
    unclear (code -1) but dated count as breakdowns at that date instead of being censored.
    """
    import pandas as pd  # lazily: `accord --help` must not pay for pandas

    if unclear_as not in ("censored", "breakdown"):
        raise InputError(f"unclear_as {unclear_as!r}: expected censored or breakdown")
    df = raw[list(REQUIRED_COLUMNS)].copy()
    if "enforcement" in df:
        # enforcement 3 is "unclear" like -1 (the codebook lists both)
        df["enforcement"] = df["enforcement"].where(df["enforcement"] != 3, -1)
    dec, dec_p = clean_dates(df["cf_dec_yr"], df["cf_dec_month"], df["cf_dec_day"])
    eff, eff_p = clean_dates(df["cf_effect_yr"], df["cf_effect_month"], df["cf_effect_day"])
    end, end_p = clean_dates(df["end_yr"], df["end_month"], df["end_day"])
    df["_dec"], df["_eff"], df["_end"] = dec, eff, end
    df["_dec_p"], df["_eff_p"], df["_end_p"] = dec_p, eff_p, end_p
    df["_order"] = np.arange(len(df))
    rank = {code: i for i, code in enumerate(END_PRECEDENCE)}
    df["_rank"] = df["ended"].map(rank).fillna(len(END_PRECEDENCE)).astype(int)
    unknown_codes = sorted(set(df["ended"].unique()) - set(END_RULES))
    if unknown_codes:
        raise InputError(f"column ended: unknown codes {unknown_codes}", source=source or None)
    for name, col in BINARY_FEATURES.items():
        df[name] = _binary(df[col])
    for name, col in PURPOSES.items():
        df["purpose_" + name] = (df[col] > 0).astype(float)
    df["_conflict"] = np.where(
        df["ucdp_acd_id"] > 0, "acd:" + df["ucdp_acd_id"].astype(str), "cc:" + df["cc"].astype(str)
    )
    df["_term"] = pd.to_numeric(df["fixed_time"], errors="coerce")

    key = ["cc", "cf_id"]
    g = df.sort_values("_order").groupby(key, sort=False)
    first = g.first()
    out = pd.DataFrame(index=first.index)
    out["location"] = first["location"]
    # the conflict: the first actor row with a UCDP conflict id, else the country
    by_acd = df.assign(_no_acd=df["ucdp_acd_id"] <= 0).sort_values(["_no_acd", "_order"])
    out["conflict"] = by_acd.groupby(key)["_conflict"].first()
    out["n_actors"] = g.size()
    for name in BINARY_FEATURES:
        out[name] = g[name].max()
    for name in PURPOSES:
        out["purpose_" + name] = g["purpose_" + name].max()
    out["ceasefire_class"] = first["ceasefire_class"].map(CLASS_LABELS)
    out["side"] = first["side"].map(SIDE_LABELS)
    out["timing"] = first["timing"].map(TIMING_LABELS)
    term = g["_term"].max()
    out["fixed_term_days"] = term.where((out["fixed_term"] == 1) & (term > 0))
    out["declared"] = g["_dec"].min()
    out["declared_precision"] = first["_dec_p"]
    # entry into effect: the same on every actor row in this copy; take the earliest known
    out["effective"] = g["_eff"].min()
    out["effective_precision"] = first["_eff_p"]
    effect_year = first["cf_effect_yr"]

    # the ending: best-ranked code, then the earliest end date among rows with that code
    best = df.loc[df.groupby(key)["_rank"].idxmin(), key + ["_rank"]]
    df = df.merge(best.rename(columns={"_rank": "_best"}), on=key)
    chosen = df[df["_rank"] == df["_best"]].groupby(key)
    out["ended"] = chosen["ended"].first()
    out["end"] = chosen["_end"].min()
    # the precision of the earliest end date (NaT sorts last)
    out["end_precision"] = df[df["_rank"] == df["_best"]].sort_values("_end").groupby(key)["_end_p"].first()
    out["actor_codes_differ"] = g["ended"].nunique() > 1

    start = out["effective"].where(out["effective"].notna(), out["declared"])
    start_source = np.where(out["effective"].notna(), "effect", "declaration")
    out["start"] = start
    out["start_source"] = start_source
    # effect year 0: "not applicable", i.e. the cease-fire never entered into effect
    never = (effect_year.to_numpy() == 0) | (out["ended"].to_numpy() == 3)
    if censor_date is None:
        stacked = pd.concat([pd.Series(dec), pd.Series(eff), pd.Series(end)])
        censor = np.datetime64(stacked.max(), "D")
    else:
        try:
            censor = np.datetime64(str(censor_date), "D")
        except ValueError:
            raise InputError(f"censor date {censor_date!r} is not a date (YYYY-MM-DD)") from None
    treatment = out["ended"].map({c: r.treatment for c, r in END_RULES.items()})
    event = (treatment == "event").to_numpy()
    if unclear_as == "breakdown":
        event = event | ((out["ended"] == -1) & out["end"].notna()).to_numpy()
    stop = out["end"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    no_end = np.isnat(stop)
    # breakdowns and the endings of unknown kind need a date; others fall back to the censor date
    needs_date = event | (out["ended"].to_numpy() == -1) | (out["ended"].to_numpy() == 1)
    stop = np.where(no_end & ~needs_date, censor, stop)
    start_d = out["start"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    # an imprecise end stands for the middle of the part of its month or year after the start
    lo, hi = period_bounds(stop, out["end_precision"].to_numpy().astype(str))
    lo = np.where(np.isnat(start_d), lo, np.maximum(lo, start_d))
    mid = lo + (hi - lo) // 2
    imprecise = ~no_end & np.isin(out["end_precision"].to_numpy().astype(str), ["month", "year"])
    stop = np.where(imprecise & (hi >= lo), mid, stop)
    included = ~never & ~np.isnat(start_d) & ~np.isnat(stop)
    days = (stop - start_d).astype("timedelta64[D]").astype(float)
    clipped = included & (days < 0)
    days = np.where(clipped, 0.0, days)
    out["duration"] = np.where(included, days, np.nan)
    out["event"] = event & included
    out["included"] = included
    out["exclusion"] = np.where(
        never,
        "never in effect",
        np.where(np.isnat(start_d), "no start date", np.where(np.isnat(stop), "no end date", "")),
    )
    out = out.reset_index()
    notes = {
        "rows": len(raw),
        "ceasefires": len(out),
        "included": int(included.sum()),
        "events": int(out["event"].sum()),
        "excluded_never_in_effect": int(never.sum()),
        "excluded_no_start": int((~never & np.isnat(start_d)).sum()),
        "excluded_no_end_date": int((~never & ~np.isnat(start_d) & np.isnat(stop)).sum()),
        "start_from_declaration": int((included & (start_source == "declaration")).sum()),
        "end_clipped_to_start": int(clipped.sum()),
        "actor_codes_differ": int(out["actor_codes_differ"].sum()),
        "end_precision_month": int((included & (out["end_precision"] == "month")).sum()),
        "end_precision_year": int((included & (out["end_precision"] == "year")).sum()),
        "censored_at_censor_date": int((included & no_end & ~needs_date).sum()),
    }
    for code in END_RULES:
        notes[f"ended_{code}"] = int((out["ended"] == code).sum())
    return CeasefireData(
        table=out, source=source, censor_date=censor, notes=notes, unclear_as=unclear_as, raw=raw
    )


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    censor_date: str | np.datetime64 | None = None,
    unclear_as: str = "censored",
) -> CeasefireData:
    """Read the CFD from ``path`` (or ``$ACCORD_CEASEFIRE_DATA``), one row per cease-fire."""
    p = data_path(path)
    return ceasefires(read_cfd(p), censor_date=censor_date, source=str(p), unclear_as=unclear_as)


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


# -- the analysis as one dict --------------------------------------------------------------------


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
