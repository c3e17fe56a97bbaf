"""Reading and writing scenarios in every supported format.

Each foreign format lives in its own module under :mod:`accord.scenario.formats` and
exposes ``sniff(path, head) -> bool`` (does this content look like mine?) and
``read(path, data, **options) -> Scenario``; writers expose ``write(scenario, path)``.
The format is detected from content (then from the file suffix) unless given.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from accord.errors import InputError
from accord.limits import read_input
from accord.outputs import check_output, write_output
from accord.scenario.formats import READERS, WRITERS
from accord.scenario.formats import SUFFIX_WRITERS as _SUFFIX_WRITERS
from accord.scenario.model import Scenario


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"accord.scenario.formats.{name}")


def read_bytes(path: Path) -> bytes:
    """Read a scenario file's bytes: a regular file within the size limit (see :mod:`accord.limits`)."""
    data = read_input(path, what="scenario file")
    if not data.strip():
        raise InputError("the file is empty", source=str(path))
    return data


def decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) and normalise CR and CRLF line endings."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("the file is UTF-16 text; save it as UTF-8", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + (head.count(b"\r") if b"\n" not in data else 0) + 1
        raise InputError(
            f"line {line}: not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            source=source,
        ) from None
    if "\x00" in text:
        raise InputError("the file holds NUL bytes: it is binary, not a text scenario", source=source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(path: Path, data: bytes) -> str:
    """Name the reader for this content; raises InputError when nothing recognises it."""
    seen: set[str] = set()
    for name, mod in READERS.items():
        if mod in seen:
            continue
        seen.add(mod)
        try:
            module = _module(mod)
        except ModuleNotFoundError:
            continue
        found = module.sniff(path, data)
        if found:
            return found if isinstance(found, str) else name
    raise InputError(
        "unrecognised format; give --input-format (one of: " + ", ".join(sorted(READERS)) + ")",
        source=str(path),
    )


def load(path: str | Path, input_format: str | None = None, **options: Any) -> Scenario:
    """Load and validate a scenario file of any supported format."""
    p = Path(path)
    data = read_bytes(p)
    fmt = input_format or detect_format(p, data)
    if fmt not in READERS:
        raise InputError(
            f"unknown input format {fmt!r} (one of: {', '.join(sorted(READERS))})", source=str(p)
        )
    module = _module(READERS[fmt])
    scenario: Scenario = module.read(p, data, fmt=fmt, **options)
    return scenario


def save(
    scenario: Scenario,
    path: str | Path,
    output_format: str | None = None,
    *,
    force: bool = False,
    inputs: Iterable[str | Path | None] = (),
    make_dirs: bool = False,
) -> None:
    """Write a scenario; the format follows ``output_format`` or the file suffix.

    The file is written by :func:`accord.outputs.write_output`: never onto one of ``inputs``, never over
    an existing file without ``force``, never through a symlink, atomically.
    """
    p = Path(path)
    fmt = output_format or _SUFFIX_WRITERS.get(p.suffix.lower())
    if fmt is None or fmt not in WRITERS:
        raise InputError(
            f"cannot tell the output format from {p.suffix or 'no suffix'!r}; "
            f"use one of {', '.join(sorted(_SUFFIX_WRITERS))}",
            source=str(p),
        )
    check_output(p, force=force, inputs=inputs, make_dirs=make_dirs)
    text: str = _module(WRITERS[fmt]).dumps(scenario, fmt=fmt, source=str(p))
    write_output(p, text, force=force, inputs=inputs, make_dirs=make_dirs)


def validate(data: Any, source: str) -> Scenario:
    """Build a Scenario from plain data, turning validation errors into one clear message."""
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping at the top level, got {type(data).__name__}", source=source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(format_validation_error(exc, data), source=source) from None


def format_validation_error(exc: ValidationError, data: Any = None) -> str:
    """Every validation error as ``field.path: what is wrong``, all at once (``N problems: a; b``)."""
    errors = exc.errors()
    texts = []
    for err in errors:
        where = _loc(err["loc"], data)
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        msg = _plain_message(err, msg)
        texts.append(f"{where}: {msg}" if where else msg)
    if len(texts) == 1:
        return texts[0]
    return f"{len(texts)} problems: " + "; ".join(texts)


_KIND = {
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "list_type": "a list",
    "string_type": "text",
}


def _plain_message(error: Any, msg: str) -> str:
    """pydantic's wording for one error, rephrased as what is wrong with which value."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        if value is None:
            # `{name: Smith, John}` reads as name: Smith plus a key `John` without a value
            return (
                "unknown field without a value: in a {...} mapping a comma inside a value starts a "
                'new key; quote the value (e.g. name: "Smith, John"), or check the field\'s spelling'
            )
        return "unknown field (check its spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        if value is None or (isinstance(value, str) and not value.strip()):
            return "empty; a number is required"
        return f"{value!r} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value}"
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        op, key = bounds[kind]
        bound = ctx.get(key)
        shown = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"must be {op} {shown}, got {_show(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {value!r}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false, got {value!r}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return f"{value!r} is not a date (write YYYY-MM-DD)"
    if kind in _KIND:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return f"expected {_KIND[kind]}, got {type(value).__name__} {shown}"
    return msg


def _show(value: Any) -> str:
    """A number as the user wrote it (``-3``, not ``-3.0``); anything else quoted."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _loc(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list | tuple) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict) and node.get("id") not in (None, ""):
                    label += f" ({node['id']})"
            else:
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)
