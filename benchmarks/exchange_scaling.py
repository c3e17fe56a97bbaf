"""The exchange model on random two-issue scenarios: time against the number of actors, with a
fitted exponent. Target (issue 18): 1,000 actors <= 5 s. Run on its own:
``python benchmarks/exchange_scaling.py [SIZES...]`` (default 150 300 600).
"""

from __future__ import annotations

import sys
import time

from _random_case import random_problem
from _timing import fit_exponent, load_note

from accord.models import get


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [150, 300, 600]
    spec = get("exchange")
    print(f"exchange model, random scenarios, two issues, 10 rounds ({load_note()})")
    # from 5,000 candidates per run a round runs in the compiled kernel: load it (numba and the
    # cached machine code, once per process) outside the timings
    c = time.process_time()
    spec.run(random_problem(300, 2, seed=2), {"rounds": 1}, seed=0)
    print(f"kernel load and one 300-actor round: {time.process_time() - c:.2f} cpu s (once per process)")
    print(f"{'actors':>7} {'exchanges':>10} {'wall s':>8} {'cpu s':>8}")
    cpus = []
    for n in sizes:
        problem = random_problem(n, 2, seed=1)
        w, c = time.perf_counter(), time.process_time()
        result = spec.run(problem, {}, seed=0)
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        done = sum(len(r["exchanges"]) for r in result.details["rounds"])
        cpus.append(cpu)
        print(f"{n:7d} {done:10d} {wall:8.2f} {cpu:8.2f}", flush=True)
    if len(sizes) >= 3:
        k = fit_exponent(sizes, cpus)
        print(f"fitted growth: cpu ~ actors^{k:.2f}")
        if max(sizes) < 1000:
            print(f"  extrapolated 1,000 actors: {cpus[-1] * (1000 / sizes[-1]) ** k:.1f} cpu s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
