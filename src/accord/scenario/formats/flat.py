"""Flat tables: one row per actor, as CSV or as an XLSX worksheet.

The layout, documented in ``docs/scenario-format.md``::

    #scenario,EC car emission standards        <- optional rows above the header
    #salience_scale,1
    id,name,capability,role,veto,group,emissions.position,emissions.salience
    #min,,,,,,0,                               <- optional rows below it: one per issue field
    #max,,,,,,10,
    NL,Netherlands,0.08,party,,,4,0.8
    BE,Belgium,0.08,party,,,7,0.4

Header: ``id`` (or ``actor``) is required; ``name``, ``capability`` (default 1),
``role``, ``veto``, ``group`` and ``reservation`` (a reservation utility in [0, 1]) are
optional. Each issue has the columns ``<issue>.position`` and ``<issue>.salience``
(``<issue> position`` with a space also works), and optionally ``<issue>.power`` and
``<issue>.reservation`` (the actor's reservation point on that issue). Header names are
case-insensitive; cells are stripped of surrounding spaces. An actor that sits out an
issue leaves both its position and salience empty.

Rows whose first cell is ``#word`` are directives. Above the header they describe the
scenario: ``#scenario`` (its name), ``#description``, ``#as_of`` (YYYY-MM-DD),
``#source`` (repeatable) and ``#salience_scale`` (1 or 100), with the value in the
second cell. Below the header they describe the issues, with one value per issue in its
``<issue>.position`` column: ``#name``, ``#description``, ``#min``, ``#max``,
``#min_label``, ``#max_label``, ``#unit``, ``#status_quo`` and ``#outcome``. Without
``#min``/``#max`` the scale is 0..100. A first cell of ``#`` alone or ``# text`` is a
comment. The delimiter is a comma, or a tab or semicolon when the header uses one.

XLSX: the sheet named ``scenario`` (or the first sheet; ``sheet=`` picks another) holds
the same table, and errors name the cell (``sheet 'scenario', cell D7``).

The writer writes flat CSV. A flat table cannot hold proposals, labelled scale points,
uncertainty, ``deal`` or ``meta``; writing a scenario that has them raises an
:class:`~accord.errors.InputError` that lists them (use YAML or JSON instead).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accord.errors import InputError
from accord.limits import (
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_UNZIPPED_BYTES,
    check_sheet_size,
)
from accord.scenario.io import decode_text, format_validation_error
from accord.scenario.model import Scenario

# header name (lower case) -> actor field
ACTOR_COLUMNS = {
    "id": "id",
    "actor": "id",
    "name": "name",
    "capability": "capability",
    "role": "role",
    "veto": "veto",
    "group": "group",
    "reservation": "reservation",
}
ISSUE_FIELDS = ("position", "salience", "power", "reservation")
SCENARIO_DIRECTIVES = ("scenario", "description", "as_of", "source", "salience_scale")
ISSUE_DIRECTIVES = (
    "name",
    "description",
    "min",
    "max",
    "min_label",
    "max_label",
    "unit",
    "status_quo",
    "outcome",
)
_NUMERIC_DIRECTIVES = frozenset({"min", "max", "status_quo", "outcome"})
_SCALE_DIRECTIVES = frozenset({"min", "max", "min_label", "max_label", "unit"})
_DIRECTIVE = re.compile(r"#\w")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

Cell = str | float


@dataclass(frozen=True)
class _Row:
    number: int  # the line (CSV) or row (XLSX) where the row starts
    cells: list[Cell]

    def text(self, k: int) -> str:
        if k >= len(self.cells):
            return ""
        value = self.cells[k]
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        return value

    def empty(self) -> bool:
        return all(self.text(k) == "" for k in range(len(self.cells)))


class _Table:
    """The rows of one table, and how to name a place in it in an error message."""

    def __init__(self, source: str, rows: list[_Row], sheet: str | None = None) -> None:
        self.source = source
        self.rows = rows
        self.sheet = sheet
        self.header: list[str] = []

    def where(self, row: int, col: int | None = None) -> str:
        name = self.header[col] if col is not None and col < len(self.header) else ""
        if self.sheet is not None:
            if col is None:
                return f"sheet {self.sheet!r}, row {row}"
            cell = f"sheet {self.sheet!r}, cell {_column_letter(col)}{row}"
            return f"{cell} ({name})" if name else cell
        if col is None:
            return f"line {row}"
        return f"line {row}, column {name!r}" if name else f"line {row}, column {col + 1}"

    def error(self, row: int, col: int | None, message: str) -> InputError:
        return InputError(f"{self.where(row, col)}: {message}", source=self.source)


def _column_letter(col: int) -> str:
    letters = ""
    n = col + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


# -- detection --------------------------------------------------------------------------


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _issue_column(name: str) -> tuple[str, str] | None:
    """``"emissions.position"`` or ``"emissions position"`` -> ``("emissions", "position")``."""
    lower = name.lower()
    for field in ISSUE_FIELDS:
        for sep in (".", " "):
            suffix = sep + field
            if lower.endswith(suffix) and len(name) > len(suffix):
                issue = name[: -len(suffix)].strip()
                if issue:
                    return issue, field
    return None


def _delimiter(line: str) -> str:
    if "\t" in line:
        return "\t"
    if ";" in line and "," not in line:
        return ";"
    return ","


def _is_comment(first: str) -> bool:
    return first.startswith("#") and not _DIRECTIVE.match(first)


def sniff(path: Path, data: bytes) -> str | bool:
    """A workbook, or a CSV whose header has an id column and an ``<issue>.position`` column."""
    if _is_xlsx(data) or path.suffix.lower() == ".xlsx":
        return "xlsx"  # for a broken .xlsx too, so that read says what is wrong with it
    if data.startswith(b"PK\x03\x04"):
        return False
    # the head only, decoded leniently: a table in the wrong encoding is still recognised as one,
    # so that read can say what is wrong with it
    text = data[:65536].decode("utf-8-sig", errors="replace")
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        first = line.split(_delimiter(line), 1)[0].strip().strip('"')
        if first.startswith("#"):
            if _is_comment(first) or first[1:].lower() in SCENARIO_DIRECTIVES:
                continue
            return False
        try:
            header = next(csv.reader([line], delimiter=_delimiter(line)))
        except csv.Error:
            return False
        names = [h.strip() for h in header]
        has_id = any(n.lower() in ("id", "actor") for n in names)
        fields = {f for n in names if (c := _issue_column(n)) for f in (c[1],)}
        return "flat" if has_id and "position" in fields and "salience" in fields else False
    return False


# -- reading ----------------------------------------------------------------------------


def _csv_table(source: str, data: bytes) -> _Table:
    text = decode_text(data, source)
    first = next((ln for ln in text.split("\n") if ln.strip() and not ln.lstrip('"').startswith("#")), "")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first), strict=True)
    rows: list[_Row] = []
    start = 1
    try:
        for cells in reader:
            rows.append(_Row(start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: malformed CSV: {exc}", source=source) from None
    return _Table(source, rows)


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_unzipped_size(data: bytes, source: str) -> None:
    """Refuse a workbook whose parts unpack to more than MAX_UNZIPPED_BYTES (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # openpyxl says what is wrong with it
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            f"the workbook unpacks to {total / 2**20:,.0f} MiB, above the limit of "
            f"{MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB",
            source=source,
        )


def _xlsx_table(source: str, data: bytes, sheet: str | None) -> _Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not data.startswith(b"PK\x03\x04"):
        raise InputError(
            "not an XLSX workbook (the file is not a zip archive); save it from the spreadsheet "
            "as .xlsx, or as CSV",
            source=source,
        )
    _check_unzipped_size(data, source)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise InputError(f"not a readable XLSX workbook: {_one_line(exc)}", source=source) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises anything on a damaged part
        raise InputError(
            f"not a readable XLSX workbook: {type(exc).__name__}: {_one_line(exc)}", source=source
        ) from None
    try:
        return _xlsx_rows(wb, source, sheet)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged worksheet part fails while its cells are read
        raise InputError(
            f"not a readable XLSX workbook: {type(exc).__name__}: {_one_line(exc)}", source=source
        ) from None
    finally:
        wb.close()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _xlsx_rows(wb: Any, source: str, sheet: str | None) -> _Table:
    """The cells of the chosen sheet, with its size checked before and while they are read."""
    names = list(wb.sheetnames)
    if sheet is None:
        name = "scenario" if "scenario" in names else names[0]
    elif sheet in names:
        name = sheet
    else:
        raise InputError(
            f"the workbook has no sheet {sheet!r} (sheets: {', '.join(map(repr, names))})", source=source
        )
    ws = wb[name]
    # the declared dimensions first: a stray cell at XFD1048576 is refused before any cell is read
    check_sheet_size(ws.max_row, ws.max_column, name, source)
    # then the cells themselves, in case the declaration is missing or wrong
    ws.reset_dimensions()
    rows = []
    cells = 0
    for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
        width = len(values)
        while width and values[width - 1] is None:
            width -= 1
        cells += width
        if r > MAX_SHEET_ROWS or width > MAX_SHEET_COLUMNS or cells > MAX_SHEET_CELLS:
            raise InputError(
                f"sheet {name!r} reaches row {r}, column {_column_letter(max(width, 1) - 1)} "
                f"({cells:,} cells so far), above the limit of {MAX_SHEET_ROWS:,} rows, "
                f"{MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells "
                "(is there a stray cell far below or to the right of the table?)",
                source=source,
            )
        rows.append(_Row(r, [_xlsx_cell(v) for v in values[:width]]))
    if all(row.empty() for row in rows):
        raise InputError(f"sheet {name!r} is empty", source=source)
    return _Table(source, rows, sheet=name)


def _number(table: _Table, row: _Row, col: int) -> float | None:
    """The cell as a finite number, None when empty."""
    value = row.cells[col] if col < len(row.cells) else ""
    if isinstance(value, float):
        number = value
        text = repr(value)
    else:
        text = value
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            hint = ""
            if re.fullmatch(r"[-+]?\d+,\d+", text):
                hint = " (write the decimal separator as a point)"
            raise table.error(row.number, col, f"{text!r} is not a number{hint}") from None
    if not math.isfinite(number):
        raise table.error(row.number, col, f"must be a finite number, got {text}")
    return number


def _required(table: _Table, row: _Row, col: int) -> float:
    number = _number(table, row, col)
    if number is None:
        raise table.error(row.number, col, "empty; a number is required")
    return number


@dataclass
class _Layout:
    actor_cols: dict[str, int]
    issue_cols: dict[str, dict[str, int]]  # issue id -> field -> column

    def column_of(self, issue: str | None, field: str) -> int | None:
        if issue is None:
            return self.actor_cols.get(field)
        return self.issue_cols.get(issue, {}).get(field)


def _parse_header(table: _Table, row: _Row) -> _Layout:
    table.header = [row.text(k) for k in range(len(row.cells))]
    actor_cols: dict[str, int] = {}
    issue_cols: dict[str, dict[str, int]] = {}
    for k, name in enumerate(table.header):
        if not name:
            continue
        key = ACTOR_COLUMNS.get(name.lower())
        where: dict[str, int]
        if key is not None:
            where, field = actor_cols, key
        elif (found := _issue_column(name)) is not None:
            issue, field = found
            where = issue_cols.setdefault(issue, {})
        else:
            raise table.error(
                row.number,
                k,
                f"unknown column {name!r}; expected id, name, capability, role, veto, group, reservation, "
                "or <issue>.position, <issue>.salience, <issue>.power, <issue>.reservation",
            )
        if field in where:
            raise table.error(row.number, k, f"duplicate column (also column {where[field] + 1})")
        where[field] = k
    if "id" not in actor_cols:
        raise table.error(row.number, None, "the header has no id (or actor) column")
    if not issue_cols:
        raise table.error(
            row.number, None, "the header has no issue columns (<issue>.position and <issue>.salience)"
        )
    for issue, cols in issue_cols.items():
        for need, other in (("position", "salience"), ("salience", "position")):
            if need not in cols:
                raise table.error(
                    row.number, cols[other], f"issue {issue!r} has no {issue}.{need} column to go with it"
                )
    return _Layout(actor_cols, issue_cols)


def _check_unused(table: _Table, row: _Row, used: set[int], what: str) -> None:
    for k in range(len(row.cells)):
        if k not in used and row.text(k):
            raise table.error(row.number, k, f"unexpected value {row.text(k)!r} in a {what} row")


def _scenario_directive(table: _Table, row: _Row, doc: dict[str, Any]) -> None:
    word = row.text(0)[1:].lower()
    if word not in SCENARIO_DIRECTIVES:
        raise table.error(
            row.number,
            0,
            f"unknown directive {row.text(0)!r} above the header; expected one of "
            + ", ".join("#" + d for d in SCENARIO_DIRECTIVES),
        )
    _check_unused(table, row, {0, 1}, f"#{word}")
    value = row.text(1)
    if word == "source":
        doc.setdefault("sources", []).append(value)
        return
    key = {"scenario": "name"}.get(word, word)
    if key in doc:
        raise table.error(row.number, 0, f"#{word} is given twice")
    if word == "salience_scale":
        if value not in ("1", "100"):
            raise table.error(row.number, 1, f"#salience_scale must be 1 or 100, got {value!r}")
        doc[key] = int(value)
    else:
        doc[key] = value


def _issue_directive(
    table: _Table, row: _Row, layout: _Layout, issues: dict[str, dict[str, Any]], lines: dict[str, int]
) -> None:
    word = row.text(0)[1:].lower()
    if word not in ISSUE_DIRECTIVES:
        raise table.error(
            row.number,
            0,
            f"unknown directive {row.text(0)!r} below the header; expected one of "
            + ", ".join("#" + d for d in ISSUE_DIRECTIVES),
        )
    if word in lines:
        raise table.error(row.number, 0, f"#{word} is given twice (also line {lines[word]})")
    lines[word] = row.number
    used = {0}
    for issue, cols in layout.issue_cols.items():
        col = cols["position"]
        used.add(col)
        value: Any
        if word in _NUMERIC_DIRECTIVES:
            value = _number(table, row, col)
            if value is None:
                continue
        else:
            value = row.text(col)
            if not value:
                continue
        target = issues[issue].setdefault("scale", {}) if word in _SCALE_DIRECTIVES else issues[issue]
        target[word] = value
    _check_unused(table, row, used, f"#{word}")


def _actor(table: _Table, row: _Row, layout: _Layout) -> dict[str, Any]:
    cols = layout.actor_cols
    if table.sheet is None and len(row.cells) < len(table.header):
        # a CSV row cut short (a truncated file, a lost delimiter) would silently drop positions
        raise table.error(
            row.number,
            None,
            f"{len(row.cells)} cells, the header has {len(table.header)} (a truncated row? "
            "leave a cell empty with a delimiter: a,,b)",
        )
    ident = row.text(cols["id"])
    if not ident:
        raise table.error(row.number, cols["id"], "the actor id is empty")
    actor: dict[str, Any] = {"id": ident}
    for key in ("name", "role", "group"):
        if key in cols and row.text(cols[key]):
            actor[key] = row.text(cols[key])
    if "capability" in cols:
        actor["capability"] = _required(table, row, cols["capability"])
    if "veto" in cols and (veto := row.text(cols["veto"])):
        if veto.lower() in _TRUE:
            actor["veto"] = True
        elif veto.lower() in _FALSE:
            actor["veto"] = False
        else:
            raise table.error(row.number, cols["veto"], f"must be true or false, got {veto!r}")
    reservation: dict[str, Any] = {}
    if "reservation" in cols and (utility := _number(table, row, cols["reservation"])) is not None:
        reservation["utility"] = utility
    positions: dict[str, Any] = {}
    for issue, icols in layout.issue_cols.items():
        position = _number(table, row, icols["position"])
        salience = _number(table, row, icols["salience"])
        if (position is None) != (salience is None):
            empty = icols["position"] if position is None else icols["salience"]
            raise table.error(
                row.number,
                empty,
                "empty; give both position and salience, or leave both empty where the actor sits out",
            )
        if position is not None:
            stance: dict[str, Any] = {"position": position, "salience": salience}
            if "power" in icols and (power := _number(table, row, icols["power"])) is not None:
                stance["power"] = power
            positions[issue] = stance
        if "reservation" in icols and (point := _number(table, row, icols["reservation"])) is not None:
            reservation.setdefault("point", {})[issue] = point
    actor["positions"] = positions
    if reservation:
        actor["reservation"] = reservation
    return actor


def read(path: Path, data: bytes, fmt: str = "flat", sheet: str | None = None, **options: Any) -> Scenario:
    """Read a flat CSV table, or an XLSX worksheet holding the same table."""
    source = str(path)
    if options:
        raise InputError(f"options {sorted(options)} do not apply to {fmt}", source=source)
    if fmt == "xlsx" or data.startswith(b"PK\x03\x04"):
        table = _xlsx_table(source, data, sheet)
    else:
        if sheet is not None:
            raise InputError("the sheet option applies only to XLSX workbooks", source=source)
        table = _csv_table(source, data)
    rows = [r for r in table.rows if not r.empty() and not _is_comment(r.text(0))]
    doc: dict[str, Any] = {}
    k = 0
    while k < len(rows) and rows[k].text(0).startswith("#"):
        _scenario_directive(table, rows[k], doc)
        k += 1
    if k == len(rows):
        raise InputError("no header row (id, name, capability, <issue>.position, ...)", source=source)
    layout = _parse_header(table, rows[k])
    issues: dict[str, dict[str, Any]] = {issue: {"id": issue} for issue in layout.issue_cols}
    directive_lines: dict[str, int] = {}
    actors: list[dict[str, Any]] = []
    actor_lines: list[int] = []
    for row in rows[k + 1 :]:
        if row.text(0).startswith("#"):
            _issue_directive(table, row, layout, issues, directive_lines)
            continue
        if len(row.cells) > len(table.header) and any(
            row.text(c) for c in range(len(table.header), len(row.cells))
        ):
            raise table.error(
                row.number, None, f"{len(row.cells)} cells, but the header has {len(table.header)} columns"
            )
        actors.append(_actor(table, row, layout))
        actor_lines.append(row.number)
    doc.setdefault("name", path.stem)
    doc["actors"] = actors
    doc["issues"] = list(issues.values())
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        message = _locate(format_validation_error(exc, doc), table, layout, actor_lines, directive_lines, doc)
        raise InputError(message, source=source) from None


def _locate(
    message: str,
    table: _Table,
    layout: _Layout,
    actor_lines: list[int],
    directive_lines: dict[str, int],
    doc: dict[str, Any],
) -> str:
    """Rewrite a validation message's field path (``actors[2] (x).capability``) as a line and column."""
    message = message.replace("set salience_scale: 100", "add a row '#salience_scale,100' above the header")
    match = re.match(r"(actors|issues)\[(\d+)\]", message)
    if match is None:
        return message
    kind, index = match.group(1), int(match.group(2))
    items = doc[kind]
    rest = message[match.end() :]
    ident = f" ({items[index]['id']})" if index < len(items) else ""
    if ident and rest.startswith(ident):
        rest = rest[len(ident) :]
    path, sep, what = rest.partition(": ")
    if not sep:
        return message
    path = path.lstrip(".")
    issue_ids = list(layout.issue_cols)
    if kind == "actors":
        line = actor_lines[index]
        col = _actor_column(path, layout, issue_ids)
        actor = "" if col == layout.actor_cols["id"] else f" (actor {items[index]['id']!r})"
        return f"{table.where(line, col)}{actor}: {what}"
    issue = items[index]["id"]
    field = path.split(".")[-1] if path else what.partition(": ")[0]
    if field == "scale":
        field = "max" if "max" in directive_lines else "min"
    directive_line = directive_lines.get(field)
    if directive_line is None:
        return f"issue {issue!r}: {what}"
    return f"{table.where(directive_line, layout.issue_cols[issue]['position'])}: {what}"


def _actor_column(path: str, layout: _Layout, issue_ids: list[str]) -> int | None:
    if path in ("", "id"):
        return layout.actor_cols["id"]
    if path in layout.actor_cols:
        return layout.actor_cols[path]
    if path.startswith("reservation.point."):
        return layout.column_of(path[len("reservation.point.") :], "reservation")
    if path.startswith("reservation"):
        return layout.actor_cols.get("reservation")
    if path.startswith("positions."):
        rest = path[len("positions.") :]
        for issue in issue_ids:
            if rest == issue:
                return layout.column_of(issue, "position")
            if rest.startswith(issue + "."):
                return layout.column_of(issue, rest[len(issue) + 1 :].split(".")[0])
    return None


# -- writing ----------------------------------------------------------------------------


def _text(value: float) -> str:
    """The shortest text that reads back as exactly this float."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def unheld(scenario: Scenario) -> list[str]:
    """What in this scenario a flat table cannot hold (empty when it can hold all of it)."""
    out: list[str] = []
    if scenario.proposals:
        out.append("proposals (" + ", ".join(p.id for p in scenario.proposals) + ")")
    if scenario.deal is not None:
        out.append("deal")
    if scenario.meta:
        out.append("meta")
    for issue in scenario.issues:
        if issue.scale.points:
            out.append(f"labelled scale points of issue {issue.id!r}")
        if issue.uncertainty:
            out.append(f"uncertainty of issue {issue.id!r}")
        if issue.id != issue.id.strip() or issue.id.startswith("#"):
            out.append(f"issue id {issue.id!r} (leading '#' or surrounding spaces)")
    for actor in scenario.actors:
        if actor.uncertainty or any(s.uncertainty for s in actor.positions.values()):
            out.append(f"uncertainty of actor {actor.id!r}")
        if actor.reservation is not None and actor.reservation.uncertainty:
            out.append(f"uncertainty of actor {actor.id!r}'s reservation")
        if actor.id != actor.id.strip() or actor.id.startswith("#"):
            out.append(f"actor id {actor.id!r} (leading '#' or surrounding spaces)")
    return out


def rows(scenario: Scenario) -> list[list[str]]:
    """The flat table of a scenario, row by row (see the module docstring)."""
    out: list[list[str]] = [["#scenario", scenario.name]]
    if scenario.description:
        out.append(["#description", scenario.description])
    if scenario.as_of is not None:
        out.append(["#as_of", scenario.as_of.isoformat()])
    out.extend(["#source", s] for s in scenario.sources)
    if scenario.salience_scale != 1:
        out.append(["#salience_scale", str(scenario.salience_scale)])
    header = ["id", "name", "capability", "role", "veto", "group"]
    has_utility = any(a.reservation and a.reservation.utility is not None for a in scenario.actors)
    if has_utility:
        header.append("reservation")
    issue_fields: list[tuple[str, str]] = []
    for issue in scenario.issues:
        fields = ["position", "salience"]
        if any(issue.id in a.positions and a.positions[issue.id].power is not None for a in scenario.actors):
            fields.append("power")
        if any(
            a.reservation is not None and a.reservation.point and issue.id in a.reservation.point
            for a in scenario.actors
        ):
            fields.append("reservation")
        issue_fields.extend((issue.id, f) for f in fields)
    header.extend(f"{issue}.{field}" for issue, field in issue_fields)
    out.append(header)

    def directive(word: str, values: dict[str, str]) -> list[str]:
        row = [""] * len(header)
        row[0] = "#" + word
        for issue, value in values.items():
            row[header.index(f"{issue}.position")] = value
        return row

    def per_issue(get: Any) -> dict[str, str]:
        return {i.id: get(i) for i in scenario.issues}

    out.append(directive("name", per_issue(lambda i: i.name)))
    if any(i.description for i in scenario.issues):
        out.append(directive("description", per_issue(lambda i: i.description)))
    out.append(directive("min", per_issue(lambda i: _text(i.scale.min))))
    out.append(directive("max", per_issue(lambda i: _text(i.scale.max))))
    out.append(directive("min_label", per_issue(lambda i: i.scale.min_label)))
    out.append(directive("max_label", per_issue(lambda i: i.scale.max_label)))
    if any(i.scale.unit for i in scenario.issues):
        out.append(directive("unit", per_issue(lambda i: i.scale.unit)))
    for field in ("status_quo", "outcome"):
        if any(getattr(i, field) is not None for i in scenario.issues):
            out.append(
                directive(
                    field,
                    per_issue(lambda i, f=field: "" if getattr(i, f) is None else _text(getattr(i, f))),
                )
            )
    for actor in scenario.actors:
        row = [
            actor.id,
            actor.name,
            _text(actor.capability),
            actor.role,
            "" if actor.veto is None else str(actor.veto).lower(),
            actor.group or "",
        ]
        res = actor.reservation
        if has_utility:
            row.append("" if res is None or res.utility is None else _text(res.utility))
        for issue_id, field in issue_fields:
            stance = actor.positions.get(issue_id)
            value: float | None
            if field == "reservation":
                value = res.point.get(issue_id) if res is not None and res.point else None
            elif stance is None:
                value = None
            else:
                value = getattr(stance, field)
            row.append("" if value is None else _text(value))
        out.append(row)
    return out


def dumps(scenario: Scenario, fmt: str = "flat", source: str | None = None) -> str:
    """The scenario as a flat CSV table; refuses what the table cannot hold."""
    missing = unheld(scenario)
    if missing:
        raise InputError(
            "a flat table cannot hold " + "; ".join(missing) + "; write YAML or JSON to keep them",
            source=source,
        )
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows(scenario))
    return buf.getvalue()


def write(scenario: Scenario, path: Path, fmt: str = "flat", *, force: bool = False) -> None:
    """Write the scenario as a flat CSV table, safely (see :func:`accord.outputs.write_output`)."""
    from accord.outputs import write_output

    write_output(path, dumps(scenario, fmt, str(path)), force=force)
