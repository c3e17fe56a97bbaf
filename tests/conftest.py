"""Shared fixtures: where the public data sets and reference outputs live.

The data sit in ``../shared`` beside the repository (override with ``ACCORD_SHARED``).
A small, licence-compatible copy of the reference inputs and outputs ships in
``tests/shared/`` (same layout; see its README), so a fresh clone without ``../shared`` still
checks the models' fidelity. A test whose file is in neither place skips with a clear reason,
except in CI (``CI`` set and not ``false``/``0``), where a missing reference file fails the
test: fidelity checks must never pass by skipping there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ACCORD_SHARED", ROOT.parent / "shared"))
BUNDLED = ROOT / "tests" / "shared"
# without ../shared, every path points into the bundled copy (files it lacks then skip, or fail in CI)
_BASE = SHARED if SHARED.is_dir() else BUNDLED
DATA = _BASE / "data"
REFERENCE = _BASE / "reference"
EXAMPLES = ROOT / "examples"


def in_ci() -> bool:
    """True under continuous integration (the ``CI`` variable, as GitHub, GitLab and .ci/run set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def bundled(path: Path) -> Path | None:
    """The copy in ``tests/shared/`` of a file under ``SHARED``, if the repository ships one."""
    try:
        rel = path.resolve().relative_to(SHARED.resolve())
    except ValueError:
        return None
    copy = BUNDLED / rel
    return copy if copy.exists() else None


def need(path: Path) -> Path:
    """The shared data file ``path``, else its bundled copy; skip (fail in CI) when neither exists."""
    if path.exists():
        return path
    copy = bundled(path)
    if copy is not None:
        return copy
    message = f"shared data not present: {path}"
    if in_ci():
        pytest.fail(message + " (CI must run every reference test: put ../shared beside the checkout)")
    pytest.skip(message)


@pytest.fixture
def data_dir() -> Path:
    return need(DATA)


@pytest.fixture
def reference_dir() -> Path:
    return need(REFERENCE)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a reference test skipped for missing data turns the run red (a second safety net).

    ``need`` already fails there; this catches a skip that bypassed it (an ``os.path.exists``
    check, a ``skipif``) as long as its reason says the shared data are absent.
    """
    if not in_ci():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    missing = [rep for rep in skipped if "shared data not present" in str(getattr(rep, "longrepr", ""))]
    if missing:
        reporter.write_line(f"CI: {len(missing)} reference test(s) skipped for missing shared data", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
