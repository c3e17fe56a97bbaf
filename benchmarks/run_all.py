"""Run every benchmark in this folder, one process each, and print their figures.

Usage: ``python benchmarks/run_all.py [NAME ...]`` (names without ``.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    # modules named _*.py are helpers the benchmarks import
    found = (p.stem for p in HERE.glob("*.py") if p.stem != "run_all" and not p.stem.startswith("_"))
    names = argv or sorted(found)
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        rc = subprocess.call([sys.executable, str(HERE / f"{name}.py")])
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
