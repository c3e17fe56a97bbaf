"""Issue 14: malformed and hostile scenario files end in one clear error, never a crash or a hang."""

from __future__ import annotations

import json
import re
import time
import zipfile
from pathlib import Path

import pytest

from accord.cli import main
from accord.errors import InputError
from accord.scenario import load
from accord.scenario.ids import make_id

Cap = pytest.CaptureFixture[str]

GOOD_YAML = """name: t
actors:
  - id: A
    positions: {x: {position: 10, salience: 1}}
  - id: B
    positions: {x: {position: 90, salience: 1}}
issues:
  - id: x
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def bad(path: Path, capsys: Cap, *fragments: str, fmt: str | None = None) -> str:
    """Loading fails with an InputError naming the file; the CLI prints one line and exits 2."""
    with pytest.raises(InputError) as info:
        load(path, fmt)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    capsys.readouterr()
    args = ["validate", str(path)] + (["--input-format", fmt] if fmt else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return message


# -- YAML ---------------------------------------------------------------------------------------


def test_yaml_list_as_mapping_key(tmp_path: Path, capsys: Cap) -> None:
    p = write(tmp_path, "k.yaml", "name: t\n? [a, b]\n: 1\n")
    bad(p, capsys, "line 2", "a mapping key must be a plain value, not a list")


def test_yaml_mapping_as_mapping_key(tmp_path: Path, capsys: Cap) -> None:
    p = write(tmp_path, "k.yaml", "name: t\n? {a: 1}\n: 1\n")
    bad(p, capsys, "not a mapping")


@pytest.mark.parametrize("depth", [100, 5000])
def test_yaml_deep_nesting(tmp_path: Path, capsys: Cap, depth: int) -> None:
    p = write(tmp_path, "deep.yaml", "name: " + "[" * depth + "]" * depth + "\n")
    bad(p, capsys, "nested more than 64 levels deep")


def test_yaml_deep_block_nesting(tmp_path: Path, capsys: Cap) -> None:
    text = "".join("  " * k + f"k{k}:\n" for k in range(200)) + "  " * 200 + "v\n"
    bad(write(tmp_path, "deep.yaml", text), capsys, "nested more than 64 levels deep")


def test_yaml_integer_of_5000_digits(tmp_path: Path, capsys: Cap) -> None:
    p = write(tmp_path, "int.yaml", GOOD_YAML.replace("position: 10", "position: " + "9" * 5000))
    bad(p, capsys, "an integer of 5000 digits is too long")


def test_yaml_impossible_date(tmp_path: Path, capsys: Cap) -> None:
    p = write(tmp_path, "d.yaml", GOOD_YAML + "as_of: 2024-13-45\n")
    bad(p, capsys, "as_of: '2024-13-45' is not a date")


def test_yaml_valid_date_still_read(tmp_path: Path) -> None:
    p = write(tmp_path, "d.yaml", GOOD_YAML + "as_of: 2024-02-29\n")
    assert str(load(p).as_of) == "2024-02-29"


def test_yaml_alias_bomb_in_a_text_field(tmp_path: Path, capsys: Cap) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]")
    text = GOOD_YAML + "\n".join(lines) + "\ndescription: *a9\n"
    t0 = time.perf_counter()
    bad(write(tmp_path, "bomb.yaml", text), capsys, "alias bomb")
    assert time.perf_counter() - t0 < 20


def test_yaml_few_aliases_still_fine(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("{x: {position: 10, salience: 1}}", "&s {x: {position: 10, salience: 1}}")
    text = text.replace("{x: {position: 90, salience: 1}}", "*s")
    assert load(write(tmp_path, "a.yaml", text)).actors[1].positions["x"].position == 10


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("position: 10", "position: true", "true is a yes/no value, not a number"),
        ("position: 10", "position: '10'", "'10' is quoted text, not a number"),
        ("position: 10", "position: high", "'high' is not a number"),
        ("- id: B", "- id: 'A '", "duplicate id 'A'"),
        ("- id: B", "- id: '   '", "must not be empty"),
    ],
)
def test_yaml_strict_values(tmp_path: Path, capsys: Cap, old: str, new: str, fragment: str) -> None:
    bad(write(tmp_path, "s.yaml", GOOD_YAML.replace(old, new, 1)), capsys, fragment)


def test_yaml_exponent_numbers_are_numbers(tmp_path: Path) -> None:
    s = load(write(tmp_path, "e.yaml", GOOD_YAML.replace("salience: 1}", "salience: 1e-1}", 1)))
    assert s.actors[0].positions["x"].salience == pytest.approx(0.1)


def test_padded_ids_are_trimmed(tmp_path: Path) -> None:
    text = GOOD_YAML.replace("- id: A", "- id: ' A '").replace("{x: {position: 90", "{' x ': {position: 90")
    s = load(write(tmp_path, "p.yaml", text))
    assert s.actor_ids == ("A", "B") and set(s.actors[1].positions) == {"x"}


# -- JSON ---------------------------------------------------------------------------------------

GOOD_JSON = json.dumps(
    {
        "name": "t",
        "actors": [
            {"id": "A", "positions": {"x": {"position": 10, "salience": 1}}},
            {"id": "B", "positions": {"x": {"position": 90, "salience": 1}}},
        ],
        "issues": [{"id": "x"}],
    }
)


def test_json_duplicate_keys(tmp_path: Path, capsys: Cap) -> None:
    p = write(tmp_path, "d.json", GOOD_JSON.replace('"name": "t"', '"name": "t", "name": "u"'))
    bad(p, capsys, "duplicate key 'name'")


@pytest.mark.parametrize("depth", [100, 100_000])
def test_json_deep_nesting(tmp_path: Path, capsys: Cap, depth: int) -> None:
    p = write(tmp_path, "deep.json", '{"name": ' + "[" * depth + "]" * depth + "}")
    bad(p, capsys, "nested more than 64 levels deep")


def test_json_long_integer_and_nan(tmp_path: Path, capsys: Cap) -> None:
    bad(write(tmp_path, "i.json", GOOD_JSON.replace(": 10,", ": " + "1" * 5000 + ",")), capsys, "5000 digits")
    bad(write(tmp_path, "n.json", GOOD_JSON.replace(": 10,", ": NaN,")), capsys, "NaN is not a number JSON")


def test_json_strict_values(tmp_path: Path, capsys: Cap) -> None:
    bad(write(tmp_path, "b.json", GOOD_JSON.replace(": 10,", ": true,")), capsys, "not a number")
    bad(write(tmp_path, "s.json", GOOD_JSON.replace(": 10,", ': "10",')), capsys, "quoted text")


# -- special files ------------------------------------------------------------------------------


def test_dev_zero_and_fifo_are_refused(tmp_path: Path, capsys: Cap) -> None:
    if Path("/dev/zero").exists():
        bad(Path("/dev/zero"), capsys, "not a regular file")
    fifo = tmp_path / "pipe.yaml"
    import os

    os.mkfifo(fifo)
    bad(fifo, capsys, "not a regular file")


def test_input_size_limit(tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_MAX_INPUT_MB", "1")
    p = write(tmp_path, "big.yaml", GOOD_YAML + "# " + "x" * (1024 * 1024 + 10) + "\n")
    bad(p, capsys, "above the limit of 1 MiB")


# -- XML ----------------------------------------------------------------------------------------

KTAB_XML = """<?xml version="1.0"?>
<Scenario><name>t</name><desc>d</desc><prngSeed>0</prngSeed>
<Dimensions><dName>Tax</dName><dName>{second}</dName></Dimensions>
<Actors>
<Actor><name>A</name><description/><capability>10</capability>
<Position><dCoord>10</dCoord><dCoord>20</dCoord></Position><Salience><dSal>50</dSal><dSal>20</dSal></Salience></Actor>
<Actor><name>B</name><description/><capability>20</capability>
<Position><dCoord>80</dCoord><dCoord>60</dCoord></Position><Salience><dSal>40</dSal><dSal>30</dSal></Salience></Actor>
</Actors></Scenario>
"""


def test_ktab_xml_reads(tmp_path: Path) -> None:
    s = load(write(tmp_path, "k.xml", KTAB_XML.format(second="Spend")))
    assert s.issue_ids == ("Tax", "Spend")


def test_ktab_xml_duplicated_dimension(tmp_path: Path, capsys: Cap) -> None:
    bad(write(tmp_path, "k.xml", KTAB_XML.format(second="Tax")), capsys, "the dimension 'Tax' appears twice")


def test_ktab_xml_entity_bomb(tmp_path: Path, capsys: Cap) -> None:
    ents = ['<!ENTITY e0 "lol">'] + [f'<!ENTITY e{k} "{f"&e{k - 1};" * 10}">' for k in range(1, 10)]
    doc = KTAB_XML.format(second="Spend").replace(
        '<?xml version="1.0"?>', '<?xml version="1.0"?>\n<!DOCTYPE Scenario [' + "".join(ents) + "]>"
    )
    doc = doc.replace("<name>t</name>", "<name>&e9;</name>")
    t0 = time.perf_counter()
    bad(write(tmp_path, "bomb.xml", doc), capsys, "entity declarations are refused")
    assert time.perf_counter() - t0 < 20


def test_ktab_xml_external_entity(tmp_path: Path, capsys: Cap) -> None:
    dtd = '<!DOCTYPE Scenario [<!ENTITY x SYSTEM "/etc/passwd">]>'
    doc = KTAB_XML.format(second="Spend").replace('<?xml version="1.0"?>', '<?xml version="1.0"?>\n' + dtd)
    bad(write(tmp_path, "x.xml", doc.replace("<desc>d</desc>", "<desc>&x;</desc>")), capsys, "refused")


# -- XLSX ---------------------------------------------------------------------------------------


def _workbook(path: Path, far_cell: str | None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "scenario"
    for row in (["id", "x.position", "x.salience"], ["a", 1, 1], ["b", 2, 1]):
        ws.append(row)
    if far_cell:
        ws[far_cell] = 1
    wb.save(path)
    return path


def test_xlsx_stray_cell_at_the_sheet_end(tmp_path: Path, capsys: Cap) -> None:
    p = _workbook(tmp_path / "far.xlsx", "XFD1048576")
    assert p.stat().st_size < 20_000
    t0 = time.perf_counter()
    bad(p, capsys, "spans 1048576 rows x 16384 columns")
    assert time.perf_counter() - t0 < 20


def test_xlsx_stray_cell_with_a_false_dimension(tmp_path: Path, capsys: Cap) -> None:
    p = _workbook(tmp_path / "far.xlsx", "A500000")
    # rewrite the declared dimension so that only the cells themselves tell the size
    out = tmp_path / "lie.xlsx"
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C3"', data)
            zout.writestr(info, data)
    bad(out, capsys, "reaches row 100001")


def test_xlsx_normal_workbook_still_reads(tmp_path: Path) -> None:
    assert load(_workbook(tmp_path / "ok.xlsx", None)).actor_ids == ("a", "b")


# -- tables -------------------------------------------------------------------------------------


def test_bdm_repeated_row(tmp_path: Path, capsys: Cap) -> None:
    text = "actor,capability,position,salience\nBelgium,1,20,50\nFrance,2,60,40\nBelgium,1,20,50\n"
    bad(write(tmp_path, "r.csv", text), capsys, "line 4: actor 'Belgium' already appears on line 2")


def test_non_latin_names_keep_readable_ids(tmp_path: Path) -> None:
    text = "actor,capability,position,salience\nРоссия,1,20,50\n中国,2,60,40\nΕλλάδα,1,30,20\n"
    s = load(write(tmp_path, "u.csv", text))
    assert s.actor_ids == ("Россия", "中国", "Ελλάδα")


def test_make_id() -> None:
    taken: set[str] = set()
    assert make_id("São Tomé & Príncipe", taken, "a") == "São_Tomé_Príncipe"
    assert make_id("São Tomé / Príncipe", taken, "a") == "São_Tomé_Príncipe_2"
    assert make_id("!!!", taken, "actor") == "actor"
    # NFC: the same name typed with a combining accent gives the same id
    assert make_id("Cafe\u0301", set(), "a") == make_id("Café", set(), "a")


def test_flat_truncated_last_row(tmp_path: Path, capsys: Cap) -> None:
    text = "id,x.position,x.salience,y.position,y.salience\na,1,1,2,1\nb,3,1"
    bad(write(tmp_path, "t.csv", text), capsys, "line 3: 3 cells, the header has 5")


def test_ktab_csv_duplicated_dimension(tmp_path: Path, capsys: Cap) -> None:
    text = "t,d,2,2\nActor,Description,Influence,Tax,Sal,Tax,Sal\nA,a,10,10,20,30,20\nB,b,20,80,30,60,30\n"
    bad(write(tmp_path, "k.csv", text), capsys, "the dimension 'Tax' appears twice", fmt="ktab")


# -- DEU ----------------------------------------------------------------------------------------

DEU = (
    "prnr\tisnr\tproc\tcounvte\tintro\tfinact\tpcom\tscom\tpde\tsde\tpfr\tsfr\trp\tout\n"
    "d1\td1i1\tCOD\tQMV\t01-02-03\t04-05-06\t10\t50\t80\t50\t50\t50\t0\t40\n"
)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("\t80\t50\t50", "\tNaN\t50\t50", "column pde: 'NaN' is not a number"),
        ("01-02-03", "31-02-03", "column intro: '31-02-03' is not a valid date"),
        ("04-05-06", "yesterday", "column finact: 'yesterday' is not a date"),
        ("\tQMV\t", "\tMajorityish\t", "unknown voting rule 'Majorityish'"),
    ],
)
def test_deu_strict_cells(tmp_path: Path, capsys: Cap, old: str, new: str, fragment: str) -> None:
    assert load(write(tmp_path, "ok.tsv", DEU), "deu").issue_ids == ("d1i1",)
    bad(write(tmp_path, "d.tsv", DEU.replace(old, new, 1)), capsys, "line 2", fragment, fmt="deu")
