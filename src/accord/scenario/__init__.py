"""Scenarios: the validated description of a negotiation, and its readers and writers.

Every name below is imported on first use (PEP 562), so ``accord.scenario.formats`` (the names
of the formats, for the command line's help) loads without building the pydantic models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from accord import _submodule

if TYPE_CHECKING:
    from accord.scenario.io import load, save, validate
    from accord.scenario.model import (
        Actor,
        Issue,
        Proposal,
        Reservation,
        Scale,
        ScalePoint,
        Scenario,
        Stance,
        Uncertainty,
    )

__all__ = [
    "Actor",
    "Issue",
    "Proposal",
    "Reservation",
    "Scale",
    "ScalePoint",
    "Scenario",
    "Stance",
    "Uncertainty",
    "load",
    "save",
    "validate",
]

_FROM_IO = ("load", "save", "validate")


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = "accord.scenario.io" if name in _FROM_IO else "accord.scenario.model"
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    return _submodule(__name__, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
