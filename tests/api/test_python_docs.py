"""docs/python.md runs: every example on the page, with the output it shows (doctest)."""

from __future__ import annotations

import doctest

import pytest

from conftest import DATA, ROOT, need


def test_python_tutorial_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    need(DATA / "ceasefires" / "cfd_1989_2016.csv")
    need(DATA / "deu" / "deu_dev.tsv")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ACCORD_SHARED", str(DATA.parent))
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False, optionflags=flags)
    assert result.attempted > 30
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in docs/python.md failed"
