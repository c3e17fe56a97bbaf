"""Benchmark: Monte Carlo draws through the models, in-process and on a local Dask cluster.

    python benchmarks/uncertainty.py [SCENARIO] [--draws 10000] [--workers 2] [--noise 0.05]

Without SCENARIO it uses a synthetic Gaza-like case (8 actors, 3 issues, status quo,
reservations, a bridging proposal and an uncertainty entry on every value). Prints the time of
10,000 draws through compromise, Nash bargaining and EUM (when registered), of 1,000 draws
through SMP (when registered), the sensitivity run, and the same draws on a LocalCluster of
``--workers`` processes (start-up timed apart), checking that the numbers are identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from accord.models import registry  # noqa: E402
from accord.scenario import Scenario, load, validate  # noqa: E402
from accord.uncertainty.distributed import local_cluster  # noqa: E402
from accord.uncertainty.sensitivity import sensitivity  # noqa: E402
from accord.uncertainty.simulation import simulate  # noqa: E402

ACTORS = (
    # id, capability, veto, positions on (ceasefire weeks, prisoners per hostage, withdrawal %)
    ("israel", 60.0, True, (2, 10, 10)),
    ("hamas", 15.0, True, (52, 50, 100)),
    ("usa", 70.0, False, (12, 30, 50)),
    ("egypt", 20.0, False, (20, 35, 70)),
    ("qatar", 15.0, False, (26, 40, 80)),
    ("pa", 5.0, False, (52, 45, 100)),
    ("iran", 25.0, False, (52, 60, 100)),
    ("un", 10.0, False, (52, 30, 100)),
)
ISSUES = (
    ("ceasefire_weeks", 0.0, 52.0, 0.0),
    ("prisoners_per_hostage", 0.0, 60.0, 0.0),
    ("withdrawal_pct", 0.0, 100.0, 0.0),
)


def synthetic_scenario(seed: int = 7) -> Scenario:
    """A Gaza-like scenario with an uncertainty entry on every value (numbers invented for timing)."""
    rng = np.random.default_rng(seed)
    actors: list[dict[str, Any]] = []
    for name, cap, veto, pos in ACTORS:
        positions = {}
        for (issue, lo, hi, _), p in zip(ISSUES, pos, strict=True):
            span = hi - lo
            positions[issue] = {
                "position": float(p),
                "salience": float(rng.uniform(0.3, 1.0)),
                "uncertainty": {"position": {"sd": 0.08 * span}, "salience": {"sd": 0.1}},
            }
        actor: dict[str, Any] = {
            "id": name,
            "capability": cap,
            "role": "party" if veto else "outside",
            "veto": veto,
            "positions": positions,
            "uncertainty": {"capability": {"low": 0.8 * cap, "high": 1.2 * cap}},
        }
        if veto:
            actor["reservation"] = {"utility": 0.55, "uncertainty": {"utility": {"sd": 0.05}}}
        actors.append(actor)
    issues = [
        {
            "id": iid,
            "scale": {"min": lo, "max": hi},
            "status_quo": sq,
            "uncertainty": {"status_quo": {"sd": 0.02 * (hi - lo)}},
        }
        for iid, lo, hi, sq in ISSUES
    ]
    proposals = [
        {"id": "bridging", "point": {"ceasefire_weeks": 6, "prisoners_per_hostage": 30, "withdrawal_pct": 50}}
    ]
    return validate(
        {"name": "synthetic Gaza-like", "actors": actors, "issues": issues, "proposals": proposals},
        "synthetic",
    )


def timed(label: str, fn: Any, repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<58} {best:7.2f} s (best of {repeat})")
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?", help="scenario file (default: the synthetic Gaza-like case)")
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--noise", type=float, default=0.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    s = load(Path(args.scenario)) if args.scenario else synthetic_scenario()
    names = set(registry.get(m.name).name for m in registry.all_models())
    fast = [m for m in ("compromise", "nbs", "eum") if m in names]
    print(f"scenario {s.name!r}: {len(s.actors)} actors, {len(s.issues)} issues; cores: {os.cpu_count()}")
    print("load average (1, 5, 15 min) at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"models: {', '.join(fast)}; draws {args.draws}; noise {args.noise}")
    t_in, sim = timed(
        f"{args.draws} draws in-process ({'+'.join(fast)})",
        lambda: simulate(s, args.draws, fast, seed=1, noise=args.noise),
        args.repeat,
    )
    print(f"  uncertain inputs: {sim.inputs.k}; per 1,000 draws: {1000 * t_in / args.draws:.3f} s")
    for m in fast:
        timed(
            f"  {args.draws} draws, {m} alone", lambda m=m: simulate(s, args.draws, [m], seed=1), args.repeat
        )
    if "smp" in names:
        timed("1000 draws in-process (smp)", lambda: simulate(s, 1000, ["smp"], seed=1), 1)
    timed(
        "sensitivity, 512 base draws (compromise+nbs)",
        lambda: sensitivity(s, 512, ["compromise", "nbs"], seed=1, noise=args.noise),
        1,
    )
    t0 = time.perf_counter()
    with local_cluster(args.workers) as client:
        label = f"LocalCluster start-up ({args.workers} processes)"
        print(f"{label:<58} {time.perf_counter() - t0:7.2f} s")
        # warm the workers (imports) so that the timing is of the work
        simulate(s, 1000, fast, seed=1, noise=args.noise, client=client)
        t_dask, sim_d = timed(
            f"{args.draws} draws on {args.workers} Dask workers",
            lambda: simulate(s, args.draws, fast, seed=1, noise=args.noise, client=client),
            args.repeat,
        )
    same = all(np.array_equal(sim.outcomes[m], sim_d.outcomes[m]) for m in fast)
    print(f"speed-up with {args.workers} workers: {t_in / t_dask:.2f}x; identical numbers: {same}")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
