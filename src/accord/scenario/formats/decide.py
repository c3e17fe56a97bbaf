"""Decide files: the input format of Stokman's exchange model (``decide-exchange-model``).

One record per line, fields separated by tabs (``;`` or ``,`` where a file has no tab),
each field optionally wrapped in single or double quotes. The first field is a tag:

======  =============================================  ==========================================
tag     fields                                         becomes
======  =============================================  ==========================================
``#A``  id, name, [comment]                            an actor
``#P``  id, name, [description]                        an issue
``#M``  issue, value, [description]                    a labelled point of the issue's scale;
                                                       the lowest and highest points are the
                                                       scale's ends (0..100 without points)
``#D``  actor, issue, position, salience (0-1),        the actor's stance on the issue; power
        power (>= 0)                                   goes to ``Stance.power``
``#/``  text                                           a comment (also ``#0``)
``#O``  text                                           the scenario's description
======  =============================================  ==========================================

An actor's ``capability`` is the mean of its per-issue powers (Decide has no per-actor
capability; models that use per-issue power read ``Stance.power``). Every problem in the file
is reported with its line number, up to a handful in one message; the reference
implementation's reader crashes on some of them (``copenhagen_with_errors.csv``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.scenario.io import decode_text, validate
from accord.scenario.model import Scenario

TAGS = ("#A", "#P", "#M", "#D", "#/", "#0", "#O")
_MAX_REPORTED = 5
_DEFAULT_SCALE = (0.0, 100.0)


def _unquote(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        return cell[1:-1].strip()
    return cell


def _delimiter(lines: list[str]) -> str:
    for line in lines:
        if line.strip():
            if "\t" in line:
                return "\t"
            return ";" if ";" in line else ","
    return "\t"


def _fields(line: str, delim: str) -> list[str]:
    cells = [_unquote(c) for c in line.split(delim)]
    while cells and not cells[-1]:  # trailing separators
        cells.pop()
    return cells


def sniff(path: Path, data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    for line in text.replace("\r", "\n").split("\n"):
        if line.strip():
            first = _fields(line, "\t" if "\t" in line else (";" if ";" in line else ","))
            return bool(first) and first[0] in TAGS
    return False


@dataclass
class _Parsed:
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    points: dict[str, list[tuple[float, str, int]]] = field(default_factory=dict)
    stances: list[tuple[int, str, str, float, float, float]] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _number(text: str, what: str, n: int, out: _Parsed) -> float | None:
    if not text:
        out.problems.append(f"line {n}: {what} is empty")
        return None
    try:
        value = float(text)
    except ValueError:
        out.problems.append(f"line {n}: {what} {text!r} is not a number")
        return None
    if not math.isfinite(value):
        out.problems.append(f"line {n}: {what} {text} is not finite")
        return None
    return value


def _parse(text: str) -> _Parsed:
    lines = text.split("\n")
    delim = _delimiter(lines)
    out = _Parsed()
    need = {"#A": 2, "#P": 2, "#M": 2, "#D": 5}
    what = {
        "#A": "an actor record needs an id and a name",
        "#P": "an issue record needs an id and a name",
        "#M": "a scale point needs an issue id and a value",
        "#D": "an actor-issue record needs actor, issue, position, salience and power",
    }
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = _fields(line, delim)
        tag = cells[0] if cells else ""
        if tag not in TAGS:
            out.problems.append(f"line {n}: unknown record type {tag!r} (expected one of {', '.join(TAGS)})")
            continue
        if tag in ("#/", "#0"):
            continue
        if tag == "#O":
            out.description.append(" ".join(c for c in cells[1:] if c))
            continue
        args = cells[1:]
        if len(args) < need[tag] or any(not a for a in args[: need[tag]]):
            out.problems.append(f"line {n}: {what[tag]}, got {len(args)} field(s): {args}")
            continue
        if tag == "#A":
            ident = args[0]
            if ident in out.actors:
                out.problems.append(
                    f"line {n}: duplicate actor {ident!r} (first on line {out.actors[ident]['line']})"
                )
                continue
            out.actors[ident] = {"line": n, "name": args[1]}
        elif tag == "#P":
            ident = args[0]
            if ident in out.issues:
                out.problems.append(
                    f"line {n}: duplicate issue {ident!r} (first on line {out.issues[ident]['line']})"
                )
                continue
            out.issues[ident] = {"line": n, "name": args[1], "description": " ".join(args[2:])}
        elif tag == "#M":
            value = _number(args[1], f"scale point of issue {args[0]!r}", n, out)
            if value is not None:
                label = " ".join(args[2:]) or f"{value:g}"
                out.points.setdefault(args[0], []).append((value, label, n))
        else:  # "#D"
            actor, issue = args[0], args[1]
            numbers = [
                _number(args[2], f"position of {actor!r} on {issue!r}", n, out),
                _number(args[3], f"salience of {actor!r} on {issue!r}", n, out),
                _number(args[4], f"power of {actor!r} on {issue!r}", n, out),
            ]
            pos, sal, power = numbers
            if pos is None or sal is None or power is None:
                continue
            out.stances.append((n, actor, issue, pos, sal, power))
    return out


def _scale(issue: str, parsed: _Parsed) -> dict[str, Any]:
    points = parsed.points.get(issue, [])
    if not points:
        lo, hi = _DEFAULT_SCALE
        return {"min": lo, "max": hi}
    values = sorted(points)
    lo_v, hi_v = values[0], values[-1]
    if hi_v[0] <= lo_v[0]:
        parsed.problems.append(
            f"line {lo_v[2]}: issue {issue!r} needs at least two different #M points to span its scale, "
            f"got only {lo_v[0]:g}"
        )
        lo, hi = _DEFAULT_SCALE
        return {"min": lo, "max": hi}
    labelled: dict[float, str] = {}
    for value, label, _ in values:
        labelled.setdefault(value, label)
    return {
        "min": lo_v[0],
        "max": hi_v[0],
        "min_label": lo_v[1],
        "max_label": hi_v[1],
        "points": [{"value": v, "label": lab} for v, lab in labelled.items()],
    }


def read(path: Path, data: bytes, fmt: str = "decide", **options: Any) -> Scenario:
    source = str(path)
    if options:
        raise InputError(f"options {sorted(options)} do not apply to decide", source=source)
    parsed = _parse(decode_text(data, source))
    for issue, pts in parsed.points.items():
        if issue not in parsed.issues:
            parsed.problems.append(
                f"line {pts[0][2]}: scale point for unknown issue {issue!r} (no #P record)"
            )
    scales = {issue: _scale(issue, parsed) for issue in parsed.issues}
    positions: dict[str, dict[str, Any]] = {a: {} for a in parsed.actors}
    seen: dict[tuple[str, str], int] = {}
    for n, actor, issue, pos, sal, power in parsed.stances:
        if actor not in parsed.actors:
            parsed.problems.append(f"line {n}: unknown actor {actor!r} (no #A record)")
            continue
        if issue not in parsed.issues:
            parsed.problems.append(f"line {n}: unknown issue {issue!r} (no #P record)")
            continue
        if (actor, issue) in seen:
            parsed.problems.append(
                f"line {n}: second record for {actor!r} on {issue!r} (first on line {seen[actor, issue]})"
            )
            continue
        seen[actor, issue] = n
        sc = scales[issue]
        bad = False
        if not sc["min"] <= pos <= sc["max"]:
            parsed.problems.append(
                f"line {n}: position {pos:g} of {actor!r} on {issue!r} is outside the scale "
                f"{sc['min']:g}..{sc['max']:g}"
            )
            bad = True
        if not 0.0 <= sal <= 1.0:
            parsed.problems.append(f"line {n}: salience {sal:g} of {actor!r} on {issue!r} is outside 0..1")
            bad = True
        if power < 0:
            parsed.problems.append(f"line {n}: power {power:g} of {actor!r} on {issue!r} is negative")
            bad = True
        if not bad:
            positions[actor][issue] = {"position": pos, "salience": sal, "power": power}
    if not parsed.problems:
        if len(parsed.actors) < 2:
            parsed.problems.append(
                f"a scenario needs at least 2 actors (#A records), got {len(parsed.actors)}"
            )
        if not parsed.issues:
            parsed.problems.append("no issues (#P records)")
    if parsed.problems:
        shown = parsed.problems[:_MAX_REPORTED]
        more = len(parsed.problems) - len(shown)
        message = "; ".join(shown) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        raise InputError(message, source=source)
    actors = []
    for ident, info in parsed.actors.items():
        powers = [s["power"] for s in positions[ident].values()]
        actors.append(
            {
                "id": ident,
                "name": info["name"],
                "capability": sum(powers) / len(powers) if powers else 1.0,
                "positions": positions[ident],
            }
        )
    doc = {
        "name": path.stem,
        "description": " ".join(parsed.description) or f"Imported from the Decide file {path.name}",
        "actors": actors,
        "issues": [
            {"id": ident, "name": info["name"], "description": info["description"], "scale": scales[ident]}
            for ident, info in parsed.issues.items()
        ],
        "meta": {"format": "decide"},
    }
    return validate(doc, source)
