"""The BDM / Predictioneer table reader on the six cleaned tables and the eight originals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from accord.errors import InputError
from accord.problem import to_problem
from accord.scenario import load
from accord.scenario.io import detect_format
from conftest import DATA, need

BDM = DATA / "bdm"

# cleaned table -> (actors, scale max)
CLEANED = {
    "argentina": (17, 100.0),
    "china": (24, 100.0),
    "eu_emissions": (10, 10.0),
    "honduras": (5, 1.0),
    "iran2013": (8, 10.0),
    "sultan": (17, 100.0),
}

# original file -> (cleaned table it corresponds to, the quirk it carries)
ORIGINALS = {
    "decisionmechanics/argentina.txt": ("argentina", "BOM, tabs"),
    "decisionmechanics/emission-standards.txt": ("eu_emissions", "BOM, tabs, empty actor header"),
    "decisionmechanics/iranian-election.txt": ("iran2013", "tabs"),
    "dmasad/ChinaData.csv": ("china", "CR-only, saliences 0-100"),
    "dmasad/ExampleActors.csv": ("eu_emissions", "CR-only, saliences 0-100"),
    "dmasad/HondurasCrisisData.csv": ("honduras", "CR-only"),
    "jmckib/ExampleActors.csv": ("eu_emissions", "plain"),
    "jmckib/Sultan.csv": ("sultan", "plain"),
}


@pytest.mark.parametrize("name", sorted(CLEANED))
def test_cleaned_tables_load(name: str) -> None:
    path = need(BDM / f"{name}.csv")
    assert detect_format(path, path.read_bytes()) == "bdm"
    s = load(path)
    n_actors, top = CLEANED[name]
    assert len(s.actors) == n_actors
    assert s.issue_ids == ("issue",)
    assert (s.issue("issue").scale.min, s.issue("issue").scale.max) == (0.0, top)
    assert s.salience_scale == 1
    # every actor has a position and the numbers are the table's
    first = path.read_text(encoding="utf-8").splitlines()[1].split(",")
    a = s.actors[0]
    assert a.name == first[0]
    assert a.capability == float(first[1])
    assert a.positions["issue"].position == float(first[2])
    assert a.positions["issue"].salience == float(first[3])


@pytest.mark.parametrize("original", sorted(ORIGINALS))
def test_originals_load_to_the_cleaned_numbers(original: str) -> None:
    path = need(BDM / "original" / original)
    cleaned, _quirk = ORIGINALS[original]
    raw = path.read_bytes()
    assert detect_format(path, raw) == "bdm"
    a, b = load(path), load(need(BDM / f"{cleaned}.csv"))
    assert [x.name for x in a.actors] == [x.name for x in b.actors]
    assert a.actor_ids == b.actor_ids
    assert a.issues[0].scale == b.issues[0].scale
    pa, pb = to_problem(a), to_problem(b)
    for field in ("position", "salience", "capability"):
        np.testing.assert_allclose(getattr(pa, field), getattr(pb, field), rtol=1e-12, err_msg=field)


def test_original_quirks_are_present() -> None:
    """The originals really carry the quirks the reader must survive (so the test above means something)."""
    root = need(BDM / "original")
    assert (root / "decisionmechanics/argentina.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\t" in (root / "decisionmechanics/iranian-election.txt").read_bytes()
    china = (root / "dmasad/ChinaData.csv").read_bytes()
    assert b"\r" in china and b"\n" not in china
    assert load(root / "dmasad/ChinaData.csv").salience_scale == 100
    assert load(root / "dmasad/ExampleActors.csv").salience_scale == 100


def test_scale_options_and_issue_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,-3,0.5\nB,2,40,0.5\n", encoding="utf-8")
    s = load(path)
    assert (s.issues[0].scale.min, s.issues[0].scale.max) == (-3.0, 100.0)
    s = load(path, scale_min=-10, scale_max=50, issue="budget")
    assert s.issue_ids == ("budget",)
    assert (s.issues[0].scale.min, s.issues[0].scale.max) == (-10, 50)


def test_duplicate_names_get_distinct_ids(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA B,1,3,0.5\nA-B,2,4,0.5\n", encoding="utf-8")
    assert load(path).actor_ids == ("A_B", "A_B_2")


def test_unknown_option(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,3,0.5\nB,2,4,0.5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t.csv: options \['sheet'\] do not apply to bdm"):
        load(path, sheet="x")


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\n", encoding="utf-8")
    with pytest.raises(InputError, match="t.csv: no actor rows after the header"):
        load(path)


def test_empty_actor_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,3,0.5\n,2,4,0.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="t.csv: line 3: the actor name is empty"):
        load(path)


def test_non_finite(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,3,0.5\nB,inf,4,0.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="t.csv: line 3, column capability: inf is not finite"):
        load(path)


def test_negative_capability_names_the_actor(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,3,0.5\nB,-2,4,0.5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t.csv: line 3, column capability \(B\): must be >= 0, got -2"):
        load(path)


def test_position_outside_given_scale_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,3,0.5\nB,2,40,0.5\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"t.csv: line 3, column position \(B\): 40 is outside the scale 0..10"
    ):
        load(path, scale_max=10)
