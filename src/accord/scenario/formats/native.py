"""accord's native format: YAML or JSON with the structure of :class:`~accord.scenario.Scenario`.

See ``docs/scenario-format.md`` for the fields and a complete example.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from accord.errors import InputError
from accord.limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_NODES, check_depth
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
    """SafeLoader hardened for untrusted files (see :mod:`accord.limits`).

    Keeps dates as strings for pydantic (an impossible date becomes a field error, not a crash),
    rejects duplicate keys and mapping keys that are not scalars, limits nesting depth, the size of
    the document once aliases are expanded, and the length of integer literals.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expanded_size(node)
        return node


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a document that holds more than MAX_NODES nodes once aliases are expanded."""
    sizes: dict[int, int] = {}
    # post-order walk without recursion; aliases make the node graph a DAG, sizes are memoised
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 0) for c in children)
        if total > MAX_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"the document expands to more than {MAX_NODES:,} values through its aliases "
                "(an alias bomb?)",
                node.start_mark,
            )
        sizes[id(node)] = total


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # merge keys (<<) as SafeLoader does
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a plain value, not a {kind}", key_node.start_mark
            )
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    digits = sum(ch.isdigit() or ch in "abcdefABCDEF" for ch in text)
    if digits > MAX_INT_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of {digits} digits is too long (at most {MAX_INT_DIGITS})",
            node.start_mark,
        )
    value: int = yaml.SafeLoader.construct_yaml_int(loader, node)
    return value


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # dates stay text: pydantic parses them and reports an impossible one (2024-13-45) as a field error
    return str(loader.construct_scalar(node))


# YAML 1.1 (PyYAML) reads 1e-3 and 1.0e308 as text; YAML 1.2 and JSON read them as numbers, as users
# expect. The writer knows the same rule, so that the text "1e100" is written quoted and reads back as text.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes text the loader would read as a number."""


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JSONProblem(f"duplicate key {key!r}")
        out[key] = value
    return out


class _JSONProblem(ValueError):
    pass


def _json_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _JSONProblem(f"an integer of {digits} digits is too long (at most {MAX_INT_DIGITS})")
    return int(text)


def _json_constant(name: str) -> float:
    raise _JSONProblem(f"{name} is not a number JSON allows; write a finite number or null")


def _json_depth(text: str) -> int:
    """The deepest bracket nesting in JSON text, outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def parse(text: str, fmt: str, source: str) -> Any:
    if fmt == "json":
        if _json_depth(text) > MAX_DEPTH:
            raise InputError(f"malformed JSON: nested more than {MAX_DEPTH} levels deep", source=source)
        try:
            return json.loads(
                text, object_pairs_hook=_json_object, parse_int=_json_int, parse_constant=_json_constant
            )
        except json.JSONDecodeError as exc:
            raise InputError(
                f"line {exc.lineno}, column {exc.colno}: malformed JSON: {exc.msg}", source=source
            ) from None
        except _JSONProblem as exc:
            raise InputError(f"malformed JSON: {exc}", source=source) from None
        except RecursionError:
            raise InputError("malformed JSON: nested too deeply", source=source) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(0, exc.position)) + 1
        raise InputError(
            f"line {line}: malformed YAML: character {exc.character!r} is not allowed in YAML text",
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
        raise InputError(f"{where}malformed YAML: {' '.join(str(problem).split())}", source=source) from None
    except RecursionError:
        raise InputError("malformed YAML: nested too deeply", source=source) from None
    check_depth(data, source)
    return data


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


def dumps(scenario: Scenario, fmt: str = "yaml", source: str | None = None) -> str:
    """The scenario as YAML or JSON text (what :func:`write` puts in a file)."""
    data = to_data(scenario)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def write(scenario: Scenario, path: Path, fmt: str = "yaml", *, force: bool = False) -> None:
    """Write the scenario safely (see :func:`accord.outputs.write_output`)."""
    from accord.outputs import write_output

    write_output(path, dumps(scenario, fmt, str(path)), force=force)
