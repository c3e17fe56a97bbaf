"""Scenarios in and out of the server: uploads in every format accord reads, downloads in every
format it writes, and validation errors as a list of field errors with the CLI's messages."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePath
from typing import Any

from pydantic import ValidationError

from accord.errors import InputError
from accord.scenario import io as sio
from accord.scenario.model import Scenario

# download format -> (writer format, suffix, media type)
DOWNLOADS: dict[str, tuple[str, str, str]] = {
    "yaml": ("yaml", ".yaml", "application/yaml"),
    "json": ("json", ".json", "application/json"),
    "csv": ("flat", ".csv", "text/csv"),
}


class ScenarioInvalid(InputError):
    """A scenario that does not validate; ``errors`` lists ``{"field", "message"}``."""

    def __init__(self, errors: list[dict[str, str]], source: str | None = None) -> None:
        self.errors = errors
        first = errors[0]
        text = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        if len(errors) > 1:
            text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        super().__init__(text, source=source)


def to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data in accord's native structure (what a version stores)."""
    from accord.scenario.formats.native import to_data as native

    data: dict[str, Any] = json.loads(json.dumps(native(scenario)))
    return data


def field_errors(exc: ValidationError, data: Any) -> list[dict[str, str]]:
    """Every validation error as ``{"field": "actors[0] (hamas).capability", "message": ...}``, in
    the wording the CLI uses."""
    out: list[dict[str, str]] = []
    for err in exc.errors():
        where = sio._loc(err["loc"], data)
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        msg = sio._plain_message(err, msg)
        if not where and ": " in msg:
            # the scenario's own cross-field checks name the field at the head of the message
            where, msg = msg.split(": ", 1)
        out.append({"field": where, "message": msg})
    return out


def from_data(data: Any, source: str = "scenario") -> Scenario:
    """Validate plain data as a Scenario; raises :class:`ScenarioInvalid` with every field error."""
    if not isinstance(data, dict):
        raise ScenarioInvalid(
            [{"field": "", "message": f"expected a mapping, got {type(data).__name__}"}], source
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioInvalid(field_errors(exc, data), source) from None


def check(data: Any) -> list[dict[str, str]]:
    """The field errors of a scenario given as plain data (empty when it is valid)."""
    try:
        from_data(data)
    except ScenarioInvalid as exc:
        return exc.errors
    return []


def from_upload(filename: str, content: bytes, input_format: str | None = None) -> Scenario:
    """Read an uploaded file in any format accord reads (detected from its content and name)."""
    name = PurePath(filename.replace("\\", "/")).name or "upload"
    path = Path(name)
    if not content.strip():
        raise InputError("the file is empty", source=name)
    fmt = input_format or sio.detect_format(path, content)
    if fmt not in sio.READERS:
        raise InputError(
            f"unknown input format {fmt!r} (one of: {', '.join(sorted(sio.READERS))})", source=name
        )
    scenario: Scenario = sio._module(sio.READERS[fmt]).read(path, content, fmt=fmt)
    return scenario


def render(scenario: Scenario, fmt: str) -> tuple[bytes, str, str]:
    """The scenario as a file: ``(bytes, suffix, media type)``; ``fmt`` one of :data:`DOWNLOADS`."""
    if fmt not in DOWNLOADS:
        raise InputError(f"format {fmt!r}: one of {', '.join(DOWNLOADS)}")
    writer, suffix, media = DOWNLOADS[fmt]
    with tempfile.TemporaryDirectory(prefix="accord-") as tmp:
        path = Path(tmp) / f"scenario{suffix}"
        try:
            sio.save(scenario, path, writer)
        except InputError as exc:
            # the message names the temporary file; name the format instead
            text = str(exc)
            if exc.source and text.startswith(exc.source + ": "):
                text = text[len(exc.source) + 2 :]
            raise InputError(text, source=f"format {fmt}") from None
        return path.read_bytes(), suffix, media
