"""What the pages show of a case analysis: one adapter from the stored analysis JSON to the page's view.

The browser computes nothing of its own: every number comes from the case analysis (stored with
a run, or the quick analysis without Monte Carlo for the what-if preview): the typed case
analysis's JSON (``CaseAnalysis.to_dict()``, with ``schema_version`` and a ``summary``), so only
this module changes when that JSON does. A stored result in any other layout (the dict-shaped
analysis of development versions before the typed one; no release stored it) reads as not run:
running the analysis again stores it in the typed layout.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from accord.scenario.model import Scenario


def quick_analysis(scenario: Scenario) -> dict[str, Any]:
    """The case analysis without Monte Carlo and without the models' forecasts: the what-if path
    (the server's one adapter onto :mod:`accord.case`, ``accord.server.jobs.analyze_now``).

    Returns the analysis dict with ``elapsed_ms`` (server-side time of the analysis) added.
    """
    from accord.server.jobs import analyze_now

    start = time.perf_counter()
    result = dict(analyze_now(scenario))
    result["elapsed_ms"] = (time.perf_counter() - start) * 1000.0
    return result


def _get(d: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d


def typed(result: Mapping[str, Any] | None) -> bool:
    """Whether ``result`` is the typed case analysis's JSON (the one layout the pages read)."""
    return bool(result) and "schema_version" in result  # type: ignore[operator]


def _empty() -> dict[str, Any]:
    return {
        "exists": None,
        "verdict": "not run",
        "answer": [],
        "p_zone": None,
        "p_proposals": {},
        "gap": None,
        "maximin": {},
        "maximin_margin": None,
        "forecasts": {},
    }


def summary(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The headline of one analysis: verdict, sentences, P(zone), P(each proposal), gap, maximin point.

    Keys: ``exists`` (bool or None), ``verdict`` (a short word for a badge), ``answer`` (sentences),
    ``p_zone`` (0-1 or None), ``p_proposals`` ({proposal id: {"name", "p"}}), ``gap`` (the uniform
    concession in utility, 0-1, None when a zone exists), ``maximin`` ({issue: scale value}),
    ``maximin_margin`` (utility), ``forecasts`` ({model: {issue: value}}).
    """
    if not typed(result):
        return _empty()
    assert result is not None
    s = result.get("summary") or {}
    zone = result.get("zone") or {}
    exists = s.get("deal_possible")
    answer = [s["verdict"]] if s.get("verdict") else []
    answer += [line for line in result.get("answer") or [] if line not in answer][1:]
    p_props = {
        p["id"]: {"name": p.get("name") or p["id"], "p": p.get("p_pass")} for p in s.get("proposals") or []
    }
    forecasts = {
        f["model"]: dict(f["outcome"]) for f in result.get("forecasts") or [] if f.get("outcome") is not None
    }
    maximin = dict(zone.get("maximin_point") or {})
    margin = zone.get("smallest_margin")
    gap = s.get("gap")
    p_zone = s.get("p_zone")
    return {
        "exists": exists,
        "verdict": "not run" if exists is None else ("deal possible" if exists else "no deal"),
        "answer": answer,
        "p_zone": p_zone,
        "p_proposals": p_props,
        "gap": None if exists else gap,
        "maximin": maximin,
        "maximin_margin": margin,
        "forecasts": forecasts,
    }


def acceptance(result: Mapping[str, Any]) -> dict[str, Any]:
    """Who accepts what: ``actors`` [{id, name, veto}] and ``points`` [(label, kind, all_veto_accept,
    {actor id: {utility, reservation, margin, accepts}})], margins in utility units (0-1)."""
    points: list[tuple[str, str, bool, dict[str, Any]]] = []
    if not typed(result):
        return {"actors": [], "points": points}
    actors = [
        {"id": a["id"], "name": a.get("name") or a["id"], "veto": a.get("veto")} for a in result["actors"]
    ]
    rows = list(result.get("points") or [])
    rows += [dict(m["acceptance"], label=f"mediator: {m['key']}") for m in result.get("mediator") or []]
    for p in rows:
        margins = {m["actor"]: m for m in p.get("margins") or []}
        points.append((p["label"], p.get("kind", ""), bool(p.get("all_veto_accept")), margins))
    return {"actors": actors, "points": points}


def extent(result: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """The zone of agreement's extent per issue (scale units), empty without a zone."""
    ext = _get(result, "zone", "extent") or {}
    return {i: (float(r["min"]), float(r["max"])) for i, r in ext.items() if isinstance(r, Mapping)}


def durability(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """Durability in one shape: ``size``, ``breakdowns``, ``median_days``, ``holding`` [{horizon,
    days, probability, ci}] (shares 0-1), ``claim`` {claim, days, base_rate_holding} or None."""
    d = result.get("durability")
    if not typed(result) or not isinstance(d, Mapping):
        return None
    holding = [
        {
            "horizon": h["horizon"],
            "days": h["days"],
            "probability": h["base_rate"],
            "ci": h.get("ci") or [None, None],
        }
        for h in d.get("holding") or []
    ]
    return {
        "size": d.get("class_size"),
        "breakdowns": d.get("breakdowns"),
        "median_days": d.get("median_days"),
        "holding": holding,
        "claim": d.get("claim"),
    }


def summary_html(result: Mapping[str, Any]) -> str | None:
    """The case analysis's own summary fragment (``accord.report.html.summary_html``) for a typed result."""
    if not typed(result):
        return None
    import importlib

    try:
        analysis = getattr(importlib.import_module("accord.case"), "CaseAnalysis", None)
        fragment = getattr(importlib.import_module("accord.report.html"), "summary_html", None)
        if analysis is None or fragment is None:
            return None
        return str(fragment(analysis.from_dict(dict(result))))
    except Exception:  # a result this accord cannot read back: the page's own summary stands in
        return None


def preview_json(scenario: Scenario) -> dict[str, Any]:
    """The what-if answer for the editor: verdict, sentences, maximin point (scale units), timing."""
    result = quick_analysis(scenario)
    head = summary(result)
    issues = {i.id: {"name": i.name or i.id, "unit": i.scale.unit} for i in scenario.issues}
    return {
        "ok": True,
        "exists": head["exists"],
        "verdict": head["verdict"],
        "answer": head["answer"],
        "maximin": [
            {"issue": iid, "name": issues[iid]["name"], "value": v, "unit": issues[iid]["unit"]}
            for iid, v in head["maximin"].items()
        ],
        "maximin_margin": head["maximin_margin"],
        "gap": head["gap"],
        "elapsed_ms": round(float(result["elapsed_ms"]), 1),
    }
