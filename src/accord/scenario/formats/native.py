"""accord's native format: YAML or JSON with the structure of :class:`~accord.scenario.Scenario`.

See ``docs/scenario-format.md`` for the fields and a complete example.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from accord.errors import InputError
from accord.scenario.io import decode_text, validate
from accord.scenario.model import Scenario


def sniff(path: Path, data: bytes) -> str | bool:
    suffix = path.suffix.lower()
    head = data.lstrip()[:1]
    if suffix == ".json" or head in (b"{", b"["):
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return False


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings for pydantic and rejects duplicate keys."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse(text: str, fmt: str, source: str) -> Any:
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"line {exc.lineno}, column {exc.colno}: malformed JSON: {exc.msg}", source=source
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}malformed YAML: {problem}", source=source) from None


def read(path: Path, data: bytes, fmt: str = "yaml", **options: Any) -> Scenario:
    if options:
        raise InputError(f"options {sorted(options)} do not apply to {fmt}", source=str(path))
    text = decode_text(data, str(path))
    return validate(parse(text, fmt, str(path)), str(path))


def to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data that :func:`accord.scenario.io.validate` turns back into the same Scenario."""
    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["name"] = scenario.name
    data["actors"] = [
        {"id": a.id, **a.model_dump(mode="json", exclude_none=True, exclude_defaults=True)}
        for a in scenario.actors
    ]
    data["issues"] = [
        {"id": i.id, **i.model_dump(mode="json", exclude_none=True, exclude_defaults=True)}
        for i in scenario.issues
    ]
    return data


def write(scenario: Scenario, path: Path, fmt: str = "yaml") -> None:
    data = to_data(scenario)
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
