"""Reading and writing scenarios in every supported format.

Each foreign format lives in its own module under :mod:`accord.scenario.formats` and
exposes ``sniff(path, head) -> bool`` (does this content look like mine?) and
``read(path, data, **options) -> Scenario``; writers expose ``write(scenario, path)``.
The format is detected from content (then from the file suffix) unless given.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from accord.errors import InputError
from accord.scenario.model import Scenario

# name -> module under accord.scenario.formats; sniffed in this order (most specific first)
READERS: dict[str, str] = {
    "decide": "decide",
    "ktab-xml": "ktab_xml",
    "ktab": "ktab",
    "deu": "deu",
    "bdm": "bdm",
    "flat": "flat",
    "xlsx": "flat",
    "yaml": "native",
    "json": "native",
}
WRITERS: dict[str, str] = {"yaml": "native", "json": "native", "flat": "flat"}
_SUFFIX_WRITERS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "flat"}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"accord.scenario.formats.{name}")


def read_bytes(path: Path) -> bytes:
    """Read a file's bytes, turning OS errors into an InputError that names the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a scenario file", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
    if not data.strip():
        raise InputError("the file is empty", source=str(path))
    return data


def decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM) and normalise CR and CRLF line endings."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "save the file as UTF-8",
            source=source,
        ) from None
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


def save(scenario: Scenario, path: str | Path, output_format: str | None = None) -> None:
    """Write a scenario; the format follows ``output_format`` or the file suffix."""
    p = Path(path)
    fmt = output_format or _SUFFIX_WRITERS.get(p.suffix.lower())
    if fmt is None or fmt not in WRITERS:
        raise InputError(
            f"cannot tell the output format from {p.suffix or 'no suffix'!r}; "
            f"use one of {', '.join(sorted(_SUFFIX_WRITERS))}",
            source=str(p),
        )
    _module(WRITERS[fmt]).write(scenario, p, fmt=fmt)


def validate(data: Any, source: str) -> Scenario:
    """Build a Scenario from plain data, turning validation errors into one clear message."""
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping at the top level, got {type(data).__name__}", source=source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(format_validation_error(exc, data), source=source) from None


def format_validation_error(exc: ValidationError, data: Any = None) -> str:
    """The first validation error as ``field.path: what is wrong`` (plus a count of others)."""
    errors = exc.errors()
    first = errors[0]
    where = _loc(first["loc"], data)
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if first["type"] == "extra_forbidden":
        msg = "unknown field (check its spelling)"
    elif first["type"] == "missing":
        msg = "required field is missing"
    elif "input" in first and first["type"] in ("float_parsing", "float_type", "int_parsing"):
        msg = f"{first['input']!r} is not a number"
    text = f"{where}: {msg}" if where else msg
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return text


def _loc(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list | tuple) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict) and "id" in node:
                    label += f" ({node['id']})"
            else:
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)
