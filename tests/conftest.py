"""Shared fixtures: where the public data sets and reference outputs live.

The data sit in ``../shared`` beside the repository (override with ``ACCORD_SHARED``);
tests that need them skip with a clear reason when they are absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ACCORD_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
REFERENCE = SHARED / "reference"
EXAMPLES = ROOT / "examples"


def need(path: Path) -> Path:
    """Skip the calling test when a shared data file is absent."""
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture
def data_dir() -> Path:
    return need(DATA)


@pytest.fixture
def reference_dir() -> Path:
    return need(REFERENCE)
