"""Speed of the SMP against its targets (run on its own: ``python benchmarks/smp.py``).

Targets (2-core machine): dummyData-a080 <= 3 s and dummyData-a160 <= 20 s with default
parameters (KTAB -O2 took 70 s for a080 and about 25 min for a160); 1,000 seeded
stochastic draws of the Gaza example (9 actors, 3 issues) <= 30 s. Prints wall and CPU
seconds; the KTAB data are read from ``../shared/data/ktab`` (or ``$ACCORD_SHARED/data/ktab``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from accord.models import get
from accord.problem import Problem, to_problem
from accord.scenario.io import load

ROOT = Path(__file__).resolve().parents[1]
KTAB = Path(os.environ.get("ACCORD_SHARED", ROOT.parent / "shared")) / "data" / "ktab"


def _time(
    problem: Problem, params: dict[str, object], seed: int = 0, reps: int = 1
) -> tuple[float, float, object]:
    spec = get("smp")
    walls, cpus = [], []
    result = None
    for _ in range(reps):
        w, c = time.perf_counter(), time.process_time()
        result = spec.run(problem, params, seed=seed)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> int:
    if not KTAB.exists():
        print(f"KTAB data not found at {KTAB}", file=sys.stderr)
        return 1
    rows = []
    for name, target, reps in (("dummyData-a080", 3.0, 3), ("dummyData-a160", 20.0, 1)):
        problem = to_problem(load(KTAB / f"{name}.csv"))
        wall, cpu, result = _time(problem, {}, reps=reps)
        turns = result.details["turns"]  # type: ignore[attr-defined]
        rows.append((f"{name} ({problem.n_actors} actors, {turns} turns)", wall, cpu, target))
    gaza = Path(__file__).resolve().parents[1] / "examples" / "gaza_ceasefire_2024.yaml"
    problem = to_problem(load(gaza)).with_batch(1000)
    wall, cpu, _ = _time(problem, {"transitions": "Stochastic"}, seed=1)
    rows.append(("1,000 stochastic draws, Gaza example (9 actors x 3 issues)", wall, cpu, 30.0))
    print(f"{'case':64} {'wall s':>8} {'cpu s':>8} {'target':>7}")
    ok = True
    for label, wall, cpu, target in rows:
        flag = "" if wall <= target else "  SLOW"
        ok &= wall <= target
        print(f"{label:64} {wall:8.2f} {cpu:8.2f} {target:7.1f}{flag}")
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
