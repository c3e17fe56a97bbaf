"""Crisis-games benchmark: estimation of the R games reference fits, QRE over many lambdas and
payoff draws, the crisis analysis, and the war1800 out-of-sample scores.

Targets (issue 20): the war1800 fit <= 0.5 s, the Leblang fit (7,240 rows) <= 3 s, QRE of the
12-node game for 1,000 lambdas or 10,000 payoff draws <= 1 s. Data are read from
``../shared/data/games`` (override with ``ACCORD_SHARED``); times are the best of a few runs, data
already in memory.

Run: ``PYTHONPATH=src python benchmarks/games.py``
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from accord.games import builders
from accord.games.crisis import analyze_crisis
from accord.games.evaluate import war1800_evaluation
from accord.games.solve import agent_qre, qre_path
from accord.games.strategic import fit_strategic, load_data
from accord.scenario import load

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ACCORD_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data" / "games"
LEBLANG = ["no attack", "devaluation", "defense"]


def timed(label: str, fn: Callable[[], T], repeat: int = 3, target: float | None = None) -> T:
    """Run ``fn`` ``repeat`` times; print the best wall time (and the target); return its result."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    goal = "" if target is None else f"  (target <= {target:g} s: {'ok' if best <= target else 'MISSED'})"
    print(f"{label:<52} {1000 * best:9.1f} ms{goal}")
    return result


def main() -> int:
    if not DATA.exists():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 1
    war = load_data(DATA / "war1800.csv")
    leb = load_data(DATA / "leblang2003.csv")
    timed(
        "egame12 war1800 (282 rows, 10 coefficients)",
        lambda: fit_strategic(
            "egame12", "esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2", war
        ),
        target=0.5,
    )
    timed(
        "egame12 leblang, private probit (7,240 rows, 19)",
        lambda: fit_strategic(
            "egame12",
            "outcome ~ capcont + lreserves + overval + creditgrow + USinterest + service + contagion"
            " + prioratt - 1 | 1 | 1 | unifgov + lexports + preelec + postelec + rightgov + realinterest"
            " + capcont + lreserves",
            leb,
            error="private",
            levels=LEBLANG,
        ),
        target=3.0,
    )
    iig = builders.iig(
        {
            "Acq1": [-0.5, 0.6],
            "Acq2": [0.7, -0.4],
            "Nego": [0.2, 0.1],
            "Cap1": [-0.9, 0.8],
            "Cap2": [0.9, -0.8],
            "War1": [-0.3, -0.6],
            "War2": [-0.7, -0.2],
        }
    )
    grid = np.linspace(0.0, 50.0, 1000)
    timed("IIG agent QRE, 1,000 lambdas", lambda: qre_path(iig, grid), repeat=5, target=1.0)
    draws = iig.payoffs + 0.2 * np.random.default_rng(0).standard_normal((10_000, *iig.payoffs.shape))
    timed("IIG agent QRE, 10,000 payoff draws", lambda: agent_qre(iig, 5.0, draws), repeat=5, target=1.0)
    scenario = load(ROOT / "examples" / "iran_israel_2024.yaml")
    timed("accord crisis core: Iran-Israel, 10,000 draws", lambda: analyze_crisis(scenario, draws=10_000))
    scores = timed(
        "war1800 out-of-sample (split + 5-fold grouped CV)",
        lambda: war1800_evaluation(DATA / "war1800.csv"),
        repeat=1,
    )
    print(json.dumps(scores, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
