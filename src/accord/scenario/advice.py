"""Warnings about a valid scenario that is probably not what its author meant.

Each is a sentence for stderr; ``accord validate`` prints them and still exits 0:

- saliences that look like the wrong scale: every salience at most 1 in a ``salience_scale: 100``
  file (they would all count as almost nothing);
- a ``deal.location`` that the cease-fire data does not know (when the data is configured), with
  the nearest known names; the durability analysis would stop on it.
"""

from __future__ import annotations

import csv
import difflib
import os
from pathlib import Path

from accord.scenario.model import Scenario

CEASEFIRE_DATA_ENV = "ACCORD_CEASEFIRE_DATA"


def salience_warnings(scenario: Scenario) -> list[str]:
    """Saliences written on 0-1 in a file that declares them on 0-100."""
    values = [st.salience for a in scenario.actors for st in a.positions.values()]
    if scenario.salience_scale == 100 and values and max(values) <= 1:
        return [
            f"salience_scale is 100 but every salience is at most 1 (largest {max(values):g}): "
            "were they written on 0-1? Then set salience_scale: 1"
        ]
    return []


def known_locations(path: str | os.PathLike[str]) -> list[str]:
    """The ``location`` names in a cease-fire data file (read with the csv module: no pandas)."""
    names: set[str] = set()
    with Path(path).open(newline="", encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            name = " ".join(str(row.get("location") or "").split())
            if name:
                names.add(name)
    return sorted(names)


def location_warnings(scenario: Scenario, data: str | os.PathLike[str] | None = None) -> list[str]:
    """An unknown ``deal.location`` with the nearest known names (data: ``data`` or the environment)."""
    deal = scenario.deal
    path = data or os.environ.get(CEASEFIRE_DATA_ENV) or None
    if deal is None or deal.location is None or path is None or not Path(path).is_file():
        return []
    known = known_locations(path)
    loc = " ".join(deal.location.split())
    if loc in known:
        return []
    near = difflib.get_close_matches(loc, known, n=3, cutoff=0.5)
    hint = f"; nearest: {', '.join(near)}" if near else f" ({len(known)} locations are known)"
    return [f"deal.location {deal.location!r} is not a location of the cease-fire data{hint}"]


def scenario_warnings(scenario: Scenario, data: str | os.PathLike[str] | None = None) -> list[str]:
    """Every warning about ``scenario`` (see the module docstring)."""
    return salience_warnings(scenario) + location_warnings(scenario, data)
