"""`accord simulate` end to end: text, JSON, sensitivity, bad arguments."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys

import pytest
import yaml

from accord.cli import main

SCENARIO = {
    "name": "cli mc",
    "actors": [
        {
            "id": "gov",
            "capability": 3,
            "positions": {"x": {"position": 20, "salience": 0.9, "uncertainty": {"position": {"sd": 10}}}},
            "reservation": {"utility": 0.7, "uncertainty": {"utility": {"low": 0.6, "high": 0.8}}},
        },
        {
            "id": "reb",
            "capability": 1,
            "positions": {"x": {"position": 80, "salience": 0.6}},
            "uncertainty": {"capability": {"sd": 0.3}},
        },
        {
            "id": "med",
            "role": "mediator",
            "capability": 2,
            "positions": {"x": {"position": 50, "salience": 0.5}},
        },
    ],
    "issues": [{"id": "x", "name": "Troop withdrawal", "status_quo": 10, "scale": {"min": 0, "max": 100}}],
    "proposals": [{"id": "bridge", "point": {"x": 45}}],
}


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "mc.yaml"
    p.write_text(yaml.safe_dump(SCENARIO))
    return p


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["simulate", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_output(path, capsys) -> None:
    rc, out, err = run(
        capsys, str(path), "--draws", "500", "-m", "compromise", "-m", "nbs", "--format", "json"
    )
    assert rc == 0, err
    data = json.loads(out)
    sim = data["simulation"]
    assert sim["draws"] == 500 and data["sensitivity"] is None
    assert [i["input"] for i in sim["inputs"]] == [
        "position[gov,x]",
        "reservation_utility[gov]",
        "capability[reb]",
    ]
    d = sim["models"]["compromise"]["issues"]["x"]
    qs = [d["quantiles"][k] for k in ("5", "25", "50", "75", "95")]
    assert qs == sorted(qs) and sum(d["counts"]) == 500
    for key in ("point_acceptable", "point"):
        assert key in sim["models"]["nbs"]
    assert 0 <= sim["proposals"]["bridge"]["accepted_by_all_veto"] <= 1
    assert "probability" in sim["zone_exists"]
    # the same seed gives the same document; a progress bar never reaches stdout
    rc2, out2, _ = run(
        capsys, str(path), "--draws", "500", "-m", "compromise", "-m", "nbs", "--format", "json"
    )
    assert out2 == out


def test_text_output_with_sensitivity(path, capsys) -> None:
    rc, out, err = run(
        capsys,
        str(path),
        "-n",
        "300",
        "-m",
        "compromise",
        "--sensitivity",
        "--sensitivity-draws",
        "64",
        "--seed",
        "3",
    )
    assert rc == 0, err
    assert "Troop withdrawal" in out and "95%" in out
    assert "proposal bridge accepted by every veto player" in out
    assert "compromise point forecast stays acceptable" in out
    assert "Sensitivity" in out and "position[gov]" in out
    # one table per issue across the models: the input, its largest total index and where it matters
    assert "the inputs that matter across the models" in " ".join(out.split())
    assert "matters in" in out and "in model" in out
    # the defaults that differ from accord analyze / report are said
    assert "accord analyze and accord report draw every value" in " ".join(out.split())
    assert all(len(line) <= 80 for line in out.splitlines())


def test_sensitivity_json_ranks_inputs(path, capsys) -> None:
    rc, out, err = run(
        capsys,
        str(path),
        "-n",
        "100",
        "-m",
        "compromise",
        "--sensitivity",
        "--sensitivity-draws",
        "128",
        "--format",
        "json",
    )
    assert rc == 0, err
    rank = json.loads(out)["sensitivity"]["models"]["compromise"]["issues"]["x"]
    assert {r["input"] for r in rank} == {"position[gov,x]", "capability[reb]", "reservation_utility[gov]"}
    assert rank[0]["input"] == "position[gov,x]"
    # a reservation utility does not move a forecast
    [res] = [r for r in rank if r["input"] == "reservation_utility[gov]"]
    assert res["ST"] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "--draws 0"),
        (["--workers", "0"], "--workers 0"),
        (["--chunk-blocks", "0"], "--chunk-blocks 0"),
        (["--workers", "2", "--scheduler", "tcp://x:1"], "either --workers or --scheduler"),
        (["--noise", "-0.1"], "--noise"),
        (["--format", "yaml"], "--format"),
        (["-m", "nosuch"], "unknown model"),
    ],
)
def test_bad_arguments_exit_2(path, capsys, args, message) -> None:
    rc, _, err = run(capsys, str(path), *args)
    assert rc == 2
    assert message in err


def test_missing_file_exits_2(tmp_path, capsys) -> None:
    rc, _, err = run(capsys, str(tmp_path / "none.yaml"))
    assert rc == 2 and "not found" in err


def test_sensitivity_without_uncertainty_exits_2(tmp_path, capsys) -> None:
    data = {
        **SCENARIO,
        "actors": [{k: v for k, v in a.items() if k != "uncertainty"} for a in SCENARIO["actors"]],
    }
    for a in data["actors"]:
        a["positions"] = {
            i: {k: v for k, v in st.items() if k != "uncertainty"} for i, st in a["positions"].items()
        }
        if "reservation" in a:
            a["reservation"] = {"utility": a["reservation"]["utility"]}
    p = tmp_path / "fixed.yaml"
    p.write_text(yaml.safe_dump(data))
    rc, _, err = run(capsys, str(p), "--sensitivity")
    assert rc == 2 and "no input is uncertain" in err
    rc, out, _ = run(capsys, str(p), "-n", "10", "-m", "compromise", "--format", "json")
    assert rc == 0 and json.loads(out)["simulation"]["inputs"] == []


PARENT_PROBE = """
import contextlib, io, json, sys
import accord.cli
with contextlib.redirect_stdout(io.StringIO()):
    rc = accord.cli.main(["simulate", {path!r}, "-n", "300", "--sensitivity", "--sensitivity-draws", "8",
                          "-m", "eum", "-m", "smp", "--jobs", "2", "--no-progress", "--format", "json"])
assert rc == 0, rc
print(json.dumps(sorted(m for m in ("scipy.special", "rich.progress") if m in sys.modules)))
"""


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin",
    reason="processes start ahead only where they fork",
)
def test_the_parent_of_local_processes_loads_neither_scipy_special_nor_rich_progress(path) -> None:
    """The workers make the draws (and the swings' input values), so the command's own process
    imports ``scipy.special`` only where it runs tasks itself (models without compiled kernels,
    here none); ``--no-progress`` imports no progress bar."""
    out = subprocess.run(
        [sys.executable, "-c", PARENT_PROBE.format(path=str(path))], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
