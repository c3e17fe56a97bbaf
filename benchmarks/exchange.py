"""Speed of the exchange model, and its outcome distribution against Decide's single draw.

Run on its own: ``PYTHONPATH=src python benchmarks/exchange.py``. The Decide data sets are read
from ``../shared/data/decide`` beside the repository (or ``$ACCORD_SHARED/data/decide``).

Targets (issue 5): COP21 (15 actors, 13 issues) x 10 rounds <= 1 s on a 2-core machine
(Decide: 42.8 s), 100 seeded repetitions <= 30 s. Wall and CPU time are both printed: on a
shared machine wall time includes waiting for the CPU.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from accord.models import get  # noqa: E402
from accord.problem import to_problem  # noqa: E402
from accord.scenario.io import load  # noqa: E402

SHARED = Path(os.environ.get("ACCORD_SHARED", ROOT.parent / "shared"))
DECIDE = SHARED / "data" / "decide"
REFERENCE = SHARED / "reference" / "decide" / "runs_seed42.json"
FILES = ("sample_data.txt", "copenhagen.csv", "cop21.csv")


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall and best CPU seconds over ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def main() -> None:
    spec = get("exchange")
    problems = {f: to_problem(load(DECIDE / f)) for f in FILES}
    spec.run(problems["sample_data.txt"], {"rounds": 1}, seed=0)  # warm up imports
    print(f"exchange model benchmark ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    for f in FILES:
        wall, cpu = timed(lambda f=f: spec.run(problems[f], {"rounds": 10}, seed=42), repeat=5)
        print(f"  {f:16s} 10 rounds, 1 run:       wall {wall:6.3f} s  cpu {cpu:6.3f} s")
    wall, cpu = timed(lambda: spec.run(problems["cop21.csv"], {"rounds": 10, "repetitions": 100}, seed=42), 1)
    print(f"  {'cop21.csv':16s} 10 rounds, 100 runs:    wall {wall:6.3f} s  cpu {cpu:6.3f} s")

    if not REFERENCE.exists():
        return
    print("\nfinal voting outcome over 100 seeded runs vs Decide's single draw (seed 42)")
    head = ("issue", "decide", "mean", "sd", "5%", "median", "95%")
    print("  {:24s} {:>7s} {:>7s} {:>6s} {:>7s} {:>7s} {:>7s}  in 5-95%".format(*head))
    inside = total = 0
    for run in json.loads(REFERENCE.read_text()):
        problem = problems[run["file"]]
        res = spec.run(problem, {"rounds": 10, "repetitions": 100}, seed=42)
        d = res.details
        print(f"  {run['file']}")
        for j, issue in enumerate(problem.issue_ids):
            ref = run["final_voting_mds"][issue]
            q = d["final_quantiles"][:, j]
            ok = q[0] <= ref <= q[-1]
            inside += ok
            total += 1
            print(
                f"  {issue[:24]:24s} {ref:7.2f} {d['final_mean'][j]:7.2f} {d['final_sd'][j]:6.2f} "
                f"{q[0]:7.2f} {q[2]:7.2f} {q[-1]:7.2f}  {'yes' if ok else 'NO'}"
            )
    print(f"  Decide's draw inside the 5-95% band: {inside} of {total} issues")


if __name__ == "__main__":
    main()
