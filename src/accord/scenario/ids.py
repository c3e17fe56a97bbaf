"""Identifiers made from names: stable, readable, in any script.

An importer that only has names (BDM, KTAB tables) makes each actor's or issue's id from its name.
Letters and digits of every script are kept (``Россия`` stays ``Россия``, ``中国`` stays ``中国``),
after Unicode NFC normalisation so that the same name always gives the same id; anything else (spaces,
punctuation, control and invisible characters) becomes one underscore. Nothing is transliterated.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^\w]+")  # \w: letters, digits and underscore of every script


def make_id(name: str, taken: set[str], fallback: str) -> str:
    """A readable id for ``name``, unique within ``taken`` (which it joins): ``fallback`` when the name
    has no letter or digit; ``_2``, ``_3``... appended when two different names give the same id."""
    base = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip("_") or fallback
    ident, k = base, 2
    while ident in taken:
        ident, k = f"{base}_{k}", k + 1
    taken.add(ident)
    return ident
