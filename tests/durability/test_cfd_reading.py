"""Issue 14: the cease-fire CSV reader refuses impossible codes, years, months and truncated rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from accord import durability as du
from accord.cli import main
from accord.errors import InputError


def cfd_row(cf_id: int, **kw: Any) -> dict[str, Any]:
    """One valid CFD actor row (every required column)."""
    row: dict[str, Any] = {c: 0 for c in du.REQUIRED_COLUMNS}
    row.update(cc=100, cf_id=cf_id, location="Testland", ucdp_acd_id=1, side=2, fixed_time="0")
    row.update(cf_dec_yr=2000, cf_dec_month=1, cf_dec_day=1, ceasefire_class=1, ended=-1)
    row.update(cf_effect_yr=2000, cf_effect_month=1, cf_effect_day=1, end_yr=-1, end_month=-1, end_day=-1)
    row.update(kw)
    return row


def write_cfd(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    p = tmp_path / "cfd.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_clean_table_reads(tmp_path: Path) -> None:
    raw = du.read_cfd(write_cfd(tmp_path, [cfd_row(1), cfd_row(2)]))
    assert len(raw) == 2 and raw["cf_dec_yr"].tolist() == [2000, 2000]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("cf_dec_yr", "inf", "column cf_dec_yr: inf is not a valid code"),
        ("cf_dec_yr", 99999, "column cf_dec_yr: 99999 is not a valid code"),
        ("cf_dec_yr", 1200, "1900..2100"),
        ("end_month", 13, "column end_month: 13 is not a valid code"),
        ("cf_effect_day", 45, "column cf_effect_day"),
        ("ended", 7, "column ended: 7 is not a valid code"),
        ("written", 2.5, "column written: 2.5 is not a valid code"),
        ("cc", -4, "column cc"),
        ("side", "two", "column side: 'two' is not a number"),
    ],
)
def test_bad_codes(tmp_path: Path, field: str, value: Any, fragment: str) -> None:
    p = write_cfd(tmp_path, [cfd_row(1), cfd_row(2, **{field: value})])
    with pytest.raises(InputError, match="row 3") as info:
        du.read_cfd(p)
    assert fragment in str(info.value)


def test_truncated_row(tmp_path: Path) -> None:
    p = write_cfd(tmp_path, [cfd_row(1), cfd_row(2)])
    text = p.read_text().rstrip("\n")
    p.write_text(text.rsplit(",", 5)[0] + "\n")
    with pytest.raises(InputError, match="row 3: .* cells, the header has"):
        du.read_cfd(p)


def test_cli_bad_code_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write_cfd(tmp_path, [cfd_row(1), cfd_row(2, cf_dec_yr="inf")])
    capsys.readouterr()
    assert main(["durability", "--data", str(p), "--no-model"]) == 2
    err = capsys.readouterr().err
    assert "cf_dec_yr" in err and err.count("\n") == 1


def test_fifo_as_data_is_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "cfd.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file|not found"):
        du.read_cfd(fifo)
