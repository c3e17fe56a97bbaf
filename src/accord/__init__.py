"""accord: forecast multi-party negotiations with the established models of political science.

The notebook API (:mod:`accord.api`, tutorial in docs/python.md): ``accord.load``,
``accord.forecast``, ``accord.analyze``, ``accord.simulate``, ``accord.sensitivity``,
``accord.sweep``, ``accord.report``, ``accord.durability``, ``accord.backtest``. Every name,
``Scenario`` and ``Problem`` included, is imported on first use (PEP 562), so ``import accord``
loads neither NumPy nor pydantic and the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accord.problem import Problem, to_problem
    from accord.scenario.io import load
    from accord.scenario.model import Scenario

__version__ = "0.1.0"

# name -> the module that defines it, imported on first use
_LAZY = {
    "Problem": "accord.problem",
    "to_problem": "accord.problem",
    "Scenario": "accord.scenario.model",
    "load": "accord.scenario.io",
    # the API's functions
    "analyze": "accord.api",
    "backtest": "accord.api",
    "simulate": "accord.api",
    "sensitivity": "accord.api",
    "sweep": "accord.api",
}
# forecast, report and durability are modules that are also callable (accord.api.callable): they
# load as submodules

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
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    return _submodule(__name__, name)


def _submodule(package: str, name: str) -> Any:
    """``package.name`` as an attribute: the subpackage, imported on first use (``accord.models``
    after ``import accord``, as when the package imported its subpackages eagerly)."""
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
    raise AttributeError(f"module {package!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
