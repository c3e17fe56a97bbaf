"""SMP on random one-issue scenarios: time against the number of actors, with a fitted exponent.

Targets (issue 18): 300 actors <= 5 s, 1,000 actors <= 60 s (wall, the 2-core machine). Run on
its own: ``python benchmarks/smp_scaling.py [SIZES...] [--turns K] [--threads N]`` (default
50 100 200; docs/performance.md adds 300; ``--turns 2`` with 1000 gives the time per turn, since
a whole 1,000-actor run takes minutes). The compiled kernels are loaded (numba's import and the
cached machine code) before the timings, and that load is reported on its own line.
``--threads N`` runs the parallel kernels on N threads (1: their serial twins); ``--compare``
runs each size on one thread and then on the default number, back to back in this process.
With threads, CPU seconds add up every thread's time: the wall seconds are the target's.
"""

from __future__ import annotations

import argparse
import sys
import time

from _random_case import random_problem
from _timing import fit_exponent, load_note

from accord.models import get


def _load_kernels() -> None:
    """numba's import and the kernels' cached code (compiled on a new installation), timed alone."""
    c, w = time.process_time(), time.perf_counter()
    get("smp").run(random_problem(130, 1, seed=3), {"max_turns": 1}, seed=0)  # above the threshold
    print(f"kernels loaded: {time.perf_counter() - w:.2f} wall s, {time.process_time() - c:.2f} cpu s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[50, 100, 200])
    parser.add_argument("--turns", type=int, default=None, help="stop after this many turns")
    parser.add_argument("--threads", type=int, default=None, help="threads of the parallel kernels")
    parser.add_argument("--compare", action="store_true", help="one thread, then the default, per size")
    args = parser.parse_args(argv)
    from accord.models.kernels import threads

    spec = get("smp")
    params = {} if args.turns is None else {"max_turns": args.turns, "min_turns": args.turns}
    print(f"SMP, random scenarios, one issue ({load_note()})")
    _load_kernels()
    settings = [1, None] if args.compare else [args.threads]
    print(f"{'actors':>7} {'threads':>7} {'turns':>6} {'wall s':>8} {'cpu s':>8} {'wall ms/turn':>13}")
    walls, per_turn = [], []
    for n in args.sizes:
        problem = random_problem(n, 1, seed=1)
        for setting in settings:
            threads.set_threads(setting)
            w, c = time.perf_counter(), time.process_time()
            result = spec.run(problem, params, seed=0)
            wall, cpu = time.perf_counter() - w, time.process_time() - c
            turns = int(result.details["turns"])
            line = f"{n:7d} {threads.threads():7d} {turns:6d} {wall:8.2f} {cpu:8.2f}"
            print(f"{line} {1000 * wall / turns:13.1f}   (load {load_note().split('load average ')[1]})")
        walls.append(wall)
        per_turn.append(wall / turns)
    threads.set_threads(None)
    if len(args.sizes) >= 3:
        k_run, k_turn = fit_exponent(args.sizes, walls), fit_exponent(args.sizes, per_turn)
        print(f"fitted growth (last setting, wall): actors^{k_run:.2f} per run, actors^{k_turn:.2f} per turn")
        for n in (300, 1000):
            if n > max(args.sizes):
                est = per_turn[-1] * (n / args.sizes[-1]) ** k_turn
                print(f"  extrapolated {n} actors: {est:.2f} wall s per turn")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
