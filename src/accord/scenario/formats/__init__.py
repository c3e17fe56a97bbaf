"""One module per file format: ``sniff`` recognises it, ``read`` parses it, ``write`` writes it.

The names of the formats live here, apart from the readers, so that the command line's help can
list them without importing a reader (:mod:`accord.scenario.io` dispatches through them).
"""

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
SUFFIX_WRITERS: dict[str, str] = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "flat"}
