"""Scenarios: the validated description of a negotiation, and its readers and writers."""

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
