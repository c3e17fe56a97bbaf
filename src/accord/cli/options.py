"""Bounded numeric options shared by the commands: every count, seed and size has a range.

The range is checked while the command line is parsed, before any work, so ``--seed -1`` or
``--bins 1000000000`` ends in one line (``--bins 1000000000: must be at most 10000``) and exit code 2,
never in a traceback or a memory error. The bounds live in :mod:`accord.limits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import typer

from accord.errors import ParameterError
from accord.limits import (
    MAX_BINS,
    MAX_BOOTSTRAP,
    MAX_DRAWS,
    MAX_SEED,
    MAX_SPLITS,
    MAX_WORKERS,
)


def _show(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def bounded(low: float | None, high: float | None) -> Callable[..., Any]:
    """A Typer callback that refuses values outside ``low..high`` (and NaN) with a ParameterError."""

    def check(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        name = max(param.opts, key=len) if param.opts else f"--{param.name}"
        if isinstance(value, float) and math.isnan(value):
            raise ParameterError(f"{name} nan: must be a number")
        if low is not None and value < low:
            least = "0 or more" if low == 0 else f"at least {_show(low)}"
            raise ParameterError(f"{name} {_show(value)}: must be {least}")
        if high is not None and value > high:
            raise ParameterError(f"{name} {_show(value)}: must be at most {_show(high)}")
        return value

    return check


def seed(help: str = "Seed: the same seed gives the same numbers") -> Any:
    """``--seed``: a whole number from 0 to 2**32 - 1 (what NumPy's generators take)."""
    return typer.Option(0, "--seed", callback=bounded(0, MAX_SEED), help=help)


def count(default: int | None, *decls: str, low: int, high: int, help: str, **extra: Any) -> Any:
    """A whole-number option bounded to ``low..high``."""
    return typer.Option(default, *decls, callback=bounded(low, high), help=help, **extra)


def draws(default: int, *decls: str, low: int = 1, help: str = "Number of Monte Carlo draws") -> Any:
    """``--draws``: ``low`` .. :data:`~accord.limits.MAX_DRAWS` (memory is estimated separately)."""
    return count(default, *decls, low=low, high=MAX_DRAWS, help=help)


def bins(default: int = 20, help: str = "Histogram bins over each issue's scale") -> Any:
    return count(default, "--bins", low=1, high=MAX_BINS, help=help)


def bootstrap(default: int = 1000, help: str = "Bootstrap replicates (resampling proposals)") -> Any:
    return count(default, "--bootstrap", low=0, high=MAX_BOOTSTRAP, help=help)


def splits(default: int = 5, help: str = "Cross-validation folds") -> Any:
    return count(default, "--splits", low=2, high=MAX_SPLITS, help=help)


def workers(help: str = "Run on a local Dask cluster of this many worker processes") -> Any:
    return count(None, "--workers", low=1, high=MAX_WORKERS, help=help)


def jobs(
    help: str = (
        "Local processes for the blocks of draws (default: one per usable core where processes fork, "
        "Linux; 1: in this process; the numbers do not change)"
    ),
) -> Any:
    return count(None, "--jobs", "-j", low=1, high=MAX_WORKERS, help=help)


def non_negative(default: float | None, *decls: str, high: float, help: str, **extra: Any) -> Any:
    """A number from 0 to ``high`` (NaN is refused: it fails both comparisons)."""
    return typer.Option(default, *decls, callback=bounded(0.0, high), help=help, **extra)
