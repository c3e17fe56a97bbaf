"""accord: forecast multi-party negotiations with the established models of political science.

The notebook API (:mod:`accord.api`, tutorial in docs/python.md): ``accord.load``,
``accord.forecast``, ``accord.analyze``, ``accord.simulate``, ``accord.sensitivity``,
``accord.sweep``, ``accord.report``, ``accord.durability``, ``accord.backtest``. They are
imported on first use, so ``import accord`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from accord.problem import Problem, to_problem
from accord.scenario import Scenario, load

__version__ = "0.1.0"

# the API's functions, imported on first use; forecast, report and durability are modules
# that are also callable (accord.api.callable)
_API = ("analyze", "backtest", "simulate", "sensitivity", "sweep")
_CALLABLE_MODULES = ("forecast", "report", "durability")

__all__ = [
    "Problem",
    "Scenario",
    "__version__",
    "analyze",
    "backtest",
    "durability",
    "forecast",
    "load",
    "report",
    "sensitivity",
    "simulate",
    "sweep",
    "to_problem",
]


def __getattr__(name: str) -> Any:
    if name in _API:
        from accord import api

        return getattr(api, name)
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"accord.{name}")
    raise AttributeError(f"module 'accord' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
