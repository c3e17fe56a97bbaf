"""The ETH/PRIO Civil Conflict Ceasefire Dataset (CFD): reading, cleaning, one row per cease-fire.

Clayton, Nygård, Rustad & Strand et al. (2023), "Introducing the ETH/PRIO Civil Conflict
Ceasefire Dataset", *Journal of Conflict Resolution*. The data are read from a path the user
gives (``--data``) or from ``$ACCORD_CEASEFIRE_DATA``; accord never ships a copy. The rules
(dates, censoring, one rule per ``ended`` code, deduplication) are in ``docs/durability.md``;
the constants below carry them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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
