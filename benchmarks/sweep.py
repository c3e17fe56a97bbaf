"""Speed of what-if sweeps: ``accord.sweep`` over 1,000 values of one input on the Gaza example.

Run on its own: ``python benchmarks/sweep.py``. Target: 1,000 values of Hamas's reservation on
Israel's presence in Gaza, with every model that applies (8 models), under 1 s. Also times a
1,000-value sweep of a position (every model runs on the 1,000-point batch) for comparison, a
21 x 21 grid of two reservations, and the same 1,000 reservation values one by one (edit,
forecast, zone check) as the loop the sweep replaces (on 20 values, scaled to 1,000).
Prints the best of 3 runs after one warm-up call (imports and first-call costs excluded).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import accord
from accord.bargaining.agreement import zone_exists
from accord.problem import to_problem

GAZA = Path(__file__).resolve().parents[1] / "examples" / "gaza_ceasefire_2024.yaml"


def best_of(fn: Any, repeat: int = 3) -> float:
    fn()  # warm-up: imports, first-call caches
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    s = accord.load(GAZA)
    values = np.linspace(0, 100, 1000)

    t = best_of(lambda: accord.sweep(s, "hamas", "presence", "reservation", values=values))
    sw = accord.sweep(s, "hamas", "presence", "reservation", values=values)
    print(
        f"sweep, 1,000 values of hamas.presence.reservation, {len(sw.outcomes)} models: {t:.3f} s "
        f"(target < 1 s: {'met' if t < 1 else 'NOT met'}); zone exists at {100 * np.mean(sw.zone == 1):.1f}% "
        "of the values"
    )

    t = best_of(lambda: accord.sweep(s, "israel", "presence", "position", values=values), repeat=1)
    print(f"sweep, 1,000 values of israel.presence.position (models run on 1,000 points): {t:.2f} s")

    grid = np.linspace(0, 100, 21)
    t = best_of(
        lambda: accord.sweep(
            s, grid=[("hamas", "presence", "reservation", grid), ("israel", "presence", "reservation", grid)]
        )
    )
    print(f"grid, 21 x 21 reservations, every model: {t:.3f} s")

    def loop(n: int = 20) -> None:
        for v in values[:: len(values) // n]:
            edited = s.with_reservation("hamas", "presence", float(v))
            accord.forecast(edited)
            zone_exists(to_problem(edited))

    t = best_of(loop, repeat=1)
    print(f"one by one (edit, forecast every model, zone), 20 values: {t:.2f} s = {t * 50:.0f} s per 1,000")


if __name__ == "__main__":
    main()
