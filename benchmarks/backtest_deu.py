"""Speed of the DEU backtest: issues stacked along the batch axis versus one by one.

    python benchmarks/backtest_deu.py [DEU_FILE]

Prints, per backtest row (every registered model but the learned ones, EUM once per
variant), the seconds to forecast every scorable issue both ways and the largest difference
between the two (0 for deterministic models). Joint models (the exchange model) run once per
proposal either way. Last, the default ``accord backtest deu`` run end to end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from accord.evaluation import backtest as bt  # noqa: E402
from accord.scenario.formats import deu  # noqa: E402


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "deu" / "deu_dev.tsv"
    t0 = time.perf_counter()
    issues = deu.read_issues(path)
    print(f"read {len(issues)} issues from {path.name} in {time.perf_counter() - t0:.2f} s")
    for name, spec, _ in bt.model_rows(None):
        joint = spec.name in bt.JOINT_MODELS
        timings = {}
        runs = {}
        for batch in (True,) if joint else (True, False):
            t = time.perf_counter()
            runs[batch] = bt.run_backtest(issues, [name], batch=batch)
            timings[batch] = time.perf_counter() - t
        mae = runs[True].metrics(name)["mae"]
        if joint:
            print(f"{name:>12}: per proposal {timings[True]:.3f} s, MAE {mae:.2f}")
            continue
        diff = np.nanmax(np.abs(runs[True].runs[name].forecast - runs[False].runs[name].forecast))
        print(
            f"{name:>12}: batched {timings[True]:.3f} s, one by one {timings[False]:.3f} s, "
            f"max difference {diff:.1e}, MAE {mae:.2f}"
        )
    t = time.perf_counter()
    bt.run_backtest(issues)
    print(f"every model, batched: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
