"""The long fuzz run (issue 14): many more mutants of every input format, through the readers and
the commands, than the bounded suite in tests/fuzz runs on every commit.

Usage: ``python benchmarks/fuzz.py [--cases N] [--seed S] [--minutes M] [--no-commands]``.
Prints cases per second and every failure (the mutant's first bytes and what went wrong); exits 1
when anything crashed, hung or printed more than one error line. Each failure found this way becomes
a regression test in tests/scenario/test_hardening.py (or next to the reader's own tests).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import fuzzing  # noqa: E402 - the shared fuzzing engine lives beside the tests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="mutants to read (default 3000)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the mutations")
    parser.add_argument("--minutes", type=float, default=10.0, help="stop after this long")
    parser.add_argument("--no-commands", action="store_true", help="only the readers, no commands")
    args = parser.parse_args(argv)
    shared = Path(os.environ.get("ACCORD_SHARED", ROOT.parent / "shared"))
    corpus = fuzzing.seeds(shared if shared.is_dir() else None)
    print(f"corpus: {len(corpus)} seed files; {args.cases} mutants, seed {args.seed}", flush=True)
    t0 = time.perf_counter()

    def progress(done: int) -> None:
        if done % 250 == 0:
            print(f"  {done} cases, {time.perf_counter() - t0:.0f} s", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        n, failures = fuzzing.run_campaign(
            Path(folder),
            corpus,
            args.cases,
            args.seed,
            commands=not args.no_commands,
            budget_s=args.minutes * 60,
            progress=progress,
        )
    elapsed = time.perf_counter() - t0
    print(f"{n} cases in {elapsed:.1f} s ({n / elapsed:.1f} cases/s); {len(failures)} failures")
    kinds: dict[str, list[fuzzing.Failure]] = collections.OrderedDict()
    for f in failures:
        kinds.setdefault(f.what.strip().splitlines()[-1][:160], []).append(f)
    for what, group in kinds.items():
        print(f"\n{len(group)} x {what}\n  first: {group[0]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
