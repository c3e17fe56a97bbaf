"""A small reader of R-style formulas for strategic models (after R's ``Formula`` package).

``"esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2"`` reads as: the outcome is
given by the binary variables ``esc`` and ``war``; the right-hand side has one part per utility,
separated by ``|``. In each part:

- ``x1 + x2``: an intercept and the covariates (R's default);
- ``x1 + x2 - 1`` (or ``+ 0``): no intercept;
- ``1``: an intercept only; ``0``: the utility is fixed at zero;
- ``.``: every column not on the left-hand side.

A text column (a factor in R) becomes treatment dummies: one column per level but the first in
sorted order, named ``<variable><level>`` as R names them (``regime1dem``). Rows with a missing value
in any variable used are dropped, as R's ``model.frame`` does (``na.omit``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from accord.errors import InputError

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Part:
    """One right-hand-side part: whether it is fixed at zero, has an intercept, and its variables."""

    zero: bool
    intercept: bool
    variables: tuple[str, ...]
    dot: bool = False


@dataclass(frozen=True)
class Formula:
    text: str
    lhs: tuple[str, ...]
    parts: tuple[Part, ...]


def _terms(text: str, where: str) -> list[tuple[str, str]]:
    """Split ``a + b - 1`` into signed terms."""
    s = text.replace(" ", "")
    if not s:
        raise InputError(f"formula {where}: an empty part (write 0 for a utility fixed at zero)")
    out: list[tuple[str, str]] = []
    for m in re.finditer(r"([+-]?)([^+-]+)", s):
        out.append((m.group(1) or "+", m.group(2)))
    if "".join(sign + term for sign, term in out).lstrip("+") != s.lstrip("+"):
        raise InputError(f"formula {where}: cannot read {text!r}")
    return out


def parse_part(text: str, where: str = "") -> Part:
    """Read one right-hand-side part (see the module docstring)."""
    intercept = True
    variables: list[str] = []
    dot = False
    for sign, term in _terms(text, where):
        if term in ("0", "1"):
            # "0" and "- 1" drop the intercept; "1" and "+ 1" keep it
            if term == "0" or sign == "-":
                intercept = False
            continue
        if sign == "-":
            raise InputError(f"formula {where}: removing a variable ({sign}{term}) is not supported")
        if term == ".":
            dot = True
            continue
        if not _NAME.match(term):
            raise InputError(
                f"formula {where}: {term!r} is not a variable name (transformations are not supported)"
            )
        variables.append(term)
    zero = not intercept and not variables and not dot
    return Part(zero=zero, intercept=intercept, variables=tuple(variables), dot=dot)


def parse_formula(text: str) -> Formula:
    """Read ``lhs ~ part1 | part2 | ...``; the left-hand side is one variable or ``a + b (+ c)``."""
    if text.count("~") != 1:
        raise InputError(f"formula {text!r}: need exactly one '~' between the outcome and the utilities")
    left, right = text.split("~")
    lhs = tuple(t.strip() for t in left.split("+"))
    if not all(_NAME.match(v) for v in lhs):
        raise InputError(f"formula {text!r}: the left-hand side must name variables joined by '+'")
    parts = tuple(parse_part(p, f"{text!r} part {i + 1}") for i, p in enumerate(right.split("|")))
    return Formula(text=text, lhs=lhs, parts=parts)


@dataclass(frozen=True)
class Design:
    """A part's design matrix. matrix: (rows, columns); names: R-style column names."""

    matrix: np.ndarray
    names: tuple[str, ...]


def used_variables(formula: Formula, columns: Sequence[str], extra: Sequence[Part] = ()) -> list[str]:
    """Every variable the formula (and extra parts such as an sdformula) reads, in order."""
    out: list[str] = list(formula.lhs)
    for part in (*formula.parts, *extra):
        names = [c for c in columns if c not in formula.lhs] if part.dot else list(part.variables)
        for v in names:
            if v not in out:
                out.append(v)
    return out


def factor_levels(data: Mapping[str, np.ndarray], variables: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The sorted levels of each text variable (R's default factor levels)."""
    levels: dict[str, tuple[str, ...]] = {}
    for v in variables:
        col = np.asarray(data[v])
        if col.dtype.kind in "OUSb" and col.dtype.kind != "b":
            levels[v] = tuple(sorted({str(x) for x in col}))
    return levels


def design(
    part: Part,
    data: Mapping[str, np.ndarray],
    rows: int,
    levels: Mapping[str, tuple[str, ...]],
    lhs: Sequence[str] = (),
) -> Design:
    """The design matrix of one part on ``data`` (columns already stripped of missing rows)."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    if part.intercept:
        cols.append(np.ones(rows))
        names.append("(Intercept)")
    variables = [c for c in data if c not in lhs] if part.dot else list(part.variables)
    for v in variables:
        if v not in data:
            raise InputError(f"formula: no column {v!r} in the data (columns: {', '.join(data)})")
        col = np.asarray(data[v])
        if v in levels:
            text = col.astype(str)
            unknown = set(text) - set(levels[v])
            if unknown:
                raise InputError(
                    f"column {v!r}: levels {sorted(unknown)} were not in the data the model was fit on"
                )
            for lev in levels[v][1:]:
                cols.append((text == lev).astype(float))
                names.append(f"{v}{lev}")
        else:
            cols.append(col.astype(float))
            names.append(v)
    matrix = np.column_stack(cols) if cols else np.zeros((rows, 0))
    return Design(matrix=matrix, names=tuple(names))
