"""A Scenario as tidy tables (pandas DataFrames), and back.

The tables, one row per thing (what :meth:`Scenario.to_frame` returns and
:meth:`Scenario.from_frames` reads):

``positions`` (one row per actor and issue)
    ``actor``, ``issue``; ``position`` (the issue's scale units); ``salience`` (on the
    scenario's salience scale, 0-1 or 0-100); ``power`` (the actor's power on this issue where
    it differs from its capability, else NaN); ``reservation`` (the actor's worst acceptable
    value on this issue when its reservation is a point, else NaN). A row with NaN position
    and salience holds only a reservation value (the actor has no position on the issue).
``actors`` (one row per actor)
    ``actor``, ``name``, ``capability`` (>= 0), ``role`` (party, mediator or outside),
    ``veto`` (whether the actor must sign), ``group``, ``reservation_utility`` (0-1, NaN when
    the reservation is a point or absent).
``issues`` (one row per issue)
    ``issue``, ``name``, ``description``, ``min``, ``max`` (the scale), ``min_label``,
    ``max_label``, ``unit``, ``status_quo`` and ``outcome`` (scale units, NaN when absent).
``proposals`` (one row per proposal and issue it names)
    ``proposal``, ``name``, ``issue``, ``value`` (scale units), ``tabled_by`` (actor ids,
    comma-separated), ``description``.

What the tables do not hold (uncertainty entries, labelled scale points, the ``deal`` and ``crisis`` blocks,
sources, meta) is passed to :meth:`Scenario.from_frames` as keywords or kept with
``scenario.model_copy(update=...)``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from accord.errors import InputError
from accord.scenario.formats.flat import ISSUE_DIRECTIVES

if TYPE_CHECKING:
    import pandas as pd

    from accord.scenario.model import Scenario

TABLES = ("positions", "actors", "issues", "proposals")

COLUMNS: dict[str, tuple[str, ...]] = {
    "positions": ("actor", "issue", "position", "salience", "power", "reservation"),
    "actors": ("actor", "name", "capability", "role", "veto", "group", "reservation_utility"),
    "issues": ("issue", *ISSUE_DIRECTIVES),
    "proposals": ("proposal", "name", "issue", "value", "tabled_by", "description"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "positions": ("actor", "issue", "position", "salience"),
    "actors": ("actor",),
    "issues": ("issue",),
    "proposals": ("proposal", "issue", "value"),
}


def _nan(v: float | None) -> float:
    return math.nan if v is None else float(v)


def to_frame(scenario: Scenario, table: str = "positions") -> pd.DataFrame:
    """One table of ``scenario`` (see the module docstring for the columns)."""
    import pandas as pd

    if table not in TABLES:
        raise InputError(f"to_frame: table {table!r} is not one of {', '.join(TABLES)}")
    rows: list[dict[str, Any]] = []
    if table == "positions":
        for a in scenario.actors:
            point = (a.reservation.point if a.reservation is not None else None) or {}
            for i in scenario.issues:
                st = a.positions.get(i.id)
                if st is None and i.id not in point:
                    continue
                rows.append(
                    {
                        "actor": a.id,
                        "issue": i.id,
                        "position": math.nan if st is None else st.position,
                        "salience": math.nan if st is None else st.salience,
                        "power": math.nan if st is None else _nan(st.power),
                        "reservation": _nan(point.get(i.id)),
                    }
                )
    elif table == "actors":
        for a in scenario.actors:
            res = a.reservation
            rows.append(
                {
                    "actor": a.id,
                    "name": a.name,
                    "capability": a.capability,
                    "role": a.role,
                    "veto": a.has_veto,
                    "group": a.group,
                    "reservation_utility": _nan(res.utility if res is not None else None),
                }
            )
    elif table == "issues":
        for i in scenario.issues:
            rows.append(
                {
                    "issue": i.id,
                    "name": i.name,
                    "description": i.description,
                    "min": i.scale.min,
                    "max": i.scale.max,
                    "min_label": i.scale.min_label,
                    "max_label": i.scale.max_label,
                    "unit": i.scale.unit,
                    "status_quo": _nan(i.status_quo),
                    "outcome": _nan(i.outcome),
                }
            )
    else:
        for p in scenario.proposals:
            for issue, value in p.point.items():
                rows.append(
                    {
                        "proposal": p.id,
                        "name": p.name,
                        "issue": issue,
                        "value": value,
                        "tabled_by": ",".join(p.tabled_by),
                        "description": p.description,
                    }
                )
    return pd.DataFrame(rows, columns=list(COLUMNS[table]))


def to_frames(scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Every table, keyed by the names :func:`from_frames` takes."""
    return {t: to_frame(scenario, t) for t in ("actors", "positions", "issues", "proposals")}


def _records(frame: Any, table: str) -> list[dict[str, Any]]:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{table}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    unknown = [str(c) for c in frame.columns if c not in COLUMNS[table]]
    if missing:
        extra = f" (unknown column(s): {', '.join(unknown)})" if unknown else ""
        raise InputError(f"{table}: missing column(s) {', '.join(missing)}{extra}")
    if unknown:
        raise InputError(
            f"{table}: unknown column(s) {', '.join(unknown)} (columns: {', '.join(COLUMNS[table])})"
        )
    out = []
    for rec in frame.to_dict("records"):
        out.append({str(k): _plain(v) for k, v in rec.items()})
    return out


def _plain(v: Any) -> Any:
    """pandas/NumPy cell values as plain Python (missing values as None)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def from_frames(
    actors: pd.DataFrame,
    positions: pd.DataFrame,
    issues: pd.DataFrame | None = None,
    proposals: pd.DataFrame | None = None,
    **scenario: Any,
) -> dict[str, Any]:
    """Scenario data (to validate) from the tables; see the module docstring for the columns."""
    actor_rows = _records(actors, "actors")
    pos_rows = _records(positions, "positions")
    issue_rows = _records(issues, "issues") if issues is not None else []
    prop_rows = _records(proposals, "proposals") if proposals is not None else []

    issue_ids: list[str] = [str(r["issue"]) for r in issue_rows]
    for r in pos_rows:
        if issues is None and str(r["issue"]) not in issue_ids:
            issue_ids.append(str(r["issue"]))
    issue_data: list[dict[str, Any]] = []
    if issue_rows:
        for r in issue_rows:
            scale = {
                k: r[k]
                for k in ("min", "max", "min_label", "max_label", "unit")
                if k in r and r[k] is not None
            }
            for k in ("min_label", "max_label", "unit"):
                if k in scale:
                    scale[k] = str(scale[k])
            item: dict[str, Any] = {"id": str(r["issue"]), "scale": scale}
            for k in ("name", "description"):
                if k in r:
                    item[k] = _text(r[k])
            for k in ("status_quo", "outcome"):
                if r.get(k) is not None:
                    item[k] = r[k]
            issue_data.append(item)
    else:
        issue_data = [{"id": i} for i in issue_ids]

    actor_ids = [str(r["actor"]) for r in actor_rows]
    by_actor: dict[str, dict[str, Any]] = {}
    for n, r in enumerate(actor_rows):
        item = {"id": str(r["actor"]), "positions": {}}
        for k in ("name", "group"):
            if r.get(k) is not None:
                item[k] = str(r[k])
        for k in ("capability", "role", "veto"):
            if r.get(k) is not None:
                item[k] = r[k]
        if r.get("reservation_utility") is not None:
            item["reservation"] = {"utility": r["reservation_utility"]}
        if item["id"] in by_actor:
            raise InputError(f"actors row {n}: duplicate actor {item['id']!r}")
        by_actor[item["id"]] = item
    for n, r in enumerate(pos_rows):
        a, i = str(r["actor"]), str(r["issue"])
        if a not in by_actor:
            raise InputError(f"positions row {n}: unknown actor {a!r} (actors: {', '.join(actor_ids)})")
        if i not in issue_ids:
            raise InputError(f"positions row {n}: unknown issue {i!r} (issues: {', '.join(issue_ids)})")
        actor = by_actor[a]
        if i in actor["positions"]:
            raise InputError(f"positions row {n}: a second row for actor {a!r} on issue {i!r}")
        has_pos = r.get("position") is not None
        if has_pos or r.get("salience") is not None:
            if not has_pos or r.get("salience") is None:
                raise InputError(f"positions row {n} ({a}, {i}): give both position and salience")
            stance: dict[str, Any] = {"position": r["position"], "salience": r["salience"]}
            if r.get("power") is not None:
                stance["power"] = r["power"]
            actor["positions"][i] = stance
        if r.get("reservation") is not None:
            res = actor.setdefault("reservation", {"point": {}})
            if "point" not in res:
                raise InputError(
                    f"positions row {n} ({a}, {i}): {a} has a reservation_utility and a reservation "
                    "value; give one form"
                )
            res["point"][i] = r["reservation"]

    prop_data: dict[str, dict[str, Any]] = {}
    for r in prop_rows:
        pid = str(r["proposal"])
        item = prop_data.setdefault(pid, {"id": pid, "point": {}})
        if r.get("name") is not None:
            item["name"] = str(r["name"])
        if r.get("description") is not None:
            item["description"] = str(r["description"])
        if r.get("tabled_by"):
            item["tabled_by"] = tuple(x.strip() for x in str(r["tabled_by"]).split(",") if x.strip())
        item["point"][str(r["issue"])] = r["value"]

    data: dict[str, Any] = {"name": "scenario", **scenario}
    data["actors"] = [by_actor[a] for a in actor_ids]
    data["issues"] = issue_data
    if prop_data:
        data["proposals"] = list(prop_data.values())
    if "salience_scale" not in scenario:
        top = max((r["salience"] for r in pos_rows if r.get("salience") is not None), default=0.0)
        data["salience_scale"] = 100 if top > 1 else 1
    return data
