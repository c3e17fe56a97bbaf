"""When do local Dask workers pay off? ``simulate`` in-process against ``--workers 2``.

Run on its own: ``python benchmarks/dask_workers.py [DRAWS...]`` (default 2000 10000 40000),
on the Gaza example with the EUM (a mid-cost model). Starting a LocalCluster costs seconds and
every task ships its results back; workers win once the draws' own time is well above that
and the machine has idle cores (on a shared 2-core machine they rarely have). Each figure is
one fresh ``accord`` process, so cluster start-up and shutdown are included; after each
``--workers`` run it checks that no worker process outlived the command.
"""

from __future__ import annotations

import sys

import psutil
from _timing import GAZA, cli_wall, header, row


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [2000, 10000, 40000]
    header()
    for n in sizes:
        args = ["simulate", str(GAZA), "-n", str(n), "-m", "eum", "--no-progress"]
        one = cli_wall(args, repeat=1)
        row(f"{n:,} draws, eum, in-process", *one, None)
        before = {p.pid for p in psutil.process_iter()}
        two = cli_wall([*args, "--workers", "2"], repeat=1)
        row(f"{n:,} draws, eum, 2 local Dask workers", two[0], two[1], None)
        print(f"  workers / in-process wall: {two[0] / one[0]:.2f}", flush=True)
        left = [
            p
            for p in psutil.process_iter(["cmdline"])
            if p.pid not in before and "distributed" in " ".join(p.info["cmdline"] or [])
        ]
        if left:
            print(f"  LEFT RUNNING: {[p.pid for p in left]}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
