"""The case analysis: every analysis of one scenario, gathered once into a typed, frozen result.

``analyze_case(scenario)`` returns a :class:`CaseAnalysis` (summary first: the verdict, its
confidence, what it takes, what to table, whether it would hold, the caveats; then the evidence).
``CaseAnalysis.to_dict()`` is its JSON (first key ``summary``), ``CaseAnalysis.from_dict`` reads it
back and :func:`json_schema` is its schema (``docs/case-analysis.schema.json``). The CLI, the
report, the API and the browser render it and compute nothing themselves.

The result types load at once (pydantic only); the analysis itself (scipy.optimize, the models)
loads on first use of :func:`analyze_case`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord.case.model import (
    DEFAULT_DRAWS,
    DEFAULT_NOISE,
    SCHEMA_VERSION,
    CaseAnalysis,
    Summary,
    json_schema,
)

if TYPE_CHECKING:
    from accord.case.analysis import NASH_DIFFERENCE, UTILITY_FORMS, analyze_case
    from accord.case.durability import CEASEFIRE_DATA_ENV, human_days
    from accord.case.summary import summary_lines

_LAZY = {
    "analyze_case": "accord.case.analysis",
    "NASH_DIFFERENCE": "accord.case.analysis",
    "UTILITY_FORMS": "accord.case.analysis",
    "CEASEFIRE_DATA_ENV": "accord.case.durability",
    "human_days": "accord.case.durability",
    "summary_lines": "accord.case.summary",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'accord.case' has no attribute {name!r}")


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
