"""The examples in the API's docstrings run and print what they show (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

from conftest import DATA, ROOT, need

MODULES = (
    "accord.api",
    "accord.api.params",
    "accord.api.results",
    "accord.api.whatif",
    "accord.scenario.edit",
    "accord.scenario.frames",
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module(name)
    if name == "accord.api":
        need(DATA / "ceasefires" / "cfd_1989_2016.csv")
        need(DATA / "deu" / "deu_dev.tsv")
    monkeypatch.chdir(ROOT)  # the examples read examples/... from the repository root
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, extraglobs={"DATA": DATA}, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"


def test_every_public_function_has_an_example() -> None:
    import accord.api as api
    from accord.scenario.edit import ScenarioEditing

    missing = [f for f in api.__all__ if ">>>" not in (getattr(api, f).__doc__ or "")]
    missing += [
        m
        for m in vars(ScenarioEditing)
        if not m.startswith("_") and ">>>" not in (getattr(ScenarioEditing, m).__doc__ or "")
    ]
    assert not missing
