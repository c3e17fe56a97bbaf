"""pydantic's plugin scan, skipped where it cannot find a plugin.

Building its first model, pydantic looks for plugins: every entry point in the ``pydantic`` group
of every installed distribution (``importlib.metadata.entry_points``, which reads the metadata of
all of them: about 0.01 s with this project's development dependencies). Where no distribution
declares that group the scan finds nothing, and ``PYDANTIC_DISABLE_PLUGINS`` (pydantic's own
switch) gives the same answer without it. Where one might, or where the metadata lies anywhere
``importlib.metadata`` looks that this check does not read (a zip file, an egg, a finder of its
own), pydantic scans as before.
"""

from __future__ import annotations

import os
import sys

ENV = "PYDANTIC_DISABLE_PLUGINS"


def no_plugin_declared() -> bool:
    """True when no distribution on ``sys.path`` can declare a pydantic plugin.

    Reads the ``entry_points.txt`` of every ``*.dist-info`` and ``*.egg-info`` folder on the path,
    as ``importlib.metadata`` finds them; a section header naming ``pydantic``, a file that is not
    UTF-8, an egg, a zip file on the path or a meta-path finder that lists distributions of its
    own answer False.
    """
    from importlib.machinery import PathFinder

    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        return False
    for entry in sys.path:
        root = entry or "."
        if os.path.basename(root).lower().endswith(".egg"):
            return False
        try:
            children = os.scandir(root)
        except NotADirectoryError:  # a zip file
            return False
        except OSError:  # missing or unreadable: importlib.metadata finds nothing there either
            continue
        with children:
            for child in children:
                low = child.name.lower()
                if low.endswith(".egg"):
                    return False
                if low.endswith((".dist-info", ".egg-info")) and _declares_pydantic(child.path):
                    return False
    return True


def _declares_pydantic(info: str) -> bool:
    try:
        with open(os.path.join(info, "entry_points.txt"), encoding="utf-8") as f:
            text = f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return False
    except (OSError, UnicodeDecodeError):
        return True  # unreadable: let pydantic look for itself
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]") and "pydantic" in s:
            return True
    return False


def skip_scan_without_plugins() -> None:
    """Set ``PYDANTIC_DISABLE_PLUGINS`` for this process where no plugin is declared (a value the
    user set is left alone). Call before the first pydantic model is built."""
    if ENV not in os.environ and no_plugin_declared():
        os.environ[ENV] = "__all__"
