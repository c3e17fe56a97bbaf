"""``accord analyze`` on the Gaza example: <= 1.0 s wall without Monte Carlo (``--draws 0``),
<= 2 s with the summary's default Monte Carlo, and <= 0.2 s in-process without it (as the
server calls :func:`accord.case.analyze_case`). Run on its own: ``python benchmarks/analyze.py``.
"""

from __future__ import annotations

from _timing import GAZA, cli_wall, header, in_process, row

from accord.bargaining import agreement as ag
from accord.case import analyze_case
from accord.scenario.io import load


def main() -> int:
    header()
    fast = cli_wall(["analyze", str(GAZA), "--draws", "0"])
    ok = row("accord analyze gaza --draws 0 (fresh process)", *fast, 1.0)
    ok &= row("accord analyze gaza (default Monte Carlo)", *cli_wall(["analyze", str(GAZA)]), 2.0)
    scenario = load(GAZA)
    analyze_case(scenario, draws=0)  # imports and first-call caches

    def first() -> object:
        ag._MAXIMIN_CACHE.clear()  # as for a scenario not analysed before
        return analyze_case(scenario, draws=0)

    ok &= row("analyze_case(gaza, draws=0) in-process", *in_process(first), 0.2)
    again = in_process(lambda: analyze_case(scenario, draws=0))
    row("  the same scenario again (remembered maximin solves)", *again, None)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
