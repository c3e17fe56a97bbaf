"""Durability benchmark: time to load and clean the CFD, Kaplan-Meier, and the cross-validated
Cox model; prints the measured figures and the model's concordance.

Run: ``PYTHONPATH=src python benchmarks/durability.py [PATH]`` (PATH defaults to
``$ACCORD_CEASEFIRE_DATA``, then ``../shared/data/ceasefires/cfd_1989_2016.csv``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from accord import durability as du

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T], repeat: int = 3) -> T:
    """Run ``fn`` ``repeat`` times; print the best wall time; return its result."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<44} {1000 * best:9.1f} ms")
    return result


def main() -> None:
    default = Path(__file__).resolve().parents[1].parent / "shared/data/ceasefires/cfd_1989_2016.csv"
    path = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get(du.ENV_VAR, default))
    raw = timed("read_cfd (3596 rows)", lambda: du.read_cfd(path))
    data = timed("ceasefires: clean, deduplicate, censor", lambda: du.ceasefires(raw))
    t = data.at_risk
    timed(
        f"kaplan_meier ({len(t)} cease-fires)",
        lambda: du.kaplan_meier(t["duration"].to_numpy(), t["event"].to_numpy()),
        repeat=20,
    )
    rng = np.random.default_rng(0)
    big_t = rng.exponential(100, 1_000_000).round()
    big_e = rng.random(1_000_000) < 0.5
    timed("kaplan_meier (1,000,000 synthetic)", lambda: du.kaplan_meier(big_t, big_e))
    timed("base_rate with fallback (7 features)", lambda: du.base_rate(data, GAZA))
    check = timed("cross_validate (Cox, 5 folds)", lambda: du.cross_validate(data), repeat=1)
    print(
        f"concordance {check.mean_concordance:.3f} (folds {', '.join(f'{c:.3f}' for c in check.concordance)})"
    )


GAZA = {
    "written": "yes",
    "partial": "no",
    "mediated": "yes",
    "purpose": "humanitarian",
    "ceasefire_class": "preliminary",
    "side": "bilateral",
    "fixed_term": "yes",
}

if __name__ == "__main__":
    main()
