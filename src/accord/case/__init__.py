"""The case analysis: every analysis of one scenario, gathered once into a typed, frozen result.

``analyze_case(scenario)`` returns a :class:`CaseAnalysis` (summary first: the verdict, its
confidence, what it takes, what to table, whether it would hold, the caveats; then the evidence).
``CaseAnalysis.to_dict()`` is its JSON (first key ``summary``), ``CaseAnalysis.from_dict`` reads it
back and :func:`json_schema` is its schema (``docs/case-analysis.schema.json``). The CLI, the
report, the API and the browser render it and compute nothing themselves.

Every name loads on first use (PEP 562): the result types (pydantic) on first use of one of them,
the analysis itself (the models, the mediator's solvers) on first use of :func:`analyze_case`, so
``accord.case.defaults`` (the command line's defaults) loads alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord import _submodule

if TYPE_CHECKING:
    from accord.case.analysis import NASH_DIFFERENCE, UTILITY_FORMS, analyze_case
    from accord.case.defaults import DEFAULT_DRAWS, DEFAULT_NOISE
    from accord.case.durability import CEASEFIRE_DATA_ENV, human_days
    from accord.case.model import SCHEMA_VERSION, CaseAnalysis, Summary, json_schema
    from accord.case.summary import summary_lines

_LAZY = {
    "analyze_case": "accord.case.analysis",
    "NASH_DIFFERENCE": "accord.case.analysis",
    "UTILITY_FORMS": "accord.case.analysis",
    "DEFAULT_DRAWS": "accord.case.defaults",
    "DEFAULT_NOISE": "accord.case.defaults",
    "CEASEFIRE_DATA_ENV": "accord.case.durability",
    "human_days": "accord.case.durability",
    "SCHEMA_VERSION": "accord.case.model",
    "CaseAnalysis": "accord.case.model",
    "Summary": "accord.case.model",
    "json_schema": "accord.case.model",
    "summary_lines": "accord.case.summary",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    return _submodule(__name__, name)


__all__ = [
    "CEASEFIRE_DATA_ENV",
    "DEFAULT_DRAWS",
    "DEFAULT_NOISE",
    "NASH_DIFFERENCE",
    "SCHEMA_VERSION",
    "UTILITY_FORMS",
    "CaseAnalysis",
    "Summary",
    "analyze_case",
    "human_days",
    "json_schema",
    "summary_lines",
]
