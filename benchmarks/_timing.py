"""Helpers for the interactive-speed benchmarks (imported by them; not a benchmark itself)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAZA = ROOT / "examples" / "gaza_ceasefire_2024.yaml"


def load_note() -> str:
    """The machine's cores and load average: wall time on a shared machine includes waiting."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min), {five:.1f} (5 min)"


def cli_wall(args: Sequence[str], repeat: int = 3) -> tuple[float, float]:
    """Best wall and best CPU (user + system, children) seconds of ``accord ARGS`` in a fresh process."""
    # as installed: with the bytecode cache (a shell with PYTHONDONTWRITEBYTECODE would time the
    # compilation of every accord module in every run); the first run writes it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "accord", *args], check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env
        )
        walls.append(time.perf_counter() - t)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user) + (after.children_system - before.children_system)
        )
    return min(walls), min(cpus)


def in_process(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``fn()`` in this process."""
    walls, cpus = [], []
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def row(label: str, wall: float, cpu: float, target: float | None) -> bool:
    """Print one line; True when within the target (wall seconds)."""
    flag = "" if target is None or wall <= target else "  SLOW"
    tgt = "" if target is None else f"{target:7.2f}"
    print(f"{label:58} {wall:8.2f} {cpu:8.2f} {tgt:>7}{flag}", flush=True)
    return target is None or wall <= target


def header() -> None:
    print(f"{'case':58} {'wall s':>8} {'cpu s':>8} {'target':>7}   ({load_note()})", flush=True)


def fit_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(seconds) on log(size): time grows about as size ** slope."""
    import numpy as np

    slope, _ = np.polyfit(np.log(np.asarray(sizes, float)), np.log(np.asarray(seconds, float)), 1)
    return float(slope)
