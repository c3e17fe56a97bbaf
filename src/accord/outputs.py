"""Writing output files without ever destroying input.

Every command and API function that writes a file goes through :func:`write_output`:

- it refuses to write onto one of the command's input files (even with ``force``), including through a
  symlink or a hard link to it;
- it refuses to replace an existing file (or a symlink, even a dangling one) unless ``force`` is given;
- it never follows a symlink: with ``force`` the link itself is replaced, its target stays untouched;
- it writes a temporary file in the destination folder and renames it into place, so a reader sees the
  old file or the new one, never half of one, and a failed write leaves nothing behind;
- it creates a missing destination folder only when ``make_dirs`` is given.

Every refusal is an :class:`~accord.errors.InputError` naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from accord.errors import InputError

__all__ = ["NULL_REASONS", "check_output", "json_ready", "write_output"]

NULL_REASONS = "null_reasons"
"""The key under which :func:`json_ready` lists the values it turned into null, with the reason."""


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file (after links), or resolve to the same path."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False


def check_output(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    make_dirs: bool = False,
) -> Path:
    """Check, before any work is done, that :func:`write_output` may write ``path``.

    Commands call this first, so a refusal comes before a long computation rather than after it.
    Returns ``path`` as a :class:`~pathlib.Path`. Raises :class:`~accord.errors.InputError`.
    """
    p = Path(path)
    src = str(p)
    if not src or src in (".", "..") or p.name in ("", ".", ".."):
        raise InputError("not a file name to write to", source=src)
    for given in inputs:
        if given is None:
            continue
        if _same_file(p, Path(given)):
            raise InputError(
                f"is an input of this command ({given}); refusing to overwrite it: choose another output",
                source=src,
            )
    try:
        st = os.lstat(p)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", source=src) from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            if not force:
                raise InputError(
                    "is a symbolic link; refusing to write through it (give --force to replace the link "
                    "itself; its target is never touched)",
                    source=src,
                )
        elif stat.S_ISDIR(st.st_mode):
            raise InputError("is a folder; give a file name", source=src)
        elif not stat.S_ISREG(st.st_mode):
            raise InputError(
                "is not a regular file (a device, FIFO or socket); refusing to write", source=src
            )
        elif not force:
            raise InputError("already exists; give --force to overwrite it", source=src)
    parent = p.parent
    if not parent.is_dir():
        if parent.exists():
            raise InputError(f"{parent} is not a folder", source=src)
        if not make_dirs:
            raise InputError(f"the folder {parent} does not exist; create it or give --make-dirs", source=src)
    elif not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write: the folder {parent} is not writable", source=src)
    return p


def write_output(
    path: str | os.PathLike[str],
    data: bytes | str,
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    make_dirs: bool = False,
) -> None:
    """Write ``data`` (text is written as UTF-8) to ``path`` safely; see the module docstring.

    ``inputs`` are the files the command read: the output may never be one of them. ``force`` allows
    replacing an existing file (or symlink); ``make_dirs`` creates missing parent folders.
    Raises :class:`~accord.errors.InputError` with a message naming the path.
    """
    inputs = tuple(inputs)
    p = check_output(path, force=force, inputs=inputs, make_dirs=make_dirs)
    src = str(p)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    parent = p.parent
    try:
        if make_dirs:
            parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name[:40]}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", source=src) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); give it the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if force:
            # the checks ran before the write; repeat the one that protects input against a race
            check_output(p, force=True, inputs=inputs, make_dirs=make_dirs)
            os.replace(tmp, p)  # replaces a symlink itself, never its target
        else:
            # a hard link fails when the name exists, so a file created meanwhile is never clobbered
            try:
                os.link(tmp, p)
            except FileExistsError:
                raise InputError("already exists; give --force to overwrite it", source=src) from None
            except OSError:
                # file systems without hard links: check again, then rename
                if os.path.lexists(p):
                    raise InputError("already exists; give --force to overwrite it", source=src) from None
                os.replace(tmp, p)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", source=src) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def json_ready(data: Any) -> tuple[Any, dict[str, str]]:
    """``data`` with every NaN or infinite float (also inside NumPy scalars) replaced by None.

    Returns the cleaned data and ``{path: reason}`` for each value replaced (``forecasts.eum.outcome.x:
    "nan: not a finite number"``), so that JSON output never carries NaN or Infinity (which strict JSON
    parsers reject) and still says why a value is missing. Walks without recursion limits trouble for
    the shallow data accord writes.
    """
    reasons: dict[str, str] = {}

    def clean(node: Any, path: str) -> Any:
        if isinstance(node, bool) or node is None or isinstance(node, str | int):
            return node
        if isinstance(node, float) or hasattr(node, "dtype") and getattr(node, "shape", None) == ():
            try:
                value = float(node)
            except (TypeError, ValueError):
                return node
            if math.isfinite(value):
                return node if isinstance(node, float) else value
            reasons[path or "$"] = (
                f"{value}: not a finite number (the computation overflowed or was undefined)"
            )
            return None
        if isinstance(node, dict):
            return {k: clean(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [clean(v, f"{path}[{i}]") for i, v in enumerate(node)]
        if hasattr(node, "tolist"):
            return clean(node.tolist(), path)
        return node

    return clean(data, ""), reasons
