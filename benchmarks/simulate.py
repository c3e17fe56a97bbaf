"""``accord simulate`` with 2,000 draws, every model and the sensitivity indices (target 5 s) on
the Gaza example and on a random eight-actor, four-issue case with four uncertain positions
(as many as Gaza); ``accord report`` with 1,000 draws (target 5 s); each in one process
(``--jobs 1``) and on every usable core (the default), wall and CPU seconds (the CPU of the
worker processes included) with the load average beside each. Also the CPU seconds per model
on one block of 1,000 draws and on about 1,000 rows of Gaza's sensitivity design, which is
where the time goes, what starting and stopping the local worker processes costs and what the
report's figures cost. Run on
its own: ``python benchmarks/simulate.py [--quick]`` (``--quick``: the per-model tables and the
start cost only).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _random_case import random_scenario
from _timing import GAZA, cli_wall, header, load_note, row

from accord.models import get
from accord.problem import to_problem
from accord.scenario.formats.native import to_data
from accord.scenario.io import load
from accord.uncertainty.draws import MONTE_CARLO, SENSITIVITY, draw_uniforms, uncertain_inputs
from accord.uncertainty.sensitivity import design

MODELS = ("mean", "compromise", "median", "nbs", "eum", "smp", "exchange", "ensemble")


def per_model(path: Path, draws: int = 1000, noise: float = 0.0, saltelli: bool = False) -> None:
    """CPU seconds of each model on one block of ``draws`` Monte Carlo draws of the scenario, or
    (``saltelli``) on about as many rows of the sensitivity design, where rows repeat per issue."""
    s = load(path)
    inputs = uncertain_inputs(s, noise)
    base = to_problem(s)
    if saltelli:
        n = max(1, draws // (inputs.k + 2))
        u = draw_uniforms(0, SENSITIVITY, 0, 2 * inputs.k, n, n)
        rows = design(u, inputs.k).reshape(-1, inputs.k)
    else:
        rows = inputs.ppf(draw_uniforms(0, MONTE_CARLO, 0, inputs.k, draws, draws))
        n = draws
    batch = inputs.apply(base, inputs.ppf(rows) if saltelli else rows)
    cells = []
    for name in MODELS:
        spec = get(name)
        if spec.why_not(batch):
            continue
        t = time.process_time()
        spec.run(batch, {}, seed=0)
        cells.append(f"{name} {time.process_time() - t:.2f}")
    what = f"{n} x {inputs.k + 2} Saltelli rows" if saltelli else f"{draws} draws"
    print(f"  {s.name[:40]}: {inputs.k} uncertain inputs; CPU s per {what}: " + ", ".join(cells))


def _nothing(job: object, start: int, stop: int) -> dict[str, np.ndarray]:
    return {"block": np.arange(start, stop)}


def pool_start_cost(repeat: int = 5) -> None:
    """Wall and CPU seconds (this process and its workers) of starting local worker processes,
    handing them trivial tasks and stopping them: what ``--jobs`` adds to a run."""
    from accord.uncertainty.distributed import run_blocks, usable_cores

    jobs = max(2, usable_cores())
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = os.times(), time.perf_counter()
        run_blocks(_nothing, None, jobs, jobs=jobs)
        c1, t1 = os.times(), time.perf_counter()
        walls.append(t1 - t0)
        cpus.append(sum(c1[:4]) - sum(c0[:4]))  # user, system, children's user and system
    print(
        f"  {jobs} local worker processes, started and stopped: best wall {min(walls):.3f} s, "
        f"CPU {min(cpus):.3f} s ({load_note()})"
    )


def report_figures() -> None:
    """CPU seconds of drawing the report's figures (every plate, SVG and page) in this process, on
    Gaza with a small Monte Carlo run: what ``accord report`` spends beside the models."""
    from accord.report.html import collect, render

    d = collect(load(GAZA), draws=200, models=["compromise"], sensitivity_draws=8, jobs=1)
    t = time.process_time()
    html, _ = render(d, jobs=1)
    cpu, figures = time.process_time() - t, html.count("<figure ")
    print(f"  report's {figures} figures, drawn in one process: CPU {cpu:.2f} s ({load_note()})")


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        eight = Path(tmp) / "eight_by_four.yaml"
        import yaml

        eight.write_text(yaml.safe_dump(to_data(random_scenario(8, 4, seed=8, uncertain=4))))
        print("where the time goes:")
        per_model(GAZA)
        per_model(eight)
        per_model(GAZA, saltelli=True)
        print("local worker processes:")
        pool_start_cost()
        report_figures()
        if "--quick" in argv:
            return 0
        header()
        ok = True
        out = Path(tmp) / "r.html"
        for jobs in (["--jobs", "1"], []):
            how = " ".join(jobs) or "all cores"
            for label, path in (("gaza", GAZA), ("random 8 actors x 4 issues", eight)):
                args = ["simulate", str(path), "-n", "2000", "--sensitivity", "--no-progress", *jobs]
                ok &= row(f"simulate {label}: 2,000 + sens., {how}", *cli_wall(args, repeat=1), 5.0)
                print(f"    ({load_note()})")
            args = ["report", str(GAZA), "-n", "1000", "-o", str(out), "--force", *jobs]
            ok &= row(f"report gaza, 1,000 draws, {how}", *cli_wall(args, repeat=1), 5.0)
            print(f"    ({load_note()})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
