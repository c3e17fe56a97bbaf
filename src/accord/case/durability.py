"""The durability part of the case analysis: base rate, pessimistic bound, Cox model, the
location's own record and the reference class, for the scenario's ``deal:`` block.

The numbers come from :mod:`accord.durability` (Kaplan-Meier and Cox on the ETH/PRIO
cease-fire data); this module only gathers them, per horizon, into :class:`Durability`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from accord.case.model import Claim, Curve, Durability, Holding, ModelCheck, ReferenceCeasefire

CEASEFIRE_DATA_ENV = "ACCORD_CEASEFIRE_DATA"

SCOPE = (
    "The ETH/PRIO data cover cease-fires in civil (intrastate) conflicts, 1989-2016; "
    "a case between states lies outside them."
)


def human_days(days: float | None) -> str:
    """A duration in days as weeks, months or years: 5222 -> '14.3 years', 42 -> '6 weeks'."""
    if days is None or not np.isfinite(days):
        return "not reached"
    d = float(days)
    if d < 14:
        return f"{d:.0f} day" + ("" if round(d) == 1 else "s")
    if d < 8 * 7:
        w = d / 7
        return f"{w:.0f} weeks" if abs(w - round(w)) < 0.05 else f"{w:.1f} weeks"
    if d < 365:
        return f"{d / 30.4375:.1f} months"
    return f"{d / 365.25:.1f} years"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
        return str(pd.Timestamp(value).date())
    except (TypeError, ValueError):
        return None


def durability_path(path: str | os.PathLike[str] | None) -> str | os.PathLike[str] | None:
    """The cease-fire data to use: ``path``, else ``$ACCORD_CEASEFIRE_DATA``, else None."""
    return path or os.environ.get(CEASEFIRE_DATA_ENV) or None


def durability_analysis(
    scenario: Any, path: str | os.PathLike[str] | None, *, model: bool = True
) -> Durability | None:
    """The durability evidence for ``scenario.deal`` from the cease-fire data at ``path``
    (default ``$ACCORD_CEASEFIRE_DATA``); None when no data is configured."""
    path = durability_path(path)
    if path is None:
        return None
    from accord import durability as du

    data = du.load(path)
    deal = getattr(scenario, "deal", None)
    if deal is None:
        ref: dict[str, str] = {}
        more: list[str] = []
        term = None
    else:
        ref, more, term = du.deal_reference(deal)
    sec = du.analyse(data, ref, purposes=more, fixed_term_days=term, model=model and deal is not None)
    base = sec["base_rate"]
    used: dict[str, str] = dict(base["class"])
    pess = {
        h["days"]: h["probability"]
        for h in (sec.get("if_unclear_endings_were_breakdowns") or {}).get("holding", [])
    }
    cox = {h["days"]: h["probability"] for h in (sec.get("model") or {}).get("deal_holding", [])}
    location = ref.get("location")
    loc_json: dict[str, Any] | None = None
    curves = {"reference_class": Curve(**base["curve"])}
    if location is not None:
        loc_json = du.base_rate(data, {"location": location}, min_size=1).to_json()
        curves["location"] = Curve(**loc_json["curve"])
    loc = {h["days"]: h["probability"] for h in (loc_json or {}).get("holding", [])}
    holding = [
        Holding(
            horizon=h["horizon"],
            days=int(h["days"]),
            base_rate=h["probability"],
            ci=[float(c) for c in h["ci"]],
            pessimistic=pess.get(h["days"]),
            cox=cox.get(h["days"]),
            location=loc.get(h["days"]),
        )
        for h in base["holding"]
    ]
    table = data.at_risk
    members = table[du.class_mask(table, used)].sort_values("start")
    reference = [
        ReferenceCeasefire(
            location=" ".join(str(r["location"]).split()),
            declared=_iso(r["declared"]),
            start=_iso(r["start"]),
            days=None if not np.isfinite(r["duration"]) else float(r["duration"]),
            how_it_ended=du.END_RULES[int(r["ended"])].meaning if int(r["ended"]) in du.END_RULES else "?",
            ceasefire_class=None
            if r["ceasefire_class"] is None or r["ceasefire_class"] != r["ceasefire_class"]
            else str(r["ceasefire_class"]),
        )
        for _, r in members.iterrows()
    ]
    expectation = None
    claim = None
    if deal is not None and deal.expected_days is not None:
        km = du.kaplan_meier(members["duration"].to_numpy(), members["event"].to_numpy())
        p = float(km.at([deal.expected_days])[0])
        lo, hi = (float(v[0]) for v in km.ci_at([deal.expected_days]))
        claim = Claim(claim=deal.expectation, days=deal.expected_days, base_rate_holding=p, ci=[lo, hi])
        expectation = (
            f"the claim '{deal.expectation or 'no claim in words'}' "
            f"(within {human_days(deal.expected_days)}): "
            f"{100 * p:.0f}% of {len(members)} comparable cease-fires still held then"
        )
    mc = sec.get("model")
    notes = list(base.get("fallback") or [])
    if deal is None:
        notes.append("the scenario describes no deal: the base rate of all cease-fires")
    return Durability(
        deal="" if deal is None else deal.description,
        features=ref,
        requested_class=dict(base["requested_class"]),
        reference_class=used,
        dropped=list(base["dropped"]),
        min_class_size=du.MIN_CLASS_SIZE,
        class_size=int(base["size"]),
        breakdowns=int(base["breakdowns"]),
        median_days=base["median_days"],
        median_text=human_days(base["median_days"]),
        holding=holding,
        location=location,
        location_size=None if loc_json is None else int(loc_json["size"]),
        location_breakdowns=None if loc_json is None else int(loc_json["breakdowns"]),
        model_check=None
        if mc is None
        else ModelCheck(model=mc["model"], concordance=mc["concordance_mean"], folds=mc["folds"]),
        expectation=expectation,
        claim=claim,
        curves=curves,
        reference=reference,
        scope=SCOPE,
        source=f"{sec['data']['source']}; {sec['data']['citation']}",
        notes=notes,
    )


def describe_class(reference: dict[str, str]) -> str:
    """A reference class in words: 'written, mediated, preliminary cease-fires'."""
    if not reference:
        return "all cease-fires"
    words = []
    for k, v in reference.items():
        if v == "yes":
            words.append(k.replace("_", " "))
        elif v == "no":
            words.append("not " + k.replace("_", " "))
        elif k == "location":
            words.append(f"in {v}")
        elif k == "purpose":
            words.append(f"{v.replace('_', ' ')} purpose")
        else:
            words.append(v)
    return ", ".join(words) + " cease-fires"
