"""Start-up: ``accord --help`` <= 0.3 s and ``accord validate`` (Gaza) <= 0.5 s, fresh processes.

Run on its own: ``python benchmarks/startup.py``. Prints the best of three, wall and CPU, and
``python -c pass`` for scale; start-up is what the interpreter and the imports cost.
"""

from __future__ import annotations

import subprocess
import sys
import time

from _timing import GAZA, cli_wall, header, row


def main() -> int:
    header()
    walls = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        walls.append(time.perf_counter() - t)
    row("python -c pass", min(walls), 0.0, None)
    ok = row("accord --help", *cli_wall(["--help"]), 0.3)
    ok &= row("accord validate examples/gaza_ceasefire_2024.yaml", *cli_wall(["validate", str(GAZA)]), 0.5)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
