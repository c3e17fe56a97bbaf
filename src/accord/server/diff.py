"""What changed between two scenario versions, as a list of changed fields."""

from __future__ import annotations

from typing import Any

Change = dict[str, Any]


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """A list of mappings that all carry a distinct ``id``, keyed by it; else None."""
    if not items or not all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in items):
        return None
    keyed = {x["id"]: x for x in items}
    return keyed if len(keyed) == len(items) else None


def diff_scenarios(old: Any, new: Any, path: str = "") -> list[Change]:
    """Every field that differs between two scenarios given as plain data (accord's native
    structure), as ``{"path", "old", "new"}``; list items with an ``id`` are matched by it
    (``actors[hamas].reservation.utility``), other lists by position. An added field has
    ``old`` None, a removed one ``new`` None. Order: the order of the fields in ``new``, then
    removed ones."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Change] = []
        for key in list(new) + [k for k in old if k not in new]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                out.append({"path": sub, "old": None, "new": new[key]})
            elif key not in new:
                out.append({"path": sub, "old": old[key], "new": None})
            else:
                out.extend(diff_scenarios(old[key], new[key], sub))
        return out
    if isinstance(old, list) and isinstance(new, list):
        ko, kn = _keyed(old), _keyed(new)
        if ko is not None and kn is not None:
            out = []
            for key in list(kn) + [k for k in ko if k not in kn]:
                sub = f"{path}[{key}]"
                if key not in ko:
                    out.append({"path": sub, "old": None, "new": kn[key]})
                elif key not in kn:
                    out.append({"path": sub, "old": ko[key], "new": None})
                else:
                    out.extend(diff_scenarios(ko[key], kn[key], sub))
            if not out and list(ko) != list(kn):
                out.append({"path": path + ".order", "old": list(ko), "new": list(kn)})
            return out
        if all(not isinstance(x, dict | list) for x in old + new):
            return [] if old == new else [{"path": path, "old": old, "new": new}]
        out = []
        for k in range(max(len(old), len(new))):
            sub = f"{path}[{k}]"
            if k >= len(old):
                out.append({"path": sub, "old": None, "new": new[k]})
            elif k >= len(new):
                out.append({"path": sub, "old": old[k], "new": None})
            else:
                out.extend(diff_scenarios(old[k], new[k], sub))
        return out
    if old == new and type(old) is type(new):
        return []
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        if not isinstance(new, bool) and float(old) == float(new):
            return []
    return [{"path": path, "old": old, "new": new}]
