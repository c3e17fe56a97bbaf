"""The scenario editor's form: field names, applying a submitted form to a scenario, field errors.

The grid names its inputs by position, never by a user's id (ids may hold any character):
``a{k}.capability``, ``a{k}.p{j}.position``, ``a{k}.r{j}`` (reservation point on issue ``j``),
``i{j}.status_quo``, ``p{m}.i{j}`` (proposal point), ``deal.written``, ... where ``k``, ``j``, ``m``
index the scenario's actors, issues and proposals. :func:`apply_form` writes a submitted form
onto the stored scenario's plain data (so what the grid does not show, such as uncertainty ranges,
is kept); :func:`check` validates the result and returns every error with the form field it
belongs to, in the wording of the command line (:mod:`accord.scenario.io`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from accord.errors import InputError
from accord.scenario.io import _plain_message, format_validation_error
from accord.scenario.model import Scenario

# the deal block's fields the grid edits, with their input kind (the rest stays as stored)
DEAL_FLAGS = ("written", "partial", "mediated", "enforcement", "mechanism", "ddr", "fixed_term")
DEAL_CHOICES: dict[str, tuple[str, ...]] = {
    "ceasefire_class": ("cessation", "preliminary", "definitive"),
    "side": ("unilateral", "bilateral", "multilateral"),
}
DEAL_NUMBERS = ("fixed_term_days", "expected_days")
DEAL_TEXT = ("description", "expectation", "location")
ROLES = ("party", "mediator", "outside")


@dataclass(frozen=True)
class FieldError:
    """One validation problem: the form field it belongs to (None: the whole form), and the message."""

    field: str | None
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "path": self.path, "message": self.message}


def _number(raw: str) -> float | str | None:
    """A form value as a number; blank is None; anything else is passed on for the validator to name."""
    text = raw.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _flag(raw: str) -> bool | None:
    return {"yes": True, "no": False}.get(raw.strip())


def apply_form(base: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The scenario data ``base`` (plain dicts, as stored) with the grid's submitted values written in.

    Only fields present in ``form`` change; a blank position and salience together remove the
    actor's stance on that issue; blank reservation cells and a blank utility remove the reservation.
    """
    data = copy.deepcopy(dict(base))
    issues = data.get("issues") or []
    issue_ids = [str(i.get("id")) for i in issues]

    def get(key: str) -> str | None:
        value = form.get(key)
        return None if value is None else str(value)

    for key in ("name", "description"):
        if (v := get(key)) is not None:
            data[key] = v
    if (v := get("as_of")) is not None:
        data["as_of"] = v.strip() or None
        if data["as_of"] is None:
            data.pop("as_of")

    for j, issue in enumerate(issues):
        if (v := get(f"i{j}.name")) is not None:
            issue["name"] = v
        scale = dict(issue.get("scale") or {})
        for key in ("min_label", "max_label", "unit"):
            if (v := get(f"i{j}.{key}")) is not None:
                scale[key] = v
        for key in ("min", "max"):
            if (v := get(f"i{j}.{key}")) is not None:
                end = _number(v)
                scale[key] = "" if end is None else end
        if scale:
            issue["scale"] = scale
        if (v := get(f"i{j}.status_quo")) is not None:
            sq = _number(v)
            if sq is None:
                issue.pop("status_quo", None)
            else:
                issue["status_quo"] = sq

    for k, actor in enumerate(data.get("actors") or []):
        a = f"a{k}"
        if (v := get(f"{a}.name")) is not None:
            actor["name"] = v
        if (v := get(f"{a}.capability")) is not None:
            cap = _number(v)
            actor["capability"] = "" if cap is None else cap
        if (v := get(f"{a}.role")) is not None:
            actor["role"] = v
        if (v := get(f"{a}.veto")) is not None:
            flag = _flag(v)
            if flag is None:
                actor.pop("veto", None)
            else:
                actor["veto"] = flag
        positions = actor.setdefault("positions", {})
        for j, iid in enumerate(issue_ids):
            pos, sal = get(f"{a}.p{j}.position"), get(f"{a}.p{j}.salience")
            if pos is None and sal is None:
                continue
            stance = dict(positions.get(iid) or {})
            # a field the form leaves out keeps its stored value
            p = _number(pos) if pos is not None else stance.get("position")
            s = _number(sal) if sal is not None else stance.get("salience")
            if p is None and s is None:
                positions.pop(iid, None)
                continue
            stance["position"] = "" if p is None else p
            stance["salience"] = "" if s is None else s
            positions[iid] = stance
        _apply_reservation(actor, a, issue_ids, get)

    for m, prop in enumerate(data.get("proposals") or []):
        if (v := get(f"p{m}.name")) is not None:
            prop["name"] = v
        point = dict(prop.get("point") or {})
        for j, iid in enumerate(issue_ids):
            if (v := get(f"p{m}.i{j}")) is not None:
                x = _number(v)
                if x is None:
                    point.pop(iid, None)
                else:
                    point[iid] = x
        prop["point"] = point

    if any(key.startswith("deal.") for key in form):
        deal = dict(data.get("deal") or {})
        for name in DEAL_FLAGS:
            if (v := get(f"deal.{name}")) is not None:
                _set(deal, name, _flag(v))
        for name in DEAL_CHOICES:
            if (v := get(f"deal.{name}")) is not None:
                _set(deal, name, v.strip() or None)
        for name in DEAL_NUMBERS:
            if (v := get(f"deal.{name}")) is not None:
                _set(deal, name, _number(v))
        for name in DEAL_TEXT:
            if (v := get(f"deal.{name}")) is not None:
                _set(deal, name, v.strip() or None)
        data["deal"] = deal or None
        if data["deal"] is None:
            data.pop("deal")
    return data


def _fresh_id(prefix: str, taken: list[str]) -> str:
    n = len(taken) + 1
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"


def edit_rows(data: dict[str, Any], action: str) -> dict[str, Any]:
    """Add or remove a row of the grid: ``add_actor``, ``add_issue``, ``add_proposal``,
    ``remove_actor:K``, ``remove_issue:J``, ``remove_proposal:M`` (K, J, M: the row's index).

    New rows get a fresh id (``actor_10``) that the YAML view can rename; removing an issue also
    removes every stance, reservation value and proposal value on it. Unknown actions change nothing.
    """
    data = copy.deepcopy(data)
    kind, _, index = action.partition(":")
    actors = data.setdefault("actors", [])
    issues = data.setdefault("issues", [])
    proposals = data.setdefault("proposals", [])
    if kind == "add_actor":
        actors.append(
            {
                "id": _fresh_id("actor", [a.get("id") for a in actors]),
                "name": "New actor",
                "role": "outside",
                "capability": 1,
                "positions": {},
            }
        )
    elif kind == "add_issue":
        issues.append(
            {
                "id": _fresh_id("issue", [i.get("id") for i in issues]),
                "name": "New issue",
                "scale": {"min": 0, "max": 100, "min_label": "min", "max_label": "max"},
            }
        )
    elif kind == "add_proposal":
        proposals.append(
            {
                "id": _fresh_id("proposal", [p.get("id") for p in proposals]),
                "name": "New proposal",
                "point": {},
            }
        )
    elif kind.startswith("remove_") and index.isdigit():
        k = int(index)
        rows = {"remove_actor": actors, "remove_issue": issues, "remove_proposal": proposals}.get(kind)
        if rows is None or k >= len(rows):
            return data
        removed = rows.pop(k)
        if kind == "remove_issue":
            iid = removed.get("id")
            for a in actors:
                (a.get("positions") or {}).pop(iid, None)
                point = (a.get("reservation") or {}).get("point")
                if isinstance(point, dict):
                    point.pop(iid, None)
                    if not point:
                        a.pop("reservation", None)
            for p in proposals:
                (p.get("point") or {}).pop(iid, None)
        elif kind == "remove_actor":
            aid = removed.get("id")
            for p in proposals:
                if isinstance(p.get("tabled_by"), list):
                    p["tabled_by"] = [t for t in p["tabled_by"] if t != aid]
    if not proposals:
        data.pop("proposals")
    return data


def _set(d: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value


def _apply_reservation(actor: dict[str, Any], a: str, issue_ids: list[str], get: Any) -> None:
    cells = {iid: get(f"{a}.r{j}") for j, iid in enumerate(issue_ids)}
    util = get(f"{a}.res_utility")
    if util is None and all(v is None for v in cells.values()):
        return  # the form does not edit this actor's reservation
    old = dict(actor.get("reservation") or {})
    point = dict(old.get("point") or {})
    for iid, raw in cells.items():
        if raw is None:
            continue  # not submitted: keeps its stored value
        value = _number(raw)
        if value is None:
            point.pop(iid, None)
        else:
            point[iid] = value
    u = _number(util) if util is not None else old.get("utility")
    if point:
        res: dict[str, Any] = {"point": point}
    elif u is not None:
        res = {"utility": u}
        if "uncertainty" in old:
            res["uncertainty"] = old["uncertainty"]
    else:
        actor.pop("reservation", None)
        return
    actor["reservation"] = res


# --- errors ---------------------------------------------------------------------------------------

_PATH_IN_MESSAGE = re.compile(
    r"^((?:actors|issues|proposals)\[\d+\](?: \([^)]*\))?(?:\.[A-Za-z_][\w]*)*"
    r"|status_quo|outcome|scale\.\w+|deal|actors|issues): (.*)$",
    re.S,
)
_TOKEN = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\](?: \([^)]*\))?")


def _parse_path(text: str) -> list[str | int]:
    out: list[str | int] = []
    for name, index in _TOKEN.findall(text):
        out.append(int(index) if index else name)
    return out


def _show_loc(loc: list[str | int], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            if isinstance(node, dict) and node.get("id"):
                label += f" ({node['id']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + item)
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def field_for(loc: list[str | int], data: Mapping[str, Any]) -> str | None:
    """The grid's input name for a validation error's location in the scenario data, if it has one."""
    issue_ids = [str(i.get("id")) for i in data.get("issues") or []]

    def issue(iid: Any) -> int | None:
        return issue_ids.index(iid) if iid in issue_ids else None

    if not loc:
        return None
    head = loc[0]
    if head in ("name", "as_of", "description") and len(loc) == 1:
        return str(head)
    if head == "actors" and len(loc) >= 3 and isinstance(loc[1], int):
        a, rest = f"a{loc[1]}", loc[2:]
        if rest[0] in ("capability", "role", "veto", "name"):
            return f"{a}.{rest[0]}"
        if rest[0] == "positions" and len(rest) >= 2 and (j := issue(rest[1])) is not None:
            what = rest[2] if len(rest) >= 3 and rest[2] in ("position", "salience") else "position"
            return f"{a}.p{j}.{what}"
        if rest[0] == "reservation":
            if len(rest) >= 3 and rest[1] == "point" and (j := issue(rest[2])) is not None:
                return f"{a}.r{j}"
            return f"{a}.res_utility"
    if head == "issues" and len(loc) >= 3 and isinstance(loc[1], int):
        if loc[2] in ("status_quo", "name"):
            return f"i{loc[1]}.{loc[2]}"
        if loc[2] == "scale" and len(loc) >= 4 and loc[3] in ("min", "max", "min_label", "max_label", "unit"):
            return f"i{loc[1]}.{loc[3]}"
    if head == "proposals" and len(loc) >= 3 and isinstance(loc[1], int):
        m, rest = loc[1], loc[2:]
        if rest[0] == "point" and len(rest) >= 2 and (j := issue(rest[1])) is not None:
            return f"p{m}.i{j}"
        if rest[0] == "name":
            return f"p{m}.name"
    if head == "deal" and len(loc) >= 2 and isinstance(loc[1], str):
        return f"deal.{loc[1]}"
    return None


def errors_of(exc: ValidationError, data: Mapping[str, Any]) -> list[FieldError]:
    """Every error of a failed validation, with the field it belongs to, worded as the CLI words it."""
    out: list[FieldError] = []
    for err in exc.errors():
        loc: list[str | int] = [x for x in err["loc"] if isinstance(x, str | int)]
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        msg = _plain_message(err, msg)
        m = _PATH_IN_MESSAGE.match(msg)
        if m:  # a model-level check names the field at the start of its message
            loc = loc + _parse_path(m.group(1))
            msg = m.group(2)
        path = _show_loc(loc, data)
        out.append(FieldError(field_for(loc, data), path, msg))
    return out


def check(data: Mapping[str, Any]) -> tuple[Scenario | None, list[FieldError]]:
    """Validate scenario data: the Scenario, or None and the list of field errors."""
    if not isinstance(data, Mapping):
        return None, [FieldError(None, "", "expected a mapping at the top level")]
    try:
        return Scenario.model_validate(dict(data)), []
    except ValidationError as exc:
        return None, errors_of(exc, data)


def check_yaml(text: str) -> tuple[Scenario | None, list[FieldError], dict[str, Any] | None]:
    """Parse and validate the YAML view: the Scenario (or None), errors, and the parsed data."""
    from accord.scenario.formats.native import parse

    try:
        data = parse(text, "yaml", "YAML")
    except InputError as exc:
        return None, [FieldError("yaml", "", str(exc))], None
    if not isinstance(data, dict):
        return None, [FieldError("yaml", "", "expected a mapping at the top level")], None
    try:
        return Scenario.model_validate(data), [], data
    except ValidationError as exc:
        return None, [FieldError("yaml", "", format_validation_error(exc, data))], data
