"""The Decide (#A/#P/#M/#D) reader: the shipped data sets and every class of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from accord.errors import InputError
from accord.models.baseline import weighted_mean
from accord.problem import to_problem
from accord.scenario.io import detect_format, load
from conftest import DATA, REFERENCE, need

DECIDE = DATA / "decide"
GOOD = ("sample_data.txt", "copenhagen.csv", "cop21.csv")

HEADER = "#A\ta1\tActor one\n#A\ta2\tActor two\n#P\tx\tIssue x\n#P\ty\tIssue y\n"
ROWS = "#D\ta1\tx\t10\t0.5\t1\n#D\ta2\tx\t90\t0.5\t1\n#D\ta1\ty\t20\t0.4\t2\n#D\ta2\ty\t80\t0.6\t1\n"


def _write(tmp_path: Path, text: str, name: str = "case.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load(path, "decide")
    return str(info.value)


@pytest.mark.parametrize("name", GOOD)
def test_reads_the_decide_data_sets(name: str) -> None:
    path = need(DECIDE / name)
    assert detect_format(path, path.read_bytes()) == "decide"
    scenario = load(path)
    n_rows = sum(1 for line in path.read_text().splitlines() if line.lstrip("'").startswith("#D"))
    assert sum(len(a.positions) for a in scenario.actors) == n_rows
    assert all(st.power is not None for a in scenario.actors for st in a.positions.values())


def test_initial_weighted_means_match_decide() -> None:
    """Decide's initial expected outcomes (3 decimals in the reference JSON)."""
    runs = json.loads(need(REFERENCE / "decide" / "runs_seed42.json").read_text())
    for run in runs:
        problem = to_problem(load(need(DECIDE / run["file"])))
        mean, _ = weighted_mean(problem.position, problem.weights(), problem.mask)
        got = dict(zip(problem.issue_ids, problem.to_scale(mean), strict=True))
        assert got.keys() == run["initial_mds"].keys()
        for issue, value in run["initial_mds"].items():
            assert got[issue] == pytest.approx(value, abs=5e-4), (run["file"], issue)


def test_scale_points_and_per_issue_power() -> None:
    scenario = load(need(DECIDE / "sample_data.txt"))
    scale = scenario.issue("tol-hoogte").scale
    assert (scale.min, scale.max) == (0.5, 7.0)
    assert [p.value for p in scale.points] == [0.5, 7.0]
    gl = scenario.actor("GL")
    assert gl.positions["tol-hoogte"].position == 5.0
    assert gl.positions["tol-hoogte"].power == pytest.approx(0.6)
    assert gl.capability == pytest.approx(0.6)


def test_quoted_and_unquoted_are_the_same(tmp_path: Path) -> None:
    plain = load(_write(tmp_path, HEADER + ROWS, "plain.txt"))
    quoted_text = "\n".join(
        "\t".join(f"'{c}'" for c in line.split("\t")) for line in (HEADER + ROWS).splitlines()
    )
    quoted = load(_write(tmp_path, quoted_text + "\n", "quoted.txt"))
    assert plain.model_dump(exclude={"name", "description"}) == quoted.model_dump(
        exclude={"name", "description"}
    )


def test_comments_description_and_semicolons(tmp_path: Path) -> None:
    text = "#O;A small case\n#/;a comment;with fields\n" + (HEADER + ROWS).replace("\t", ";")
    text += "#M;x;0;none\n#M;x;200;all\n"
    scenario = load(_write(tmp_path, text))
    assert scenario.description == "A small case"
    scale = scenario.issue("x").scale
    assert (scale.min, scale.max, scale.min_label, scale.max_label) == (0, 200, "none", "all")
    # power differs per issue: capability is the mean, per-issue power is kept
    a1 = scenario.actor("a1")
    assert a1.capability == pytest.approx(1.5)
    problem = to_problem(scenario)
    np.testing.assert_allclose(problem.power[0], [1.0, 2.0])


def test_copenhagen_with_errors_names_the_lines() -> None:
    message = _error(need(DECIDE / "copenhagen_with_errors.csv"))
    assert "line 86: position 160 of 'Russia' on 'Control' is outside the scale 0..100" in message
    assert "line 87: power -0.247 of 'China India' on 'Control' is negative" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER + ROWS + "#D\ta3\tx\t10\t0.5\t1\n", "line 9: unknown actor 'a3' (no #A record)"),
        (HEADER + ROWS + "#D\ta1\tz\t10\t0.5\t1\n", "line 9: unknown issue 'z' (no #P record)"),
        (HEADER + ROWS + "#M\tz\t0\n", "line 9: scale point for unknown issue 'z'"),
        (HEADER + "#A\ta1\tagain\n" + ROWS, "line 5: duplicate actor 'a1' (first on line 1)"),
        (HEADER + "#P\tx\tagain\n" + ROWS, "line 5: duplicate issue 'x' (first on line 3)"),
        (
            HEADER + ROWS + "#D\ta1\tx\t30\t0.5\t1\n",
            "line 9: second record for 'a1' on 'x' (first on line 5)",
        ),
        (HEADER + "#D\ta1\tx\tten\t0.5\t1\n", "line 5: position of 'a1' on 'x' 'ten' is not a number"),
        (HEADER + "#D\ta1\tx\tnan\t0.5\t1\n", "line 5: position of 'a1' on 'x' nan is not finite"),
        (HEADER + "#D\ta1\tx\t10\t\t1\n", "line 5: an actor-issue record needs actor, issue"),
        (HEADER + "#D\ta1\tx\t10\t0.5\n", "line 5: an actor-issue record needs actor, issue"),
        (HEADER + "#D\ta1\tx\t10\t1.5\t1\n", "line 5: salience 1.5 of 'a1' on 'x' is outside 0..1"),
        (
            HEADER + "#D\ta1\tx\t-5\t0.5\t1\n",
            "line 5: position -5 of 'a1' on 'x' is outside the scale 0..100",
        ),
        (HEADER + "#M\tx\t10\n" + ROWS, "line 5: issue 'x' needs at least two different #M points"),
        (HEADER + "#X\tfoo\n", "line 5: unknown record type '#X'"),
        (HEADER + "hello\tworld\n", "line 5: unknown record type 'hello'"),
        ("#A\ta1\n", "line 1: an actor record needs an id and a name"),
        ("#A\ta1\tone\n#P\tx\tx\n", "a scenario needs at least 2 actors"),
        ("#A\ta1\tone\n#A\ta2\ttwo\n", "no issues (#P records)"),
    ],
)
def test_bad_input_is_reported(tmp_path: Path, text: str, expected: str) -> None:
    message = _error(_write(tmp_path, text))
    assert expected in message
    assert message.startswith(str(tmp_path / "case.txt") + ": ")


def test_many_problems_are_counted(tmp_path: Path) -> None:
    rows = "".join(f"#D\tghost{k}\tx\t10\t0.5\t1\n" for k in range(8))
    message = _error(_write(tmp_path, HEADER + rows))
    assert message.count("unknown actor") == 5
    assert message.endswith("(and 3 more problems)")


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes((HEADER + ROWS).replace("Actor one", "Akt\xf6r").encode("latin-1"))
    assert "not valid UTF-8" in _error(path)


def test_cli_reports_the_error_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from accord.cli import main

    path = _write(tmp_path, HEADER + "#D\ta1\tx\t10\t1.5\t1\n")
    assert main(["validate", str(path)]) == 2
    assert "line 5: salience 1.5" in capsys.readouterr().err
