"""Commands that write files never destroy input (issue 14: lost data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from accord.cli import main
from conftest import EXAMPLES

Cap = pytest.CaptureFixture[str]
EU = EXAMPLES / "eu_emissions.yaml"


def run(capsys: Cap, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    src = tmp_path / "in.yaml"
    shutil.copy(EU, src)
    return src


def test_convert_onto_its_input_is_refused(capsys: Cap, scenario: Path) -> None:
    before = scenario.read_bytes()
    for extra in ([], ["--force"]):
        rc, _, err = run(capsys, "convert", str(scenario), str(scenario), *extra)
        assert rc == 2 and "is an input of this command" in err, err
    assert scenario.read_bytes() == before


def test_convert_needs_force_to_overwrite(capsys: Cap, scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("mine")
    rc, _, err = run(capsys, "convert", str(scenario), str(out))
    assert rc == 2 and "already exists; give --force" in err
    assert out.read_text() == "mine"
    rc, _, _ = run(capsys, "convert", str(scenario), str(out), "--force")
    assert rc == 0 and out.read_text().startswith("{")


def test_convert_does_not_follow_a_symlink(capsys: Cap, scenario: Path, tmp_path: Path) -> None:
    precious = tmp_path / "table.csv"
    precious.write_text("keep me")
    link = tmp_path / "out.yaml"
    link.symlink_to(precious)
    rc, _, err = run(capsys, "convert", str(scenario), str(link))
    assert rc == 2 and "symbolic link" in err
    assert precious.read_text() == "keep me"


def test_convert_missing_folder_needs_make_dirs(capsys: Cap, scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "out.yaml"
    rc, _, err = run(capsys, "convert", str(scenario), str(out))
    assert rc == 2 and "--make-dirs" in err
    rc, _, _ = run(capsys, "convert", str(scenario), str(out), "--make-dirs")
    assert rc == 0 and out.exists()


def test_report_onto_its_input_is_refused(capsys: Cap, scenario: Path) -> None:
    before = scenario.read_bytes()
    rc, _, err = run(capsys, "report", str(scenario), "-o", str(scenario), "--draws", "0", "--force")
    assert rc == 2 and "is an input of this command" in err
    assert scenario.read_bytes() == before


def test_report_refuses_existing_output_before_working(capsys: Cap, scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("old report")
    rc, _, err = run(capsys, "report", str(scenario), "-o", str(out), "--draws", "0")
    assert rc == 2 and "already exists; give --force" in err
    assert out.read_text() == "old report"


def test_report_refuses_a_non_empty_figures_folder(capsys: Cap, scenario: Path, tmp_path: Path) -> None:
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / "notes.txt").write_text("mine")
    rc, _, err = run(capsys, "report", str(scenario), "-o", str(tmp_path / "r.html"), "--figures", str(figs))
    assert rc == 2 and "not empty; give --force" in err
