"""What the pages show of a case analysis: one adapter from the stored analysis JSON to the page's view.

The browser computes nothing of its own: every number comes from the case analysis (stored with
a run, or the quick analysis without Monte Carlo for the what-if preview). :func:`summary` reads
both the case analysis's ``to_dict()`` (with its ``summary``) and the older ``build_report`` dict,
so only this module changes when the analysis's JSON does.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from accord.scenario.model import Scenario


def quick_analysis(scenario: Scenario) -> dict[str, Any]:
    """The case analysis without Monte Carlo and without the models' forecasts: the what-if path.

    Returns the analysis dict with ``elapsed_ms`` (server-side time of the analysis) added.
    """
    from accord.case import build_report

    start = time.perf_counter()
    result = build_report(scenario, forecasts={})
    result["elapsed_ms"] = (time.perf_counter() - start) * 1000.0
    return result


def _get(d: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d


def summary(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The headline of one analysis: verdict, sentences, P(zone), P(each proposal), gap, maximin point.

    Keys: ``exists`` (bool or None), ``verdict`` (a short word for a badge), ``answer`` (sentences),
    ``p_zone`` (0-1 or None), ``p_proposals`` ({proposal id: {"name", "p"}}), ``gap`` (the uniform
    concession in utility, 0-1, None when a zone exists), ``maximin`` ({issue: scale value}),
    ``maximin_margin`` (utility), ``forecasts`` ({model: {issue: value}}), ``acceptance`` (per point).
    """
    if not result:
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
            "points": {},
        }
    zone = result.get("zone") or {}
    exists = zone.get("exists")
    s = result.get("summary") if isinstance(result.get("summary"), Mapping) else {}
    if exists is None:
        exists = _get(s, "zone", "exists")
        if exists is None:
            exists = s.get("deal_possible") if isinstance(s, Mapping) else None
    answer = list(result.get("answer") or [])
    if not answer and isinstance(s, Mapping):
        verdict = s.get("verdict") or s.get("answer")
        answer = [verdict] if isinstance(verdict, str) else list(verdict or [])
    sim = result.get("simulation") or result.get("monte_carlo") or {}
    p_zone = _get(sim, "zone_exists", "probability")
    if p_zone is None and isinstance(s, Mapping):
        p_zone = s.get("p_zone")
    names = {pid: (p.get("name") or pid) for pid, p in (result.get("proposals") or {}).items()}
    p_props: dict[str, dict[str, Any]] = {}
    for pid, p in (_get(sim, "proposals") or {}).items():
        p_props[pid] = {"name": names.get(pid, pid), "p": _get(p, "accepted_by_all_veto")}
    if not p_props and isinstance(s, Mapping) and isinstance(s.get("p_proposals"), Mapping):
        for pid, p in s["p_proposals"].items():
            p_props[pid] = {"name": names.get(pid, pid), "p": p}
    for pid, name in names.items():
        p_props.setdefault(pid, {"name": name, "p": None})
    gap = _get(zone, "gap", "uniform_concession")
    forecasts = {
        m: v
        for m, v in (result.get("forecasts") or {}).items()
        if isinstance(v, Mapping) and "skipped" not in v
    }
    return {
        "exists": exists,
        "verdict": "not run" if exists is None else ("deal possible" if exists else "no deal"),
        "answer": answer,
        "p_zone": p_zone,
        "p_proposals": p_props,
        "gap": gap,
        "maximin": dict(_get(zone, "maximin", "point") or {}),
        "maximin_margin": _get(zone, "maximin", "smallest_margin"),
        "forecasts": forecasts,
        "points": dict(result.get("points") or {}),
    }


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
