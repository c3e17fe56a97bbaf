"""The case analysis: every analysis of one scenario, gathered once into a typed, frozen result.

``analyze_case(scenario)`` returns a :class:`CaseAnalysis` (summary first: the verdict, its
confidence, what it takes, what to table, whether it would hold, the caveats; then the evidence).
``CaseAnalysis.to_dict()`` is its JSON (first key ``summary``), ``CaseAnalysis.from_dict`` reads it
back and :func:`json_schema` is its schema (``docs/case-analysis.schema.json``). The CLI, the
report, the API and the browser render it and compute nothing themselves.
"""

from accord.case.analysis import (
    DEFAULT_DRAWS,
    DEFAULT_NOISE,
    NASH_DIFFERENCE,
    UTILITY_FORMS,
    analyze_case,
)
from accord.case.durability import CEASEFIRE_DATA_ENV, human_days
from accord.case.legacy import build_report, durability_for
from accord.case.model import SCHEMA_VERSION, CaseAnalysis, Summary, json_schema
from accord.case.summary import summary_lines

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
    "build_report",
    "durability_for",
    "human_days",
    "json_schema",
    "summary_lines",
]
