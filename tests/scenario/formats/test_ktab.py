"""KTAB's CSV input: the bundled files, their variants, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import DATA, EXAMPLES, need

from accord.errors import InputError
from accord.problem import to_problem
from accord.scenario.io import detect_format, load

KTAB = DATA / "ktab"

GOOD = """DummyData ,"A test",3,2,
Actor,Description,Power,Pstn1,Sal1,Pstn2,Sal2,
A-1, First actor, 10.5, 75.79, 49.53,  6.37,  5.91,
A-2, Second actor,  53, 82.72, 30.33, 73.50, 21.22,
A-3, Third actor, 1, 0, 0, 100, 100,
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "actors", "issues"),
    [
        ("dummyData_3Dim", 7, 3),
        ("dummyData_3Dim-no-final-comma", 7, 3),
        ("dummyData_6Dim", 27, 6),
        ("SOE-Policy", 26, 1),
        ("SOE-Pol-Comp", 13, 2),
        ("SOE-Competitive", 34, 1),
        ("dummyData-a040", 40, 1),
        ("dummyData-a160", 160, 1),
    ],
)
def test_bundled_files_load(name: str, actors: int, issues: int) -> None:
    path = need(KTAB / f"{name}.csv")
    assert detect_format(path, path.read_bytes()) == "ktab"
    s = load(path)
    assert len(s.actors) == actors and len(s.issues) == issues
    assert s.salience_scale == 100
    assert all(i.scale.min == 0 and i.scale.max == 100 for i in s.issues)


def test_values_and_names(tmp_path: Path) -> None:
    s = load(_write(tmp_path, GOOD))
    assert s.name == "DummyData" and s.description == "A test"
    assert [a.id for a in s.actors] == ["A-1", "A-2", "A-3"]
    assert s.actors[0].name == "First actor"
    assert s.actors[0].capability == 10.5
    assert [i.id for i in s.issues] == ["Pstn1", "Pstn2"]
    stance = s.actors[1].positions["Pstn2"]
    assert (stance.position, stance.salience) == (73.5, 21.22)
    p = to_problem(s)
    np.testing.assert_allclose(p.salience[0], [0.4953, 0.0591])
    assert s.meta["ktab"]["actor_descriptions"]["A-3"] == "Third actor"


def test_shared_descriptions_are_not_names() -> None:
    s = load(need(KTAB / "dummyData_3Dim.csv"))
    assert all(a.name == "" for a in s.actors)  # all "Random Spatial Actor": the id is the label


def test_final_comma_makes_no_difference() -> None:
    a = to_problem(load(need(KTAB / "dummyData_3Dim.csv")))
    b = to_problem(load(need(KTAB / "dummyData_3Dim-no-final-comma.csv")))
    np.testing.assert_array_equal(a.position, b.position)
    np.testing.assert_array_equal(a.salience, b.salience)
    np.testing.assert_array_equal(a.capability, b.capability)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace(",3,2,", ",4,2,", 1), "announces 4 actors, but the file has 3"),
        (lambda t: t.replace(",3,2,", ",3,3,", 1), "line 2: the header has 7 columns, but 3 dimension"),
        (lambda t: t.replace("82.72", "8x.72"), "line 4, column 4 (Pstn1): '8x.72' is not a number"),
        (lambda t: t.replace(" 21.22,", ""), "line 4: expected 7 columns, got 6"),
        (lambda t: t.replace("82.72", "182.72"), "line 4, column 4 (Pstn1): 182.72 is outside 0..100"),
        (
            lambda t: t.replace("0, 0, 100, 100", "0, 50, 100, 60"),
            "line 5: actor 'A-3' has saliences adding up to 110",
        ),
        (lambda t: t.replace("10.5", "-1"), "line 3, column 3 (Power): -1 is negative"),
        (lambda t: t.replace("A-2,", "A-1,"), "line 4, column 1: actor 'A-1' already appears on line 3"),
        (lambda t: t.replace("Power", "Votes"), "line 2, column 3: expected 'Influence' or 'Power'"),
        (lambda t: t.replace(",3,2,", ",three,2,", 1), "line 1, column 3: 'three' is not a number of actors"),
    ],
)
def test_bad_input_names_line_and_column(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, edit(GOOD))
    with pytest.raises(InputError, match="^" + str(path).replace(".", r"\.") + ": ") as err:
        load(path, "ktab")
    assert message in str(err.value)


def test_soe_policy_example_equals_the_csv() -> None:
    example = load(EXAMPLES / "SOE-Policy.yaml")
    csv = load(need(KTAB / "SOE-Policy.csv"))
    assert [a.id for a in example.actors] == [a.id for a in csv.actors]
    a, b = to_problem(example), to_problem(csv)
    for field in ("position", "salience", "capability", "scale_min", "scale_max"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert example.issues[0].scale.min_label != "min" and example.issues[0].scale.max_label != "max"
    assert any("Efird" in s for s in example.sources)
