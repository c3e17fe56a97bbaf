"""Errors a user can act on.

Every error raised for bad input is an :class:`InputError`: the CLI prints its
message on one line and exits with code 2.
"""

from __future__ import annotations


class AccordError(Exception):
    """Base class of accord's own errors."""


class InputError(AccordError):
    """Bad input: the message names the file, the line or field, and what is wrong."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class ParameterError(InputError):
    """A model or command parameter that is unknown or out of range."""
