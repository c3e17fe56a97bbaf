"""Property: writing a scenario and reading it back gives the same Scenario, in every writer's format."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from accord.scenario import Scenario, load, save
from accord.scenario.formats import flat
from strategies import full_scenarios

_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(s: Scenario, suffix: str) -> Scenario:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"case{suffix}"
        save(s, path)
        return load(path)


@_settings
@given(full_scenarios())
def test_yaml_round_trip(s: Scenario) -> None:
    assert _round_trip(s, ".yaml") == s


@_settings
@given(full_scenarios())
def test_json_round_trip(s: Scenario) -> None:
    assert _round_trip(s, ".json") == s


@_settings
@given(full_scenarios())
def test_yaml_to_json_to_yaml(s: Scenario) -> None:
    assert _round_trip(_round_trip(_round_trip(s, ".yaml"), ".json"), ".yaml") == s


@_settings
@given(full_scenarios(flat=True))
def test_flat_csv_round_trip(s: Scenario) -> None:
    assert flat.unheld(s) == []
    back = _round_trip(s, ".csv")
    assert back == s


@settings(max_examples=20, deadline=None)
@given(full_scenarios())
def test_flat_csv_holds_or_refuses(s: Scenario) -> None:
    """Whatever a flat table cannot hold is refused by name, never dropped in silence."""
    missing = flat.unheld(s)
    expected = (
        bool(s.proposals or s.deal is not None or s.meta)
        or any(i.scale.points or i.uncertainty for i in s.issues)
        or any(a.uncertainty or any(p.uncertainty for p in a.positions.values()) for a in s.actors)
    )
    assert bool(missing) == expected
