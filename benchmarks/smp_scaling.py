"""SMP on random one-issue scenarios: time against the number of actors, with a fitted exponent.

Targets (issue 18): 300 actors <= 5 s, 1,000 actors <= 60 s. Run on its own:
``python benchmarks/smp_scaling.py [SIZES...]`` (default 25 50 100 200). The 1,000-actor run
takes many minutes on a 2-core machine: the fitted exponent extrapolates it (docs/performance.md).
"""

from __future__ import annotations

import sys
import time

from _random_case import random_problem
from _timing import fit_exponent, load_note

from accord.models import get


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [25, 50, 100, 200]
    spec = get("smp")
    print(f"SMP, random scenarios, one issue ({load_note()})")
    print(f"{'actors':>7} {'turns':>6} {'wall s':>8} {'cpu s':>8} {'cpu ms/turn':>12}")
    cpus, per_turn = [], []
    for n in sizes:
        problem = random_problem(n, 1, seed=1)
        w, c = time.perf_counter(), time.process_time()
        result = spec.run(problem, {}, seed=0)
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        turns = int(result.details["turns"])
        cpus.append(cpu)
        per_turn.append(cpu / turns)
        print(f"{n:7d} {turns:6d} {wall:8.2f} {cpu:8.2f} {1000 * cpu / turns:12.1f}", flush=True)
    if len(sizes) >= 3:
        k_run, k_turn = fit_exponent(sizes, cpus), fit_exponent(sizes, per_turn)
        print(f"fitted growth: cpu ~ actors^{k_run:.2f} per run, actors^{k_turn:.2f} per turn")
        for n in (300, 1000):
            if n > max(sizes):
                est = per_turn[-1] * (n / sizes[-1]) ** k_turn
                print(f"  extrapolated {n} actors: {est:.2f} cpu s per turn")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
