"""Bueno de Mesquita / Predictioneer tables: one issue, one row per actor.

Accepted shapes (as published by the open EUM implementations): a header naming the
actor, capability, position and salience columns in any order and under the common
names (``actor|stakeholder|name``, ``capability|resources|c``, ``position|x``,
``salience|s``), comma or tab separated, with a byte-order mark, CR-only or CRLF line
endings. Saliences written 0-100 (any value above 1) are read as such.

The file carries no scale. The scale is ``0 .. 10^k``, the smallest power of ten at or
above the largest position (``0 .. 1`` for positions within [0, 1]), extended down to the
smallest position when it is negative; ``scale_min``/``scale_max`` override it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.scenario.ids import make_id
from accord.scenario.io import decode_text, validate
from accord.scenario.model import Scenario

_ALIASES = {
    "actor": ("actor", "stakeholder", "name", ""),
    "capability": ("capability", "resources", "c", "power", "influence"),
    "position": ("position", "x"),
    "salience": ("salience", "s"),
}


def _split(text: str) -> list[list[str]]:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    delim = "\t" if "\t" in lines[0] else ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]


def _columns(header: list[str]) -> dict[str, int] | None:
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, names in _ALIASES.items():
        for k, h in enumerate(lowered):
            if h in names and k not in found.values():
                found[key] = k
                break
    return found if len(found) == 4 else None


def sniff(path: Path, data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return False
    first = text.lstrip("\n").split("\n", 1)[0]
    delim = "\t" if "\t" in first else ","
    return _columns([c for c in first.split(delim)]) is not None and len(first.split(delim)) == 4


def _slug(name: str, taken: set[str]) -> str:
    return make_id(name, taken, "actor")


def read(
    path: Path,
    data: bytes,
    fmt: str = "bdm",
    scale_min: float | None = None,
    scale_max: float | None = None,
    issue: str = "issue",
    **options: Any,
) -> Scenario:
    source = str(path)
    if options:
        raise InputError(f"options {sorted(options)} do not apply to bdm", source=source)
    text = decode_text(data, source)
    if not text.strip():
        raise InputError("the file is empty", source=source)
    rows = _split(text)
    cols = _columns(rows[0])
    if cols is None:
        raise InputError(
            f"line 1: expected a header with actor, capability, position and salience columns, got {rows[0]}",
            source=source,
        )
    if len(rows) < 2:
        raise InputError("no actor rows after the header", source=source)
    parsed: list[tuple[str, float, float, float]] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise InputError(f"line {n}: expected {len(rows[0])} columns, got {len(row)}", source=source)
        values: dict[str, float] = {}
        for key in ("capability", "position", "salience"):
            cell = row[cols[key]]
            try:
                values[key] = float(cell)
            except ValueError:
                what = "empty" if not cell else f"{cell!r} is not a number"
                raise InputError(f"line {n}, column {key}: {what}", source=source) from None
            if not math.isfinite(values[key]):
                raise InputError(f"line {n}, column {key}: {cell} is not finite", source=source)
        name = row[cols["actor"]]
        if not name:
            raise InputError(f"line {n}: the actor name is empty", source=source)
        key = " ".join(name.casefold().split())
        if key in seen:
            raise InputError(
                f"line {n}: actor {name!r} already appears on line {seen[key]} (a repeated row would "
                "count twice; merge or remove it)",
                source=source,
            )
        seen[key] = n
        parsed.append((name, values["capability"], values["position"], values["salience"]))
    positions = [p for _, _, p, _ in parsed]
    hi = max(positions)
    lo = min(0.0, min(positions))
    top = 1.0
    while top < hi:
        top *= 10.0
    smin = lo if scale_min is None else scale_min
    smax = top if scale_max is None else scale_max
    percent = any(s > 1 for _, _, _, s in parsed)
    taken: set[str] = set()
    actors = [
        {
            "id": _slug(name, taken),
            "name": name,
            "capability": cap,
            "positions": {issue: {"position": pos, "salience": sal}},
        }
        for name, cap, pos, sal in parsed
    ]
    doc = {
        "name": path.stem,
        "description": f"Imported from the BDM table {path.name}",
        "salience_scale": 100 if percent else 1,
        "actors": actors,
        "issues": [{"id": issue, "name": issue, "scale": {"min": smin, "max": smax}}],
    }
    try:
        return validate(doc, source)
    except InputError as exc:
        raise InputError(_line_of(str(exc)[len(source) + 2 :], actors), source=source) from None


def _line_of(message: str, actors: list[dict[str, Any]]) -> str:
    """``actors[1] (B).capability: ...`` -> ``line 3, column capability (B): ...``."""
    match = re.match(r"actors\[(\d+)\]", message)
    if match is None:
        return message
    k = int(match.group(1))
    rest = message[match.end() :]
    ident = f" ({actors[k]['id']})"
    if rest.startswith(ident):
        rest = rest[len(ident) :]
    path, sep, what = rest.partition(": ")
    if not sep:
        return message
    column = path.rsplit(".", 1)[-1] if path else ""
    where = f"line {k + 2}" + (
        f", column {column}" if column in ("capability", "position", "salience") else ""
    )
    return f"{where} ({actors[k]['name']}): {what}"
