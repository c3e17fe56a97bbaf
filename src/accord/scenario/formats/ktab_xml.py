"""KTAB's XML input for the Spatial Model of Politics (schema ``smpSchema.xsd``).

``<Scenario>`` holds, in order: ``name``, ``desc``, ``prngSeed``, optional
``ModelParameters`` (nine enumerations: VictoryProbModel, PCEModel, StateTransitions,
VotingRule, BigRAdjust, BigRRange, ThirdPartyCommit, InterVecBrgn, BargnModel), optional
``Dimensions`` (``dName`` per dimension), ``Actors`` (``Actor`` with ``name``,
``description``, ``capability``, ``Position/dCoord`` and ``Salience/dSal`` per dimension,
0-100) and optional ``IdealAdjustment`` (``iaPair``: ``adjustingIdeal``, ``referencePos``,
``adjust``: the accommodation weight).

What the SMP needs beyond actors and issues is kept in ``meta``:

* ``meta["ktab"]``: ``prng_seed`` (text), ``model_parameters`` (KTAB's names and values),
  ``ideal_adjustment`` (``[{adjusting, reference, adjust}]`` by actor id);
* ``meta["model_params"]["smp"]``: the model parameters under accord's names, used as the
  SMP's defaults for this scenario (``--param`` still overrides them).

KTAB itself requires ``IdealAdjustment`` although the schema makes it optional; here it is
optional (identity: ideals follow positions). Parsed with the standard library's expat into
:mod:`xml.etree.ElementTree` elements; malformed XML and bad values are reported with their line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accord.errors import InputError
from accord.scenario.formats.ktab import _document, _no_duplicate_dimensions, _slug
from accord.scenario.io import validate
from accord.scenario.model import Scenario

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

# KTAB's XML parameter -> (accord's SMP parameter, {KTAB value: accord value})
PARAMETERS: dict[str, tuple[str, dict[str, str]]] = {
    "VictoryProbModel": ("victory_model", {v: v for v in ("Linear", "Square", "Quartic", "Octic", "Binary")}),
    "PCEModel": ("pce_model", {v: v for v in ("Conditional", "MarkovIncentive", "MarkovUniform")}),
    "StateTransitions": ("transitions", {v: v for v in ("Deterministic", "Stochastic")}),
    "VotingRule": (
        "voting_rule",
        {v: v for v in ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp")},
    ),
    "BigRAdjust": (
        "big_r_adjust",
        {"No": "None", "None": "None", **{v: v for v in ("OneThird", "Half", "TwoThirds", "Full")}},
    ),
    "BigRRange": ("big_r_range", {v: v for v in ("Min", "Mid", "Max")}),
    "ThirdPartyCommit": ("third_party_commit", {v: v for v in ("NoCommit", "SemiCommit", "FullCommit")}),
    "InterVecBrgn": ("interpolation", {v: v for v in ("S1P1", "S2P2", "S2PMax")}),
    "BargnModel": ("bargain_model", {v: v for v in ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp")}),
}


class _Refused(Exception):
    """Raised from inside the expat handlers to stop on a refused construct."""


def _parse(data: bytes, source: str) -> ET.Element:
    """The element tree, each element with its line in the attribute ``_line``."""
    # loaded here: every file's format is sniffed with this module, and few files are XML
    import xml.etree.ElementTree as ET
    from xml.parsers import expat

    parser = expat.ParserCreate()
    stack: list[ET.Element] = []
    root: list[ET.Element] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        elem = ET.Element(tag, attrs)
        elem.set("_line", str(parser.CurrentLineNumber))
        if stack:
            stack[-1].append(elem)
        else:
            root.append(elem)
        stack.append(elem)

    def end(tag: str) -> None:
        stack.pop()

    def text(chunk: str) -> None:
        if stack:
            stack[-1].text = (stack[-1].text or "") + chunk

    def forbid_entity(name: str, *args: Any) -> None:
        raise _Refused(f"line {parser.CurrentLineNumber}: the XML declares the entity {name!r}; "
                       "entity declarations are refused (they can expand without bound)")

    def forbid_external(*args: Any) -> int:
        raise _Refused(f"line {parser.CurrentLineNumber}: the XML refers to an external entity; refused")

    # what defusedxml does: no entity declarations, no external entities, no DTD parameter entities
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = forbid_entity
    parser.UnparsedEntityDeclHandler = forbid_entity
    parser.ExternalEntityRefHandler = forbid_external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise InputError(str(exc), source=source) from None
    except (LookupError, ValueError) as exc:  # e.g. <?xml encoding="UTF1.5"?>
        raise InputError(f"malformed XML: {' '.join(str(exc).split())}", source=source) from None
    except expat.ExpatError as exc:
        msg = expat.errors.messages[exc.code] if exc.code is not None else str(exc)
        raise InputError(
            f"line {exc.lineno}, column {exc.offset + 1}: malformed XML: {msg}", source=source
        ) from None
    return root[0]


def sniff(path: Path, data: bytes) -> bool:
    head = data[:2000].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<Scenario" in head


def _line(elem: ET.Element) -> str:
    return elem.get("_line", "?")


def _child(parent: ET.Element, tag: str, source: str, required: bool = True) -> ET.Element | None:
    found = parent.find(tag)
    if found is None and required:
        raise InputError(f"line {_line(parent)}: <{parent.tag}> has no <{tag}>", source=source)
    return found


def _text(parent: ET.Element, tag: str, source: str) -> str:
    elem = _child(parent, tag, source)
    assert elem is not None
    return (elem.text or "").strip()


def _number(elem: ET.Element, what: str, source: str, lo: float, hi: float) -> float:
    text = (elem.text or "").strip()
    where = f"line {_line(elem)}: {what}"
    if not text:
        raise InputError(f"{where} is empty, expected a number", source=source)
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number", source=source) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise InputError(f"{where}: {text} is outside {lo:g}..{hi:g}", source=source)
    return value


def read(path: Path, data: bytes, fmt: str = "ktab-xml", **options: Any) -> Scenario:
    source = str(path)
    if options:
        raise InputError(f"options {sorted(options)} do not apply to ktab-xml", source=source)
    root = _parse(data, source)
    if root.tag != "Scenario":
        raise InputError(
            f"line {_line(root)}: expected <Scenario> at the top, got <{root.tag}>", source=source
        )
    name, desc = _text(root, "name", source), _text(root, "desc", source)
    seed = _text(root, "prngSeed", source)

    params_raw: dict[str, str] = {}
    params: dict[str, str] = {}
    mp = _child(root, "ModelParameters", source, required=False)
    if mp is not None:
        for elem in mp:
            if elem.tag not in PARAMETERS:
                raise InputError(
                    f"line {_line(elem)}: unknown model parameter <{elem.tag}> "
                    f"(one of: {', '.join(PARAMETERS)})",
                    source=source,
                )
            value = (elem.text or "").strip()
            ours, values = PARAMETERS[elem.tag]
            if value not in values:
                raise InputError(
                    f"line {_line(elem)}: <{elem.tag}> {value!r} is not one of {', '.join(values)}",
                    source=source,
                )
            params_raw[elem.tag] = value
            params[ours] = values[value]

    actors_elem = _child(root, "Actors", source)
    assert actors_elem is not None
    actor_elems = actors_elem.findall("Actor")
    if len(actor_elems) < 2:
        raise InputError(f"line {_line(actors_elem)}: <Actors> needs at least 2 <Actor>", source=source)
    dims_elem = _child(root, "Dimensions", source, required=False)
    dim_names = [(d.text or "").strip() for d in dims_elem.findall("dName")] if dims_elem is not None else []
    if not dim_names:
        first_pos = _child(actor_elems[0], "Position", source)
        assert first_pos is not None
        dim_names = [f"Dim{k}" for k in range(len(first_pos.findall("dCoord")))]
    _no_duplicate_dimensions(dim_names, f"line {_line(dims_elem) if dims_elem is not None else '?'}", source)
    taken: set[str] = set()
    issue_ids = [_slug(n, taken, f"dim{k}") for k, n in enumerate(dim_names)]

    parsed: list[dict[str, Any]] = []
    names: set[str] = set()
    for a in actor_elems:
        actor_name = _text(a, "name", source)
        if not actor_name:
            raise InputError(f"line {_line(a)}: an actor's <name> is empty", source=source)
        if actor_name in names:
            raise InputError(f"line {_line(a)}: actor {actor_name!r} appears twice", source=source)
        names.add(actor_name)
        cap_elem = _child(a, "capability", source)
        assert cap_elem is not None
        capability = _number(cap_elem, f"actor {actor_name} capability", source, 0.0, math.inf)
        pos_elem, sal_elem = _child(a, "Position", source), _child(a, "Salience", source)
        assert pos_elem is not None and sal_elem is not None
        coords, sals = pos_elem.findall("dCoord"), sal_elem.findall("dSal")
        for what, elems, where in (("dCoord", coords, pos_elem), ("dSal", sals, sal_elem)):
            if len(elems) != len(dim_names):
                raise InputError(
                    f"line {_line(where)}: actor {actor_name} has {len(elems)} <{what}>, "
                    f"expected {len(dim_names)} (one per dimension)",
                    source=source,
                )
        stances = {}
        for k, (c, s) in enumerate(zip(coords, sals, strict=True)):
            stances[issue_ids[k]] = {
                "position": _number(c, f"actor {actor_name} position {k + 1} (<dCoord>)", source, 0.0, 100.0),
                "salience": _number(s, f"actor {actor_name} salience {k + 1} (<dSal>)", source, 0.0, 100.0),
            }
        total = sum(st["salience"] for st in stances.values())
        if total > 100 + 1e-9:
            raise InputError(
                f"line {_line(sal_elem)}: actor {actor_name} has saliences adding up to {total:g}; "
                "KTAB requires at most 100",
                source=source,
            )
        desc_elem = a.find("description")
        parsed.append(
            {
                "name": actor_name,
                "desc": (desc_elem.text or "").strip() if desc_elem is not None else "",
                "capability": capability,
                "positions": stances,
            }
        )

    adjustment: list[dict[str, Any]] = []
    ia = _child(root, "IdealAdjustment", source, required=False)
    if ia is not None:
        for pair in ia.findall("iaPair"):
            adjusting, reference = _text(pair, "adjustingIdeal", source), _text(pair, "referencePos", source)
            for who in (adjusting, reference):
                if who not in names:
                    raise InputError(
                        f"line {_line(pair)}: <iaPair> names unknown actor {who!r}", source=source
                    )
            adj_elem = _child(pair, "adjust", source)
            assert adj_elem is not None
            weight = _number(adj_elem, "<adjust>", source, 0.0, 1.0)
            adjustment.append({"adjusting": adjusting, "reference": reference, "adjust": weight})
        totals: dict[str, float] = {}
        for p in adjustment:
            totals[p["adjusting"]] = totals.get(p["adjusting"], 0.0) + p["adjust"]
        for who, tot in totals.items():
            if tot > 1 + 1e-9:
                raise InputError(
                    f"line {_line(ia)}: the <adjust> weights of {who!r} add up to {tot:g}, above 1",
                    source=source,
                )

    doc = _document([name, desc], dim_names, issue_ids, parsed, path)
    ktab = doc["meta"]["ktab"]
    doc["meta"]["format"] = "ktab-xml"
    ktab["prng_seed"] = seed
    if params_raw:
        ktab["model_parameters"] = params_raw
        doc["meta"]["model_params"] = {"smp": params}
    if ia is not None:
        ktab["ideal_adjustment"] = adjustment
    return validate(doc, source)
