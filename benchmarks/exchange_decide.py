"""The exchange model's two rule sets against Decide's repeated runs (rounds 1-10 as distributions).

Run on its own: ``PYTHONPATH=src python benchmarks/exchange_decide.py [RUNS]`` (default 100).
Reads Decide's data and ``distributions.json`` from ``../shared`` (else ``tests/shared``). Per
data set and variant: the CPU seconds of RUNS seeded runs of 10 rounds, and per issue Decide's
mean over its seeds, ours, our 5-95 % band and the two-sample Kolmogorov-Smirnov p-value; then
how many issues have Decide's mean inside the band and how many KS tests reject at 1 %
(the table in ``docs/models/exchange.md``). Round 1 exchange by exchange is a unit test
(``tests/models/test_exchange.py``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import ks_2samp

from accord.models import get
from accord.problem import to_problem
from accord.scenario.io import load

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").is_dir() else ROOT / "tests" / "shared"


def main(runs: int) -> None:
    reference = json.loads((SHARED / "reference" / "decide" / "distributions.json").read_text())["files"]
    print(f"exchange model against Decide ({runs} runs, load {os.getloadavg()[0]:.1f})")
    spec = get("exchange")
    for name, info in reference.items():
        problem = to_problem(load(SHARED / "data" / "decide" / name))
        span = problem.scale_max - problem.scale_min
        for variant in ("decide", "accord"):
            start = time.process_time()
            # one batch case per run: each its own generator, and its final outcome on its own
            res = spec.run(problem.with_batch(runs), {"rounds": 10, "variant": variant}, seed=0)
            cpu = time.process_time() - start
            finals = res.outcome * 100  # Decide's 0-100 scale
            inside = rejected = 0
            print(f"{name}, variant={variant}: {cpu:.1f} CPU s")
            for j, issue in enumerate(problem.issue_ids):
                theirs = np.array(info["issues"][issue]["voting"])
                ours = finals[:, j]
                low, high = np.quantile(ours, [0.05, 0.95])
                p = ks_2samp(ours, theirs).pvalue
                inside += bool(low <= theirs.mean() <= high)
                rejected += bool(p < 0.01)
                print(
                    f"  {issue:22s} Decide {theirs.mean():6.2f} ({theirs.std():4.2f})  "
                    f"ours {ours.mean():6.2f} ({ours.std():4.2f})  5-95% {low:6.2f}..{high:6.2f}  "
                    f"KS p {p:.3f}  (issue scale span {span[j]:g})"
                )
            print(f"  inside the band: {inside} of {problem.n_issues}; KS rejects at 1 %: {rejected}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
