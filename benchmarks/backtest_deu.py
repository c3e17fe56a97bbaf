"""Speed of the DEU backtest: issues stacked along the batch axis versus one by one.

    python benchmarks/backtest_deu.py [DEU_FILE]

Prints, per registered model, the seconds to forecast every scorable issue both ways and the
largest difference between the two (must be 0 for deterministic models).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from accord.analysis import backtest as bt  # noqa: E402
from accord.models import registry  # noqa: E402
from accord.scenario.formats import deu  # noqa: E402


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "deu" / "deu_dev.tsv"
    t0 = time.perf_counter()
    issues = deu.read_issues(path)
    print(f"read {len(issues)} issues from {path.name} in {time.perf_counter() - t0:.2f} s")
    names = [s.name for s in registry.all_models() if s.name not in bt.LEARNED_MODELS]
    for name in names:
        timings = {}
        runs = {}
        for batch in (True, False):
            t = time.perf_counter()
            runs[batch] = bt.run_backtest(issues, [name], batch=batch)
            timings[batch] = time.perf_counter() - t
        diff = np.nanmax(np.abs(runs[True].runs[name].forecast - runs[False].runs[name].forecast))
        mae = runs[True].metrics(name)["mae"]
        print(
            f"{name:>12}: batched {timings[True]:.3f} s, one by one {timings[False]:.3f} s, "
            f"max difference {diff:.1e}, MAE {mae:.2f}"
        )


if __name__ == "__main__":
    main()
