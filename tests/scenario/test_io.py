"""Loading, saving and format detection (accord.scenario.io) and the native YAML/JSON format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.errors import InputError
from accord.scenario import load, save, validate
from accord.scenario.formats.native import to_data
from accord.scenario.io import decode_text, detect_format, format_validation_error, read_bytes
from conftest import EXAMPLES

DOC: dict[str, Any] = {
    "name": "talks",
    "as_of": "2024-08-20",
    "sources": ["a report"],
    "salience_scale": 100,
    "actors": [
        {
            "id": "us",
            "name": "United States",
            "capability": 3,
            "role": "mediator",
            "group": "west",
            "positions": {"trade": {"position": 80, "salience": 50, "uncertainty": {"position": {"sd": 5}}}},
            "reservation": {"utility": 0.2},
        },
        {
            "id": "eu",
            "positions": {"trade": {"position": 40, "salience": 90}, "aid": {"position": 1, "salience": 10}},
            "reservation": {"point": {"trade": 60}},
        },
        {"id": "cn", "veto": False, "positions": {"aid": {"position": 0, "salience": 100, "power": 2}}},
    ],
    "issues": [
        {
            "id": "trade",
            "name": "Tariffs",
            "scale": {
                "min": 0,
                "max": 100,
                "min_label": "free trade",
                "max_label": "embargo",
                "unit": "%",
                "points": [{"value": 25, "label": "WTO bound rate"}],
            },
            "status_quo": 30,
        },
        {"id": "aid", "scale": {"min": -1, "max": 1}, "outcome": 0.5},
    ],
    "proposals": [{"id": "p1", "name": "bridge", "tabled_by": ["us"], "point": {"trade": 50}}],
    "deal": {"written": True, "mediated": True, "expected_days": 28},
    "meta": {"importer": "test"},
}


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_native_round_trip(tmp_path: Path, suffix: str) -> None:
    s = validate(DOC, "doc")
    path = tmp_path / f"case{suffix}"
    save(s, path)
    assert load(path) == s


def test_yaml_and_json_carry_the_same_data(tmp_path: Path) -> None:
    s = validate(DOC, "doc")
    save(s, tmp_path / "a.yaml")
    save(s, tmp_path / "a.json")
    assert yaml.safe_load((tmp_path / "a.yaml").read_text()) == json.loads((tmp_path / "a.json").read_text())


def test_to_data_leaves_out_defaults_but_keeps_ids_and_name() -> None:
    data = {
        "name": "t",
        "actors": [{"id": "a", "positions": {"x": {"position": 0.0, "salience": 1.0}}}, {"id": "b"}],
        "issues": [{"id": "x"}],
    }
    assert to_data(validate(data, "t")) == data


def test_save_format_from_suffix_or_argument(tmp_path: Path) -> None:
    s = validate(DOC, "doc")
    save(s, tmp_path / "case.yml")
    assert load(tmp_path / "case.yml") == s
    save(s, tmp_path / "case.out", "json")
    assert json.loads((tmp_path / "case.out").read_text())["name"] == "talks"
    with pytest.raises(InputError, match=r"case.txt: cannot tell the output format from '.txt'"):
        save(s, tmp_path / "case.txt")


def test_detect_format_from_content(tmp_path: Path) -> None:
    cases = {
        "a.json": (json.dumps(DOC), "json"),
        "b.yaml": (yaml.safe_dump(DOC), "yaml"),
        "c.txt": ('{"name": "x"}', "json"),
        "d.dat": ("actor,capability,position,salience\nA,1,2,0.5\n", "bdm"),
        "e.dat": ("id,x.position,x.salience\na,1,1\n", "flat"),
    }
    for name, (text, fmt) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert detect_format(path, path.read_bytes()) == fmt, name


def test_input_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "case.txt"
    path.write_text(yaml.safe_dump(DOC), encoding="utf-8")
    with pytest.raises(InputError, match="unrecognised format"):
        load(path)
    assert load(path, "yaml").name == "talks"
    with pytest.raises(InputError, match=r"unknown input format 'toml' \(one of: bdm, "):
        load(path, "toml")


def test_native_rejects_options(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(DOC), encoding="utf-8")
    with pytest.raises(InputError, match=r"options \['sheet'\] do not apply to yaml"):
        load(path, sheet="x")


def test_yaml_dates_stay_dates(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(DOC).replace("'2024-08-20'", "2024-08-20"), encoding="utf-8")
    s = load(path)
    assert s.as_of is not None and s.as_of.isoformat() == "2024-08-20"


def test_decode_text_normalises_line_endings_and_bom() -> None:
    assert decode_text(b"\xef\xbb\xbfa\r\nb\rc\n", "f") == "a\nb\nc\n"


def test_read_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"name: x\n")
    assert read_bytes(path) == b"name: x\n"


def test_format_validation_error_counts_other_problems() -> None:
    from pydantic import ValidationError

    from accord.scenario import Scenario

    doc = {
        "name": "t",
        "actors": [{"id": "a", "capability": -1}, {"id": "b", "capability": "x"}],
        "issues": [],
    }
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(doc)
    text = format_validation_error(info.value, doc)
    # every problem at once, not "and 1 more"
    assert text == (
        "2 problems: actors[0] (a).capability: must be >= 0, got -1; "
        "actors[1] (b).capability: 'x' is not a number"
    )


def test_unquoted_comma_in_a_flow_mapping_gets_a_hint(tmp_path: Path) -> None:
    from accord.scenario import load

    f = tmp_path / "s.yaml"
    f.write_text(
        "name: t\nissues: [{id: x}]\nactors:\n"
        "  - {id: a, name: Smith, John, positions: {x: {position: 1, salience: 1}}}\n"
        "  - {id: b, positions: {x: {position: 2, salience: 1}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load(f)
    assert "actors[0] (a).John: unknown field without a value" in str(info.value)
    assert 'quote the value (e.g. name: "Smith, John")' in str(info.value)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_load_and_round_trip(tmp_path: Path, path: Path) -> None:
    s = load(path)
    save(s, tmp_path / "copy.json")
    assert load(tmp_path / "copy.json") == s
