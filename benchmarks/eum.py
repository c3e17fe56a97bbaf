"""Speed of the expected-utility model (``accord.models.eum``); runnable on its own.

Synthetic scenarios: positions uniform on 0-100, capability and salience uniform on
0.05-1, fixed seed, 10 rounds (no early stop), both variants; and 10,000 Monte Carlo draws of
the EC emission-standards case (Bueno de Mesquita 1994; positions jittered by N(0, 0.5)
years, saliences by +-10 %) run as one batch. Prints wall time (best of ``--repeat``) and
CPU time, and peak memory (tracemalloc, in a separate run so tracing does not slow the timed
one; and the peak resident memory of the whole process at the end).

    PYTHONPATH=src python benchmarks/eum.py [--repeat 3] [--sizes 200 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np

from accord.models import get
from accord.problem import Problem, to_problem
from accord.scenario import load, validate

SEED = 20110401
# the shared data beside the repository, as in tests/conftest.py (override with ACCORD_SHARED)
SHARED = Path(os.environ.get("ACCORD_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
EC = SHARED / "data" / "bdm" / "eu_emissions.csv"


def synthetic(n_actors: int, seed: int = SEED) -> Problem:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, n_actors)
    cap = rng.uniform(0.05, 1, n_actors)
    sal = rng.uniform(0.05, 1, n_actors)
    doc = {
        "name": f"synthetic {n_actors}",
        "actors": [
            {
                "id": f"a{k}",
                "capability": float(cap[k]),
                "positions": {"x": {"position": float(pos[k]), "salience": float(sal[k])}},
            }
            for k in range(n_actors)
        ],
        "issues": [{"id": "x", "scale": {"min": 0, "max": 100}}],
    }
    return to_problem(validate(doc, "synthetic"))


def ec_draws(n_draws: int, path: Path = EC, seed: int = SEED) -> Problem:
    base = to_problem(load(path)).with_batch(n_draws)
    rng = np.random.default_rng(seed)
    span = base.scale_max - base.scale_min
    pos = np.clip(base.position + rng.normal(0, 0.5, base.position.shape) / span, 0, 1)
    sal = np.clip(base.salience * rng.uniform(0.9, 1.1, base.salience.shape), 0, 1)
    return replace(base, position=pos, salience=sal)


def timed(problem: Problem, params: dict[str, object], repeat: int) -> tuple[float, float, float]:
    spec = get("eum")
    best = cpu = np.inf
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        spec.run(problem, params)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    tracemalloc.start()
    spec.run(problem, params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, cpu, peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*", default=[200, 1000])
    ap.add_argument("--draws", type=int, default=10_000)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f}; best of {args.repeat}")
    print(f"{'case':<38}{'variant':<8}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}")
    for n in args.sizes:
        prob = synthetic(n)
        for variant in ("scholz", "paper"):
            params = {"variant": variant, "rounds": 10, "early_stop": False}
            sec, cpu, mib = timed(prob, params, args.repeat)
            print(f"{f'synthetic {n} actors x 10 rounds':<38}{variant:<8}{sec:8.3f}{cpu:8.3f}{mib:10.1f}")
    if EC.exists():
        prob = ec_draws(args.draws)
        for variant in ("scholz", "paper"):
            params = {"variant": variant, "rounds": 10, "early_stop": False}
            sec, cpu, mib = timed(prob, params, args.repeat)
            case = f"EC emissions {args.draws} draws x 10 rounds"
            print(f"{case:<38}{variant:<8}{sec:8.3f}{cpu:8.3f}{mib:10.1f}")
    else:
        print(f"skipped the EC draws: {EC} not found")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the whole process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
