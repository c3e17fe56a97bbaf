"""The browser pages' templates and static assets, and the Jinja environment that renders them.

The routes live in :mod:`accord.server.pages`; this package holds what they render: Jinja2
templates (``templates/``, autoescaped: every scenario text is shown as text), one stylesheet and
one small script (``static/``, served by accord itself: nothing is loaded from elsewhere), and
the helpers that turn scenarios and analyses into what a page shows (:mod:`.forms`, :mod:`.view`,
:mod:`.charts`).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
# the static files served, with their media types (nothing else under static/ is reachable)
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def field_id(name: str) -> str:
    """An HTML id for a form field name (the same rule as ``fieldId`` in static/app.js)."""
    return re.sub(r"[^A-Za-z0-9_]", "-", name)


def fmt_number(value: Any) -> str:
    """A number as an analyst writes it: ``55`` not ``55.0``, at most 6 significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


@lru_cache(maxsize=8)
def static_version(name: str) -> str:
    """A short hash of a static file's content, so browsers refetch it after an upgrade."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


@lru_cache(maxsize=1)
def environment() -> Any:
    """The Jinja2 environment of the pages (autoescaping on for every template)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fid"] = field_id
    env.filters["fmtnum"] = fmt_number
    env.globals["static"] = lambda name: f"/static/{name}?v={static_version(name)}"
    return env


def render(template: str, **context: Any) -> str:
    """Render one page template with ``context`` (see each template for the names it uses)."""
    from accord import __version__

    context.setdefault("version", __version__)
    for key, default in (("user", None), ("csrf", ""), ("flashes", []), ("crumbs", []), ("errors", [])):
        context.setdefault(key, default)
    return str(environment().get_template(template).render(**context))
