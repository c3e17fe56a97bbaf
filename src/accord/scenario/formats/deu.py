"""The DEU data set (Decision-making in the European Union I, II and III): one scenario per issue.

Source: Thomson, Stokman, Achen & Koenig (eds., 2006), *The European Union Decides*;
Thomson et al. (2012); Arregui & Perarnaud (2022), "A new dataset on legislative
decision-making in the European Union: the DEU III dataset", JEPP 29(1), deposit
doi:10.34810/data53 (CC BY 4.0). The reader takes any tab- (or comma-) separated copy with
the release's columns:

* ``isnr`` (issue id) and ``prnr`` (proposal id); optional ``prname``, ``type``,
  ``council``, ``proc`` (COD / CNS), ``counvte`` (QMV / Unan), ``proccde``, ``issues``,
  ``intro`` (date of the Commission proposal), ``finact`` (date of the final act),
  ``prnrnmc``, ``isnrnmc``;
* a pair ``p<actor>`` / ``s<actor>`` per actor: position and salience on 0-100
  (``com`` the Commission, ``ep`` the Parliament, member states by code);
* ``rp`` the reference point (the status quo) and ``out`` the decided outcome.

Reading rules (each a documented choice):

* An actor with a blank position sits out the issue (non-member states: blank position,
  salience 0) and is left out of that issue's scenario.
* A position with a blank salience gets salience 0 (46 cells in ``deu_dev.tsv``): the actor
  counts in every unweighted model but carries no weight in salience-weighted ones. The
  scenario lists these actors in ``meta["blank_salience"]``.
* A blank ``rp`` means no status quo; a blank ``out`` means no recorded outcome (the copy's
  maintainer removed invalid outcomes).
* A first data row without an issue id holds a capability proxy per actor (GDP in trillion
  USD in the blksv/predictioneers_game copy): the ``gdp`` capability scheme reads it.
* Dates: ``dd-mm-yy``, ``dd-mm-yyyy`` or ``yyyy-mm-dd``. The copy was once opened in a
  spreadsheet that re-read some ``dd-mm-yy`` cells as ``yy-mm-dd`` (``22-09-04`` became
  ``2022-09-04``); when a file mixes both forms, ``yyyy-mm-dd`` cells are read back as
  ``dd = yyyy mod 100``, ``yy = dd`` (in ``deu_dev.tsv`` this puts every repaired proposal date
  in the year its ``prnr`` names). ``999`` or blank: no date. Repaired cells are listed in
  ``meta["dates_repaired"]``.

Capability schemes (``capability=``), each an explicit choice that changes every published
comparison:

* ``equal`` (default): every actor 1.
* ``council``: the Council voting weights of the issue's era, decided by the date of the
  final act (else the proposal's date): pre-Nice weights (Treaty of Amsterdam art. 205: DE, FR,
  IT, UK 10 ... LU 2, with the 2004 Act of Accession's interim weights for the ten new
  members from 1 May 2004) until 31 October 2004; Nice weights (DE, FR, IT, UK 29 ... MT 3;
  Bulgaria and Romania 10 and 14, Croatia 7) from 1 November 2004; from 1 November 2014 the
  Lisbon double majority, represented by population (millions), its binding criterion.
* ``population``: population in millions (Eurostat, 1 January 2007, rounded to 0.01 million;
  Croatia 4.44).
* ``gdp``: the file's GDP row (an error when the file has none).

The Commission and the Parliament (``institutions=``): ``largest`` (default) gives each the
capability of the largest member state under the scheme (as the GDP row of the copy does);
``procedure`` does the same but gives the Parliament 0 under the consultation procedure (CNS),
where its opinion does not bind; ``none`` gives both 0 (the Council alone weighs; their
positions still count in unweighted models). ``equal`` ignores this option.

Veto: under unanimity every member state holds a veto; under codecision (COD) the
Parliament holds one (it can reject the act); the Commission holds none.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.scenario.io import decode_text, read_bytes, validate
from accord.scenario.model import Scenario

SCHEMES = ("equal", "council", "population", "gdp")
INSTITUTIONS = ("largest", "procedure", "none")
REQUIRED = ("isnr", "prnr", "rp", "out")
SOURCE = (
    "Arregui & Perarnaud (2022), 'A new dataset on legislative decision-making in the European "
    "Union: the DEU III dataset', JEPP 29(1); doi:10.34810/data53 (CC BY 4.0)"
)

ACTOR_NAMES = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "bg": "Bulgaria",
    "cr": "Croatia",
    "hr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czech Republic",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "gr": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}
INSTITUTION_IDS = ("com", "ep")

# Council votes before 1 November 2004 (Amsterdam art. 205(2)); the ten 2004 members with the
# interim weights of the 2003 Act of Accession (1 May - 31 October 2004).
PRE_NICE = {
    "de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5, "pt": 5,
    "at": 4, "se": 4, "dk": 3, "ie": 3, "fi": 3, "lu": 2,
    "pl": 8, "cz": 5, "hu": 5, "ee": 3, "lv": 3, "lt": 3, "sk": 3, "si": 3, "cy": 2, "mt": 2,
}  # fmt: skip
# Council votes from 1 November 2004 to 31 October 2014 (Treaty of Nice, Acts of Accession).
NICE = {
    "de": 29, "fr": 29, "it": 29, "uk": 29, "es": 27, "pl": 27, "ro": 14, "nl": 13,
    "be": 12, "cz": 12, "el": 12, "hu": 12, "pt": 12, "at": 10, "se": 10, "bu": 10,
    "dk": 7, "ie": 7, "lt": 7, "sk": 7, "fi": 7, "cr": 7,
    "cy": 4, "ee": 4, "lv": 4, "lu": 4, "si": 4, "mt": 3,
}  # fmt: skip
# Population, millions, 1 January 2007 (Eurostat); Croatia 2007.
POPULATION = {
    "de": 82.31, "fr": 63.39, "uk": 60.85, "it": 59.13, "es": 44.47, "pl": 38.13, "ro": 21.57,
    "nl": 16.36, "el": 11.17, "pt": 10.60, "be": 10.58, "cz": 10.29, "hu": 10.07, "se": 9.11,
    "at": 8.30, "bu": 7.68, "dk": 5.45, "sk": 5.39, "fi": 5.28, "ie": 4.31, "cr": 4.44,
    "lt": 3.38, "lv": 2.28, "si": 2.01, "ee": 1.34, "cy": 0.78, "lu": 0.48, "mt": 0.41,
}  # fmt: skip
_ALIAS = {"bg": "bu", "hr": "cr", "gr": "el"}
NICE_FROM = date(2004, 11, 1)
LISBON_FROM = date(2014, 11, 1)


@dataclass
class DeuFile:
    """A parsed DEU table: one scenario per issue, and the issues that could not become one."""

    scenarios: list[Scenario]
    skipped: dict[str, str] = field(default_factory=dict)
    gdp: dict[str, float] | None = None
    source: str = ""

    def issue(self, issue_id: str) -> Scenario:
        for s in self.scenarios:
            if s.issues[0].id == issue_id:
                return s
        if issue_id in self.skipped:
            raise InputError(f"issue {issue_id!r}: {self.skipped[issue_id]}", source=self.source)
        raise InputError(f"no issue {issue_id!r} in the file ({_examples(self)})", source=self.source)

    def proposals(self) -> dict[str, list[Scenario]]:
        """The issue scenarios grouped by proposal id, in file order."""
        out: dict[str, list[Scenario]] = {}
        for s in self.scenarios:
            out.setdefault(str(s.meta["proposal"]), []).append(s)
        return out


def _examples(f: DeuFile) -> str:
    ids = [s.issues[0].id for s in f.scenarios]
    shown = ", ".join(ids[:4]) + (", ..." if len(ids) > 4 else "")
    return f"{len(ids)} issues: {shown}"


def sniff(path: Path, data: bytes) -> bool:
    first = data[:4096].decode("utf-8-sig", errors="replace").replace("\r", "\n").split("\n", 1)[0]
    cols = {c.strip().lower() for c in re.split(r"[\t,;]", first)}
    return {"isnr", "rp", "out"} <= cols and any(c.startswith("p") and "s" + c[1:] in cols for c in cols)


# -- parsing ------------------------------------------------------------------------------
def _rows(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    delim = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    for n, row in enumerate(reader, start=1):
        if not any(c.strip() for c in row):
            continue
        if header is None:
            header = [c.strip().lower() for c in row]
            continue
        rows.append((n, [c.strip() for c in row]))
    if header is None:
        raise InputError("the file is empty", source=source)
    return header, rows


def _number(cell: str, line: int, column: str, source: str) -> float | None:
    if cell == "" or cell.upper() in ("NA", "."):
        return None
    if cell.strip().lower() in ("nan", "-nan", "+nan"):
        raise InputError(
            f"line {line}, column {column}: {cell!r} is not a number (leave the cell blank for no value)",
            source=source,
        )
    try:
        value = float(cell.replace(",", ".")) if cell.count(",") == 1 and "." not in cell else float(cell)
    except ValueError:
        raise InputError(f"line {line}, column {column}: {cell!r} is not a number", source=source) from None
    if not math.isfinite(value):
        raise InputError(f"line {line}, column {column}: {cell} is not a finite number", source=source)
    return value


_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _year2(yy: int) -> int:
    return 1900 + yy if yy >= 50 else 2000 + yy


class _BadDate(ValueError):
    pass


def _date(cell: str, swapped: bool) -> tuple[date | None, bool]:
    """A DEU date cell -> (date or None, whether it was repaired from a spreadsheet swap).

    Raises :class:`_BadDate` for a cell that is neither a date nor a "no date" mark."""
    if cell in ("", "999", ".", "NA"):
        return None, False
    m = _DMY.match(cell)
    try:
        if m:
            d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
            return date(_year2(int(y)) if len(y) == 2 else int(y), mo, d), False
        m = _YMD.match(cell)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if swapped:
                return date(_year2(d), mo, y % 100), True
            return date(y, mo, d), False
    except ValueError:
        raise _BadDate(f"{cell!r} is not a valid date") from None
    raise _BadDate(f"{cell!r} is not a date (dd-mm-yy, dd-mm-yyyy or yyyy-mm-dd; 999 or blank: none)")


def _voting_rule(raw: str) -> str | None:
    r = raw.strip().lower()
    if r.startswith("qmv"):
        return "qmv"
    if r.startswith("unan"):
        return "unanimity"
    if r.startswith("simple") or r == "sm":
        return "simple_majority"
    return None


def era(when: date | None) -> str | None:
    """The Council voting-weight era of a decision date: pre-nice, nice or lisbon."""
    if when is None:
        return None
    if when < NICE_FROM:
        return "pre-nice"
    if when < LISBON_FROM:
        return "nice"
    return "lisbon"


def _state(actor: str) -> str:
    return _ALIAS.get(actor, actor)


def council_weight(actor: str, era_name: str) -> float | None:
    """An actor's Council votes in an era (population under Lisbon); None for the institutions.

    A state without votes in the era (Bulgaria, Romania or Croatia before their accession,
    which DEU never records) gets its Nice weight scaled to the pre-Nice range (x 10 / 29).
    """
    code = _state(actor)
    if code in INSTITUTION_IDS:
        return None
    if era_name == "lisbon":
        return POPULATION.get(code)
    if era_name == "nice":
        return float(NICE[code]) if code in NICE else None
    if code in PRE_NICE:
        return float(PRE_NICE[code])
    return NICE[code] * 10.0 / 29.0 if code in NICE else None


def _capabilities(
    actors: list[str],
    scheme: str,
    institutions: str,
    era_name: str | None,
    procedure: str | None,
    gdp: dict[str, float] | None,
    where: str,
    source: str,
) -> dict[str, float]:
    if scheme == "equal":
        return dict.fromkeys(actors, 1.0)
    values: dict[str, float] = {}
    if scheme == "council":
        if era_name is None:
            raise InputError(
                f"{where}: no date (intro or finact) to tell the Council voting-weight era; "
                "use capability=equal, population or gdp",
                source=source,
            )
        table = {a: council_weight(a, era_name) for a in ACTOR_NAMES}
    elif scheme == "population":
        table = {a: POPULATION.get(_state(a)) for a in ACTOR_NAMES}
    else:
        if gdp is None:
            raise InputError(
                "capability=gdp needs the GDP row (a first data row without an issue id); this file has none",
                source=source,
            )
        table = {a: v for a, v in gdp.items() if a not in INSTITUTION_IDS}
    largest = max(v for a, v in table.items() if v is not None and a not in INSTITUTION_IDS)
    for a in actors:
        if a in INSTITUTION_IDS:
            give = institutions == "largest" or (
                institutions == "procedure" and (a == "com" or procedure != "CNS")
            )
            values[a] = largest if give else 0.0
            continue
        v = table.get(a)
        if v is None:
            raise InputError(
                f"{where}: no {scheme} capability for actor {a!r} (known: "
                f"{', '.join(sorted(k for k, x in table.items() if x is not None))})",
                source=source,
            )
        values[a] = float(v)
    return values


_INFO = ("prname", "isnrnmc", "type", "council", "counvte", "proccde", "issues")


def _decode(data: bytes, source: str) -> str:
    """UTF-8, else Windows-1252 (statistics packages often export DEU tables in it)."""
    try:
        return decode_text(data, source)
    except InputError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise exc from None
        return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(
    data: bytes,
    source: str,
    capability: str = "equal",
    institutions: str = "largest",
) -> DeuFile:
    """Every issue of a DEU table as a one-issue Scenario (see the module docstring)."""
    if capability not in SCHEMES:
        raise InputError(f"capability={capability!r}: expected one of {', '.join(SCHEMES)}", source=source)
    if institutions not in INSTITUTIONS:
        raise InputError(
            f"institutions={institutions!r}: expected one of {', '.join(INSTITUTIONS)}", source=source
        )
    header, rows = _rows(_decode(data, source), source)
    col = {}
    for k, h in enumerate(header):
        if h in col:
            raise InputError(f"line 1: duplicate column {h!r}", source=source)
        col[h] = k
    missing = [c for c in REQUIRED if c not in col]
    if missing:
        raise InputError(
            f"line 1: missing column(s) {', '.join(missing)} (a DEU table needs isnr, prnr, rp, out "
            "and a p<actor>/s<actor> pair per actor)",
            source=source,
        )
    actors = [h[1:] for h in header if h.startswith("p") and len(h) > 1 and "s" + h[1:] in col]
    actors = [a for a in actors if a not in ("rnr", "roc", "rname", "roccde", "rnrnmc")]
    if len(actors) < 2:
        raise InputError(
            "line 1: fewer than 2 actor column pairs p<actor>/s<actor> (e.g. pcom and scom)", source=source
        )
    width = len(header)

    def cell(row: list[str], name: str) -> str:
        k = col.get(name)
        return row[k] if k is not None and k < len(row) else ""

    gdp: dict[str, float] | None = None
    body = rows
    if rows and cell(rows[0][1], "isnr") == "" and cell(rows[0][1], "prnr") == "":
        line, row = rows[0]
        gdp = {}
        for a in actors:
            v = _number(cell(row, "p" + a), line, "p" + a, source)
            if v is not None:
                if v < 0:
                    raise InputError(f"line {line}, column p{a}: GDP {v:g} is negative", source=source)
                gdp[a] = v
        body = rows[1:]
    if not body:
        raise InputError("no issue rows after the header", source=source)
    dates = [cell(r, c) for _, r in body for c in ("intro", "finact")]
    swapped = any(_DMY.match(d) for d in dates) and any(_YMD.match(d) for d in dates)

    scenarios: list[Scenario] = []
    skipped: dict[str, str] = {}
    seen: dict[str, int] = {}
    for line, row in body:
        if len(row) > width and any(row[width:]):
            raise InputError(f"line {line}: {len(row)} cells for {width} columns", source=source)
        issue_id = cell(row, "isnr")
        if not issue_id:
            raise InputError(f"line {line}, column isnr: the issue id is empty", source=source)
        if issue_id in seen:
            raise InputError(
                f"line {line}, column isnr: duplicate issue id {issue_id!r} (first on line {seen[issue_id]})",
                source=source,
            )
        seen[issue_id] = line
        proposal = cell(row, "prnr")
        if not proposal:
            raise InputError(f"line {line}, column prnr: the proposal id is empty", source=source)
        repaired: list[str] = []
        when: dict[str, date | None] = {}
        for c in ("intro", "finact"):
            try:
                d, fixed = _date(cell(row, c), swapped)
            except _BadDate as exc:
                raise InputError(f"line {line}, column {c}: {exc}", source=source) from None
            when[c] = d
            if fixed:
                repaired.append(c)
        stances: dict[str, dict[str, float]] = {}
        blank_salience: list[str] = []
        for a in actors:
            pos = _number(cell(row, "p" + a), line, "p" + a, source)
            sal = _number(cell(row, "s" + a), line, "s" + a, source)
            for name, v in (("p", pos), ("s", sal)):
                if v is not None and not 0 <= v <= 100:
                    raise InputError(f"line {line}, column {name}{a}: {v:g} is outside 0..100", source=source)
            if pos is None:
                continue
            if sal is None:
                blank_salience.append(a)
                sal = 0.0
            stances[a] = {"position": pos, "salience": sal}
        rp = _number(cell(row, "rp"), line, "rp", source)
        out = _number(cell(row, "out"), line, "out", source)
        for name, v in (("rp", rp), ("out", out)):
            if v is not None and not 0 <= v <= 100:
                raise InputError(f"line {line}, column {name}: {v:g} is outside 0..100", source=source)
        if len(stances) < 2:
            skipped[issue_id] = f"line {line}: fewer than 2 actors with a position ({len(stances)})"
            continue
        procedure = cell(row, "proc").upper() or None
        rule = _voting_rule(cell(row, "counvte"))
        if rule is None and cell(row, "counvte"):
            raise InputError(
                f"line {line}, column counvte: unknown voting rule {cell(row, 'counvte')!r} "
                "(expected QMV, Unan or simple majority; blank when unknown)",
                source=source,
            )
        decided = when["finact"] or when["intro"]
        era_name = era(decided)
        caps = _capabilities(
            list(stances), capability, institutions, era_name, procedure, gdp, f"line {line}", source
        )
        scenarios.append(
            _scenario(
                issue_id=issue_id,
                proposal=proposal,
                info={name: cell(row, name) for name in _INFO},
                stances=stances,
                caps=caps,
                rp=rp,
                out=out,
                procedure=procedure,
                rule=rule,
                when=when,
                era_name=era_name,
                repaired=repaired,
                blank_salience=blank_salience,
                capability=capability,
                institutions=institutions,
                line=line,
                source=source,
            )
        )
    return DeuFile(scenarios=scenarios, skipped=skipped, gdp=gdp, source=source)


def _scenario(
    *,
    issue_id: str,
    proposal: str,
    info: dict[str, str],
    stances: dict[str, dict[str, float]],
    caps: dict[str, float],
    rp: float | None,
    out: float | None,
    procedure: str | None,
    rule: str | None,
    when: dict[str, date | None],
    era_name: str | None,
    repaired: list[str],
    blank_salience: list[str],
    capability: str,
    institutions: str,
    line: int,
    source: str,
) -> Scenario:
    title = info.get("prname") or proposal
    unanimity = rule == "unanimity"
    actors = []
    for a, stance in stances.items():
        if a == "ep":
            veto = procedure == "COD"
        elif a == "com":
            veto = False
        else:
            veto = unanimity
        actors.append(
            {
                "id": a,
                "name": ACTOR_NAMES.get(a, a.upper()),
                "capability": caps[a],
                "veto": veto,
                "group": "institution" if a in INSTITUTION_IDS else "council",
                "positions": {issue_id: stance},
            }
        )
    meta: dict[str, Any] = {
        "dataset": "DEU",
        "proposal": proposal,
        "proposal_name": info.get("prname") or None,
        "issue_number": info.get("isnrnmc") or None,
        "act_type": info.get("type") or None,
        "council": info.get("council") or None,
        "procedure": procedure,
        "voting_rule": rule,
        "voting_rule_raw": info.get("counvte") or None,
        "procedure_code": info.get("proccde") or None,
        "issues_in_proposal": info.get("issues") or None,
        "intro": when["intro"].isoformat() if when["intro"] else None,
        "final_act": when["finact"].isoformat() if when["finact"] else None,
        "era": era_name,
        "capability_scheme": capability,
        "institutions": institutions,
        "blank_salience": blank_salience,
        "dates_repaired": repaired,
        "line": line,
    }
    doc = {
        "name": f"DEU {issue_id}: {title}",
        "description": (
            f"Issue {issue_id} of EU proposal {proposal} ({title}); "
            f"{procedure or 'procedure unknown'}, {rule or 'voting rule unknown'}"
        ),
        "as_of": meta["intro"],
        "sources": [SOURCE, Path(source).name],
        "salience_scale": 100,
        "actors": actors,
        "issues": [
            {
                "id": issue_id,
                "name": f"{title}: issue {info.get('isnrnmc') or issue_id}",
                "scale": {"min": 0, "max": 100, "min_label": "position 0", "max_label": "position 100"},
                "status_quo": rp,
                "outcome": out,
            }
        ],
        "meta": meta,
    }
    return validate(doc, f"{source}: line {line}")


def load_file(path: str | Path, capability: str = "equal", institutions: str = "largest") -> DeuFile:
    """Read a DEU table from a path (every issue)."""
    p = Path(path)
    return parse(read_bytes(p), str(p), capability=capability, institutions=institutions)


def read_issues(path: str | Path, capability: str = "equal", institutions: str = "largest") -> list[Scenario]:
    """Every issue of a DEU table as a one-issue Scenario."""
    return load_file(path, capability, institutions).scenarios


def merge_issues(scenarios: Iterable[Scenario], name: str | None = None) -> Scenario:
    """One multi-issue Scenario from one-issue DEU scenarios (e.g. a proposal's issues).

    Actors are those with a position on any of the issues; an actor sits out the issues it has
    no position on. Capabilities come from the first issue that lists the actor (a proposal's
    issues share their dates, so their era and capabilities agree).
    """
    items = list(scenarios)
    if not items:
        raise ValueError("merge_issues needs at least one scenario")
    actors: dict[str, dict[str, Any]] = {}
    for s in items:
        for a in s.actors:
            entry = actors.setdefault(
                a.id,
                {
                    "id": a.id,
                    "name": a.name,
                    "capability": a.capability,
                    "veto": a.has_veto,
                    "group": a.group,
                    "positions": {},
                },
            )
            entry["veto"] = entry["veto"] or a.has_veto
            for issue_id, stance in a.positions.items():
                entry["positions"][issue_id] = stance.model_dump(exclude_defaults=True)
    first = items[0]
    meta = dict(first.meta)
    meta["issues"] = [s.issues[0].id for s in items]
    for key in ("blank_salience", "dates_repaired", "line"):
        meta[key] = {s.issues[0].id: s.meta.get(key) for s in items}
    doc = {
        "name": name or f"DEU proposal {meta.get('proposal')}: {meta.get('proposal_name') or ''}".strip(),
        "description": first.description,
        "as_of": first.as_of,
        "sources": list(first.sources),
        "salience_scale": first.salience_scale,
        "actors": list(actors.values()),
        "issues": [i.model_dump() for s in items for i in s.issues],
        "meta": meta,
    }
    return validate(doc, name or "DEU proposal")


def read(
    path: Path,
    data: bytes,
    fmt: str = "deu",
    issue: str | None = None,
    proposal: str | None = None,
    capability: str = "equal",
    institutions: str = "largest",
    **options: Any,
) -> Scenario:
    """One chosen issue (``issue=ID``) or one proposal's issues together (``proposal=ID``)."""
    source = str(path)
    if options:
        raise InputError(
            f"options {sorted(options)} do not apply to deu (options: issue, proposal, capability, "
            "institutions)",
            source=source,
        )
    parsed = parse(data, source, capability=capability, institutions=institutions)
    if issue is not None and proposal is not None:
        raise InputError("give issue=ID or proposal=ID, not both", source=source)
    if issue is not None:
        return parsed.issue(issue)
    if proposal is not None:
        groups = parsed.proposals()
        if proposal not in groups:
            shown = ", ".join(list(groups)[:4])
            raise InputError(
                f"no proposal {proposal!r} in the file ({len(groups)} proposals: {shown}, ...)", source=source
            )
        return merge_issues(groups[proposal])
    if len(parsed.scenarios) == 1:
        return parsed.scenarios[0]
    raise InputError(
        f"a DEU table holds one scenario per issue ({_examples(parsed)}); choose one with the "
        "reader option issue=ID or proposal=ID (Python: accord.scenario.io.load(path, issue=ID); "
        "command line: `accord backtest export FILE OUT.yaml --issue ID`), or score them all with "
        "`accord backtest deu FILE`",
        source=source,
    )
