"""KTAB's CSV input for the Spatial Model of Politics (KAPSARC Toolkit for Behavioral Analysis).

Layout (as ``SMPModel::csvRead`` reads it; KTAB is MIT-licensed, KAPSARC 2015):

* line 1: scenario name, description, number of actors, number of dimensions, then any
  number of ignored fields (often empty: a trailing comma);
* line 2: ``Actor, Description, Influence|Power``, then a ``<dimension> Position`` and a
  ``<dimension> Salience`` header per dimension;
* one row per actor: name, description, capability, then position (0-100) and salience
  (0-100) per dimension. Cells may be padded with spaces and quoted; a trailing comma is
  allowed.

Every dimension becomes an issue on a 0-100 scale; saliences stay on 0-100
(``salience_scale: 100``); the capability is the influence (power) column. KTAB rejects
an actor whose saliences add up to more than 100, and so does this reader.

Actor ids are KTAB's actor names. The description becomes the actor's display name unless
several actors share it (as in KTAB's dummy data); every description is kept in
``meta["ktab"]["actor_descriptions"]``.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.scenario.ids import make_id
from accord.scenario.io import decode_text, validate
from accord.scenario.model import Scenario

_CAPABILITY_HEADERS = ("influence", "power", "capability")


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank lines as (line number, stripped cells), trailing empty cells removed."""
    out: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in next(csv.reader(io.StringIO(line), skipinitialspace=True))]
        while cells and not cells[-1]:
            cells.pop()
        out.append((number, cells))
    return out


def _count(cell: str) -> int | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return int(value) if value.is_integer() and value >= 0 else None


def sniff(path: Path, data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return False
    lines = [ln for ln in text.split("\n") if ln.strip()][:2]
    if len(lines) < 2:
        return False
    try:
        first = [c.strip() for c in next(csv.reader(io.StringIO(lines[0]), skipinitialspace=True))]
        second = [c.strip() for c in next(csv.reader(io.StringIO(lines[1]), skipinitialspace=True))]
    except (csv.Error, StopIteration):
        return False
    return (
        len(first) >= 4
        and _count(first[2]) is not None
        and _count(first[3]) is not None
        and len(second) >= 5
        and second[0].lower() == "actor"
    )


def _slug(name: str, taken: set[str], fallback: str) -> str:
    return make_id(name, taken, fallback)


def _no_duplicate_dimensions(dim_names: list[str], where: str, source: str) -> None:
    """Two dimensions of one name would be one issue forecast twice: refuse them."""
    seen: set[str] = set()
    for name in dim_names:
        key = " ".join(name.casefold().split())
        if key and key in seen:
            raise InputError(f"{where}: the dimension {name!r} appears twice", source=source)
        seen.add(key)


def _number(cell: str, line: int, column: int, header: str, source: str) -> float:
    where = f"line {line}, column {column} ({header})"
    if not cell:
        raise InputError(f"{where}: empty, expected a number", source=source)
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{where}: {cell!r} is not a number", source=source) from None
    if not math.isfinite(value):
        raise InputError(f"{where}: {cell} is not finite", source=source)
    return value


def read(path: Path, data: bytes, fmt: str = "ktab", **options: Any) -> Scenario:
    source = str(path)
    if options:
        raise InputError(f"options {sorted(options)} do not apply to ktab", source=source)
    rows = _rows(decode_text(data, source))
    if len(rows) < 2:
        raise InputError("expected a scenario line and a header line", source=source)
    line1, first = rows[0]
    if len(first) < 4:
        raise InputError(
            f"line {line1}: expected 'name, description, actors, dimensions', got {len(first)} fields",
            source=source,
        )
    n_actors, n_dims = _count(first[2]), _count(first[3])
    if n_actors is None:
        raise InputError(f"line {line1}, column 3: {first[2]!r} is not a number of actors", source=source)
    if n_dims is None or n_dims < 1:
        raise InputError(f"line {line1}, column 4: {first[3]!r} is not a number of dimensions", source=source)
    line2, header = rows[1]
    width = 3 + 2 * n_dims
    if len(header) != width:
        raise InputError(
            f"line {line2}: the header has {len(header)} columns, but {n_dims} dimension(s) "
            f"(line {line1}) need {width}: Actor, Description, Influence, then a position and a "
            "salience column per dimension",
            source=source,
        )
    if header[0].lower() != "actor":
        raise InputError(f"line {line2}, column 1: expected 'Actor', got {header[0]!r}", source=source)
    if header[2].lower() not in _CAPABILITY_HEADERS:
        raise InputError(
            f"line {line2}, column 3: expected 'Influence' or 'Power', got {header[2]!r}", source=source
        )
    body = rows[2:]
    if len(body) != n_actors:
        raise InputError(
            f"line {line1} announces {n_actors} actors, but the file has {len(body)} actor rows",
            source=source,
        )
    dim_names = [header[3 + 2 * d] for d in range(n_dims)]
    _no_duplicate_dimensions(dim_names, f"line {line2}", source)
    taken_issues: set[str] = set()
    issue_ids = [_slug(name, taken_issues, f"dim{d}") for d, name in enumerate(dim_names)]

    parsed: list[dict[str, Any]] = []
    seen_names: dict[str, int] = {}
    for line, row in body:
        if len(row) != width:
            raise InputError(f"line {line}: expected {width} columns, got {len(row)}", source=source)
        name, desc = row[0], row[1]
        if not name:
            raise InputError(f"line {line}, column 1: the actor name is empty", source=source)
        if name in seen_names:
            raise InputError(
                f"line {line}, column 1: actor {name!r} already appears on line {seen_names[name]}",
                source=source,
            )
        seen_names[name] = line
        capability = _number(row[2], line, 3, header[2], source)
        if capability < 0:
            raise InputError(
                f"line {line}, column 3 ({header[2]}): {capability:g} is negative", source=source
            )
        stances: dict[str, dict[str, float]] = {}
        total = 0.0
        for d in range(n_dims):
            col = 3 + 2 * d
            pos = _number(row[col], line, col + 1, header[col], source)
            sal = _number(row[col + 1], line, col + 2, header[col + 1], source)
            if not 0 <= pos <= 100:
                raise InputError(
                    f"line {line}, column {col + 1} ({header[col]}): {pos:g} is outside 0..100", source=source
                )
            if not 0 <= sal <= 100:
                raise InputError(
                    f"line {line}, column {col + 2} ({header[col + 1]}): {sal:g} is outside 0..100",
                    source=source,
                )
            total += sal
            stances[issue_ids[d]] = {"position": pos, "salience": sal}
        if total > 100 + 1e-9:
            raise InputError(
                f"line {line}: actor {name!r} has saliences adding up to {total:g}; "
                "KTAB requires at most 100",
                source=source,
            )
        parsed.append({"name": name, "desc": desc, "capability": capability, "positions": stances})
    return validate(_document(first, dim_names, issue_ids, parsed, path), source)


def _document(
    first: list[str],
    dim_names: list[str],
    issue_ids: list[str],
    parsed: list[dict[str, Any]],
    path: Path,
) -> dict[str, Any]:
    """The native document for a parsed KTAB table (shared with the XML reader)."""
    descs = [p["desc"] for p in parsed]
    actors = []
    for p in parsed:
        actor: dict[str, Any] = {"id": p["name"], "capability": p["capability"], "positions": p["positions"]}
        if p["desc"] and descs.count(p["desc"]) == 1:
            actor["name"] = p["desc"]
        actors.append(actor)
    return {
        "name": first[0] or path.stem,
        "description": first[1],
        "salience_scale": 100,
        "actors": actors,
        "issues": [
            {"id": iid, "name": name, "scale": {"min": 0, "max": 100}}
            for iid, name in zip(issue_ids, dim_names, strict=True)
        ],
        "meta": {
            "format": "ktab",
            "ktab": {"actor_descriptions": {p["name"]: p["desc"] for p in parsed}},
        },
    }
