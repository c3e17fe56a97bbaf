"""Limits at every edge: what accord accepts before it spends memory or time on it.

One place for every bound on input (file size, nesting depth, alias and entity expansion, spreadsheet
dimensions, integer literal length) and for the memory estimate that runs before a large allocation.
Each limit can be raised with an environment variable where a user may legitimately need more.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from accord.errors import InputError, ParameterError


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(f"${name}={raw!r}: expected a whole number") from None
    if value <= 0:
        raise ParameterError(f"${name}={raw!r}: must be positive")
    return value


def max_input_bytes() -> int:
    """The largest input file accepted (default 64 MiB; ``$ACCORD_MAX_INPUT_MB`` raises it)."""
    return _env_int("ACCORD_MAX_INPUT_MB", 64) * 1024 * 1024


MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a YAML or JSON scenario (real scenarios nest about 6 deep)."""
MAX_NODES = 1_000_000
"""Most YAML nodes after aliases are expanded (an alias bomb expands to billions)."""
MAX_INT_DIGITS = 100
"""Longest integer literal (Python refuses to parse past 4300 digits, and no quantity needs 100)."""
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 2_000
MAX_SHEET_CELLS = 5_000_000
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
"""Largest total size of a workbook's unpacked parts (a zip bomb unpacks to gigabytes)."""


# bounds on counts that commands and API functions take (each far above any real use, far below harm)
MAX_SEED = 2**32 - 1
MAX_DRAWS = 10_000_000
"""Most Monte Carlo draws per run; the memory estimate (:func:`check_memory`) refuses sooner when the
scenario is large."""
MAX_SENSITIVITY_DRAWS = 1_000_000
MAX_BINS = 10_000
MAX_BOOTSTRAP = 1_000_000
MAX_SPLITS = 1_000
MAX_WORKERS = 1_024
MAX_DAYS = 36_525
"""Longest span in days a user may give (100 years), e.g. a fixed term."""
MAX_TURNS = 1_000
"""Most rounds an iterative model (SMP, EUM, exchange) may be asked to run."""


def max_memory_bytes() -> int:
    """Largest single array a command may allocate (default 4 GiB; ``$ACCORD_MAX_MEMORY_MB`` changes it)."""
    return _env_int("ACCORD_MAX_MEMORY_MB", 4096) * 1024 * 1024


def read_input(path: str | os.PathLike[str], *, what: str = "input file") -> bytes:
    """Read an input file's bytes: regular files only, at most :func:`max_input_bytes`.

    A device (``/dev/zero``), a FIFO or a socket would be read forever or block, so they are refused
    before they are opened; a folder, a missing file and an unreadable one get their own message.
    """
    p = Path(path)
    src = str(p)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError("file not found", source=src) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=src) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"is a directory, not an {what}", source=src)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"is not a regular file (a device, FIFO or socket); give an {what}", source=src)
    limit = max_input_bytes()
    if st.st_size > limit:
        raise InputError(
            f"is {st.st_size / 2**20:.1f} MiB, above the limit of {limit / 2**20:.0f} MiB "
            "(set ACCORD_MAX_INPUT_MB to raise it)",
            source=src,
        )
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the stat, open does not hang
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=src) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise InputError(f"is not a regular file; give an {what}", source=src)
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=src) from None
    if len(data) > limit:
        raise InputError(f"is above the limit of {limit / 2**20:.0f} MiB", source=src)
    return data


def check_depth(data: Any, source: str | None = None, limit: int = MAX_DEPTH) -> None:
    """Refuse data nested deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list | tuple):
            if depth > limit:
                raise InputError(f"nested more than {limit} levels deep", source=source)
            children: Iterable[Any] = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children)


def check_int_literal(text: str, where: str, source: str | None = None) -> None:
    """Refuse an integer literal longer than :data:`MAX_INT_DIGITS` digits."""
    digits = sum(ch.isdigit() for ch in text)
    if digits > MAX_INT_DIGITS:
        raise InputError(
            f"{where}an integer of {digits} digits is too long (at most {MAX_INT_DIGITS})", source=source
        )


def check_sheet_size(rows: int | None, columns: int | None, sheet: str, source: str) -> None:
    """Refuse a worksheet whose declared dimensions are absurd, before any cell is loaded."""
    if rows is None or columns is None:
        return
    if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS:
        raise InputError(
            f"sheet {sheet!r} spans {rows} rows x {columns} columns, above the limit of "
            f"{MAX_SHEET_ROWS} rows, {MAX_SHEET_COLUMNS} columns and {MAX_SHEET_CELLS} cells "
            "(is there a stray cell far below or to the right of the table?)",
            source=source,
        )


def estimate_bytes(*shape: int, itemsize: int = 8, arrays: int = 1) -> int:
    """Bytes of ``arrays`` float arrays of this shape (exact integer arithmetic, no overflow)."""
    return math.prod(int(n) for n in shape) * itemsize * arrays


def check_memory(
    what: str,
    *shape: int,
    itemsize: int = 8,
    arrays: int = 1,
    hint: str = "use fewer --draws, split the run with --workers, or run it on a Dask cluster",
) -> None:
    """Refuse an allocation estimated above :func:`max_memory_bytes`, before it is attempted.

    ``shape`` is the array's shape (for draws: draws x actors x issues); ``arrays`` how many such
    arrays live at once. Raises :class:`~accord.errors.ParameterError` with ``hint``.
    """
    need = estimate_bytes(*shape, itemsize=itemsize, arrays=arrays)
    limit = max_memory_bytes()
    if need > limit:
        raise ParameterError(
            f"{what} would need about {_human(need)} of memory, above the limit of "
            f"{_human(limit)} (ACCORD_MAX_MEMORY_MB); {hint}"
        )


def check_draws_memory(
    what: str,
    draws: int,
    actors: int,
    issues: int,
    per_draw: int = 0,
    *,
    processes: int = 1,
    block: int = 0,
) -> None:
    """The memory estimate before a Monte Carlo run: ``draws x actors x issues`` values (the drawn
    positions, saliences and powers) plus ``per_draw`` values kept per draw (outcomes per model and
    issue, acceptance per proposal), 8 bytes each; refuses above :func:`max_memory_bytes`.

    With ``processes`` > 1 local worker processes evaluating blocks of ``block`` draws, each also
    holds its block's drawn values, and this process receives every draw's results as a copy
    before it joins them (``per_draw`` twice)."""
    cells = max(1, int(actors)) * max(1, int(issues))
    kept = max(0, int(per_draw))
    values = int(draws) * (cells + kept)
    if processes > 1:
        values += int(processes) * min(int(block), int(draws)) * cells + int(draws) * kept
    check_memory(what, values)


def _human(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,} bytes"
