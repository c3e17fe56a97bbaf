"""Shared output helpers for CLI commands: JSON, and Rich tables that fit 80 columns."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from accord.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

FORMATS_TABLE = ("table", "json", "csv")

# every command that writes a file takes these two, and passes them to accord.outputs.write_output
FORCE = typer.Option(False, "--force", help="Overwrite the output file if it exists (never an input)")
MAKE_DIRS = typer.Option(False, "--make-dirs", help="Create the output file's folder if it is missing")


def console() -> Console:
    from rich.console import Console  # Rich loads when a command prints, not at start-up

    return Console(width=80, highlight=False, soft_wrap=False)


def dump_json(data: Any) -> str:
    """Strict JSON: a NaN or infinite value becomes null, and a top-level ``null_reasons`` mapping
    (see :func:`accord.outputs.json_ready`) says which and why."""
    from accord.outputs import NULL_REASONS, json_ready

    clean, reasons = json_ready(data)
    if reasons and isinstance(clean, dict):
        clean[NULL_REASONS] = {**clean.get(NULL_REASONS, {}), **reasons}
    return json.dumps(clean, indent=2, ensure_ascii=False, allow_nan=False)


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(allowed)}")
    return fmt


def fmt_num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
